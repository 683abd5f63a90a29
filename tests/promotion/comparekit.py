"""Helpers of the comparison tests: tenants built version by version, with content named by a word."""

from __future__ import annotations

import dataclasses
import json
import uuid
from pathlib import Path

from spark_tui.backends.embedded import EmbeddedBackend
from spark_tui.engine.store import NotFound, Workspace
from spark_tui.spark.compare_wire import Comparison, ServiceRow, TargetComparison

GROUPS = ("supervisor:pf",)


class Tenant:
    """A tenant of a workspace whose versions are added by content word: the same word, the same content."""

    def __init__(self, root: Path, name: str) -> None:
        self.ws = Workspace(root)
        self.name = name
        self.ws.ensure_tenant(name)

    def folder(self, name: str, group: str | None = None) -> Tenant:
        self.ws.add_folder(self.name, name, required_group=group)
        return self

    def version(self, uri: str, number: str, content: str, version_id: str | None = None, named: str | None = None) -> str:
        """Add version `number` of `folder/service` holding `content` (the folder and service are made as needed);
        its workbook is named after service `named` (a copy imported under another name keeps the file names)."""
        folder, service = uri.split("/")
        try:
            self.ws.folder(self.name, folder)
        except NotFound:
            self.folder(folder)
        try:
            sid = self.ws.service(self.name, folder, service)["id"]
        except NotFound:
            sid = self.ws.add_service(self.name, folder, service)
        vid = version_id or str(uuid.uuid4())
        files = {
            f"{named or service}.xlsx": self.ws.put_blob(f"workbook {content}".encode()),
            f"{vid}.zip": self.ws.put_blob(f"module {content}".encode()),
            "ModelMetaData.json": self.ws.put_blob(json.dumps(
                {"VersionId": vid, "EngineInformation": {"Revision": number, "ServiceVersionGuid": vid}}).encode()),
        }
        return self.ws.add_version(self.name, sid, number, files, version_id=vid)

    def backend(self, profile: str | None = None, groups: tuple[str, ...] = GROUPS) -> EmbeddedBackend:
        return EmbeddedBackend(self.ws.root, self.name, f"{self.name}@example.com", groups, profile=profile or self.name)


def row(target: TargetComparison, uri: str) -> ServiceRow:
    """The service row whose source (else target) URI is `uri`."""
    [found] = [r for r in target.services if (r.service_uri_source or r.service_uri_target) == uri]
    return found


def states(comparison: Comparison, n: int = 0) -> dict[str, str]:
    """Service state by source (else target) URI, for target `n`."""
    return {(r.service_uri_source or r.service_uri_target): r.state.value for r in comparison.targets[n].services}


def versions(service: ServiceRow) -> list[tuple]:
    """(source number, target number, state, decided by) of every version row."""
    return [(v.version_source, v.version_target, v.state.value, v.decided_by.value) for v in service.versions]


class NoFingerprints:
    """A backend that publishes no fingerprint, as a real Spark tenant: every call goes to `inner`."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.info = inner.info

    def list_versions(self, folder: str, service: str):
        return [dataclasses.replace(v, fingerprint=None) for v in self.inner.list_versions(folder, service)]

    def __getattr__(self, name: str):
        return getattr(self.inner, name)
