"""Against backends that publish no fingerprint (real Spark): the same id decides, `--deep` settles the rest
by exporting the undecided versions — one migrate job per backend — and fingerprinting the packages."""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from pathlib import Path

import pytest

from comparekit import NoFingerprints, Tenant, row, states, versions
from spark_tui.backends.embedded import EmbeddedBackend
from spark_tui.engine.demo import ensure_demo
from spark_tui.engine.store import Workspace
from spark_tui.promotion.compare import compare, fingerprints_of_package, package_prints
from spark_tui.spark.compare_wire import ServiceState


@pytest.fixture
def tenants(tmp_path: Path) -> tuple[Tenant, Tenant]:
    dev, uat = Tenant(tmp_path / "dev", "dev"), Tenant(tmp_path / "uat", "uat")
    kept = dev.version("claims/kept", "1.0.0", "A")
    uat.version("claims/kept", "1.0.0", "A", version_id=kept)  # imported with its id
    dev.version("claims/twin", "1.0.0", "B")
    uat.version("claims/twin", "1.0.0", "B")  # the same content under another id
    dev.version("claims/changed", "1.0.0", "C")
    uat.version("claims/changed", "1.0.0", "D")
    dev.version("claims/added", "1.0.0", "E")
    uat.version("claims/added", "2.0.0", "E")  # an add_version copy
    return dev, uat


def test_without_fingerprints_the_same_id_decides_and_the_rest_is_undecided(tenants: tuple[Tenant, Tenant]) -> None:
    dev, uat = tenants
    source, target = NoFingerprints(dev.backend()), NoFingerprints(uat.backend())
    result = compare(source, [target])
    t = result.targets[0]
    assert versions(row(t, "claims/kept")) == [("1.0.0", "1.0.0", "same", "id")]
    assert versions(row(t, "claims/twin")) == [("1.0.0", "1.0.0", "unknown", "undecided")]
    assert versions(row(t, "claims/changed")) == [("1.0.0", "1.0.0", "unknown", "undecided")]
    assert versions(row(t, "claims/added")) == [("1.0.0", None, "missing", "undecided"), (None, "2.0.0", "extra", "undecided")]
    assert states(result) == {"claims/added": "differs", "claims/changed": "differs", "claims/kept": "same", "claims/twin": "differs"}
    assert result.deep_exports == [] and not result.deep


def test_deep_exports_the_undecided_versions_once_per_side_and_settles_them(
    tenants: tuple[Tenant, Tenant], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    dev, uat = tenants
    source, target = NoFingerprints(dev.backend()), NoFingerprints(uat.backend())
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    result = compare(source, [target], deep=True)
    t = result.targets[0]
    assert versions(row(t, "claims/kept")) == [("1.0.0", "1.0.0", "same", "id")]
    assert versions(row(t, "claims/twin")) == [("1.0.0", "1.0.0", "same", "deep")]
    assert versions(row(t, "claims/changed")) == [("1.0.0", "1.0.0", "differs", "deep")]
    assert versions(row(t, "claims/added")) == [("1.0.0", "2.0.0", "same", "deep")]
    assert row(t, "claims/added").state is ServiceState.same
    # one job per side, holding exactly the undecided versions; its fingerprints are the store's
    assert [(d.profile, d.versions) for d in result.deep_exports] == [("dev", 3), ("uat", 3)]
    for export, tenant in zip(result.deep_exports, tenants):
        job = tenant.backend().status(export.job_id)
        exported = {v.version_id_source for v in job.outputs.service_versions}
        undecided = {v.id for s in ("twin", "changed", "added") for v in tenant.ws.list_versions(tenant.name, "claims", s)}
        assert exported == undecided
    twin = row(t, "claims/twin").versions[0]
    assert twin.fingerprint_source == dev.ws.list_versions("dev", "claims", "twin")[0].fingerprint
    assert twin.fingerprint_target == uat.ws.list_versions("uat", "claims", "twin")[0].fingerprint
    # the packages were downloaded to a temporary directory, and are gone
    assert list(scratch.iterdir()) == [] and list(Path.cwd().iterdir()) == []


def test_package_fingerprints_equal_the_listed_ones(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "demo")
    ensure_demo(ws)
    ws.close()
    backend = EmbeddedBackend(tmp_path / "demo", "demo", "me@example.com", ("supervisor:pf",))
    listed = {v.id: v.fingerprint for f in backend.list_folders().items if f.accessible
              for s in backend.list_services(f.name).items if s.exportable
              for v in backend.list_versions(f.name, s.name)}
    _, found = package_prints(backend, sorted(listed))
    assert found == listed and len(found) > 3


def test_a_package_is_fingerprinted_from_its_files(fixture_zip: Path) -> None:
    """The real fixture, by docs/architecture.md ("Environments")'s definition: path and SHA-256 of each file, module named by placeholder,
    the two identity stamps left out."""
    vid = "91299a5d-9328-4435-911b-4e5f7783f5d4"
    with zipfile.ZipFile(fixture_zip) as zf:
        lines = sorted(
            f"{'{version_id}.zip' if name == vid + '.zip' else name}\t{hashlib.sha256(zf.read(info)).hexdigest()}"
            for info in zf.infolist() if info.filename.count("/") == 4 and not info.is_dir()
            for name in [info.filename.rsplit("/", 1)[1]] if name not in ("ModelMetaData.json", "WASMMetaData.json")
        )
    assert len(lines) == 2  # the module and DefaultValidations.json of this onpremises package
    assert fingerprints_of_package(fixture_zip) == {vid: hashlib.sha256("\n".join(lines).encode()).hexdigest()}
