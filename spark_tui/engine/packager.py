"""Write an export package: a streamed ZIP in Spark's layout, hashed (SHA-256) as it is written.

Layout (as in a real Spark package): `{tenant}/`, then per service `{tenant}/{folder}/{service}/`,
per version its directory entry and files, and last `{tenant}/manifest.json`. (A real package
repeats the version directory entry before some files; each entry is written once here.)
The ZIP goes out through a non-seekable writer, so zipfile streams every entry with a data
descriptor; the writer hashes and counts each byte on its way to disk. Blobs are copied in 1 MiB
chunks; each version's file list is read from the workspace as its turn comes and checked
against the sizes the selection recorded. Each blob is checked against its content address (its
SHA-256) as it is copied, on a second thread so the two hashes run side by side: a damaged blob
fails the job naming the file. Tenant, folder and service names are checked again (they become
directories of the ZIP). The file appears under `dest` only complete: temp name in the same
directory, fsync, rename.
"""

from __future__ import annotations

import hashlib
import os
import time
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

from spark_tui.atomic_file import AtomicFile
from spark_tui.engine.selection import SelectedVersion, Selection
from spark_tui.engine.store import CHUNK, StoredFile, Workspace
from spark_tui.spark.errors import Code, ValidationFailed
from spark_tui.spark.export_wire import ApiError, PackageManifest
from spark_tui.spark.uri import InvalidReference, validate_name

DIR_MODE = 0o40755
FILE_MODE = 0o100644
UNIX = 3
# Extensions whose content is already compressed: stored as is. Text-like ones are deflated;
# anything else is deflated only when a sample of it compresses.
STORED_EXTENSIONS = frozenset(
    ".zip .wasm .data .xlsx .xlsm .xlsb .docx .pptx .gz .tgz .bz2 .xz .zst .7z .png .jpg .jpeg .gif .webp .pdf".split()
)
DEFLATED_EXTENSIONS = frozenset(".json .js .md5 .txt .csv .xml .html .htm .css .md .yaml .yml .svg .xls".split())
SAMPLE_BYTES = 64 * 1024
SAMPLE_GAIN = 0.9
# The order of the Hybrid Runner files inside a version directory of a real package.
ONPREM_ORDER = ("DefaultValidations.json", "ModelMetaData.json", "{version_id}.zip", "WASMMetaData.json")


class PackagingCancelled(Exception):
    """should_cancel() returned True; no package was left behind."""


class PackageTooLarge(ValidationFailed):
    """The ZIP being written grew past the tenant's size limit."""

    @classmethod
    def over(cls, written: int, size_limit: int) -> PackageTooLarge:
        message = (
            f"the package reached {written} bytes while writing, over the tenant's size limit of "
            f"{size_limit} bytes; export fewer versions or use file_filter 'onpremises'"
        )
        return cls(message, [ApiError(code=Code.PACKAGE_TOO_LARGE.value, message=message, ref=None)])


class CorruptBlob(ValidationFailed):
    """A stored file whose content no longer matches its SHA-256 (or its recorded size)."""

    @classmethod
    def of(cls, entry: str, f: StoredFile, why: str) -> CorruptBlob:
        message = (
            f"stored file '{entry}' is damaged in the workspace ({why}); no package was written; "
            "import a package holding this version again to repair it"
        )
        return cls(message, [ApiError(code=Code.BLOB_CORRUPT.value, message=message, ref=entry)])


def _checked_name(kind: str, name: str) -> str:
    try:
        return validate_name(kind, name)
    except InvalidReference as exc:
        raise ValidationFailed(str(exc), [ApiError(code=Code.INVALID_REFERENCE.value, message=str(exc), ref=name)]) from None


@dataclass(frozen=True)
class PackageResult:
    path: Path
    sha256: str
    size: int


class _HashingWriter:
    """A write-only, non-seekable stream: hashes and counts every byte, enforces the size limit.

    After a failed write it discards everything, so zipfile's clean-up on the way out of the
    `with` blocks cannot raise a second error over the first one.
    """

    def __init__(self, out: BinaryIO, size_limit: int) -> None:
        self._out = out
        self._size_limit = size_limit
        self.digest = hashlib.sha256()
        self.written = 0
        self.failed = False

    def write(self, data: bytes | memoryview) -> int:
        n = len(data)
        if self.failed:
            return n
        try:
            if self.written + n > self._size_limit:
                raise PackageTooLarge.over(self.written + n, self._size_limit)
            self._emit(data)
        except BaseException:
            self.failed = True
            raise
        self.digest.update(data)
        self.written += n
        return n

    def _emit(self, data: bytes | memoryview) -> None:
        self._out.write(data)

    def tell(self) -> int:
        return self.written

    def flush(self) -> None:
        self._out.flush()


def _compress_type(ws: Workspace, f: StoredFile) -> int:
    ext = os.path.splitext(f.name)[1].lower()
    if ext in STORED_EXTENSIONS:
        return zipfile.ZIP_STORED
    if ext in DEFLATED_EXTENSIONS or f.size == 0:
        return zipfile.ZIP_DEFLATED
    with open(ws.blob_path(f.sha256), "rb") as blob:
        sample = blob.read(SAMPLE_BYTES)
    gains = len(zlib.compress(sample, 1)) < SAMPLE_GAIN * len(sample)
    return zipfile.ZIP_DEFLATED if gains else zipfile.ZIP_STORED


def _file_order(v: SelectedVersion, f: StoredFile) -> tuple[int, str]:
    names = [n.format(version_id=v.version_id) for n in ONPREM_ORDER]
    return (names.index(f.name), "") if f.name in names else (len(names), f.name)


