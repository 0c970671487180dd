"""Filesystem walking and glob matching for the search tools (blocking: run in a thread)."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .ignore import VCS_DIRS, IgnoreRules

MAX_VISITED = 200_000
MAX_BRACE_EXPANSIONS = 64
_GLOB_CHARS = frozenset("*?[{")


# ---- glob patterns ------------------------------------------------------------------------------


def expand_braces(pattern: str) -> list[str]:
    """`a{b,c}d` → [`abd`, `acd`], nested braces included; capped so a pattern cannot explode."""
    start = pattern.find("{")
    if start == -1:
        return [pattern]
    depth = 0
    parts: list[str] = []
    last = start + 1
    for i in range(start, len(pattern)):
        ch = pattern[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                parts.append(pattern[last:i])
                head, tail = pattern[:start], pattern[i + 1 :]
                out: list[str] = []
                for part in parts:
                    out.extend(expand_braces(head + part + tail))
                    if len(out) >= MAX_BRACE_EXPANSIONS:
                        break
                return out[:MAX_BRACE_EXPANSIONS]
        elif ch == "," and depth == 1:
            parts.append(pattern[last:i])
            last = i + 1
    return [pattern]  # unbalanced: the brace is literal


def _translate(pattern: str) -> str:
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            at_segment_start = i == 0 or pattern[i - 1] == "/"
            if pattern.startswith("**", i) and at_segment_start:
                if pattern.startswith("**/", i):
                    out.append("(?:[^/]*/)*")  # zero or more directories
                    i += 3
                    continue
                if i + 2 == n:
                    out.append(".*")  # everything below
                    i += 2
                    continue
            while i < n and pattern[i] == "*":
                i += 1
            out.append("[^/]*")
            continue
        if ch == "?":
            out.append("[^/]")
        elif ch == "[" and (end := _class_end(pattern, i)) != -1:
            out.append(_translate_class(pattern[i + 1 : end]))
            i = end + 1
            continue
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


def _class_end(pattern: str, start: int) -> int:
    j = start + 1
    if j < len(pattern) and pattern[j] in "!^":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1
    return pattern.find("]", j)


def _translate_class(body: str) -> str:
    negate = body[:1] in ("!", "^")
    if negate:
        body = body[1:]
    chars = ["-" if ch == "-" and 0 < k < len(body) - 1 else re.escape(ch) for k, ch in enumerate(body)]
    return "[" + ("^" if negate else "") + "".join(chars) + "]"


def compile_glob(pattern: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    """A regex that fully matches `/`-separated relative paths the glob describes.

    `*` and `?` stay within one path segment, `**/` spans any number of directories, `[...]`
    and `{a,b}` work as in shells. Use `.fullmatch`.
    """
    alternatives = "|".join(_translate(p) for p in expand_braces(pattern))
    return re.compile(f"(?s:{alternatives})", re.IGNORECASE if ignore_case else 0)


def literal_prefix(pattern: str) -> str:
    """The leading directories of a glob that contain no wildcard ("src/app" for "src/app/**/*.py")."""
    segments = pattern.split("/")[:-1]
    prefix: list[str] = []
    for segment in segments:
        if any(ch in _GLOB_CHARS for ch in segment):
            break
        prefix.append(segment)
    return "/".join(prefix)


# ---- walking ------------------------------------------------------------------------------------


@dataclass(slots=True)
class WalkLimits:
    deadline: float  # time.monotonic() value
    should_stop: Callable[[], bool]  # e.g. the turn's cancelled flag
    stopped_early: bool = False


def walk_files(
    top: Path, limits: WalkLimits, *, max_depth: int | None = None, ignore: IgnoreRules | None = None
) -> Iterator[Path]:
    """Files under `top` in a stable (sorted) order, never following symlinks and never entering VCS
    folders; with `ignore`, also leaving out virtualenvs and what `.gitignore` files exclude.

    Stops (setting `limits.stopped_early`) past the deadline, on cancel, or after MAX_VISITED entries.
    """
    visited = 0
    base_depth = len(top.parts)
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        here = Path(dirpath)
        rules = ignore.directory(dirpath) if ignore is not None else None
        if rules is not None:
            dirnames[:] = sorted(d for d in dirnames if not rules.skip_dir(d, here / d))
            filenames = [f for f in filenames if not rules.skip_file(f)]
        else:
            dirnames[:] = sorted(d for d in dirnames if d not in VCS_DIRS)
        if max_depth is not None and len(here.parts) - base_depth >= max_depth:
            dirnames[:] = []
        for name in sorted(filenames):
            visited += 1
            if visited % 256 == 0 and (time.monotonic() > limits.deadline or limits.should_stop()):
                limits.stopped_early = True
                return
            if visited > MAX_VISITED:
                limits.stopped_early = True
                return
            yield here / name
