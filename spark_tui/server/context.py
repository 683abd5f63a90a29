"""What every route needs: the workspace, the job manager, auth, link signing, public URLs."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import quote, unquote, urlencode, urlparse

from fastapi import Request

from spark_tui.engine.import_jobs import ImportJobs
from spark_tui.engine.jobs import JobManager
from spark_tui.engine.store import Workspace
from spark_tui.server.auth import Authenticator, Identity
from spark_tui.server.signing import LinkSigner
from spark_tui.spark.errors import SparkTuiError, excerpt
from spark_tui.spark.export_wire import ApiError, ExportJob, OutputFile


PROXY_HEADER = "x-spark-tui-proxy"
SERVED_HOST = re.compile(r"^excel\.(?:[a-z0-9-]+\.)?[a-z0-9-]+\.coherent\.global$", re.IGNORECASE)
"""The API hosts `--client-proxy` serves (server/client_proxy.py)."""


class TenantNotFound(SparkTuiError):
    """The tenant of the request's path is not in the served workspace (HTTP 404)."""

    http_status = 404

    def __init__(self, tenant: str) -> None:
        message = f"tenant '{excerpt(tenant)}' not found in this server's workspace; check the tenant in the base URL"
        super().__init__(message, [ApiError(code="TENANT_NOT_FOUND", message=message, ref=excerpt(tenant))])


@dataclass
class ServerContext:
    ws: Workspace
    jobs: JobManager
    auth: Authenticator
    signer: LinkSigner
    base_url: str  # external URL of the server; "" = each request's own base URL
    proxy_secret: str | None = None  # what --client-proxy sends in PROXY_HEADER with each request it forwards
    imports: ImportJobs = field(init=False)

    def __post_init__(self) -> None:
        self.imports = ImportJobs(self.jobs)

    def public_base(self, request: Request) -> str:
        """Where links point: the https host a client asked `--client-proxy` for (the proxy vouches for it
        with its per-process secret; a client cannot), else the server's own URL, never a request's Host."""
        vouched = request.headers.get(PROXY_HEADER, "")
        host = request.headers.get("host", "")
        if self.proxy_secret and hmac.compare_digest(vouched.encode(), self.proxy_secret.encode()) and SERVED_HOST.match(host):
            return f"https://{host.lower()}"
        return (self.base_url or str(request.base_url)).rstrip("/")

    def caller(self, request: Request, tenant: str | None) -> Identity:
        return self.auth.identify(request.headers, tenant)

    def require_tenant(self, tenant: str) -> None:
        if not self.ws.has_tenant(tenant):
            raise TenantNotFound(tenant)

    def publish(self, job: ExportJob, request: Request, tenant: str) -> dict:
        """The job as this server shows it: its own status URL and signed download links."""
        base = f"{self.public_base(request)}/{quote(tenant)}/api/v4/export/{job.id}"
        files = None
        if job.outputs.files is not None:
            files = [
                OutputFile(
                    file=f"{base}/download/{quote(file_name_of(f.file))}?{urlencode(self.signer.sign(tenant, job.id))}",
                    file_hash=f.file_hash,
                )
                for f in job.outputs.files
            ]
        outputs = job.outputs.model_copy(update={"files": files})
        return job.model_copy(update={"status_url": f"{base}/status", "outputs": outputs}).wire()


def ctx_of(request: Request) -> ServerContext:
    return request.app.state.ctx


def file_name_of(url: str) -> str:
    """The file name at the end of a `file://` (or http) URL."""
    return PurePosixPath(unquote(urlparse(url).path)).name
