"""Export → import round trips through the resolver, the packager and the importer."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from spark_tui.engine.access import list_folders
from spark_tui.engine.importer import load_package
from spark_tui.engine.packager import write_package
from spark_tui.engine.resolver import resolve
from spark_tui.engine.store import DEFAULT_SIZE_LIMIT, Workspace
from spark_tui.spark.export_wire import ExportInputs, ExportRequest
from spark_tui.spark.values import FileFilter

GROUPS = ("supervisor:pf",)
JOB_ID = "5d1c7e9a-2b3f-4a6d-8e0c-1f2a3b4c5d6e"


FIXTURE_JOB_ID = "34d7d465-86eb-4eed-a388-fa4525cf7be6"


def export(ws: Workspace, tenant: str, dest: Path, file_filter: FileFilter, *, folders=(), services=(), job_id=JOB_ID) -> Path:
    request = ExportRequest(inputs=ExportInputs(folders=list(folders), services=list(services)), file_filter=file_filter)
    selection = resolve(ws, tenant, request, GROUPS)
    return write_package(ws, selection, job_id, dest, size_limit=DEFAULT_SIZE_LIMIT).path


def catalog(ws: Workspace, tenant: str) -> list[tuple]:
    """Every version of a tenant with its service id and stored files (name, sha256, size)."""
    rows = []
    for folder in list_folders(ws, tenant)[0]:
        for service in ws.list_services(tenant, folder.name)[0]:
            for v in ws.list_versions(tenant, folder.name, service.name):
                files = tuple((f.name, f.sha256, f.size) for f in ws.version_files(tenant, v.id))
                rows.append((folder.name, service.name, v.service_id, v.version, v.id, v.engine_type, v.has_module, v.created, files))
    return sorted(rows)


def test_migrate_export_imports_into_another_tenant_unchanged(demo_ws: Workspace, tmp_path: Path) -> None:
    package = export(
        demo_ws, "demo", tmp_path / "migrate.zip", FileFilter.migrate,
        folders=["insurance-pricing", "actuarial-models"], services=["claims/claim-triage", "claims/fraud-score"],
    )
    result = load_package(demo_ws, package, "copy")
    source = [row for row in catalog(demo_ws, "demo") if row[0] in ("insurance-pricing", "actuarial-models")
              or row[1] in ("claim-triage", "fraud-score")]
    assert len(source) >= 20
    assert catalog(demo_ws, "copy") == source
    assert len(result.service_versions) == len(source)
    assert all(v.version_id_source == v.version_id_destination and v.status == "added" for v in result.service_versions)
    assert all(len(row[-1]) == 6 for row in source)  # migrate carries every stored file (workbook, swagger…)


def test_fixture_reexported_onpremises_matches_the_fixture(ws: Workspace, fixture_zip: Path, tmp_path: Path) -> None:
    load_package(ws, fixture_zip, "fieldengineering")
    package = export(ws, "fieldengineering", tmp_path / "onprem.zip", FileFilter.onpremises, folders=["my-folder"],
                     job_id=FIXTURE_JOB_ID)
    with zipfile.ZipFile(fixture_zip) as original, zipfile.ZipFile(package) as ours:
        def files(zf: zipfile.ZipFile) -> list[str]:
            return sorted({i.filename for i in zf.infolist() if not i.is_dir()})

        assert files(ours) == files(original)
        manifest = "fieldengineering/manifest.json"
        assert json.loads(ours.read(manifest))["outputs"] == json.loads(original.read(manifest))["outputs"]
        for name in files(original):  # the module, metadata and (same job id) manifest: byte for byte
            assert ours.read(name) == original.read(name), name
