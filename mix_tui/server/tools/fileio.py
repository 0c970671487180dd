"""Small blocking file helpers shared by the file tools (call them via asyncio.to_thread in run())."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from .text import is_binary

SNIFF_BYTES = 8192


def _read_umask() -> int:
    # os.umask can only be read by setting it, which races with other threads: do it once, at import
    current = os.umask(0o022)
    os.umask(current)
    return current


_UMASK = _read_umask()


class NotText(Exception):
    """The file exists but is not UTF-8 text (binary, or another encoding)."""


def read_text(path: Path) -> str:
    """The whole file as text, line endings untouched. Raises OSError or NotText."""
    require_regular(path)
    data = path.read_bytes()
    if is_binary(data[:SNIFF_BYTES]):
        raise NotText(f"{path}: it looks like a binary file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotText(f"{path}: not valid UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def require_regular(path: Path) -> None:
    """Refuse FIFOs, sockets and devices: opening a FIFO blocks forever, /dev/zero never ends."""
    if path.exists() and not path.is_dir() and not path.is_file():
        raise NotText(f"{path}: not a regular file")


def existing_text(path: Path) -> str | None:
    """Current content for a diff: "" when the file does not exist, None when it is not text."""
    if not path.exists():
        return ""
    try:
        return read_text(path)
    except (OSError, NotText):
        return None


def write_atomic(path: Path, content: str) -> None:
    """Replace `path` with `content` in one step, creating parent directories.

    Written to a temporary sibling then renamed, so a crash never leaves a half-written file;
    the old file's permission bits are kept.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(content)
        if path.exists():
            shutil.copymode(path, tmp)
        else:
            # mkstemp creates 0600; a new file should get the usual umask-based mode
            tmp.chmod(0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
