"""The workspace: a SQLite catalog (WAL, shared by several processes) plus content-addressed blobs.

Layout of a workspace directory:
  workspace.db          tenants, folders, services, versions, version_files, jobs
                        (service and version ids are unique per tenant, so a package exported
                        from one tenant imports into another of the same workspace with its ids)
  blobs/ab/<sha256>     file contents, stored once by hash
  packages/<job id>/    finished export packages (kept for the tenant's retention period)
  tmp/                  partial writes (blobs, packages) before their atomic rename
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, TypeVar

from spark_tui.engine import housekeeping
from spark_tui.spark.errors import DiskFull, WorkspaceUnusable
from spark_tui.spark.fingerprint import fingerprint as version_fingerprint
from spark_tui.spark.values import DEFAULT_SIZE_LIMIT, ONPREM_METADATA, EngineType, ServiceInfo, VersionInfo, iso, utc_now
from spark_tui.spark.semver import SemVer
from spark_tui.spark.uri import validate_name

CHUNK = 1024 * 1024
DEFAULT_JOB_LIMIT = 1
DEFAULT_TIMEOUT_S = 15 * 60
DEFAULT_RETENTION_S = 24 * 3600
T = TypeVar("T")
FOLDER_ORDERS = {"name": "f.name", "created": "f.created", "updated": "COALESCE(f.updated, f.created)"}
"""The orders of a folder listing (the v1 `sort` field, without its leading `-`) and their SQL."""
FOLDER_INSERT = "id, tenant, name, required_group, created, description, category, status, start_date, launch_date, updated, created_by"
FOLDER_COLUMNS = (
    "f.id, f.name, f.required_group, f.created, f.description, f.category, f.status, f.start_date, f.launch_date, "
    "COALESCE(f.updated, f.created) AS updated, f.created_by, (SELECT COUNT(*) FROM services s WHERE s.folder_id=f.id) AS n"
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS tenants (
    name TEXT PRIMARY KEY,
    job_limit INTEGER NOT NULL,
    size_limit INTEGER NOT NULL,
    timeout_s INTEGER NOT NULL,
    retention_s INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS folders (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL REFERENCES tenants(name),
    name TEXT NOT NULL,
    required_group TEXT,
    created TEXT NOT NULL,
    description TEXT,
    category TEXT,
    status TEXT,
    start_date TEXT,
    launch_date TEXT,
    updated TEXT,
    created_by TEXT,
    UNIQUE (tenant, name)
);
CREATE TABLE IF NOT EXISTS services (
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    folder_id TEXT NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (tenant, id),
    UNIQUE (folder_id, name)
);
CREATE TABLE IF NOT EXISTS versions (
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    version TEXT NOT NULL,
    engine_type TEXT NOT NULL,
    has_module INTEGER NOT NULL,
    created TEXT NOT NULL,
    author TEXT,
    release_note TEXT,
    original_file_name TEXT,
    size INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, id),
    FOREIGN KEY (tenant, service_id) REFERENCES services(tenant, id) ON DELETE CASCADE,
    UNIQUE (tenant, service_id, version)
);
CREATE TABLE IF NOT EXISTS version_files (
    tenant TEXT NOT NULL,
    version_id TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    onpremises INTEGER NOT NULL,
    PRIMARY KEY (tenant, version_id, name),
    FOREIGN KEY (tenant, version_id) REFERENCES versions(tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    created_by TEXT NOT NULL,
    status TEXT NOT NULL,
    request_json TEXT NOT NULL,
    selection_json TEXT,
    file_name TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    started TEXT,
    finished TEXT,
    process_time_ms INTEGER NOT NULL DEFAULT 0,
    bytes_done INTEGER NOT NULL DEFAULT 0,
    bytes_total INTEGER NOT NULL DEFAULT 0,
    package_path TEXT,
    package_bytes INTEGER,
    file_hash TEXT,
    outputs_json TEXT,
    errors_json TEXT,
    worker_pid INTEGER,
    heartbeat REAL,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    source_system TEXT,
    correlation_id TEXT,
    kind TEXT NOT NULL DEFAULT 'export',
    groups_json TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_tenant_status ON jobs (tenant, status);
CREATE INDEX IF NOT EXISTS services_by_folder ON services (folder_id, name);
CREATE INDEX IF NOT EXISTS versions_by_service ON versions (tenant, service_id);
"""
# after _add_missing_columns: a workspace made before import jobs has no `kind` column until then
JOB_INDEXES = """
CREATE INDEX IF NOT EXISTS jobs_window ON jobs (tenant, kind, finished);
CREATE INDEX IF NOT EXISTS jobs_kept_packages ON jobs (tenant, finished) WHERE package_path IS NOT NULL;
"""


