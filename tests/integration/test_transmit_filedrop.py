"""The file drop: atomic write-then-rename, idempotent overwrite, clear failures."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from workers.transmit import (
    Attempt,
    FileDropTarget,
    FileDropTransmitter,
    is_temporary,
    remove_stale_temporaries,
)

NINJS = "application/ninjs+json"
REPO = Path(__file__).resolve().parents[2]


def framed(marker: bytes, size: int) -> bytes:
    """A payload whose completeness can be checked: body, then its own sha256."""
    body = (marker * (size // len(marker) + 1))[:size]
    return body + hashlib.sha256(body).hexdigest().encode()


def complete(data: bytes) -> bool:
    body, digest = data[:-64], data[-64:]
    return hashlib.sha256(body).hexdigest().encode() == digest


def test_the_payload_lands_under_the_delivery_id(tmp_path: Path) -> None:
    delivery_id = uuid.uuid4()
    attempt = FileDropTransmitter().transmit(FileDropTarget(tmp_path), b'{"a":1}', NINJS,
                                             delivery_id)
    assert isinstance(attempt, Attempt)
    assert attempt.status == "delivered" and attempt.error is None
    assert attempt.http_status is None and attempt.duration_ms >= 0
    assert [p.name for p in tmp_path.iterdir()] == [f"{delivery_id}.json"]
    assert (tmp_path / f"{delivery_id}.json").read_bytes() == b'{"a":1}'


@pytest.mark.parametrize(("content_type", "extension"), [
    ("application/json", "json"), ("application/ninjs+json; charset=utf-8", "json"),
    ("application/vnd.iptc.g2.newsitem+xml", "xml"), ("application/xml", "xml"),
    ("text/xml", "xml"), ("application/octet-stream", "bin"),
])
def test_the_extension_follows_the_content_type(tmp_path: Path, content_type: str,
                                                extension: str) -> None:
    FileDropTransmitter().transmit(FileDropTarget(tmp_path), b"x", content_type, "d1")
    assert (tmp_path / f"d1.{extension}").exists()


def test_an_explicit_extension_wins(tmp_path: Path) -> None:
    FileDropTransmitter().transmit(FileDropTarget(tmp_path, "ninjs"), b"x", NINJS, "d1")
    assert (tmp_path / "d1.ninjs").exists()
    with pytest.raises(ValueError, match="extension"):
        FileDropTarget(tmp_path, "../x")


def test_a_resend_overwrites_idempotently(tmp_path: Path) -> None:
    transmitter = FileDropTransmitter()
    target = FileDropTarget(tmp_path)
    for _ in range(3):
        assert transmitter.transmit(target, b"<item/>", "application/xml", "d1").delivered
    assert [p.name for p in tmp_path.iterdir()] == ["d1.xml"]
    assert (tmp_path / "d1.xml").read_bytes() == b"<item/>"


def test_a_stale_file_under_the_same_name_is_replaced_whole(tmp_path: Path) -> None:
    (tmp_path / "d1.json").write_bytes(b"half a fi")
    FileDropTransmitter().transmit(FileDropTarget(tmp_path), b'{"whole":true}', NINJS, "d1")
    assert (tmp_path / "d1.json").read_bytes() == b'{"whole":true}'


def test_a_symlink_at_the_final_name_is_replaced_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"keep me")
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "d1.json").symlink_to(outside)
    assert FileDropTransmitter().transmit(FileDropTarget(drop), b"{}", NINJS, "d1").delivered
    assert outside.read_bytes() == b"keep me"
    assert not (drop / "d1.json").is_symlink()


def test_readers_never_see_a_partial_file(tmp_path: Path) -> None:
    """A writer keeps replacing one delivery's file with large payloads written in
    small chunks while a reader keeps opening it: every read is a whole payload, and
    the only other names in the directory are hidden temporary files."""
    transmitter = FileDropTransmitter(chunk_size=4096, fsync=False)
    target = FileDropTarget(tmp_path)
    payloads = [framed(b"A", 1_500_000), framed(b"B", 700_000)]
    stop = threading.Event()
    problems: list[str] = []
    reads = 0
    seen_temporary = 0

    def reader() -> None:
        nonlocal reads, seen_temporary
        while not stop.is_set():
            for name in os.listdir(tmp_path):
                if name == "d1.json":
                    continue
                if is_temporary(name):
                    seen_temporary += 1
                else:
                    problems.append(f"unexpected name {name}")
            try:
                data = (tmp_path / "d1.json").read_bytes()
            except FileNotFoundError:
                continue
            reads += 1
            if not complete(data):
                problems.append(f"partial file of {len(data)} bytes")

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for index in range(40):
            attempt = transmitter.transmit(target, payloads[index % 2], NINJS, "d1")
            assert attempt.delivered, attempt
    finally:
        stop.set()
        thread.join()
    assert problems == []
    assert reads > 0
    assert sorted(os.listdir(tmp_path)) == ["d1.json"]
    assert (tmp_path / "d1.json").read_bytes() == payloads[1]


KILLED_WRITER = textwrap.dedent("""
    import os, sys, time
    from workers.transmit import FileDropTarget, FileDropTransmitter
    real_write = os.write
    def slow_write(fd, data):
        time.sleep(0.05)
        return real_write(fd, data)
    os.write = slow_write
    payload = b"N" * 1_000_000
    FileDropTransmitter(chunk_size=1000).transmit(
        FileDropTarget(sys.argv[1]), payload, "application/json", "d1")
