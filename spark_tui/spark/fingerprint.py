"""Content identity of a service version (docs/architecture.md, "Environments"): the same fingerprint means the same content.

fingerprint = SHA-256 (hex) over the sorted lines `<path within the version>\\t<sha256 of the content>`
(joined by "\\n") of the version's `migrate` file set, so two tenants holding a copy of a version
agree on it whatever the service, folder, version number or version id is called there:

- the compiled module `{version_id}.zip` is listed as `{version_id}.zip` (literally): import keeps
  its bytes but names it after the version id it gets in the target;
- `ModelMetaData.json` and `WASMMetaData.json` are left out: they stamp the version's own identity
  (version id, revision, tenant, base URL) and import rewrites them, while everything they describe
  (workbook and module hashes, inputs, outputs) is covered by the files they describe.

The embedded engine computes it from the blob hashes it stores; `--deep` from an exported package.
"""

from __future__ import annotations

import hashlib
from typing import Iterable

STAMPED = frozenset({"ModelMetaData.json", "WASMMetaData.json"})
MODULE_PATH = "{version_id}.zip"


def fingerprint(version_id: str, files: Iterable[tuple[str, str]]) -> str:
    """The fingerprint of version `version_id` from its (path within the version, content SHA-256) pairs."""
    module = f"{version_id}.zip"
    lines = sorted(
        f"{MODULE_PATH if path == module else path}\t{sha256.lower()}"
        for path, sha256 in files
        if path not in STAMPED
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