def is_onpremises_file(version_id: str, name: str) -> bool:
    """Whether a stored file belongs to the Hybrid Runner set of an `onpremises` package."""
    return name == f"{version_id}.zip" or name in ONPREM_METADATA


@dataclass(frozen=True)
class TenantConfig:
    name: str
    job_limit: int = DEFAULT_JOB_LIMIT
    size_limit: int = DEFAULT_SIZE_LIMIT
    timeout_s: int = DEFAULT_TIMEOUT_S
    retention_s: int = DEFAULT_RETENTION_S


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    sha256: str
    onpremises: bool


@dataclass(frozen=True)
class FolderDetails:
    """What a folder's creator says of it (Spark's create form), and who created it."""

    description: str | None = None
    category: str | None = None
    status: str | None = None
    start_date: str | None = None
    launch_date: str | None = None
    created_by: str | None = None


class NotFound(LookupError):
    """A catalog object that does not exist; the message names it."""


class Workspace:
    """A workspace directory. Connections are per thread; every process may open the same one."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).expanduser().resolve()
        self.db_path = self.root / "workspace.db"
        self.blobs = self.root / "blobs"
        self.packages = self.root / "packages"
        self.tmp = self.root / "tmp"
        existed = self.db_path.exists()  # a new workspace has no leftovers: its tmp/ is not swept
        for d in (self.root, self.blobs, self.packages, self.tmp):
            housekeeping.private_dir(d)
        housekeeping.hold_lock(self, self.root, lambda: existed and housekeeping.sweep(self.tmp, self.packages))
        self._local = threading.local()
        self.connect().executescript(SCHEMA)
        _add_missing_columns(self.connect())
        self.connect().executescript(JOB_INDEXES)  # the tenant-wide status window and package expiry read by index
        housekeeping.tighten(self.db_path, self.blobs)

    # --- connections ------------------------------------------------------------------------

    def connect(self) -> sqlite3.Connection:
        """This thread's connection (WAL, 30 s busy timeout, autocommit; use transaction())."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.db_path, timeout=30, isolation_level=None, check_same_thread=False)
            db.row_factory = sqlite3.Row
            _enable_wal(db)
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            self._local.db = db
        return db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT: one writer at a time across every process."""
        db = self.connect()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees the same catalog, and writers of other
        connections go on meanwhile (WAL). Inside an open transaction it simply joins it."""
        db = self.connect()
        if db.in_transaction:
            yield db
            return
        db.execute("BEGIN DEFERRED")
        try:
            yield db
        finally:
            db.execute("COMMIT")

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # --- tenants ----------------------------------------------------------------------------

    def ensure_tenant(self, name: str, *, db: sqlite3.Connection | None = None) -> TenantConfig:
        """Create the tenant with the default configuration unless it exists; its configuration.

        Pass `db` to take part in an open transaction (demo, synth and importer do).
        """
        validate_name("tenant", name)

        def write(conn: sqlite3.Connection) -> TenantConfig:
            conn.execute(
                "INSERT OR IGNORE INTO tenants VALUES (?,?,?,?,?)",
                (name, DEFAULT_JOB_LIMIT, DEFAULT_SIZE_LIMIT, DEFAULT_TIMEOUT_S, DEFAULT_RETENTION_S),
            )
            return self.tenant_config(name, db=conn)

        return self._write(write, db)

    def has_tenant(self, name: str) -> bool:
        return self.connect().execute("SELECT 1 FROM tenants WHERE name=?", (name,)).fetchone() is not None

    def tenants(self) -> list[str]:
        return [r[0] for r in self.connect().execute("SELECT name FROM tenants ORDER BY name")]

    def tenant_config(self, name: str, *, db: sqlite3.Connection | None = None) -> TenantConfig:
        row = (db or self.connect()).execute("SELECT * FROM tenants WHERE name=?", (name,)).fetchone()
        if row is None:
            raise NotFound(f"tenant '{name}' does not exist in workspace {self.root}")
        return TenantConfig(row["name"], row["job_limit"], row["size_limit"], row["timeout_s"], row["retention_s"])

    def configure_tenant(self, name: str, **settings: int) -> TenantConfig:
        """Change job_limit, size_limit, timeout_s or retention_s of a tenant."""
        allowed = {"job_limit", "size_limit", "timeout_s", "retention_s"}
        if unknown := set(settings) - allowed:
            raise ValueError(f"unknown tenant setting(s) {sorted(unknown)}; use {sorted(allowed)}")
        self.ensure_tenant(name)
        with self.transaction() as db:
            for key, value in settings.items():
                db.execute(f"UPDATE tenants SET {key}=? WHERE name=?", (int(value), name))
        return self.tenant_config(name)

    # --- blobs ------------------------------------------------------------------------------

    def blob_path(self, sha256: str) -> Path:
        return self.blobs / sha256[:2] / sha256

    def put_blob(self, source: BinaryIO | bytes) -> tuple[str, int]:
        """Store content by its SHA-256 (streamed, one pass); returns (sha256, size)."""
        tmp_name, sha, size = write_hashed(source, self.tmp)
        try:
            final = self.blob_path(sha)
            final.parent.mkdir(mode=housekeeping.DIR_MODE, exist_ok=True)
            os.replace(tmp_name, final)  # always: content just hashed replaces a damaged copy
            return sha, size
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise

    # --- catalog writes ---------------------------------------------------------------------

    def _write(self, write: Callable[[sqlite3.Connection], T], db: sqlite3.Connection | None) -> T:
        """`write` on the open transaction `db`, or in a transaction of its own."""
        if db is not None:
            return write(db)
        with self.transaction() as conn:
            return write(conn)

    def add_folder(
        self,
        tenant: str,
        name: str,
        required_group: str | None = None,
        folder_id: str | None = None,
        *,
        created: str | None = None,
        details: FolderDetails = FolderDetails(),
        db: sqlite3.Connection | None = None,
    ) -> str:
        """Record a folder of an existing tenant (last updated when created); its id. Pass `db` to take
        part in an open transaction."""
        validate_name("folder", name)
        fid = folder_id or str(uuid.uuid4())
        when = created or iso(utc_now())
        d = details
        row = (fid, tenant, name, required_group, when, d.description, d.category, d.status, d.start_date, d.launch_date,
               when, d.created_by)
        self._write(lambda conn: conn.execute(f"INSERT INTO folders ({FOLDER_INSERT}) VALUES ({','.join('?' * 12)})", row), db)
        return fid

    def add_service(
        self,
        tenant: str,
        folder: str,
        name: str,
        service_id: str | None = None,
        *,
        created: str | None = None,
        db: sqlite3.Connection | None = None,
    ) -> str:
        """Record a service in an existing folder; its id. Pass `db` to take part in an open transaction."""
        validate_name("service", name)
        sid = service_id or str(uuid.uuid4())

        def write(conn: sqlite3.Connection) -> None:
            folder_id = self.folder(tenant, folder, db=conn)["id"]
            conn.execute("INSERT INTO services VALUES (?,?,?,?,?)", (tenant, sid, folder_id, name, created or iso(utc_now())))

        self._write(write, db)
        return sid

    def add_version(
        self,
        tenant: str,
        service_id: str,
        version: str,
        files: dict[str, tuple[str, int]],
        *,
        version_id: str | None = None,
        engine_type: EngineType = EngineType.neuron,
        has_module: bool = True,
        created: str | None = None,
        author: str | None = None,
        release_note: str | None = None,
        original_file_name: str | None = None,
        db: sqlite3.Connection | None = None,
    ) -> str:
        """Record a version whose files (name -> (sha256, size)) are already stored as blobs.

        Pass `db` to take part in an open transaction (the importer does, to import all or nothing).
        """
        SemVer.parse(version)
        vid = version_id or str(uuid.uuid4())
        row = (
            tenant, vid, service_id, version, EngineType(engine_type).value, int(has_module), created or iso(utc_now()),
            author, release_note, original_file_name, sum(size for _, size in files.values()),
        )
        file_rows = [(tenant, vid, name, size, sha, int(is_onpremises_file(vid, name))) for name, (sha, size) in files.items()]

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT INTO versions VALUES (?,?,?,?,?,?,?,?,?,?,?)", row)
            conn.executemany("INSERT INTO version_files VALUES (?,?,?,?,?,?)", file_rows)

        self._write(write, db)
        return vid

    # --- catalog reads ----------------------------------------------------------------------

    def folder(self, tenant: str, name: str, *, db: sqlite3.Connection | None = None) -> sqlite3.Row:
        row = (db or self.connect()).execute("SELECT * FROM folders WHERE tenant=? AND name=?", (tenant, name)).fetchone()
        if row is None:
            raise NotFound(f"folder '{name}' not found in tenant '{tenant}'")
        return row

    def service(self, tenant: str, folder: str, name: str) -> sqlite3.Row:
        row = self.connect().execute(
            "SELECT s.*, f.name AS folder_name FROM services s JOIN folders f ON f.id=s.folder_id "
            "WHERE f.tenant=? AND f.name=? AND s.name=?",
            (tenant, folder, name),
        ).fetchone()
        if row is None:
            raise NotFound(f"service '{folder}/{name}' not found in tenant '{tenant}'")
        return row

    def folder_by_id(self, tenant: str, folder_id: str) -> sqlite3.Row:
        """One folder by id, with the columns of `folder_page`."""
        row = self.connect().execute(f"SELECT {FOLDER_COLUMNS} FROM folders f WHERE f.tenant=? AND f.id=?", (tenant, folder_id)).fetchone()
        if row is None:
            raise NotFound(f"folder id '{folder_id}' not found in tenant '{tenant}'")
        return row

    def folder_page(
        self, tenant: str, page: int = 1, page_size: int = 100, *, order: str = "name", descending: bool = False,
    ) -> tuple[list[sqlite3.Row], int]:
        """One page of the tenant's folders in `order` (a key of FOLDER_ORDERS; ties by name), and their total.
        Each row: id, name, required_group, the creator's details, created, updated, n services.

        Who may open each is the access rule's to say (engine/access.list_folders), not the store's."""
        if order not in FOLDER_ORDERS:
            raise ValueError(f"unknown folder order '{order}'; use one of {sorted(FOLDER_ORDERS)}")
        way = "DESC" if descending else "ASC"
        db = self.connect()
        total = db.execute("SELECT COUNT(*) FROM folders WHERE tenant=?", (tenant,)).fetchone()[0]
        rows = db.execute(
            f"SELECT {FOLDER_COLUMNS} FROM folders f WHERE f.tenant=? "
            f"ORDER BY {FOLDER_ORDERS[order]} {way}, f.name {way} LIMIT ? OFFSET ?",
            (tenant, page_size, (page - 1) * page_size),
        ).fetchall()
        return rows, total

    def list_services(self, tenant: str, folder: str, page: int = 1, page_size: int = 100) -> tuple[list[ServiceInfo], int]:
        frow = self.folder(tenant, folder)
        db = self.connect()
        total = db.execute("SELECT COUNT(*) FROM services WHERE folder_id=?", (frow["id"],)).fetchone()[0]
        rows = db.execute(
            "SELECT id, name, ? AS folder FROM services WHERE folder_id=? ORDER BY name LIMIT ? OFFSET ?",
            (folder, frow["id"], page_size, (page - 1) * page_size),
        ).fetchall()
        return self._service_infos(tenant, rows), total

    def search_services(
        self, tenant: str, query: str, groups: tuple[str, ...] = (), page: int = 1, page_size: int = 100
    ) -> tuple[list[ServiceInfo], int]:
        """Services of folders the groups may open whose name contains `query` (any case), by folder and name."""
        db = self.connect()
        pattern = "%" + query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        allowed = ",".join("?" * len(groups))
        where = (
            "f.tenant=? AND lower(s.name) LIKE ? ESCAPE '\\' "
            f"AND (f.required_group IS NULL{f' OR f.required_group IN ({allowed})' if groups else ''})"
        )
        params = (tenant, pattern, *groups)
        total = db.execute(f"SELECT COUNT(*) FROM services s JOIN folders f ON s.folder_id=f.id WHERE {where}",
                           params).fetchone()[0]
        rows = db.execute(
            f"SELECT s.id, s.name, f.name AS folder FROM services s JOIN folders f ON s.folder_id=f.id WHERE {where} "
            "ORDER BY f.name, s.name LIMIT ? OFFSET ?",
            (*params, page_size, (page - 1) * page_size),
        ).fetchall()
        return self._service_infos(tenant, rows), total

    def _service_infos(self, tenant: str, rows: list) -> list[ServiceInfo]:
        """ServiceInfo of service rows (id, name, folder): version count, latest version, exportability."""
        db = self.connect()
        items = []
        for r in rows:
            versions = db.execute(
                "SELECT version, engine_type, has_module FROM versions WHERE tenant=? AND service_id=?",
                (tenant, r["id"]),
            ).fetchall()
            latest = max(versions, key=lambda v: SemVer.parse(v["version"]), default=None)
            items.append(
                ServiceInfo(
                    id=r["id"], folder=r["folder"], name=r["name"], version_count=len(versions),
                    latest_version=latest["version"] if latest else None,
                    engine_type=EngineType(latest["engine_type"]) if latest else EngineType.neuron,
                    exportable=bool(versions) and all(
                        v["engine_type"] == EngineType.neuron.value and v["has_module"] for v in versions
                    ),
                )
            )
        return items

    def list_versions(self, tenant: str, folder: str, service: str) -> list[VersionInfo]:
        """Versions of a service, newest first, each with its fingerprint (from stored hashes: no blob is read)."""
        srow = self.service(tenant, folder, service)
        with self.snapshot() as db:
            rows = db.execute("SELECT * FROM versions WHERE tenant=? AND service_id=?", (tenant, srow["id"])).fetchall()
            files: dict[str, list[tuple[str, str]]] = {r["id"]: [] for r in rows}
            for f in db.execute(
                f"SELECT version_id, name, sha256 FROM version_files WHERE tenant=? AND version_id IN ({','.join('?' * len(rows))})",
                (tenant, *files),
            ):
                files[f[0]].append((f[1], f[2]))
        infos = [self._version_info(r, folder, service, version_fingerprint(r["id"], files[r["id"]])) for r in rows]
        return sorted(infos, key=lambda v: SemVer.parse(v.version), reverse=True)

    def version_files(self, tenant: str, version_id: str) -> list[StoredFile]:
        rows = self.connect().execute(
            "SELECT name, size, sha256, onpremises FROM version_files WHERE tenant=? AND version_id=? ORDER BY name",
            (tenant, version_id),
        ).fetchall()
        return [StoredFile(r["name"], r["size"], r["sha256"], bool(r["onpremises"])) for r in rows]

    @staticmethod
    def _version_info(r: sqlite3.Row, folder: str, service: str, fingerprint: str) -> VersionInfo:
        return VersionInfo(
            id=r["id"], folder=folder, service=service, service_id=r["service_id"], version=r["version"],
            engine_type=EngineType(r["engine_type"]), has_module=bool(r["has_module"]), created=r["created"],
            size=r["size"], original_file_name=r["original_file_name"], fingerprint=fingerprint,
        )


