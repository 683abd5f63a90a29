"""What a resolved export contains: the versions to package, each once, with their stored files."""

from __future__ import annotations

from dataclasses import dataclass, field

from spark_tui.engine.store import StoredFile
from spark_tui.spark.models import (
    ExportOutputs,
    ExportPreview,
    FileFilter,
    PreviewFile,
    ServiceOutput,
    ServiceVersionOutput,
)
from spark_tui.spark.uri import service_uri


@dataclass(frozen=True)
class SelectedVersion:
    folder: str
    service: str
    service_id: str
    version: str
    version_id: str
    files: tuple[StoredFile, ...]  # every stored file; `files_for` applies the file filter

    def files_for(self, file_filter: FileFilter) -> tuple[StoredFile, ...]:
        if file_filter is FileFilter.onpremises:
            return tuple(f for f in self.files if f.onpremises)
        return self.files

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
        return sum(f.size for v in self.versions for f in v.files_for(self.file_filter))

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

    def preview(self, size_limit: int) -> ExportPreview:
        outputs = self.outputs()
        files = [
            PreviewFile(path=v.entry_dir(self.tenant) + f.name, size=f.size)
            for v in self.versions
            for f in v.files_for(self.file_filter)
        ]
        return ExportPreview(
            services=outputs.services, service_versions=outputs.service_versions, files=files,
            projected_bytes=self.projected_bytes, size_limit=size_limit,
        )
