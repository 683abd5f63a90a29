"""Every package reader against the same hostile set, each in a child process whose address
space is capped (RLIMIT_AS, inherited by the import worker it spawns): `--inspect`,
`--load-package`, `--import-package` and the import worker that `serve` runs. Before the bounded
entry reader, a lying ModelMetaData.json took each of them to ~2.1 GiB and a 16 MiB file of empty
objects to ~460 MiB; under the cap they died with MemoryError instead of refusing the package.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from hostile_packages import write_hostile_set
from spark_tui.engine.import_jobs import ImportJobs
from spark_tui.engine.jobs import JobManager
from spark_tui.engine.store import Workspace
from spark_tui.spark.import_wire import ImportInputs, ImportRequestEntity, ServiceMapping

CAP_BYTES = 300 * 1024 * 1024  # the target: any package inspected or refused within 300 MiB
SOURCE = "my-folder/volume-cylinder"
REFUSED = {  # package -> what the refusal says (the others are read, stored or inspected, within the cap)
    "lying-metadata": "ModelMetaData.json' is corrupt or is not what its ZIP record declares",
    "lying-workbook": "workbook.xlsx' is corrupt or is not what its ZIP record declares",
    "empty-objects-16mib": "ModelMetaData.json' is 16777216 bytes, more than 2097152 for a metadata file",
    "empty-objects-2mib": "JSON items (more than 250000)",
}
INSPECT_REFUSED = {  # only --inspect opens the modules inside
    **REFUSED,
    "inner-bomb": "entry 'checksums.md5' expands 1044162 bytes to 1073741824 (more than 200:1)",
    "inner-lying": "entry 'checksums.md5' is corrupt or is not what its ZIP record declares",
    "escape-lines": "checksums.md5 line '\\x1b[2J\\x1b]0;pwned\\x07AAAA",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_hostile_set(tmp_path_factory.mktemp("hostile"))


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP_BYTES, CAP_BYTES))


def capped(argv: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SPARK_TUI_HOME": str(home)}
    result = subprocess.run(argv, cwd=home, env=env, capture_output=True, text=True, timeout=120, preexec_fn=_cap)
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr, result.stderr[-2000:]
    return result


def batch(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return capped([sys.executable, "-m", "spark_tui", "--batch", *args], home)


@pytest.mark.parametrize("name", sorted(INSPECT_REFUSED) + ["duplicate-lines"])
def test_inspect(hostile: dict[str, Path], tmp_path: Path, name: str) -> None:
    result = batch(tmp_path, "--inspect", str(hostile[name]), "--json")
    report = json.loads(result.stdout)
    if name in INSPECT_REFUSED:
        assert result.returncode == 2 and [INSPECT_REFUSED[name] in e["message"] for e in report["errors"]] == [True]
        assert all(len(e["message"]) < 600 and "\x1b" not in e["message"] for e in report["errors"])
    else:
        assert result.returncode == 0 and report["errors"] == [] and report["checked_modules"] == 1


@pytest.mark.parametrize("name", ["lying-metadata", "lying-workbook", "empty-objects-16mib", "empty-objects-2mib", "inner-bomb", "duplicate-lines"])
def test_load_package(hostile: dict[str, Path], tmp_path: Path, name: str) -> None:
    result = batch(tmp_path, "--tenant", "seeded", "--load-package", str(hostile[name]))
    if name in REFUSED:
        assert result.returncode == 2 and "error: BAD_PACKAGE:" in result.stderr and REFUSED[name] in result.stderr
    else:
        assert result.returncode == 0 and "1 service(s)" in result.stdout, result.stderr


@pytest.mark.parametrize("name", ["lying-metadata", "lying-workbook", "empty-objects-16mib", "empty-objects-2mib", "inner-bomb"])
def test_import_package(hostile: dict[str, Path], tmp_path: Path, name: str) -> None:
    assert batch(tmp_path, "--create-folder", "uat").returncode == 0
    result = batch(tmp_path, "--import-package", str(hostile[name]), "--map", f"{SOURCE}=uat/imported")
    if name in REFUSED:
        assert result.returncode == 2 and "error: BAD_PACKAGE:" in result.stderr and REFUSED[name] in result.stderr
    else:
        assert result.returncode == 0 and "uat/imported[0.1.0]" in result.stdout, result.stderr


@pytest.mark.parametrize("name", ["lying-metadata", "lying-workbook", "empty-objects-16mib", "empty-objects-2mib", "inner-bomb"])
def test_the_import_worker(hostile: dict[str, Path], tmp_path: Path, name: str) -> None:
    """The job `serve` starts for an uploaded package (submitted here without a worker, run capped)."""
    ws = Workspace(tmp_path / "ws")
    ws.ensure_tenant("acme")
    ws.add_folder("acme", "uat")
    imports = ImportJobs(JobManager(ws, spawn=False))
    request = ImportRequestEntity(inputs=ImportInputs(services_modify=[
        ServiceMapping(service_uri_source=SOURCE, service_uri_destination="uat/imported")]))
    job = imports.submit("acme", "alice", (), hostile[name], request)
    result = capped([sys.executable, "-m", "spark_tui.engine.worker", "--workspace", str(ws.root), "--job", job.id], tmp_path)
    done = imports.status("acme", job.id, "alice", ())
    if name in REFUSED:
        assert result.returncode == 1 and done.status.value == "failed"
        assert [(e.code, REFUSED[name] in e.message) for e in done.errors] == [("BAD_PACKAGE", True)]
    else:
        assert result.returncode == 0 and done.status.value == "closed", done.errors
    ws.close()