def write_hashed(
    source: BinaryIO | bytes, directory: Path, progress: Callable[[int], None] | None = None
) -> tuple[str, str, int]:
    """Stream `source` into a new temporary file in `directory`: (its path, SHA-256 hex, size).

    `progress` gets the byte count of each chunk written. The file is removed on any failure."""
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = _mkstemp(directory, ".blob")
    try:
        with os.fdopen(fd, "wb") as out:
            if isinstance(source, (bytes, bytearray, memoryview)):
                digest.update(source)
                out.write(source)
                size = len(source)
            else:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                    if progress is not None:
                        progress(len(chunk))
        return tmp_name, digest.hexdigest(), size
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise


ADDED_COLUMNS = {
    "jobs": (("kind", "TEXT NOT NULL DEFAULT 'export'"), ("groups_json", "TEXT")),
    "folders": tuple((c, "TEXT") for c in (
        "description", "category", "status", "start_date", "launch_date", "updated", "created_by",
    )),
}
"""Columns added since the first workspaces: an old workspace gets them (NULL) when opened."""


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Workspaces made before import jobs and folder details existed: add the columns they lack."""
    for table, columns in ADDED_COLUMNS.items():
        have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        for column, ddl in columns:
            if column not in have:
                try:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {ddl}")
                except sqlite3.OperationalError as exc:  # another process added it first
                    if "duplicate column" not in str(exc):
                        raise


def open_workspace(root: Path | str) -> Workspace:
    """Open (creating if needed) the workspace at `root`, errors as `workspace_errors` words them."""
    root = Path(root).expanduser()
    if root.exists() and not root.is_dir():
        raise WorkspaceUnusable(root, f"workspace {root} is not a directory")
    with workspace_errors(root):
        return Workspace(root)


@contextmanager
def workspace_errors(root: Path) -> Iterator[None]:
    """OSError and sqlite3 errors inside as one line naming the workspace and the cause: DiskFull
    when its disk is full, else WorkspaceUnusable."""
    try:
        yield
    except (OSError, sqlite3.Error) as exc:
        if housekeeping.disk_full(exc, root):
            raise DiskFull(f"writing to workspace {root}") from None
        if isinstance(exc, OSError):
            raise WorkspaceUnusable(root, f"cannot open workspace {root}: {exc.strerror or exc}") from None
        raise WorkspaceUnusable(root, f"workspace {root} is not a usable spark-tui workspace ({exc})") from None


def _mkstemp(directory: Path, suffix: str) -> tuple[int, str]:
    return tempfile.mkstemp(dir=directory, suffix=suffix)


def _enable_wal(db: sqlite3.Connection, wait_s: float = 30.0) -> None:
    """Switch to WAL (persistent in the file). SQLite answers "locked" at once, without its busy
    handler, while another process creates the same workspace, so retry until it is done."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
