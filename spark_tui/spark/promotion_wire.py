"""JSON shapes of a promotion (docs/architecture.md, "Import and promotion semantics"): the plan computed before anything runs, and the receipt after.

spark-tui's own shapes (Spark has no promotion API); field names follow the import API's
`*_source` / `*_destination` vocabulary so a plan, an import result and a receipt line up.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import Field

from spark_tui.spark.export_wire import ApiError, ExportInputs, WireModel
from spark_tui.spark.values import IfPresent, VersionBump, VersionFilter
from spark_tui.spark.import_wire import ServiceMapping


class Endpoint(WireModel):
    """One side of a promotion: a profile's backend and tenant (never a secret)."""

    profile: str
    kind: str  # embedded | spark | package | runner
    location: str  # workspace path, base URL without query, package path or runner URL
    tenant: str
    user: str | None = None
    user_source: str | None = None  # who said so: server (whoami route), token (its claims), profile, unknown


class ServiceAction(str, Enum):
    """What the import will do to a destination service."""

    new = "new"  # the service does not exist: created with every source version
    add_version = "add_version"  # exists: each source version added after its latest
    replace = "replace"  # exists: its versions are replaced
    refused = "refused"  # the import would fail because of this service


class PlannedVersion(WireModel):
    service_uri_source: str  # folder/service[version]
    version_source: str
    version_id_source: str
    service_uri_destination: str
    version_destination: str
    version_id_destination: str | None = None  # None: Spark chooses (the target tenant holds the source's id, or cannot say)
    status: Literal["added", "replaced", "refused"]
    bytes: int = 0


class PlannedService(WireModel):
    service_uri_source: str
    folder_source: str
    service_source: str
    service_id_source: str
    service_uri_destination: str
    folder_destination: str
    service_destination: str
    service_id_destination: str | None = None  # the existing service's id; None for a new service
    latest_destination: str | None = None  # the existing service's latest version
    update_version_type: VersionBump = VersionBump.minor
    action: ServiceAction
    errors: list[ApiError] = Field(default_factory=list)
    versions: list[PlannedVersion] = Field(default_factory=list)


class Plan(WireModel):
    """What importing the selection (or a package) into the target will do, item by item."""

    object: Literal["promotion_plan"] = "promotion_plan"
    source: Endpoint
    target: Endpoint
    services_existing: IfPresent = IfPresent.abort
    folders_to_create: list[str] = Field(default_factory=list)
    services: list[PlannedService] = Field(default_factory=list)
    errors: list[ApiError] = Field(default_factory=list)
    notices: list[str] = Field(default_factory=list)  # worth knowing, no reason to refuse (a pre-release as latest)

    @property
    def go(self) -> bool:
        """True when the import can go ahead as planned."""
        return not self.errors

    @property
    def versions(self) -> list[PlannedVersion]:
        return [v for s in self.services for v in s.versions]


class PackageRecord(WireModel):
    path: str
    bytes: int
    sha256: str
    verified: bool


class RunnerUpload(WireModel):
    """A package uploaded to a Hybrid Runner and the versions its answer listed."""

    url: str
    tenant: str | None = None  # as the runner answered
    uploaded: list[str] = Field(default_factory=list)  # folder/service[version] the runner confirmed
    timestamp: str
    runner_version: str | None = None  # as GET {runner}/version answered


class ReceiptService(WireModel):
    service_uri_source: str
    service_id_source: str | None = None
    service_uri_destination: str
    service_id_destination: str | None = None
    status: str


class ReceiptVersion(WireModel):
    service_uri_source: str
    version_id_source: str
    service_uri_destination: str
    version_id_destination: str | None = None
    status: str


class ResolvedVersion(WireModel):
    service_uri_source: str  # folder/service[version]
    version_id_source: str


class PromotionRequest(WireModel):
    """What was asked, as given and as resolved: enough to rebuild why each version went where it went."""

    selection: ExportInputs
    version_filter: VersionFilter = VersionFilter.all
    resolved: list[ResolvedVersion] = Field(default_factory=list)
    mappings: list[ServiceMapping] = Field(default_factory=list)
    if_present: IfPresent = IfPresent.abort
    upgrade: VersionBump = VersionBump.minor
    create_folders: bool = False
    source_system: str | None = None
    correlation_id: str | None = None
    argv: list[str] | None = None  # the command line, secrets removed (None: not run from the command line)
    tool: str  # spark-tui and its version
    saved_plan: str | None = None  # the saved plan applied (--apply), if any


class TargetServiceState(WireModel):
    """An affected destination service as the target held it when the plan was made."""

    service_uri_destination: str  # folder/service
    exists: bool
    versions: list[str] = Field(default_factory=list)  # "number id", sorted


class SavedPlan(WireModel):
    """A plan to approve and apply later (`--save-plan`, `--apply`): the exact source version ids,
    the mappings and options, and the state of the target's affected services it was made against."""

    object: Literal["promotion_saved_plan"] = "promotion_saved_plan"
    created: str
    request: PromotionRequest
    plan: Plan
    target_services: list[TargetServiceState] = Field(default_factory=list)
    target_fingerprint: str  # SHA-256 of target_services


class BackupRecord(WireModel):
    """The target's versions of the services an import replaces, exported (migrate) before it ran."""

    path: str
    bytes: int
    sha256: str
    verified: bool
    export_job_id: str
    services: list[str] = Field(default_factory=list)  # folder/service
    service_versions: list[ResolvedVersion] = Field(default_factory=list)


class Receipt(WireModel):
    """Written beside the package when a promotion starts and replaced after each step: who promoted
    what from where to where, as asked, with every id pair; an interrupted run leaves `outcome`
    "running" and the last `step` reached."""

    object: Literal["promotion_receipt"] = "promotion_receipt"
    id: str = ""
    outcome: Literal["running", "promoted", "uploaded", "failed", "cancelled"]
    step: str = ""  # the last step reached
    target_may_have_changed: bool = False
    failed_step: str | None = None
    message: str | None = None
    source: Endpoint
    target: Endpoint
    user: str
    started: str
    finished: str | None = None
    pid: int | None = None  # of the running promotion (running: is it still alive?)
    host: str | None = None
    request: PromotionRequest | None = None
    plan: Plan | None = None
    backup: BackupRecord | None = None
    export_job_id: str | None = None
    import_job_id: str | None = None
    package: PackageRecord | None = None
    services_existing: IfPresent = IfPresent.abort
    folders_created: list[str] = Field(default_factory=list)
    services: list[ReceiptService] = Field(default_factory=list)
    service_versions: list[ReceiptVersion] = Field(default_factory=list)
    deviations: list[str] = Field(default_factory=list)  # where the import differed from the plan
    not_removable: list[str] = Field(default_factory=list)  # added versions and new services: Spark cannot remove them
    runner: RunnerUpload | None = None


class InspectedVersion(WireModel):
    service_uri_source: str  # folder/service[version]
    service_id_source: str
    version_id_source: str
    bytes: int
    files: int


class PackageInspection(WireModel):
    """What a package holds (`--inspect`) and whether every entry and inner module checks out."""

    object: Literal["package"] = "package"
    path: str
    bytes: int
    sha256: str
    kind: str | None = None  # migrate | onpremises (None when the package cannot be read)
    tenant: str | None = None
    export_job_id: str | None = None
    service_versions: list[InspectedVersion] = Field(default_factory=list)
    checked_entries: int = 0
    checked_modules: int = 0
    errors: list[ApiError] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors
