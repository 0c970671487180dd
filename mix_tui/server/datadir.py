"""The data dir: private to its owner, checked writable up front, and shared safely between servers.

Every running server holds a shared lock on `server.lock`. A server that can take it exclusively at
start knows no other one is alive, so turns the database still calls "running" died with their
server and may be marked interrupted; one started beside a live server leaves them alone.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from mix_tui.server.store import Store

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; a second server there is the user's own doing
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = "server.lock"
DB_SUFFIXES = ("", "-wal", "-shm")


class DataDirError(RuntimeError):
    """The data dir cannot be used; the message names it and says why."""


def _explain(path: Path, exc: BaseException) -> DataDirError:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return DataDirError(f"cannot use the data dir {path}: {reason} (it must be a directory this user can write)")


class DataDir:
    def __init__(self, path: Path) -> None:
        self.path = path
        # True when no other server had the data dir open as this one started
        self.sole_owner = True
        self._lock_fd: int | None = None

    @classmethod
    def open(cls, path: Path) -> DataDir:
        """Create (0700) and lock the data dir; DataDirError when it is not usable."""
        data_dir = cls(path)
        try:
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
            data_dir._lock_fd = os.open(path / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise _explain(path, exc) from None
        data_dir._take_lock()
        return data_dir

    def _take_lock(self) -> None:
        if fcntl is None or self._lock_fd is None:
            return
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.sole_owner = False
            # another server holds it shared; an exclusive holder keeps it only while it recovers
            fcntl.flock(self._lock_fd, fcntl.LOCK_SH)

    def share(self) -> None:
        """Recovery is done: let other servers start beside this one."""
        if fcntl is not None and self._lock_fd is not None and self.sole_owner:
            fcntl.flock(self._lock_fd, fcntl.LOCK_SH)

    def close(self) -> None:
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._lock_fd)
            self._lock_fd = None

    def private_database(self, db_path: Path) -> None:
        """Create the database file 0600 (SQLite gives its -wal and -shm files the same mode) and
        tighten the files of an older data dir that were created world-readable."""
        try:
            os.close(os.open(db_path, os.O_RDWR | os.O_CREAT, 0o600))
            for suffix in DB_SUFFIXES:
                with contextlib.suppress(FileNotFoundError):
                    os.chmod(f"{db_path}{suffix}", 0o600)
        except OSError as exc:
            raise _explain(self.path, exc) from None

    def open_store(self, db_path: Path) -> Store:
        """The store, with SQLite's failures (read-only file, full disk) named as the data dir's."""
        self.private_database(db_path)
        try:
            return Store(db_path)
        except (sqlite3.Error, OSError) as exc:
            raise _explain(self.path, exc) from None
