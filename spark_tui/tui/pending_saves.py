"""Packages to save once their export closes, kept on disk so that a restarted TUI resumes them.

One JSON file per backend (profile, kind, location, tenant) under the data directory:
`{"<job id>": {"dest_dir": "...", "file_name": "package.zip"}}`. Written whole to a temporary file
and renamed, so a crash never leaves it half-written.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path

from spark_tui import paths
from spark_tui.atomic_file import atomic_write
from spark_tui.backends.base import BackendInfo


@dataclass(frozen=True)
class PendingSave:
    dest_dir: str
    file_name: str

    @property
    def target(self) -> Path:
        return Path(self.dest_dir).expanduser() / self.file_name


def store_path(info: BackendInfo) -> Path:
    """The file holding the pending saves of this backend."""
    digest = hashlib.sha256(f"{info.kind}|{info.location}|{info.tenant}".encode()).hexdigest()[:12]
    return paths.data_dir() / "pending-saves" / f"{info.profile}-{digest}.json"


class PendingSaves:
    """Job id → where its package goes. `problem` tells why an unreadable file was ignored (it is replaced)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problem: str | None = None
        self.items: dict[str, PendingSave] = {}
        try:
            if not path.exists():  # the usual start: json is imported by the first save
                return
            import json

            self.items = {job_id: PendingSave(**entry) for job_id, entry in json.loads(path.read_text(encoding="utf-8")).items()}
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            self.problem = f"pending saves in {path} could not be read ({exc}); they are forgotten"

    def __contains__(self, job_id: str) -> bool:
        return job_id in self.items

    def get(self, job_id: str) -> PendingSave | None:
        return self.items.get(job_id)

    def add(self, job_id: str, save: PendingSave) -> None:
        self.items[job_id] = save
        self._write()

    def remove(self, job_id: str) -> None:
        if self.items.pop(job_id, None) is not None:
            self._write()

    def targets(self) -> dict[Path, str]:
        """Every file a pending save will write, with the job that writes it."""
        return {save.target: job_id for job_id, save in self.items.items()}

    def _write(self) -> None:
        import json

        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, json.dumps({k: asdict(v) for k, v in self.items.items()}, indent=1), mode=0o600)  # the workspace rule
