"""Say when `version_filter = latest` picked a pre-release over a release.

Spark ranks versions by SemVer precedence, so `latest` of a service holding 1.10.0 and 2.0.0-rc.1 is
the release candidate. That is Spark's rule and spark-tui keeps it; the preview and the promotion plan
only say so, since a pipeline that meant "the latest release" would otherwise ship the candidate.
"""

from __future__ import annotations

from spark_tui.backends.base import Backend
from spark_tui.spark.export_wire import ExportRequest, ServiceVersionOutput
from spark_tui.spark.values import VersionFilter
from spark_tui.spark.semver import InvalidVersion, SemVer


def _parsed(version: str) -> SemVer | None:
    try:
        return SemVer.parse(version)
    except InvalidVersion:
        return None


def prerelease_notices(backend: Backend, request: ExportRequest, chosen: list[ServiceVersionOutput]) -> list[str]:
    """One line per service whose `latest` is a pre-release while the service has a release (a request
    with `latest` names no version: Spark refuses `folder/service[1.2]` with it)."""
    if request.version_filter is not VersionFilter.latest:
        return []
    notices = []
    for v in chosen:
        version = _parsed(v.version_source)
        service = f"{v.folder_source}/{v.service_source}"
        if version is None or not version.prerelease:
            continue
        releases = [p for x in backend.list_versions(v.folder_source, v.service_source)
                    if (p := _parsed(x.version)) is not None and not p.prerelease]
        if releases:
            notices.append(f"latest of {service} is the pre-release {v.version_source}, over the release "
                           f"{max(releases)} (SemVer precedence, as Spark ranks them)")
    return notices