def _files(ws: Workspace, selection: Selection, v: SelectedVersion) -> list[StoredFile]:
    """The files of `v` to package, read now; refused when the version changed since it was resolved."""
    files = selection.files_of(ws, v)
    expected = v.bytes_for(selection.file_filter)
    if sum(f.size for f in files) != expected:
        message = (
            f"version '{v.folder}/{v.service}[{v.version}]' ({v.version_id}) was removed or replaced in the "
            "workspace after the export was resolved; submit the export again"
        )
        raise ValidationFailed(message, [ApiError(code=Code.VERSION_NOT_FOUND.value, message=message, ref=v.version_id)])
    return files


def _info(name: str, date_time: tuple[int, ...], *, directory: bool = False, size: int = 0, compress_type: int = zipfile.ZIP_STORED) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=date_time[:6])
    info.create_system = UNIX
    info.external_attr = (DIR_MODE << 16) | 0x10 if directory else FILE_MODE << 16
    info.file_size = size
    info.compress_type = compress_type
    if directory:
        info.CRC = info.compress_size = 0
    return info


class _Packer:
    """Writes the entries of one package into an open ZipFile, reporting progress per chunk."""

    def __init__(self, ws: Workspace, zf: zipfile.ZipFile, total: int, progress: Callable[[int, int], None] | None,
                 should_cancel: Callable[[], bool] | None, hasher: ThreadPoolExecutor) -> None:
        self.ws = ws
        self.zf = zf
        self.hasher = hasher  # one thread: hashes a chunk while the main thread writes it
        self.total = total
        self.done = 0
        self.progress = progress
        self.should_cancel = should_cancel
        self.date_time = time.localtime()[:6]
        self.buffer = bytearray(CHUNK)

    def check_cancel(self) -> None:
        if self.should_cancel is not None and self.should_cancel():
            raise PackagingCancelled("packaging cancelled; no package was written")

    def directory(self, name: str) -> None:
        self.zf.mkdir(_info(name, self.date_time, directory=True))

    def blob(self, name: str, f: StoredFile) -> None:
        try:
            src = open(self.ws.blob_path(f.sha256), "rb", buffering=0)
            info = _info(name, self.date_time, size=f.size, compress_type=_compress_type(self.ws, f))
        except FileNotFoundError:  # named as the package's file, never by its path on this machine
            raise CorruptBlob.of(name, f, "it is missing from the workspace's blob store") from None
        view = memoryview(self.buffer)
        digest = hashlib.sha256()
        copied = 0
        with src, self.zf.open(info, "w") as dst:
            while n := src.readinto(self.buffer):
                self.check_cancel()
                if copied + n > f.size:
                    raise CorruptBlob.of(name, f, f"it holds more than the recorded {f.size} bytes")
                hashed = self.hasher.submit(digest.update, view[:n])
                try:
                    dst.write(view[:n])
                finally:
                    hashed.result()  # the buffer is refilled next: its hash must be done
                copied += n
                self.done += n
                if self.progress is not None:
                    self.progress(self.done, self.total)
        if copied != f.size:
            raise CorruptBlob.of(name, f, f"it holds {copied} bytes, the catalog records {f.size}")
        if digest.hexdigest() != f.sha256:
            raise CorruptBlob.of(name, f, f"its SHA-256 is {digest.hexdigest()}, its content address {f.sha256}")

    def text(self, name: str, content: str) -> None:
        data = content.encode("utf-8")
        with self.zf.open(_info(name, self.date_time, size=len(data), compress_type=zipfile.ZIP_DEFLATED), "w") as dst:
            dst.write(data)

    def selection(self, selection: Selection, manifest: str) -> None:
        tenant = _checked_name("tenant", selection.tenant)
        if self.progress is not None:
            self.progress(0, self.total)
        self.directory(f"{tenant}/")
        service_dir = None
        for v in selection.versions:
            if (d := f"{tenant}/{v.folder}/{v.service}/") != service_dir:
                _checked_name("folder", v.folder)
                _checked_name("service", v.service)
                service_dir = d
                self.directory(d)
            self.directory(v.entry_dir(tenant))
            for f in sorted(_files(self.ws, selection, v), key=lambda f: _file_order(v, f)):
                self.check_cancel()
                self.blob(v.entry_dir(tenant) + f.name, f)
        self.text(f"{tenant}/manifest.json", manifest)


def write_package(
    ws: Workspace,
    selection: Selection,
    job_id: str,
    dest: Path,
    *,
    size_limit: int,
    progress: Callable[[int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> PackageResult:
    """Write the package of `selection` to `dest` atomically and return its path, SHA-256 and size.

    Raises PackageTooLarge, CorruptBlob, ValidationFailed (a name unfit for a ZIP path),
    PackagingCancelled or OSError; in every failure no file is left behind.
    """
    dest = Path(dest)
    manifest = PackageManifest(id=job_id, outputs=selection.outputs()).compact_json()
    with AtomicFile(dest, mode=0o600) as target, ThreadPoolExecutor(1, thread_name_prefix="blob-hash") as hasher:
        writer = _HashingWriter(target.file, size_limit)
        with zipfile.ZipFile(writer, "w") as zf:  # type: ignore[arg-type]
            _Packer(ws, zf, selection.projected_bytes, progress, should_cancel, hasher).selection(selection, manifest)
    return PackageResult(path=dest, sha256=writer.digest.hexdigest(), size=writer.written)


