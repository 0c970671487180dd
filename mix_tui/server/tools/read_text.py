"""ReadText: a text file with numbered lines, or an http(s) URL as text (web pages as Markdown).

Files inside the workdir need no permission, files outside it do, and every URL fetch asks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import web
from .base import PermissionNeed, ToolContext, ToolOutcome
from .fileio import SNIFF_BYTES, NotText, require_regular
from .files import PATH_PROP
from .paths import is_inside, outside_read_need, resolve_path
from .text import is_binary

DEFAULT_READ_LINES = 2000
MAX_LINE_CHARS = 2000
MAX_READ_CHARS = 100_000


class ReadText:
    name = "ReadText"
    description = (
        "Read a UTF-8 text file. Returns its lines numbered like `cat -n` (number, tab, text).\n"
        "- By default up to 2000 lines from the start; use `offset` (1-based line number) and `limit` "
        "for other parts of long files.\n"
        "- Lines longer than 2000 characters are cut. Binary files and directories are refused "
        "(use Glob or Bash `ls` for directories).\n"
        "- The line-number prefix is not part of the file: leave it out of Edit's old_string.\n"
        "- `file_path` may also be an http(s) URL: web pages come back as Markdown (at most 5 MB, "
        "30 s; the user is asked first)."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "file_path": {**PATH_PROP, "description": "Path to the file (absolute or relative), or an http(s) URL."},
            "offset": {"type": "integer", "minimum": 0, "description": "First line to read (1-based; 0 = the start)."},
            "limit": {
                "type": "integer",
                "minimum": 1,
                "description": "How many lines to read (default 2000).",
            },
        },
        "required": ["file_path"],
        "additionalProperties": False,
    }

    def permission(self, args: dict[str, Any], ctx: ToolContext) -> PermissionNeed | None:
        raw = str(args.get("file_path", ""))
        if web.is_url(raw):
            # a fetch reaches the network, local services included: always asked, as Mix asks for fetch
            return PermissionNeed(description=f"Fetch URL: {raw}", action="fetch", path="", params={"url": raw})
        path = resolve_path(raw, ctx.workdir)
        if is_inside(path, ctx.workdir):
            return None
        return outside_read_need(path, "Read file", {"file_path": str(path)})

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        offset = int(args.get("offset") or 1)
        limit = int(args.get("limit") or DEFAULT_READ_LINES)
        if web.is_url(str(args["file_path"])):
            return await self._read_url(str(args["file_path"]).strip(), offset, limit)
        path = resolve_path(str(args["file_path"]), ctx.workdir)
        try:
            text, content = await asyncio.to_thread(_numbered_file, path, offset, limit)
        except FileNotFoundError:
            return ToolOutcome(f"File not found: {path}", is_error=True)
        except IsADirectoryError:
            return ToolOutcome(
                f"{path} is a directory, not a file; use Glob or Bash `ls` to list it.", is_error=True
            )
        except NotText as exc:
            return ToolOutcome(f"Cannot read {exc}.", is_error=True)
        except OSError as exc:
            return ToolOutcome(f"Cannot read {path}: {exc.strerror or exc}", is_error=True)
        # the SDK's ReadTextResponseMetadata: what was read, and the lines without their numbers
        return ToolOutcome(text, metadata={"file_path": str(path), "content": content})

    async def _read_url(self, url: str, offset: int, limit: int) -> ToolOutcome:
        try:
            fetched = await web.fetch(url)
        except web.FetchError as exc:
            return ToolOutcome(str(exc), is_error=True)
        if not fetched.is_text:
            return ToolOutcome(
                f"{url} is {fetched.content_type}, not text; use ReadMedia for images and PDFs.", is_error=True
            )
        body = await asyncio.to_thread(fetched.text)
        text, content = _numbered(iter(body.splitlines()), offset, limit, empty="(the page is empty)")
        return ToolOutcome(text, metadata={"file_path": url, "content": content})


def _numbered_file(path: Path, offset: int, limit: int) -> tuple[str, str]:
    """Lines offset..offset+limit-1 of a file as `cat -n` text; streams, so huge files are fine."""
    if path.is_dir():
        raise IsADirectoryError(str(path))
    require_regular(path)
    with path.open("rb") as handle:
        if is_binary(handle.read(SNIFF_BYTES)):
            raise NotText(f"{path}: it looks like a binary file")
        handle.seek(0)
        lines = (raw.decode("utf-8", "replace").rstrip("\r\n") for raw in handle)
        return _numbered(lines, offset, limit, empty="(the file is empty)")


def _numbered(lines: Iterator[str], offset: int, limit: int, *, empty: str) -> tuple[str, str]:
    """(`cat -n` text of the window, the same lines without numbers) with the usual notes."""
    out: list[str] = []
    raw_lines: list[str] = []
    size = 0
    number = 0
    more = False
    for number, line in enumerate(lines, start=1):
        if number < offset:
            continue
        if len(out) >= limit or size >= MAX_READ_CHARS:
            more = True
            break
        if len(line) > MAX_LINE_CHARS:
            line = line[:MAX_LINE_CHARS] + f"… [line cut, {len(line)} characters]"
        entry = f"{number:>6}\t{line}"
        out.append(entry)
        raw_lines.append(line)
        size += len(entry) + 1
    if number == 0:
        return empty, ""
    if not out:
        return f"(offset {offset} is past the end, which has {number} lines)", ""
    text = "\n".join(out)
    if more:
        text += f"\n\n(more lines follow; continue with offset={offset + len(out)})"
    return text, "\n".join(raw_lines)
