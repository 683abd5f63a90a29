"""The Backend protocol over HTTP: a real Spark tenant, or `spark-tui serve`, on Spark's own paths.

Base URL `https://excel.{env}.coherent.global/{tenant}` (or `http://127.0.0.1:8080/demo`): the
v4 export and import routes live under it; the v1 browse and folder routes live at the origin with
`x-tenant-name`. Imports upload the package as Spark's multipart form and return the import job.
Auth: bearer token, API key (`x-synthetic-key`) or OAuth2 client credentials. Every request
carries a fresh `x-request-id`, and every error raised here quotes it. Transient failures are
retried (capped exponential backoff with jitter, honouring Retry-After); downloads are streamed
to a temporary file, SHA-256-checked against `file_hash`, then renamed. Answers are parsed
leniently (spark/export_wire.py, spark/import_wire.py); an error shows the server's own message.
"""

from spark_tui.backends.remote.backend import RemoteBackend, split_base_url

__all__ = ["RemoteBackend", "split_base_url"]
