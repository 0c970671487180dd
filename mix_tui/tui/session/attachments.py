"""Files attached to a prompt with `@path`: uploaded to the session's files and listed in the prompt.

The prompt keeps what the user typed (`look at @docs/plan.png`) and gets an `<attachments>` block
naming each file: its path in the working directory, its type and size, and the session file it
was uploaded as, so a model with file tools reads it (inside the workdir, or from the session's
files on any Mix server). The block is parsed back for display: the transcript shows the typed text
and the attachments (images as pictures), not the block. Only files inside the working directory
are attached; reading and uploading happen off the UI loop.
"""

from __future__ import annotations

import asyncio
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mix_tui.sdk.client import MixClient

MAX_ATTACHMENT = 32 * 1024 * 1024  # the files API's upload limit
_MENTION = re.compile(r"(?<![\w@])@((?:\\ |[^\s@])+)")
_BLOCK = re.compile(r"\n*<attachments>\n(.*?)\n</attachments>\s*$", re.DOTALL)
_LINE = re.compile(r"^- (?P<path>.+?) \((?P<mime>[^,()]+), (?P<size>\d+) bytes\): session file (?P<name>\S+)$")


@dataclass(frozen=True, slots=True)
class Attachment:
    path: str  # relative to the working directory, as typed
    name: str  # the session file it was uploaded as
    size: int
    mime: str

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/") and not self.mime.endswith("svg+xml")

    def line(self) -> str:
        return f"- {self.path} ({self.mime}, {self.size} bytes): session file {self.name}"


def mentions(text: str, workdir: Path) -> list[str]:
    """The `@path`s in `text` that name a file inside `workdir` (in order, each once)."""
    root = workdir.resolve()
    found: list[str] = []
    for match in _MENTION.finditer(text):
        raw = match.group(1).replace("\\ ", " ").rstrip(".,;:!?)")
        path = (root / raw).resolve()
        if raw not in found and path.is_relative_to(root) and path.is_file():
            found.append(raw)
    return found


def with_attachments(text: str, attachments: list[Attachment]) -> str:
    if not attachments:
        return text
    lines = "\n".join(a.line() for a in attachments)
    return f"{text.rstrip()}\n\n<attachments>\n{lines}\n</attachments>"


def split_attachments(text: str) -> tuple[str, list[Attachment]]:
    """The typed text and the attachments its block lists (none: the text as it is)."""
    match = _BLOCK.search(text)
    if match is None:
        return text, []
    found: list[Attachment] = []
    for line in match.group(1).splitlines():
        parsed = _LINE.match(line.strip())
        if parsed is None:
            return text, []  # not a block of ours: show the text untouched
        found.append(Attachment(parsed["path"], parsed["name"], int(parsed["size"]), parsed["mime"]))
    return text[: match.start()], found


def _read(path: Path) -> bytes:
    if path.stat().st_size > MAX_ATTACHMENT:
        raise ValueError(f"{path.name} is larger than {MAX_ATTACHMENT // (1024 * 1024)} MB")
    return path.read_bytes()


async def upload(client: MixClient, session_id: str, workdir: Path, paths: list[str]) -> list[Attachment]:
    """Upload each file to the session's files (raises `MixError`, `OSError` or `ValueError`)."""
    done: list[Attachment] = []
    for raw in paths:
        path = workdir / raw
        data = await asyncio.to_thread(_read, path)
        info = await client.files.upload(session_id, path.name, data)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        done.append(Attachment(raw, info.name, len(data), mime))
    return done
