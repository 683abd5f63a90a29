"""What a client needs to know about a package before importing it: its services."""

from __future__ import annotations

from pathlib import Path

from spark_tui.spark.package_format import open_package


def package_services(path: Path) -> list[str]:
    """`folder/service` of every service in the package (BadPackage when it is not a readable export)."""
    with open_package(path, str(path)) as package:
        return list(package.services)
