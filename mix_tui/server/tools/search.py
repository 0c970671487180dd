"""Glob and Grep: find files by name and lines by regex, in pure Python, off the event loop.

Both skip VCS folders, virtualenvs and what `.gitignore` excludes unless `include_ignored` is set,
and return at most 100 results with the SDK's response metadata (`number_of_files` /
`number_of_matches` and `truncated`).
"""

from __future__ import annotations

import asyncio
import re
import stat
import time
from pathlib import Path
from typing import Any

from .base import PermissionNeed, ToolContext, ToolOutcome
from .ignore import IgnoreRules
from .paths import display_path, is_inside, outside_read_need, resolve_path
from .text import clean_output, is_binary
from .walk import WalkLimits, compile_glob, literal_prefix, walk_files

MAX_RESULTS = 100  # the contract's cap for both tools
MAX_GREP_LINE_CHARS = 300
MAX_GREP_FILE_BYTES = 20_000_000
SEARCH_SECONDS = 20.0

_PATH_PROP = {
    "type": "string",
    "description": "Directory to search (or, for Grep, a single file). Defaults to the working directory.",
}
_IGNORED_PROP = {
    "type": "boolean",
    "description": "Also search files that .gitignore excludes and virtualenvs (default false).",
}


def _base(args: dict[str, Any], ctx: ToolContext) -> Path:
    raw = args.get("path")
    return resolve_path(str(raw), ctx.workdir) if raw else ctx.workdir.resolve()


def _search_permission(args: dict[str, Any], ctx: ToolContext) -> PermissionNeed | None:
    base = _base(args, ctx)
    if is_inside(base, ctx.workdir):
        return None
    return outside_read_need(base, "Search", {"path": str(base), "pattern": str(args.get("pattern", ""))})


def _limits(ctx: ToolContext) -> WalkLimits:
    # reading an asyncio.Event's flag from a worker thread is a plain attribute read: safe
    return WalkLimits(deadline=time.monotonic() + SEARCH_SECONDS, should_stop=ctx.cancelled.is_set)


def _ignore_rules(args: dict[str, Any], base: Path, ctx: ToolContext) -> IgnoreRules | None:
    """Rules rooted at the workdir (its .gitignore applies to a search of a subfolder), or at the
    search base when that lies outside it; None when the model asked for ignored files too."""
    if args.get("include_ignored"):
        return None
    root = ctx.workdir.resolve() if is_inside(base, ctx.workdir) else (base if base.is_dir() else base.parent)
    return IgnoreRules(root)


def _root_for_links(base: Path, ctx: ToolContext) -> Path:
    """Symlinked files are searched only if they point inside this root (no reads outside by the back door)."""
    return ctx.workdir.resolve() if is_inside(base, ctx.workdir) else base


def _stopped_note(limits: WalkLimits) -> list[str]:
    return ["(search stopped early: too many files, too slow, or cancelled)"] if limits.stopped_early else []


class Glob:
    name = "Glob"
    description = (
        "Find files whose path matches a glob pattern, newest first (at most 100).\n"
        "- Patterns are relative to `path` (default: the working directory): `*.py` matches only at "
        "that level, `**/*.py` at any depth, `src/**/test_*.{py,pyi}` below src.\n"
        "- `.git` folders, virtualenvs and files excluded by .gitignore are skipped unless "
        "include_ignored is true. Returns paths relative to the working directory."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "pattern": {"type": "string", "minLength": 1, "description": "Glob pattern, e.g. **/*.py"},
            "path": _PATH_PROP,
            "include_ignored": _IGNORED_PROP,
        },
        "required": ["pattern"],
        "additionalProperties": False,
    }

    def permission(self, args: dict[str, Any], ctx: ToolContext) -> PermissionNeed | None:
        return _search_permission(args, ctx)

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        pattern = str(args["pattern"]).strip()
        if pattern.startswith("/") or ".." in pattern.split("/"):
            return ToolOutcome(
                "The pattern must be relative and without '..'; put the directory in `path`.", is_error=True
            )
        base = _base(args, ctx)
        if not base.is_dir():
            return ToolOutcome(f"Not a directory: {base}", is_error=True)
        limits = _limits(ctx)
        found = await asyncio.to_thread(_glob, base, pattern, limits, _ignore_rules(args, base, ctx))
        shown = found[:MAX_RESULTS]
        truncated = len(found) > MAX_RESULTS
        metadata = {"number_of_files": len(shown), "truncated": truncated}
        if not found:
            return ToolOutcome(f"No files match {pattern} in {display_path(base, ctx.workdir)}.", metadata=metadata)
        lines = [display_path(p, ctx.workdir) for p in shown]
        if truncated:
            lines.append(f"(results are truncated: {len(found) - MAX_RESULTS} more; use a narrower pattern)")
        return ToolOutcome("\n".join(lines + _stopped_note(limits)), metadata=metadata)


