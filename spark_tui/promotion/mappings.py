"""Source → destination mappings: `--map SRC=DST[:major|minor|patch]` and `--mapping-file FILE` (TOML).

The one parser of both `--promote-to` and `--import-package` (the TUI's mapping table too).
A mapping renames a service (`claims/fraud=uat-claims/fraud-score`) or a whole folder
(`claims=uat-claims`: every service of the folder keeps its name under the new folder). Expanded
against the services of a selection or package, every service gets one `ServiceMapping` (Spark's
`services_modify` entry): its service mapping, else its folder's, else its own name. `SRC` alone
(`claims/fraud`, `claims/fraud:major`) keeps the name: an import then takes only the mapped services.

Mapping file:

    upgrade = "minor"                      # optional: the default version bump
    if_present = "add_version"             # optional: abort | replace | add_version

    [folders]
    "claims" = "uat-claims"

    [services]
    "claims/fraud" = "uat-claims/fraud-score"
    "claims/triage" = { to = "uat-claims/triage", upgrade = "major" }
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from spark_tui.spark.errors import Code, ValidationFailed, excerpt
from spark_tui.spark.import_wire import ServiceMapping
from spark_tui.spark.export_wire import ApiError
from spark_tui.spark.values import IfPresent, VersionBump
from spark_tui.spark.uri import InvalidReference, service_uri, validate_name

BUMPS = tuple(b.value for b in VersionBump)
MAX_FILE_BYTES = 1024 * 1024
FORM = "SRC=DST[:major|minor|patch] with SRC and DST both FOLDER/SERVICE or both FOLDER"


@dataclass(frozen=True)
class Mapping:
    """One rename: `folder/service` → `folder/service`, or `folder` → `folder` (a whole folder)."""

    source: str
    destination: str
    upgrade: VersionBump | None = None  # None: the run's default
    origin: str = "--map"  # where it was written, for messages

    @property
    def is_folder(self) -> bool:
        return "/" not in self.source


@dataclass
class MappingSet:
    """Mappings plus the defaults a mapping file may set (flags override them)."""

    mappings: list[Mapping] = field(default_factory=list)
    upgrade: VersionBump | None = None
    if_present: IfPresent | None = None


def _invalid(message: str, ref: str) -> ValidationFailed:
    """Messages quote text from the command line or a file: escape sequences in it are shown escaped, never run."""
    shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in message)
    return ValidationFailed.of([ApiError(code=Code.INVALID_VALUE.value, message=shown, ref=excerpt(ref))])


def _check_side(text: str, side: str, origin: str, whole: str) -> str:
    parts = text.split("/")
    if len(parts) > 2:
        raise _invalid(f"{origin} '{whole}': {side} '{text}' has more than one '/'; use {FORM}", whole)
    try:
        for kind, name in zip(("folder", "service"), parts):
            validate_name(kind, name)
    except InvalidReference as exc:
        raise _invalid(f"{origin} '{whole}': {exc}; use {FORM}", whole) from None
    return text


def make_mapping(source: str, destination: str, upgrade: str | None = None, origin: str = "--map") -> Mapping:
    """A checked mapping; ValidationFailed names the bad value and the accepted form."""
    whole = f"{source}={destination}" + (f":{upgrade}" if upgrade else "")
    _check_side(source, "source", origin, whole)
    _check_side(destination, "destination", origin, whole)
    if ("/" in source) != ("/" in destination):
        raise _invalid(f"{origin} '{whole}' maps a folder onto a service (or the reverse); use {FORM}", whole)
    if upgrade is not None and upgrade not in BUMPS:
        raise _invalid(f"{origin} '{whole}': unknown upgrade '{upgrade}'; use one of {', '.join(BUMPS)}", whole)
    return Mapping(source, destination, VersionBump(upgrade) if upgrade else None, origin)


def parse_map(text: str) -> Mapping:
    """`SRC=DST[:major|minor|patch]` or `SRC[:bump]` (same name). A trailing `:word` is always the
    upgrade and must be one of the bumps (`c/d:evil` is refused, not read as a service `d:evil`);
    names holding ':' are mapped in a mapping file."""
    body, colon, bump = text.rpartition(":")
    if colon and "/" not in bump and "=" not in bump and bump not in BUMPS:
        raise _invalid(
            f"--map '{text}': unknown upgrade ':{bump}'; end with one of {', '.join(':' + b for b in BUMPS)} or nothing "
            "(a name holding ':' goes in a --mapping-file)", text,
        )
    if not colon or bump not in BUMPS:
        body, bump = text, None
    source, sep, destination = body.partition("=")
    if not source.strip() or (sep and not destination.strip()):
        raise _invalid(f"--map '{text}' is not {FORM}; e.g. --map claims/fraud=uat-claims/fraud:major", text)
    return make_mapping(source.strip(), (destination if sep else source).strip(), bump)


def covers(mapping: Mapping, uri: str) -> bool:
    """Whether `mapping` names the service `folder/service` (itself or its whole folder)."""
    return mapping.source in (uri, uri.partition("/")[0])


def read_mapping_file(path: Path) -> MappingSet:
    """Read a TOML mapping file (see the module docstring); every problem names the file and key."""
    origin = f"mapping file {path}"
    try:
        data = tomllib.loads(_read_text(Path(path), origin))
    except FileNotFoundError:
        raise _invalid(f"{origin} does not exist; give the path of a TOML mapping file", str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _invalid(f"cannot read {origin}: {exc}", str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise _invalid(f"{origin} is not valid TOML: {exc}", str(path)) from None
    except RecursionError:
        raise _invalid(f"{origin} is nested too deeply to be a mapping file; keep to [folders] and [services]", str(path)) from None
    known = {"upgrade", "if_present", "folders", "services"}
    if unknown := sorted(set(data) - known):
        raise _invalid(f"{origin}: unknown key '{unknown[0]}'; expected {', '.join(sorted(known))}", str(path))
    result = MappingSet()
    if "upgrade" in data:
        result.upgrade = _choice(VersionBump, data["upgrade"], f"{origin} key 'upgrade'")
    if "if_present" in data:
        result.if_present = _choice(IfPresent, data["if_present"], f"{origin} key 'if_present'")
    for table in ("folders", "services"):
        entries = data.get(table, {})
        if not isinstance(entries, dict):
            raise _invalid(f"{origin}: [{table}] must be a table of \"SOURCE\" = \"DESTINATION\" entries", str(path))
        for source, value in entries.items():
            where = f"{origin} [{table}] '{source}'"
            destination, upgrade = _entry(value, where)
            mapping = make_mapping(source, destination, upgrade, origin=where)
            if mapping.is_folder != (table == "folders"):
                raise _invalid(f"{where}: put folder mappings under [folders] and service mappings under [services]", source)
            result.mappings.append(mapping)
    return result


def _read_text(path: Path, origin: str) -> str:
    """The file's text, when it is a regular file of at most MAX_FILE_BYTES (a FIFO or device would block or never end)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise _invalid(f"{origin} is not a regular file; give the path of a TOML mapping file", str(path))
    with os.fdopen(fd, "rb") as f:
        data = f.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _invalid(f"{origin} is over {MAX_FILE_BYTES} bytes; a mapping file lists folders and services", str(path))
    return data.decode("utf-8")


