"""Write and Edit: the tools that change files. Both always ask, showing a unified diff of what
would change (outside the workdir: what is asked for, without reading the file first)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from .base import PermissionNeed, ToolContext, ToolOutcome
from .diffing import unified_diff
from .fileio import NotText, existing_text, read_text, write_atomic
from .paths import OUTSIDE_NOTE, display_path, is_inside, resolve_path

PATH_PROP = {
    "type": "string",
    "minLength": 1,
    "description": "Path to the file, absolute or relative to the working directory.",
}


PREVIEW_CHARS = 20_000


def _preview(text: str) -> str:
    """Text shown in a prompt, bounded (a prompt is not the place for a 10 MB file)."""
    if len(text) <= PREVIEW_CHARS:
        return text
    return text[:PREVIEW_CHARS] + f"\n… ({len(text) - PREVIEW_CHARS} more characters)"


class Write:
    name = "Write"
    description = (
        "Write a file with the given content, replacing it if it exists and creating parent directories.\n"
        "- Prefer Edit for changing part of an existing file; Write sends the whole content.\n"
        "- The user is asked for permission and sees a diff."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "file_path": PATH_PROP,
            "content": {"type": "string", "description": "The complete new content of the file."},
        },
        "required": ["file_path", "content"],
        "additionalProperties": False,
    }

    def permission(self, args: dict[str, Any], ctx: ToolContext) -> PermissionNeed | None:
        path = resolve_path(str(args.get("file_path", "")), ctx.workdir)
        content = str(args.get("content", ""))
        if not is_inside(path, ctx.workdir):
            return PermissionNeed(
                description=f"Write file: {path} ({OUTSIDE_NOTE})",
                action="write",
                path=str(path),
                params={"file_path": str(path), "content": _preview(content)},
            )
        if path.is_dir():
            return None  # run() refuses it; nothing to ask about
        old = existing_text(path)
        shown = display_path(path, ctx.workdir)
        diff = (
            f"(binary or non-UTF-8 file {shown} would be replaced)\n"
            if old is None
            else unified_diff(old, content, shown)
        )
        verb = "Write" if path.exists() else "Create"
        return PermissionNeed(
            description=f"{verb} file: {path}",
            action="write",
            path=str(path),
            params={"file_path": str(path), "diff": diff},
        )

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        path = resolve_path(str(args["file_path"]), ctx.workdir)
        content = str(args["content"])
        if path.is_dir():
            return ToolOutcome(f"{path} is a directory; give a file path.", is_error=True)
        existed = path.exists()
        try:
            await asyncio.to_thread(write_atomic, path, content)
        except OSError as exc:
            return ToolOutcome(f"Cannot write {path}: {exc.strerror or exc}", is_error=True)
        lines = content.count("\n") + (0 if content.endswith("\n") or not content else 1)
        verb = "Wrote" if existed else "Created"
        return ToolOutcome(f"{verb} {display_path(path, ctx.workdir)} ({lines} lines).")


class Edit:
    name = "Edit"
    description = (
        "Replace exact text in a file.\n"
        "- old_string must match the file exactly, whitespace and indentation included (without "
        "ReadText's line-number prefix). Read the file first.\n"
        "- old_string must occur exactly once unless replace_all is true; if it occurs more often, "
        "include more surrounding lines to make it unique.\n"
        "- An empty old_string creates a new file containing new_string (the file must not exist).\n"
        "- The user is asked for permission and sees a diff."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "file_path": PATH_PROP,
            "old_string": {"type": "string", "description": "The exact text to replace."},
            "new_string": {"type": "string", "description": "The text to put in its place (must differ)."},
            "replace_all": {"type": "boolean", "description": "Replace every occurrence (default false)."},
        },
        "required": ["file_path", "old_string", "new_string"],
        "additionalProperties": False,
    }

    def permission(self, args: dict[str, Any], ctx: ToolContext) -> PermissionNeed | None:
        path = resolve_path(str(args.get("file_path", "")), ctx.workdir)
        if not is_inside(path, ctx.workdir):
            # no plan here: planning reads the file, and its answer ("occurs 24 times", "not found")
            # would tell the model about a file the user never allowed it to touch
            return PermissionNeed(
                description=f"Edit file: {path} ({OUTSIDE_NOTE})",
                action="edit",
                path=str(path),
                params={
                    "file_path": str(path),
                    "old_string": _preview(str(args.get("old_string", ""))),
                    "new_string": _preview(str(args.get("new_string", ""))),
                },
            )
        plan = plan_edit(path, args)
        if isinstance(plan, str):
            return None  # the edit cannot apply: run() reports why without bothering the user
        old, new, _count = plan
        return PermissionNeed(
            description=f"Edit file: {path}",
            action="edit",
            path=str(path),
            params={"file_path": str(path), "diff": unified_diff(old, new, display_path(path, ctx.workdir))},
        )

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        path = resolve_path(str(args["file_path"]), ctx.workdir)
        # planned again: the file may have changed while the user looked at the prompt
        plan = await asyncio.to_thread(plan_edit, path, args)
        if isinstance(plan, str):
            return ToolOutcome(plan, is_error=True)
        _old, new, count = plan
        try:
            await asyncio.to_thread(write_atomic, path, new)
        except OSError as exc:
            return ToolOutcome(f"Cannot write {path}: {exc.strerror or exc}", is_error=True)
        shown = display_path(path, ctx.workdir)
        if count == 0:
            return ToolOutcome(f"Created {shown}.")
        plural = "occurrence" if count == 1 else "occurrences"
        return ToolOutcome(f"Edited {shown}: replaced {count} {plural}.")


def plan_edit(path: Path, args: dict[str, Any]) -> tuple[str, str, int] | str:
    """(old content, new content, replacements) for an Edit call, or the error the model should see."""
    old_string = str(args.get("old_string", ""))
    new_string = str(args.get("new_string", ""))
    replace_all = bool(args.get("replace_all", False))
    if old_string == new_string:
        return "old_string and new_string are identical; nothing to change."
    if old_string == "":
        if path.exists() and (path.is_dir() or path.stat().st_size > 0):
            return f"{path} already exists; an empty old_string only fills new or empty files. Use Write to replace it."
        return "", new_string, 0
    if path.is_dir():
        return f"{path} is a directory, not a file."
    try:
        text = read_text(path)
    except FileNotFoundError:
        return f"File not found: {path}"
    except NotText as exc:
        return f"Cannot edit {exc}."
    except OSError as exc:
        return f"Cannot read {path}: {exc.strerror or exc}"
    count = text.count(old_string)
    if count == 0 and "\r\n" in text and "\n" in old_string and "\r\n" not in old_string:
        # the model writes "\n"; a CRLF file needs its own line endings matched and kept
        old_string = old_string.replace("\n", "\r\n")
        new_string = new_string.replace("\r\n", "\n").replace("\n", "\r\n")
        count = text.count(old_string)
    if count == 0:
        return f"old_string was not found in {path}. Read the file and copy the text exactly, indentation included."
    if count > 1 and not replace_all:
        return (
            f"old_string occurs {count} times in {path}. Add surrounding lines to make it unique, "
            "or set replace_all to true to replace every occurrence."
        )
    return text, text.replace(old_string, new_string), count
