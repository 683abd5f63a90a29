"""Before anything runs: resolve a selection on the source and plan its import into the target.

`prepare` reads only; `plan_package` plans the import of a package made earlier.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from spark_tui.backends.base import Backend
from spark_tui.spark.import_check import check_import_request
from spark_tui.spark.package_format import PackageContents, PackageKind, open_package
from spark_tui.promotion.mappings import Mapping, service_mappings
from spark_tui.backends.prerelease import prerelease_notices
from spark_tui.promotion.plan import endpoint, make_plan, version_sizes
from spark_tui.promotion.steps import PromotionFailed, Step
from spark_tui.spark.errors import Code, ValidationFailed
from spark_tui.spark.exit_codes import ExitCode
from spark_tui.spark.export_wire import ApiError, ExportPreview, ExportRequest, ServiceVersionOutput
from spark_tui.spark.values import FileFilter, IfPresent, VersionBump
from spark_tui.spark.import_wire import ImportRequestEntity, ServiceMapping
from spark_tui.spark.promotion_wire import Endpoint, Plan
from spark_tui.spark.uri import service_uri


@dataclass
class Prepared:
    """A resolved selection, its mappings and the plan: everything `run` needs, nothing written yet."""

    request: ExportRequest
    preview: ExportPreview
    mappings: list[ServiceMapping]
    plan: Plan
    upgrade: VersionBump = VersionBump.minor
    create_folders: bool = False
    given: ExportRequest | None = None  # the selection as asked, when `request` pins its ids (a saved plan)


def prepare(
    source: Backend,
    target: Backend,
    selection: ExportRequest,
    maps: list[Mapping],
    *,
    if_present: IfPresent = IfPresent.abort,
    upgrade: VersionBump = VersionBump.minor,
    create_folders: bool = False,
) -> Prepared:
    """Resolve the selection on `source` (a `migrate` export) and plan its import into `target`.

    Raises PromotionFailed at step `resolve` when the selection does not resolve (every error) and
    ValidationFailed for bad mappings. Reads only.
    """
    if selection.file_filter is not FileFilter.migrate:
        raise ValidationFailed.of([ApiError(code=Code.INVALID_VALUE.value, ref=selection.file_filter.value, message=(
            "a promotion imports the package, and Spark imports only file_filter=migrate packages; "
            "drop --file-filter onpremises (use --push-runner for a Hybrid Runner)"))])
    preview = resolve(source, selection)
    services = [(s.folder_source, s.service_source) for s in preview.services]
    mappings = service_mappings(maps, services, upgrade)
    return planned(source, target, selection, preview, mappings, if_present, upgrade, create_folders)


def resolve(source: Backend, selection: ExportRequest) -> ExportPreview:
    """The selection resolved on `source`; PromotionFailed at step `resolve` with every error."""
    preview = source.preview(selection)
    if preview.errors:
        raise PromotionFailed(Step.resolve, preview.errors[0].message, ExitCode.USAGE, preview.errors)
    return preview


def planned(
    source: Backend, target: Backend, selection: ExportRequest, preview: ExportPreview, mappings: list[ServiceMapping],
    if_present: IfPresent, upgrade: VersionBump, create_folders: bool,
) -> Prepared:
    """The plan of importing a resolved selection with exactly these mappings."""
    sizes = version_sizes(((f.path, f.size) for f in preview.files), preview.service_versions)
    plan = make_plan(target, endpoint(source.info), preview.service_versions, mappings, if_present,
                     create_folders=create_folders, sizes=sizes)
    plan.notices = prerelease_notices(source, selection, preview.service_versions)
    return Prepared(selection, preview, mappings, plan, upgrade, create_folders)


def package_versions(pkg: PackageContents) -> tuple[list[ServiceVersionOutput], dict[str, int]]:
    """A package's versions in the export vocabulary, and bytes per version id."""
    versions = [
        ServiceVersionOutput(
            service_uri_source=service_uri(v.folder, v.service, v.version), folder_source=v.folder,
            service_source=v.service, version_source=v.version, service_id_source=v.service_id,
            version_id_source=v.version_id,
        )
        for v in pkg.versions
    ]
    return versions, {v.version_id: v.size for v in pkg.versions}


def package_endpoint(path: Path, pkg: PackageContents) -> Endpoint:
    return Endpoint(profile="package", kind="package", location=str(Path(path).resolve()), tenant=pkg.tenant)


def plan_package(path: Path, target: Backend, request: ImportRequestEntity) -> Plan:
    """The plan of sending `request` with the package at `path` to `target`'s import (nothing is sent).

    The import's own request checks apply (URIs, repeated sources or destinations); a mapping whose
    source is not in the package and an `onpremises` package are refusals, as the import's.
    """
    with open_package(path) as pkg:
        versions, sizes = package_versions(pkg)
        held = set(pkg.services)
        mappings = [m for m in request.inputs.services_modify if m.service_uri_source in held]
        named = {m.service_uri_source for m in mappings}
        plan = make_plan(
            target, package_endpoint(path, pkg), [v for v in versions if service_uri(v.folder_source, v.service_source) in named],
            mappings, request.services_existing, sizes=sizes,
        )
        errors = check_import_request(request)
        errors += [
            ApiError(code=Code.SERVICE_NOT_IN_PACKAGE.value, ref=m.service_uri_source, message=(
                f"service '{m.service_uri_source}' is not in package '{pkg.name}' (it holds {', '.join(sorted(held))})"))
            for m in request.inputs.services_modify if m.service_uri_source not in held
        ]
        if pkg.kind is PackageKind.onpremises:
            errors.append(ApiError(code=Code.NOT_A_MIGRATE_PACKAGE.value, ref=pkg.name, message=(
                f"package '{pkg.name}' is an onpremises export (Hybrid Runner files only); Spark imports only "
                "packages exported with file_filter=migrate")))
        plan.errors = errors + plan.errors
    return plan