def _glob(base: Path, pattern: str, limits: WalkLimits, ignore: IgnoreRules | None) -> list[Path]:
    regex = compile_glob(pattern)
    prefix = literal_prefix(pattern)
    top = base / prefix if prefix else base
    if not top.is_dir():
        return []
    rest = pattern[len(prefix) :].lstrip("/")
    depth = None if "**" in rest else rest.count("/")
    matches: list[tuple[float, Path]] = []
    for path in walk_files(top, limits, max_depth=depth, ignore=ignore):
        if regex.fullmatch(path.relative_to(base).as_posix()):
            try:
                matches.append((path.stat().st_mtime, path))
            except OSError:
                continue  # vanished, or a dangling symlink
    matches.sort(key=lambda m: (-m[0], str(m[1])))
    return [p for _, p in matches]


class Grep:
    name = "Grep"
    description = (
        "Search file contents with a Python regular expression; returns `file:line: text` lines "
        "(at most 100).\n"
        "- `path` is a directory (searched recursively) or one file; default the working directory.\n"
        "- `include` (or `glob`) filters files: without a slash it matches file names at any depth "
        "(`*.py`, `*.{ts,tsx}`), with one it matches paths relative to `path` (`src/**/*.ts`).\n"
        "- `literal_text: true` searches for the pattern as plain text.\n"
        "- Binary files, files over 20 MB, `.git` folders, virtualenvs and files excluded by "
        ".gitignore are skipped (include_ignored: true searches the last two too)."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "pattern": {
                "type": "string",
                "minLength": 1,
                "description": "Regular expression (Python `re` syntax), or plain text with literal_text.",
            },
            "path": _PATH_PROP,
            "include": {"type": "string", "description": "Only search files matching this glob, e.g. *.py"},
            "glob": {"type": "string", "description": "Same as include."},
            "literal_text": {"type": "boolean", "description": "Treat the pattern as plain text (default false)."},
            "case_insensitive": {"type": "boolean", "description": "Ignore case (default false)."},
            "include_ignored": _IGNORED_PROP,
        },
        "required": ["pattern"],
        "additionalProperties": False,
    }

    def permission(self, args: dict[str, Any], ctx: ToolContext) -> PermissionNeed | None:
        return _search_permission(args, ctx)

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        flags = re.IGNORECASE if args.get("case_insensitive") else 0
        pattern = str(args["pattern"])
        try:
            regex = re.compile(re.escape(pattern) if args.get("literal_text") else pattern, flags)
        except re.error as exc:
            return ToolOutcome(f"Invalid regular expression: {exc}", is_error=True)
        base = _base(args, ctx)
        if not base.exists():
            return ToolOutcome(f"Path not found: {base}", is_error=True)
        file_glob = str(args.get("include") or args.get("glob") or "")
        limits = _limits(ctx)
        hits, truncated = await asyncio.to_thread(
            _grep, base, regex, file_glob, _root_for_links(base, ctx), ctx.workdir, limits,
            _ignore_rules(args, base, ctx),
        )  # fmt: skip
        metadata = {"number_of_matches": len(hits), "truncated": truncated}
        if not hits:
            return ToolOutcome(f"No matches for {pattern!r} in {display_path(base, ctx.workdir)}.", metadata=metadata)
        notes = [f"(results are truncated at {MAX_RESULTS} matching lines; narrow the pattern, path or include)"]
        return ToolOutcome("\n".join(hits + (notes if truncated else []) + _stopped_note(limits)), metadata=metadata)


def _grep(
    base: Path,
    regex: re.Pattern[str],
    file_glob: str,
    link_root: Path,
    workdir: Path,
    limits: WalkLimits,
    ignore: IgnoreRules | None,
) -> tuple[list[str], bool]:
    """Matching lines, at most MAX_RESULTS; the bool says more were there (the walk stops at once)."""
    name_match = compile_glob(file_glob) if file_glob else None
    by_name = "/" not in file_glob
    files = [base] if base.is_file() else walk_files(base, limits, ignore=ignore)
    hits: list[str] = []
    for path in files:
        if name_match is not None and path != base:
            subject = path.name if by_name else path.relative_to(base).as_posix()
            if not name_match.fullmatch(subject):
                continue
        if path.is_symlink() and not path.resolve().is_relative_to(link_root):
            continue
        for number, line in _matching_lines(path, regex):
            if len(hits) == MAX_RESULTS:
                return hits, True
            hits.append(f"{display_path(path, workdir)}:{number}: {_excerpt(line, regex)}")
    return hits, False


def _matching_lines(path: Path, regex: re.Pattern[str]) -> list[tuple[int, str]]:
    try:
        info = path.stat()
        # only regular files: a FIFO would block the thread forever, a device would never end
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_GREP_FILE_BYTES:
            return []
        data = path.read_bytes()
    except OSError:
        return []
    if is_binary(data[:8192]):
        return []
    text = data.decode("utf-8", "replace")
    return [(n, line) for n, line in enumerate(text.splitlines(), start=1) if regex.search(line)]


def _excerpt(line: str, regex: re.Pattern[str]) -> str:
    line = clean_output(line)
    if len(line) <= MAX_GREP_LINE_CHARS:
        return line
    match = regex.search(line)
    start = max(0, (match.start() if match else 0) - 100)
    end = start + MAX_GREP_LINE_CHARS
    return ("…" if start else "") + line[start:end] + ("…" if end < len(line) else "")
