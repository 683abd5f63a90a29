"""PackageStream: an upload reads a download's file behind it, its tail only after release()."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from spark_tui.backends.package_stream import CHUNK, HOLD, AttemptFailed, PackageStream, StreamAborted
from spark_tui.backends.verified_file import HashMismatch, VerifiedFile

DATA = bytes(range(256)) * (3 * CHUNK // 256 + 17)  # three chunks and a bit


class Reader(threading.Thread):
    """Reads one attempt of the stream in a thread; the bytes it got, and how it ended."""

    def __init__(self, stream: PackageStream) -> None:
        super().__init__(daemon=True)
        self.stream, self.got, self.error = stream, bytearray(), None
        self.progress = threading.Condition()

    def run(self) -> None:
        try:
            attempt, _ = self.stream.wait_started()
            for chunk in self.stream.chunks(attempt):
                with self.progress:
                    self.got += chunk
                    self.progress.notify_all()
        except StreamAborted as exc:
            self.error = exc

    def wait_for(self, n: int) -> bool:
        with self.progress:
            return self.progress.wait_for(lambda: len(self.got) >= n, timeout=10)


def test_the_tail_waits_for_release(tmp_path: Path) -> None:
    stream = PackageStream()
    reader = Reader(stream)
    reader.start()
    with VerifiedFile(tmp_path / "p.zip", len(DATA), tee=stream) as sink:
        sink.write(DATA)
        assert reader.wait_for(len(DATA) - HOLD)
        digest = sink.commit(hashlib.sha256(DATA).hexdigest())
    assert bytes(reader.got) == DATA[:-HOLD]  # checked and renamed, but not released: the tail is held
    stream.release(tmp_path / "p.zip")
    reader.join(10)
    assert bytes(reader.got) == DATA and reader.error is None and digest == hashlib.sha256(DATA).hexdigest()
    stream.close()


def test_a_hash_mismatch_stops_the_reader_short_of_the_tail(tmp_path: Path) -> None:
    stream = PackageStream()
    reader = Reader(stream)
    reader.start()
    with pytest.raises(HashMismatch), VerifiedFile(tmp_path / "p.zip", len(DATA), tee=stream) as sink:
        sink.write(DATA)
        assert reader.wait_for(len(DATA) - HOLD)
        sink.commit("0" * 64)
    reader.join(10)
    assert isinstance(reader.error, AttemptFailed) and len(reader.got) == len(DATA) - HOLD
    with pytest.raises(StreamAborted):
        stream.release(tmp_path / "p.zip")
    stream.close()


def test_abort_stops_a_waiting_reader(tmp_path: Path) -> None:
    stream = PackageStream()
    reader = Reader(stream)
    reader.start()
    with VerifiedFile(tmp_path / "p.zip", len(DATA), tee=stream) as sink:
        sink.write(DATA[:CHUNK])
        assert reader.wait_for(CHUNK - HOLD)
        stream.abort("cancelled by the test")
        reader.join(10)
    assert str(reader.error) == "cancelled by the test" and bytes(reader.got) == DATA[:CHUNK - HOLD]
    assert not (tmp_path / "p.zip").exists()
    stream.close()


def test_a_retried_download_is_read_again_from_its_first_byte(tmp_path: Path) -> None:
    stream = PackageStream()
    first = Reader(stream)
    first.start()
    with pytest.raises(HashMismatch), VerifiedFile(tmp_path / "p.zip", len(DATA), tee=stream) as sink:
        sink.write(b"x" * (CHUNK + HOLD))  # a corrupt first attempt, read while it is written
        assert first.wait_for(CHUNK)
        sink.write(b"x" * (len(DATA) - CHUNK - HOLD))
        sink.commit(hashlib.sha256(DATA).hexdigest())
    first.join(10)
    assert isinstance(first.error, AttemptFailed) and set(first.got) <= {ord("x")}
    second = Reader(stream)
    second.start()  # waits for the next attempt: the failed one is not read again
    with VerifiedFile(tmp_path / "p.zip", len(DATA), tee=stream) as sink:
        sink.write(DATA)
        sink.commit(hashlib.sha256(DATA).hexdigest())
    stream.release(tmp_path / "p.zip")
    second.join(10)
    assert bytes(second.got) == DATA and second.error is None
    stream.close()
