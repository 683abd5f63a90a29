"""The resolver: every rule of the export semantics (docs/architecture.md) (union, identifiers, version specs, filters, prerequisites)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from spark_tui.engine.resolver import resolve
from spark_tui.spark.errors import Code, ValidationFailed
from spark_tui.spark.export_wire import ExportInputs, ExportRequest
from spark_tui.spark.values import FileFilter, VersionFilter
from spark_tui.spark.request_check import check_request

from helpers_export import CALC_VERSIONS, LOAN_VERSIONS, SECRET_GROUP, TENANT, Built, build_catalog


CALC_SORTED = ["1.2.0", "1.2.3", "1.9.0", "1.10.0", "2.0.0-rc.1", "2.0.0-rc.2", "2.0.0-rc.10", "3.2.0", "3.2.7", "3.20.1"]


@pytest.fixture
def built(tmp_path: Path) -> Built:
    return build_catalog(tmp_path / "ws")


def request(folders=(), services=(), version_ids=(), **options) -> ExportRequest:
    return ExportRequest(
        inputs=ExportInputs(folders=list(folders), services=list(services), version_ids=list(version_ids)), **options
    )


def chosen(built: Built, req: ExportRequest, groups: tuple[str, ...] = ()) -> list[str]:
    selection = resolve(built.ws, TENANT, req, groups)
    return [f"{v.folder}/{v.service}[{v.version}]" for v in selection.versions]


def failure(built: Built, req: ExportRequest, groups: tuple[str, ...] = ()) -> list[tuple[str, str | None]]:
    with pytest.raises(ValidationFailed) as info:
        resolve(built.ws, TENANT, req, groups)
    return [(e.code, e.ref) for e in info.value.errors]


def errors_of(built: Built, req: ExportRequest, groups: tuple[str, ...] = ()):
    with pytest.raises(ValidationFailed) as info:
        resolve(built.ws, TENANT, req, groups)
    return info.value.errors


# --- union, order, identifier forms ------------------------------------------------------------


def test_folder_contributes_every_version_sorted_by_service_and_precedence(built: Built) -> None:
    assert chosen(built, request(folders=["alpha"])) == [f"alpha/calc[{v}]" for v in CALC_SORTED] + [
        "alpha/loan[0.9.0]", "alpha/loan[0.10.0]", "alpha/loan[0.10.1-rc.1]"
    ]


def test_selection_carries_ids_files_and_projected_size(built: Built) -> None:
    selection = resolve(built.ws, TENANT, request(services=["alpha/calc[3.2.7]"]), ())
    (v,) = selection.versions
    assert v.version_id == built.versions[("alpha", "calc", "3.2.7")]
    assert v.service_id == built.services[("alpha", "calc")]
    files = selection.files_of(built.ws, v)
    assert sorted(f.name for f in files) == sorted(
        [f"{v.version_id}.zip", "ModelMetaData.json", "WASMMetaData.json", "DefaultValidations.json", "calc.xlsx"]
    )
    assert selection.projected_bytes == v.bytes_migrate == sum(f.size for f in files)
    onprem = resolve(built.ws, TENANT, request(services=["alpha/calc[3.2.7]"], file_filter=FileFilter.onpremises), ())
    assert onprem.projected_bytes == onprem.versions[0].bytes_onpremises == selection.projected_bytes - 200  # the workbook stays out
    assert sorted(f.name for f in onprem.files_of(built.ws, onprem.versions[0])) == sorted(
        [f"{v.version_id}.zip", "ModelMetaData.json", "WASMMetaData.json", "DefaultValidations.json"]
    )


def test_union_of_every_reference_form_holds_each_version_once(built: Built) -> None:
    calc_id = built.services[("alpha", "calc")]
    loan_id = built.services[("alpha", "loan")]
    rates_v = built.versions[("beta", "rates", "1.0.0")]
    req = request(
        folders=["alpha", "alpha"],
        services=[
            "alpha/calc", "alpha/calc[3.2]", "folders/alpha/services/calc[1.2]", calc_id.upper(),
            f"service/{loan_id}", f"version/{rates_v}",
        ],
        version_ids=[built.versions[("alpha", "calc", "1.2.0")], rates_v],
    )
    names = chosen(built, req)
    assert len(names) == len(set(names)) == len(CALC_VERSIONS) + len(LOAN_VERSIONS) + 1
    assert names[-1] == "beta/rates[1.0.0]"


def test_outputs_sorted_by_folder_then_service_whatever_the_request_order(built: Built) -> None:
    req = request(services=["beta/rates", "alpha/loan[0.9]", "alpha/calc[1.2.0]"])
    assert chosen(built, req) == ["alpha/calc[1.2.0]", "alpha/loan[0.9.0]", "beta/rates[1.0.0]"]
    outputs = resolve(built.ws, TENANT, req, ()).outputs()
    assert [s.service_uri_source for s in outputs.services] == ["alpha/calc", "alpha/loan", "beta/rates"]


@pytest.mark.parametrize(
    ("ref", "version"),
    [
        ("alpha/calc[3.2]", "3.2.7"),  # whole components: never 3.20.1
        ("alpha/calc[3]", "3.20.1"),
        ("alpha/calc[1]", "1.10.0"),  # precedence, not text order (1.9.0)
        ("alpha/calc[1.2.3]", "1.2.3"),
        ("alpha/calc[2.0.0-rc]", "2.0.0-rc.10"),  # numeric pre-release identifiers compare as numbers
        ("alpha/calc[]", None),  # empty brackets: the whole service
    ],
)
def test_version_spec_selects_latest_matching_version(built: Built, ref: str, version: str | None) -> None:
    got = chosen(built, request(services=[ref]))
    assert got == ([f"alpha/calc[{version}]"] if version else [f"alpha/calc[{v}]" for v in CALC_SORTED])


def test_version_spec_without_match_names_ref_and_lists_versions(built: Built) -> None:
    (error,) = errors_of(built, request(services=["alpha/calc[3.3]"]))
    assert (error.code, error.ref) == (Code.VERSION_SPEC_NO_MATCH.value, "alpha/calc[3.3]")
    assert "3.3" in error.message and "alpha/calc" in error.message
    assert "3.20.1, 3.2.7, 3.2.0" in error.message  # available versions, newest first


def test_version_filter_latest_takes_newest_by_precedence(built: Built) -> None:
    req = request(folders=["alpha"], services=["beta/rates"], version_filter=VersionFilter.latest)
    assert chosen(built, req) == ["alpha/calc[3.20.1]", "alpha/loan[0.10.1-rc.1]", "beta/rates[1.0.0]"]


def test_latest_with_specific_versions_is_an_error_per_ref(built: Built) -> None:
    vid = built.versions[("alpha", "calc", "1.2.0")]
    req = request(
        services=["alpha/calc[1.2]", "alpha/loan", f"version/{vid}"], version_ids=[vid], version_filter=VersionFilter.latest
    )
    expected = [(Code.LATEST_WITH_SPECIFIC_VERSION.value, r) for r in ("alpha/calc[1.2]", f"version/{vid}", vid)]
    assert [(e.code, e.ref) for e in check_request(req)] == expected
    assert failure(built, req) == expected


# --- prerequisites ---------------------------------------------------------------------------


def test_unknown_objects_are_each_reported_by_name(built: Built) -> None:
    ghost = str(uuid.uuid4())
    req = request(
        folders=["nope"],
        services=["alpha/ghost", "nofolder/calc", ghost, f"service/{ghost}", f"version/{ghost}"],
        version_ids=[ghost],
    )
    errors = errors_of(built, req)
    assert [(e.code, e.ref) for e in errors] == [
        (Code.FOLDER_NOT_FOUND.value, "nope"),
        (Code.SERVICE_NOT_FOUND.value, "alpha/ghost"),
        (Code.FOLDER_NOT_FOUND.value, "nofolder/calc"),
        (Code.SERVICE_NOT_FOUND.value, ghost),
        (Code.SERVICE_NOT_FOUND.value, f"service/{ghost}"),
        (Code.VERSION_NOT_FOUND.value, f"version/{ghost}"),
        (Code.VERSION_NOT_FOUND.value, ghost),
    ]
    assert "'nope'" in errors[0].message and "'alpha/ghost'" in errors[1].message and "'nofolder'" in errors[2].message
    assert ghost in errors[3].message and ghost in errors[6].message


def test_ids_of_another_tenant_are_not_found(built: Built) -> None:
    sid = built.services[("other:alpha", "calc")]
    vid = built.versions[("other:alpha", "calc", "9.9.9")]
    assert failure(built, request(services=[sid], version_ids=[vid])) == [
        (Code.SERVICE_NOT_FOUND.value, sid),
        (Code.VERSION_NOT_FOUND.value, vid),
    ]


def test_restricted_folder_needs_its_group_by_every_reference_form(built: Built) -> None:
    sid = built.services[("secret", "pay")]
    vid = built.versions[("secret", "pay", "1.0.0")]
    req = request(folders=["secret"], services=["secret/pay", f"service/{sid}"], version_ids=[vid])
    errors = errors_of(built, req, groups=("other-group",))
    assert [(e.code, e.ref) for e in errors] == [
        (Code.ACCESS_DENIED.value, r) for r in ("secret", "secret/pay", f"service/{sid}", vid)
    ]
    assert all("'secret'" in e.message and f"'{SECRET_GROUP}'" in e.message for e in errors)
    assert chosen(built, req, groups=(SECRET_GROUP,)) == ["secret/pay[1.0.0]"]


def test_empty_folder_is_refused(built: Built) -> None:
    (error,) = errors_of(built, request(folders=["empty"]))
    assert (error.code, error.ref) == (Code.FOLDER_EMPTY.value, "empty")
    assert "'empty'" in error.message


def test_versions_without_compiled_neuron_module_are_refused(built: Built) -> None:
    errors = errors_of(built, request(folders=["beta"]))
    assert [(e.code, e.ref) for e in errors] == [(Code.NO_COMPILED_MODULE.value, "beta")] * 2
    messages = sorted(e.message for e in errors)
    assert "beta/raw[1.0.0]" in messages[0] and "Neuron" in messages[0]
    assert "beta/xconn[1.0.0]" in messages[1] and "XConnector" in messages[1]
    assert chosen(built, request(services=["beta/rates"])) == ["beta/rates[1.0.0]"]


def test_size_limit_counts_files_of_the_file_filter(built: Built) -> None:
    migrate = resolve(built.ws, TENANT, request(folders=["alpha"]), ()).projected_bytes
    onprem = resolve(built.ws, TENANT, request(folders=["alpha"], file_filter=FileFilter.onpremises), ()).projected_bytes
    assert onprem < migrate
    built.ws.configure_tenant(TENANT, size_limit=onprem)
    (error,) = errors_of(built, request(folders=["alpha"]))
    assert error.code == Code.PACKAGE_TOO_LARGE.value
    assert str(migrate) in error.message and str(onprem) in error.message
    assert resolve(built.ws, TENANT, request(folders=["alpha"], file_filter=FileFilter.onpremises), ()).projected_bytes == onprem


def test_every_error_is_reported_at_once(built: Built) -> None:
    built.ws.configure_tenant(TENANT, size_limit=1)
    req = request(
        folders=["empty", "nope", "secret", "beta"], services=["bad ref", "alpha/calc[9]"], version_ids=["not-a-uuid"],
        file_name="../x",
    )
    codes = sorted(code for code, _ in failure(built, req))
    assert codes == sorted(
        c.value for c in (
            Code.INVALID_REFERENCE, Code.INVALID_REFERENCE, Code.INVALID_FILE_NAME, Code.FOLDER_EMPTY, Code.FOLDER_NOT_FOUND,
            Code.ACCESS_DENIED, Code.NO_COMPILED_MODULE, Code.NO_COMPILED_MODULE, Code.VERSION_SPEC_NO_MATCH,
            Code.PACKAGE_TOO_LARGE,
        )
    )


# --- syntax only -------------------------------------------------------------------------------


def test_check_request_reports_syntax_problems_without_a_database() -> None:
    assert [e.code for e in check_request(ExportRequest())] == [Code.NO_INPUTS.value]
    req = request(folders=["a/b"], services=["alpha/calc[x.y]", "service/123"], version_ids=["nope"], file_name="a\\b")
    assert [(e.code, e.ref) for e in check_request(req)] == [
        (Code.INVALID_REFERENCE.value, "a/b"),
        (Code.INVALID_REFERENCE.value, "alpha/calc[x.y]"),
        (Code.INVALID_REFERENCE.value, "service/123"),
        (Code.INVALID_REFERENCE.value, "nope"),
        (Code.INVALID_FILE_NAME.value, "a\\b"),
    ]
    assert check_request(request(services=["alpha/calc[1.2]"], file_name="out")) == []


def test_query_count_does_not_grow_with_the_number_of_references(built: Built) -> None:
    db = built.ws.connect()
    statements: list[str] = []
    db.set_trace_callback(statements.append)
    try:
        resolve(built.ws, TENANT, request(services=["beta/rates"]), ())
        few = len(statements)
        statements.clear()
        resolve(
            built.ws, TENANT,
            request(folders=["alpha"], services=["beta/rates", "alpha/calc[1]", "alpha/loan"],
                    version_ids=[built.versions[("alpha", "calc", v)] for v in CALC_VERSIONS]),
            (),
        )
        assert len(statements) == few
    finally:
        db.set_trace_callback(None)
