"""Paths of the working directory for `@` completion: listed once (off the UI loop), matched fuzzily.

The walk skips what git would (`.gitignore` files at every level, read with `pathspec`, plus VCS
folders and virtualenvs) and stops at `MAX_PATHS`. Matching is a subsequence match on the relative
path, scored so that a match in the file name, at word starts and in one run beats a scattered one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from pathspec import GitIgnoreSpec

MAX_PATHS = 20_000
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", ".mypy_cache", ".ruff_cache"})


def _spec(directory: Path) -> GitIgnoreSpec | None:
    try:
        lines = (directory / ".gitignore").read_text("utf-8", "replace").splitlines()
    except OSError:
        return None
    spec = GitIgnoreSpec.from_lines(lines)
    return spec if spec.patterns else None


def list_paths(root: Path, limit: int = MAX_PATHS) -> list[str]:
    """Files (and directories, with a trailing `/`) under `root`, relative, gitignored ones left out."""
    found: list[str] = []
    stack: list[tuple[Path, list[tuple[Path, GitIgnoreSpec]]]] = [(root, [])]
    while stack and len(found) < limit:
        directory, specs = stack.pop()
        own = _spec(directory)
        chain = [*specs, (directory, own)] if own is not None else specs
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            path = Path(entry.path)
            is_dir = entry.is_dir(follow_symlinks=False)
            if is_dir and (entry.name in SKIP_DIRS or (path / "pyvenv.cfg").exists()):
                continue
            if any(spec.match_file(path.relative_to(base).as_posix() + ("/" if is_dir else "")) for base, spec in chain):
                continue
            relative = path.relative_to(root).as_posix()
            found.append(relative + "/" if is_dir else relative)
            if is_dir:
                stack.append((path, chain))
            if len(found) >= limit:
                break
    return found


def score(query: str, path: str) -> int:
    """How well `query` matches `path` as a subsequence (case-insensitive); 0: no match."""
    if not query:
        return 1
    q, p = query.lower(), path.lower()
    name_start = p.rstrip("/").rfind("/") + 1
    total, at, run = 0, 0, 0
    for char in q:
        found = p.find(char, at)
        if found < 0:
            return 0
        run = run + 1 if found == at and total else 1
        bonus = 3 if found >= name_start else 1
        if found == 0 or p[found - 1] in "/_-. ":
            bonus += 3
        total += bonus + run * 2
        at = found + 1
    return total * 100 - len(p)  # a shorter path wins a tie


@dataclass
class PathIndex:
    root: Path
    paths: list[str] = field(default_factory=list)
    loaded: bool = False

    def load(self) -> None:
        """Blocking (a directory walk): run it in a thread."""
        self.paths = list_paths(self.root)
        self.loaded = True

    def suggest(self, query: str, limit: int = 8) -> list[str]:
        scored = [(score(query, path), path) for path in self.paths]
        best = sorted((item for item in scored if item[0] > 0), key=lambda item: -item[0])
        return [path for _, path in best[:limit]]