""")


@pytest.mark.parametrize("had_previous", [False, True])
def test_a_writer_killed_mid_write_leaves_no_partial_file(tmp_path: Path,
                                                          had_previous: bool) -> None:
    previous = b'{"version":1}'
    if had_previous:
        (tmp_path / "d1.json").write_bytes(previous)
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(tmp_path)], cwd=REPO)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            temporaries = [n for n in os.listdir(tmp_path) if is_temporary(n)]
            if temporaries and (tmp_path / temporaries[0]).stat().st_size > 5000:
                break
            assert child.poll() is None, "the writer finished before it could be killed"
            time.sleep(0.01)
        else:
            pytest.fail("the writer never started its temporary file")
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    names = sorted(os.listdir(tmp_path))
    leftovers = [n for n in names if n != "d1.json"]
    assert len(leftovers) == 1 and is_temporary(leftovers[0])
    assert leftovers[0].startswith(".d1.json.") and leftovers[0].endswith(".tmp")
    if had_previous:
        assert (tmp_path / "d1.json").read_bytes() == previous
    else:
        assert "d1.json" not in names
    assert remove_stale_temporaries(tmp_path, older_than=3600) == []  # too recent
    assert [p.name for p in remove_stale_temporaries(tmp_path, older_than=0)] == leftovers
    # The next attempt delivers as if nothing had happened.
    assert FileDropTransmitter().transmit(FileDropTarget(tmp_path), b"{}", NINJS, "d1").delivered
    assert sorted(os.listdir(tmp_path)) == ["d1.json"]


def test_temporary_names() -> None:
    assert is_temporary(".d1.json.0123456789ab.tmp")
    assert is_temporary(".2b6f0cc9-04a6-4f1e-8c2b-3f3f0b8f8d1a.xml.ffffffffffff.tmp")
    assert not is_temporary("d1.json")
    assert not is_temporary(".d1.json.tmp")
    assert not is_temporary(".d1.json.0123456789AB.tmp")


def test_a_missing_directory_is_permanent(tmp_path: Path) -> None:
    attempt = FileDropTransmitter().transmit(FileDropTarget(tmp_path / "nope"), b"{}", NINJS,
                                             "d1")
    assert attempt.status == "permanent"
    assert "nope" in (attempt.error or "") and "ENOENT" in (attempt.error or "")


def test_a_file_instead_of_a_directory_is_permanent(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    attempt = FileDropTransmitter().transmit(FileDropTarget(tmp_path / "plain"), b"{}", NINJS,
                                             "d1")
    assert attempt.status == "permanent" and "not a directory" in (attempt.error or "")


def test_a_directory_at_the_final_name_is_permanent_and_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "d1.json").mkdir()
    attempt = FileDropTransmitter().transmit(FileDropTarget(tmp_path), b"{}", NINJS, "d1")
    assert attempt.status == "permanent" and "EISDIR" in (attempt.error or "")
    assert os.listdir(tmp_path) == ["d1.json"]


def test_a_directory_we_may_not_write_to_is_permanent(tmp_path: Path) -> None:
    """A real EACCES. Root ignores permission bits, so as root the attempt runs with
    the effective uid of 'nobody' against a root-owned directory under /tmp."""
    if os.geteuid() != 0:
        tmp_path.chmod(0o500)
        try:
            attempt = FileDropTransmitter().transmit(FileDropTarget(tmp_path), b"{}", NINJS,
                                                     "d1")
        finally:
            tmp_path.chmod(0o700)
    else:
        directory = Path(tempfile.mkdtemp(prefix="newsroom-drop-"))
        try:
            directory.chmod(0o755)
            os.seteuid(65534)
            try:
                attempt = FileDropTransmitter().transmit(FileDropTarget(directory), b"{}",
                                                         NINJS, "d1")
            finally:
                os.seteuid(0)
            assert os.listdir(directory) == []
        finally:
            shutil.rmtree(directory)
    assert attempt.status == "permanent"
    assert "permission denied (EACCES)" in (attempt.error or "")


def fail_writes(monkeypatch: pytest.MonkeyPatch, code: int, after: int = 0) -> None:
    """os.write fails with `code` for files being dropped (after `after` calls)."""
    real_write = os.write
    calls = 0

    def write(fd: int, data: Any) -> int:
        nonlocal calls
        if ".tmp" in os.readlink(f"/proc/self/fd/{fd}"):
            calls += 1
            if calls > after:
                raise OSError(code, os.strerror(code))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)


@pytest.mark.parametrize(("code", "outcome", "words"), [
    (errno.ENOSPC, "transient", "no space left"),
    (errno.EDQUOT, "transient", "quota"),
    (errno.EIO, "transient", "I/O error"),
    (errno.EACCES, "permanent", "permission denied"),
    (errno.EROFS, "permanent", "read-only"),
    (errno.EFBIG, "permanent", "too large"),
])
def test_write_errors_map_to_outcomes_and_leave_no_temporary(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, outcome: str,
        words: str) -> None:
    fail_writes(monkeypatch, code, after=2)
    attempt = FileDropTransmitter(chunk_size=10).transmit(FileDropTarget(tmp_path), b"x" * 100,
                                                          NINJS, "d1")
    assert attempt.status == outcome and words in (attempt.error or "")
    assert errno.errorcode[code] in (attempt.error or "")
    assert os.listdir(tmp_path) == []


def test_permission_denied_on_create_is_permanent(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = os.open

    def deny(path: Any, flags: int, mode: int = 0o777, **kwargs: Any) -> int:
        if str(path).endswith(".tmp"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, mode, **kwargs)

    monkeypatch.setattr(os, "open", deny)
    attempt = FileDropTransmitter().transmit(FileDropTarget(tmp_path), b"{}", NINJS, "d1")
    assert attempt.status == "permanent" and "permission denied (EACCES)" in (attempt.error or "")


def test_bad_arguments_are_programming_errors(tmp_path: Path) -> None:
    transmitter = FileDropTransmitter()
    with pytest.raises(ValueError, match="delivery id"):
        transmitter.transmit(FileDropTarget(tmp_path), b"{}", NINJS, "../escape")
    with pytest.raises(ValueError, match="delivery id"):
        transmitter.transmit(FileDropTarget(tmp_path), b"{}", NINJS, ".hidden")
    with pytest.raises(TypeError):
        transmitter.transmit(FileDropTarget(tmp_path), "text", NINJS, "d1")  # type: ignore[arg-type]
    assert os.listdir(tmp_path) == []
