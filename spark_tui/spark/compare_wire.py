"""JSON shape of a comparison of environments (docs/architecture.md, "Environments"): `spark-tui --batch --compare ... --json`.

spark-tui's own shape (Spark has no such API), stable: fields are only ever added. One
`Comparison` holds the source, the scope and one `TargetComparison` per target profile; each lists
its services (`ServiceRow`), each service its versions (`VersionRow`). Vocabulary:

- version `state`: `same` (same content; `version_target` may be another number — an `add_version`
  copy), `differs` (same version number, other content), `missing` (source only), `extra` (target
  only), `unknown` (same version number, content not comparable: no fingerprint; `--deep` settles it);
- `decided_by`: `fingerprint` (both sides' listed fingerprints), `deep` (a fingerprint taken from an
  exported package), `id` (version ids and numbers alone: the same id, or nothing on the other side
  it could be a copy of), `undecided`;
- service `state` and its `mark` (readable without colour): `same` `=`, `differs` `≠` (content differs,
  is unknown, or the target both lacks and adds versions), `missing` `−` (not in the target),
  `missing_versions` `−` (the target lacks versions), `extra` `+` (only in the target),
  `extra_versions` `+` (the target has more versions), `not_accessible` `?` (a folder on one side is
  restricted to a group the caller lacks: never reported as missing or extra).
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import Field, computed_field

from spark_tui.spark.export_wire import WireModel
from spark_tui.spark.promotion_wire import Endpoint


class VersionState(str, Enum):
    same = "same"
    differs = "differs"
    missing = "missing"
    extra = "extra"
    unknown = "unknown"


class DecidedBy(str, Enum):
    id = "id"
    fingerprint = "fingerprint"
    deep = "deep"
    undecided = "undecided"


class ServiceState(str, Enum):
    same = "same"
    differs = "differs"
    missing = "missing"
    missing_versions = "missing_versions"
    extra = "extra"
    extra_versions = "extra_versions"
    not_accessible = "not_accessible"

    @property
    def mark(self) -> str:
        return MARKS[self]


MARKS = {
    ServiceState.same: "=",
    ServiceState.differs: "≠",
    ServiceState.missing: "−",
    ServiceState.missing_versions: "−",
    ServiceState.extra: "+",
    ServiceState.extra_versions: "+",
    ServiceState.not_accessible: "?",
}
Side = Literal["source", "target"]


class VersionRow(WireModel):
    """One version on either side, or a pair of them."""

    version_source: str | None = None
    version_id_source: str | None = None
    fingerprint_source: str | None = None
    version_target: str | None = None
    version_id_target: str | None = None
    fingerprint_target: str | None = None
    state: VersionState
    decided_by: DecidedBy


class ServiceRow(WireModel):
    """A source service and the target service it pairs with (mapping, else the same name)."""

    service_uri_source: str | None = None  # folder/service; None for a service of the target only
    service_uri_target: str  # where the source service is (or would be) in the target
    state: ServiceState
    latest_source: str | None = None
    latest_target: str | None = None
    latest_ahead: Literal["source", "target", "even"] | None = None  # whose latest version number is higher
    inaccessible_side: Side | None = None  # with state not_accessible: the side whose folder is restricted
    versions: list[VersionRow] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def mark(self) -> str:
        return self.state.mark

    @property
    def differs(self) -> bool:
        return self.state is not ServiceState.same


class InaccessibleFolder(WireModel):
    """A folder of one side that the caller may not open: its services are `not_accessible`."""

    side: Side
    folder: str
    message: str


class TargetComparison(WireModel):
    """The source against one target profile. `summary` and `differs` describe every service compared,
    also when `Comparison.only_differences` left the same ones out."""

    target: Endpoint
    services: list[ServiceRow] = Field(default_factory=list)
    inaccessible_folders: list[InaccessibleFolder] = Field(default_factory=list)
    summary: dict[str, int] = Field(default_factory=dict)  # services per state, every state (zeros too)
    differs: bool = False  # anything not proven the same (what --exit-code reports)

    def summarized(self) -> TargetComparison:
        """This comparison with `summary` and `differs` computed from its services and folders."""
        counts = {s.value: 0 for s in ServiceState}
        for row in self.services:
            counts[row.state.value] += 1
        differs = any(row.differs for row in self.services) or bool(self.inaccessible_folders)
        return self.model_copy(update={"summary": counts, "differs": differs})


class DeepExport(WireModel):
    """An export job `--deep` ran to fingerprint undecided versions (its package was deleted after)."""

    profile: str
    job_id: str
    versions: int


class CompareScope(WireModel):
    """What was compared: the whole tenant, or source folders and services (`folder/service`)."""

    folders: list[str] = Field(default_factory=list)
    services: list[str] = Field(default_factory=list)

    @property
    def whole_tenant(self) -> bool:
        return not (self.folders or self.services)


class Comparison(WireModel):
    object: Literal["comparison"] = "comparison"
    source: Endpoint
    scope: CompareScope = Field(default_factory=CompareScope)
    deep: bool = False
    deep_exports: list[DeepExport] = Field(default_factory=list)
    targets: list[TargetComparison] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def differs(self) -> bool:
        return any(t.differs for t in self.targets)

    def only_differences(self) -> Comparison:
        """The same comparison without the services and versions that are the same."""
        targets = [
            t.model_copy(update={"services": [
                s.model_copy(update={"versions": [v for v in s.versions if v.state is not VersionState.same]})
                for s in t.services if s.differs
            ]})
            for t in self.targets
        ]
        return self.model_copy(update={"targets": targets})
