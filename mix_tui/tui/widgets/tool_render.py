"""Pure builders of Rich `Text` for tool-call panels: the header line, arguments, diffs, results.

Tool names, arguments and output are data from a model or a program: they only ever enter `Text`
objects as plain strings (never markup), and control characters are replaced so a tool cannot
drive the terminal.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from rich.text import Text

from mix_tui.tui.session.items import ToolView
from mix_tui.tui.widgets.safe_text import clean

PREVIEW_LINES = 8  # result/diff lines shown before "N more lines"
_KEY_ARGS = ("command", "file_path", "path", "pattern", "query", "url", "description", "prompt")

_STATUS: dict[str, tuple[str, str, str]] = {
    # status: (icon, label, style)
    "streaming": ("…", "preparing", "dim"),
    "ready": ("·", "queued", "dim"),
    "running": ("●", "running", "yellow"),
    "awaiting_permission": ("?", "awaiting permission", "bold magenta"),
    "ok": ("✓", "ok", "green"),
    "failed": ("✗", "failed", "red"),
    "denied": ("⊘", "denied", "red"),
    "timed_out": ("⊘", "timed out", "red"),  # nobody answered the prompt: not the user's "no"
    "cancelled": ("⊘", "cancelled", "dim"),
}
# how a prompt was answered, for calls that ran (a refusal is the status itself)
_PERMISSION_TAGS: dict[str, tuple[str, str]] = {
    "once": ("approved", "dim"),
    "session": ("approved for the session", "cyan"),
    "rule": ("auto-approved", "cyan"),
}
_NO_DURATION = frozenset({"streaming", "ready", "awaiting_permission", "denied", "timed_out"})


def key_argument(name: str, arguments: dict[str, Any]) -> str:
    """The one argument that says what a call does: the command, the path, the pattern ..."""
    for key in _KEY_ARGS:
        value = arguments.get(key)
        if isinstance(value, str) and value:
            first = value.strip().splitlines()[0] if value.strip() else value
            return clean(first)
    for value in arguments.values():
        if isinstance(value, str) and value:
            return clean(value.splitlines()[0])
    return ""


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 10:
        return f"{seconds:.1f}s"
    if seconds < 60:
        return f"{seconds:.0f}s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s"


def header_text(view: ToolView, *, expanded: bool, elapsed: float | None) -> Text:
    """`▸ ✓ Bash · ok 0.1s · echo hello` — the key argument goes last because it may be cut."""
    icon, label, style = _STATUS.get(view.status, ("·", view.status, "dim"))
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("▾ " if expanded else "▸ ", "dim")
    text.append(icon, style)
    text.append(" ")
    text.append(clean(view.name) or "tool", "bold")
    text.append(" · ", "dim")
    text.append(label, style)
    duration = view.duration if view.finished else elapsed
    # a refused call never ran: its "duration" would only be the wait for the answer
    if duration is not None and view.status not in _NO_DURATION:
        text.append(f" {format_duration(duration)}", "dim")
    tag = _PERMISSION_TAGS.get(view.permission or "") if view.status not in _NO_DURATION else None
    if tag is not None:
        text.append(" · ", "dim")
        text.append(*tag)
    key = key_argument(view.name, view.arguments)
    if key:
        text.append(" · ", "dim")
        text.append(key)
    return text


# ---- the body --------------------------------------------------------------------------------


def is_file_change(view: ToolView) -> bool:
    return view.name.lower() in ("write", "edit", "multiedit") and bool(_path_of(view.arguments))


def _path_of(arguments: dict[str, Any]) -> str:
    for key in ("file_path", "path", "filePath"):
        value = arguments.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def diff_lines(view: ToolView) -> list[str]:
    """A unified diff built from the arguments (Edit: old vs new; Write: the whole new file)."""
    args = view.arguments
    path = _path_of(args)
    if view.name.lower() == "write":
        content = args.get("content")
        new = content if isinstance(content, str) else ""
        old = ""
    else:
        old = _first_str(args, "old_string", "old_text", "oldString")
        new = _first_str(args, "new_string", "new_text", "newString")
    lines = list(
        difflib.unified_diff(
            old.splitlines(), new.splitlines(), fromfile=f"a/{path}" if old else "/dev/null",
            tofile=f"b/{path}", lineterm="", n=3,
        )
    )  # fmt: skip
    return [clean(line) for line in lines]


def _first_str(args: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = args.get(key)
        if isinstance(value, str):
            return value
    return ""


def diff_text(lines: list[str]) -> Text:
    text = Text()
    for index, line in enumerate(lines):
        if index:
            text.append("\n")
        if line.startswith(("+++", "---")):
            text.append(line, "bold")
        elif line.startswith("@@"):
            text.append(line, "cyan")
        elif line.startswith("+"):
            text.append(line, "green")
        elif line.startswith("-"):
            text.append(line, "red")
        else:
            text.append(line, "dim")
    return text


def arguments_text(view: ToolView) -> Text:
    """Bash shows `$ command`; other tools their arguments, one per line (file bodies left out)."""
    args = view.arguments
    if not args:
        return Text(clean(view.input_text), "dim") if view.input_text else Text("(no arguments)", "dim")
    command = args.get("command")
    if isinstance(command, str):
        text = Text("$ ", "bold")
        text.append(clean(command))
        return text
    text = Text()
    shown = 0
    for key, value in args.items():
        if is_file_change(view) and key in ("content", "old_string", "new_string", "old_text", "new_text"):
            continue  # shown as a diff
        if shown:
            text.append("\n")
        text.append(f"{clean(str(key))}: ", "bold")
        rendered = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        text.append(clean(rendered))
        shown += 1
    return text


def preview(lines: list[str], full: bool) -> tuple[list[str], int]:
    """The lines to show and how many were held back."""
    if full or len(lines) <= PREVIEW_LINES + 1:
        return lines, 0
    return lines[:PREVIEW_LINES], len(lines) - PREVIEW_LINES


def result_text(lines: list[str], is_error: bool) -> Text:
    return Text("\n".join(lines), "red" if is_error else "")