def _entry(value: object, where: str) -> tuple[str, str | None]:
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict) and isinstance(value.get("to"), str) and set(value) <= {"to", "upgrade"}:
        upgrade = value.get("upgrade")
        if upgrade is not None and not isinstance(upgrade, str):
            raise _invalid(f"{where}: upgrade must be one of {', '.join(BUMPS)}", where)
        return value["to"], upgrade
    raise _invalid(f"{where}: expected \"DESTINATION\" or {{ to = \"DESTINATION\", upgrade = \"minor\" }}", where)


def _choice(enum: type, value: object, where: str):
    try:
        return enum(value)
    except ValueError:
        raise _invalid(f"{where} is '{value}'; use one of {', '.join(e.value for e in enum)}", str(value)) from None


def service_mappings(
    mappings: Iterable[Mapping], services: Iterable[tuple[str, str]], default: VersionBump = VersionBump.minor
) -> list[ServiceMapping]:
    """One `services_modify` entry per (folder, service), in the given order.

    Raises ValidationFailed (every problem at once) for a source mapped twice or a mapping whose
    source is not among `services`.
    """
    services = list(dict.fromkeys(services))
    by_source: dict[str, Mapping] = {}
    errors = []
    for m in mappings:
        if m.source in by_source:
            errors.append(ApiError(code=Code.INVALID_VALUE.value, ref=m.source, message=(
                f"'{m.source}' is mapped twice ({by_source[m.source].origin} and {m.origin}); keep one mapping")))
        by_source.setdefault(m.source, m)
    present = {service_uri(f, s) for f, s in services} | {f for f, _ in services}
    for m in by_source.values():
        if m.source not in present:
            kind = "folder" if m.is_folder else "service"
            errors.append(ApiError(code=Code.INVALID_VALUE.value, ref=m.source, message=(
                f"{m.origin}: {kind} '{m.source}' is not in the selection or package; map one of "
                f"{', '.join(sorted(present)[:8])}{', …' if len(present) > 8 else ''}")))
    if errors:
        raise ValidationFailed.of(errors)
    result = []
    for folder, service in services:
        uri = service_uri(folder, service)
        if (m := by_source.get(uri)) is not None:
            destination = m.destination
        elif (m := by_source.get(folder)) is not None:
            destination = service_uri(m.destination, service)
        else:
            destination = uri
        bump = (m.upgrade if m is not None else None) or default
        result.append(ServiceMapping(service_uri_source=uri, service_uri_destination=destination, update_version_type=bump))
    return result
