"""The file-drop transmitter: the payload lands as ``<directory>/<delivery_id>.<ext>``.

Atomic: the bytes go to a hidden temporary file in the same directory
(``.<delivery_id>.<ext>.<12 hex>.tmp``, see `is_temporary`), which is fsynced, then
renamed over the final name with `os.replace`, and the directory is fsynced. A
reader sees either no file, the previous complete file, or the new complete file,
never a partial one, even if the process is killed mid-write (what is left then is
a temporary file that `remove_stale_temporaries` clears). Pick-up jobs should ignore
dot files, or at least names matching `is_temporary`.

Idempotent: the same delivery id always names the same file, so a retry or a resend
overwrites it with the same content.

The extension is the target's, or follows the content type (``json`` for
``application/json`` and ``*+json``, ``xml`` for ``*/xml`` and ``*+xml``, else ``bin``).

Outcomes: a missing directory, a path that is not a directory, permission
denied, a read-only file system, a name too long or a file too large are permanent;
a full disk or quota (ENOSPC, EDQUOT), I/O errors and other OS errors are transient.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from uuid import UUID

from workers.transmit.base import (
    DELIVERED,
    PERMANENT,
    TRANSIENT,
    Attempt,
    Clock,
    check_content_type,
    check_delivery_id,
    check_payload,
    utc_now,
)

_EXTENSION = re.compile(r"[A-Za-z0-9]{1,16}")
_TEMPORARY = re.compile(r"\.[A-Za-z0-9][A-Za-z0-9._:-]*\.[0-9a-f]{12}\.tmp")
_EXTENSIONS = {
    "application/json": "json",
    "text/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/plain": "txt",
    "text/html": "html",
}
_PERMANENT_ERRNOS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOENT: "no such directory",
    errno.ENOTDIR: "not a directory",
    errno.EISDIR: "the target name is a directory",
    errno.EROFS: "read-only file system",
    errno.ENAMETOOLONG: "name too long",
    errno.ELOOP: "too many symbolic links",
    errno.EFBIG: "file too large for the file system",
}
_TRANSIENT_ERRNOS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EIO: "I/O error",
}


def extension_for(content_type: str) -> str:
    media = content_type.split(";", 1)[0].strip().lower()
    if media in _EXTENSIONS:
        return _EXTENSIONS[media]
    if media.endswith("+json"):
        return "json"
    if media.endswith("+xml"):
        return "xml"
    return "bin"


def is_temporary(name: str) -> bool:
    """Whether a file name is one of our in-progress temporary files."""
    return bool(_TEMPORARY.fullmatch(name))


def remove_stale_temporaries(directory: str | os.PathLike[str],
                             older_than: float = 3600.0) -> list[Path]:
    """Delete temporary files left by killed writers, older than `older_than` seconds."""
    removed: list[Path] = []
    limit = time.time() - older_than
    with os.scandir(directory) as entries:
        for entry in entries:
            if not is_temporary(entry.name):
                continue
            with contextlib.suppress(FileNotFoundError):
                if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime <= limit:
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


@dataclass(frozen=True)
class FileDropTarget:
    directory: str | os.PathLike[str]
    extension: str | None = None  # default: from the content type

    def __post_init__(self) -> None:
        if self.extension is not None and not _EXTENSION.fullmatch(self.extension):
            raise ValueError(f"extension {self.extension!r}: 1-16 letters or digits")


class FileDropTransmitter:
    """Writes payloads atomically into a directory; stateless, safe across threads.

    Knobs: `fsync` (default True: file and directory are flushed to disk before the
    attempt counts as delivered), `chunk_size` (bytes per write call), `mode`
    (permission bits of new files, before the umask).
    """

    def __init__(self, *, fsync: bool = True, chunk_size: int = 1 << 20,
                 mode: int = 0o644) -> None:
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive")
        self.fsync = fsync
        self.chunk_size = chunk_size
        self.mode = mode

    def path_for(self, target: FileDropTarget, content_type: str,
                 delivery_id: str | UUID) -> Path:
        extension = target.extension or extension_for(content_type)
        return Path(target.directory) / f"{check_delivery_id(delivery_id)}.{extension}"

    def transmit(self, target: FileDropTarget, payload: bytes, content_type: str,
                 delivery_id: str | UUID, now: datetime | None = None) -> Attempt:
        if not isinstance(target, FileDropTarget):
            raise TypeError(f"expected a FileDropTarget, not {type(target).__name__}")
        body = check_payload(payload)
        check_content_type(content_type)
        final = self.path_for(target, content_type, delivery_id)
        clock = Clock(utc_now(now))
        directory = final.parent
        temporary = directory / f".{final.name}.{secrets.token_hex(6)}.tmp"
        step = "open the directory"
        try:
            if not stat.S_ISDIR(os.stat(directory).st_mode):
                return clock.attempt(PERMANENT,
                                     error=f"file drop: {directory} is not a directory")
            step = "write"
            self._write(temporary, body)
            step = "rename"
            os.replace(temporary, final)
            step = "sync"
            if self.fsync:
                self._sync_directory(directory)
        except OSError as exc:
            if step in ("write", "rename"):
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
            where = directory if step == "open the directory" else final
            return self._failure(exc, step, where, clock)
        return clock.attempt(DELIVERED)

    def _write(self, path: Path, body: bytes) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW
        fd = os.open(path, flags, self.mode)
        try:
            view = memoryview(body)
            while view:
                written = os.write(fd, view[: self.chunk_size])
                view = view[written:]
            if self.fsync:
                os.fsync(fd)
        finally:
            os.close(fd)

    @staticmethod
    def _sync_directory(directory: Path) -> None:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
                raise  # some file systems cannot sync a directory; that is not a failure
        finally:
            os.close(fd)

    @staticmethod
    def _failure(exc: OSError, step: str, where: Path, clock: Clock) -> Attempt:
        code = exc.errno or 0
        name = errno.errorcode.get(code, "OSError")
        if code in _PERMANENT_ERRNOS:
            status, reason = PERMANENT, _PERMANENT_ERRNOS[code]
        else:
            status = TRANSIENT
            reason = _TRANSIENT_ERRNOS.get(code, exc.strerror or type(exc).__name__)
        return clock.attempt(status, error=f"file drop: cannot {step} {where}: {reason} ({name})")
