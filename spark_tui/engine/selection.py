"""What a resolved export contains: the versions to package, each once, with their sizes.

A selection holds no file lists (a large export names hundreds of thousands of files): each
version carries its byte counts per file filter, and its files are read from the workspace
where they are needed (`files_of`, `preview`, the packager).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from spark_tui.engine.store import StoredFile, Workspace
from spark_tui.spark.export_wire import ExportOutputs, ExportPreview, PreviewFile, ServiceOutput, ServiceVersionOutput
from spark_tui.spark.values import FileFilter
from spark_tui.spark.uri import service_uri


class SelectedVersion(NamedTuple):
    """One version to package (a tuple: a selection may hold a hundred thousand of them)."""

    folder: str
    service: str
    service_id: str
    version: str
    version_id: str
    bytes_migrate: int  # total size of every stored file
    bytes_onpremises: int  # total size of the Hybrid Runner files

    def bytes_for(self, file_filter: FileFilter) -> int:
        return self.bytes_onpremises if file_filter is FileFilter.onpremises else self.bytes_migrate

    def entry_dir(self, tenant: str) -> str:
        """The folder of this version inside the package: `{tenant}/{folder}/{service}/{version}/`."""
        return f"{tenant}/{self.folder}/{self.service}/{self.version}/"


@dataclass
class Selection:
    """The union of everything referenced, sorted by folder, service, then version precedence."""

    tenant: str
    file_filter: FileFilter
    versions: list[SelectedVersion] = field(default_factory=list)

    @property
    def projected_bytes(self) -> int:
        """Sum of the uncompressed sizes of every file that goes into the package."""
        if self.file_filter is FileFilter.onpremises:
            return sum(v.bytes_onpremises for v in self.versions)
        return sum(v.bytes_migrate for v in self.versions)

    def files_of(self, ws: Workspace, version: SelectedVersion) -> list[StoredFile]:
        """The stored files of `version` that go into the package (by name), read from `ws`."""
        files = ws.version_files(self.tenant, version.version_id)
        if self.file_filter is FileFilter.onpremises:
            return [f for f in files if f.onpremises]
        return files

    def outputs(self) -> ExportOutputs:
        """`outputs.services` and `outputs.service_versions` as the status and manifest show them."""
        services: dict[tuple[str, str], ServiceOutput] = {}
        versions = []
        for v in self.versions:
            services.setdefault(
                (v.folder, v.service),
                ServiceOutput(
                    service_uri_source=service_uri(v.folder, v.service), folder_source=v.folder,
                    service_source=v.service, service_id_source=v.service_id,
                ),
            )
            versions.append(
                ServiceVersionOutput(
                    service_uri_source=service_uri(v.folder, v.service, v.version), folder_source=v.folder,
                    service_source=v.service, version_source=v.version, service_id_source=v.service_id,
                    version_id_source=v.version_id,
                )
            )
        return ExportOutputs(files=None, services=[services[k] for k in sorted(services)], service_versions=versions)

    def preview(self, ws: Workspace, size_limit: int) -> ExportPreview:
        """The dry-run answer: services, versions and every file the package would hold (files read from `ws`)."""
        outputs = self.outputs()
        files = [
            PreviewFile(path=v.entry_dir(self.tenant) + f.name, size=f.size)
            for v in self.versions
            for f in self.files_of(ws, v)
        ]
        return ExportPreview(
            services=outputs.services, service_versions=outputs.service_versions, files=files,
            projected_bytes=self.projected_bytes, size_limit=size_limit,
        )
