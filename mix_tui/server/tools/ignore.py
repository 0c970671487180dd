"""What the search tools leave out by default: VCS folders, virtualenvs and whatever `.gitignore` says.

`.gitignore` files are read with `pathspec` (git's own matching rules, negations included) at every
level of the walk, from the ignore root down; a deeper file overrides a shallower one, as in git,
and an ignored directory is never entered (git cannot re-include files inside one either).
The root's `.git/info/exclude` counts too. Files above the ignore root are never read.
"""

from __future__ import annotations

from pathlib import Path

from pathspec import GitIgnoreSpec

VCS_DIRS = frozenset({".git", ".hg", ".svn"})
# a virtualenv (venv, virtualenv, uv) or a conda environment marks itself with one of these
ENV_MARKERS = ("pyvenv.cfg", "conda-meta")
MAX_IGNORE_FILE_BYTES = 1_000_000


def is_virtualenv(directory: Path) -> bool:
    return any((directory / marker).exists() for marker in ENV_MARKERS)


def _read_spec(path: Path) -> GitIgnoreSpec | None:
    try:
        if path.stat().st_size > MAX_IGNORE_FILE_BYTES:
            return None
        lines = path.read_text("utf-8", "replace").splitlines()
    except OSError:
        return None
    spec = GitIgnoreSpec.from_lines(lines)
    return spec if spec.patterns else None


class DirectoryRules:
    """The rules for the entries of one directory: the chain of .gitignore files above it."""

    __slots__ = ("_chain", "_exclude", "_prefix")

    def __init__(self, rel: str, chain: list[tuple[int, GitIgnoreSpec]], exclude: GitIgnoreSpec | None) -> None:
        self._prefix = f"{rel}/" if rel else ""
        self._chain = chain
        self._exclude = exclude

    def skip_dir(self, name: str, path: Path) -> bool:
        return name in VCS_DIRS or is_virtualenv(path) or self._ignored(name + "/")

    def skip_file(self, name: str) -> bool:
        return self._ignored(name)

    def _ignored(self, name: str) -> bool:
        rel = self._prefix + name
        # deepest .gitignore first: the first one with an opinion decides
        for start, spec in reversed(self._chain):
            verdict = spec.check_file(rel[start:]).include
            if verdict is not None:
                return verdict
        if self._exclude is not None:
            return bool(self._exclude.check_file(rel).include)
        return False


class IgnoreRules:
    """The .gitignore rules of a tree rooted at `root`. Blocking (reads files): use from a thread.

    `directory()` is called for each directory as the walk reaches it (top-down), so each
    .gitignore is read once, when needed; ancestors between the root and a deeper walk start
    are read too, since their rules apply below them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._root = str(root)
        # the repository's own exclude file, weaker than any .gitignore
        self._exclude = _read_spec(root / ".git" / "info" / "exclude")
        self._chains: dict[str, list[tuple[int, GitIgnoreSpec]]] = {}

    def directory(self, dirpath: str) -> DirectoryRules | None:
        """Rules for the entries of `dirpath` (an absolute path); None when it is outside the root."""
        if dirpath == self._root:
            rel = ""
        elif dirpath.startswith(self._root + "/"):
            rel = dirpath[len(self._root) + 1 :]
        else:
            return None
        return DirectoryRules(rel, self._chain(rel), self._exclude)

    def _chain(self, rel: str) -> list[tuple[int, GitIgnoreSpec]]:
        """(where paths relative to its folder start, spec) for every .gitignore from the root to `rel`."""
        cached = self._chains.get(rel)
        if cached is not None:
            return cached
        parent = self._chain(rel.rpartition("/")[0]) if rel else []
        spec = _read_spec(self.root / rel / ".gitignore")
        chain = [*parent, (len(rel) + 1 if rel else 0, spec)] if spec is not None else parent
        self._chains[rel] = chain
        return chain
