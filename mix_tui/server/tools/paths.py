"""Where a tool argument points, and whether that is inside the working directory.

Every file-touching tool resolves paths the same way so the permission policy cannot be dodged by
one tool being laxer than another: `~` is expanded, relative paths hang off the workdir, and
symlinks and `..` are resolved *before* the inside/outside check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .base import PermissionNeed


def resolve_path(raw: str, workdir: Path) -> Path:
    """The absolute, symlink-free path a tool argument names (the file need not exist)."""
    path = Path(raw).expanduser()
    if not path.is_absolute():
        path = workdir / path
    # strict=False: missing tails are kept as written, existing prefixes have their symlinks resolved
    return path.resolve(strict=False)


def is_inside(path: Path, workdir: Path) -> bool:
    """True when the resolved `path` is the workdir itself or below it."""
    return path.is_relative_to(workdir.resolve(strict=False))


def display_path(path: Path, workdir: Path) -> str:
    """Relative to the workdir when inside it (shorter for the model), else absolute."""
    root = workdir.resolve(strict=False)
    if path.is_relative_to(root):
        rel = path.relative_to(root).as_posix()
        return rel or "."
    return str(path)


def outside_read_need(path: Path, what: str, params: dict[str, Any]) -> PermissionNeed:
    """The prompt for reading something outside the workdir (shared with the search tools).

    Built from the resolved path alone: nothing outside the workdir is opened, counted or even
    checked for existence before the user allows it (issue 8.7)."""
    return PermissionNeed(
        description=f"{what} outside the working directory: {path}",
        action="read",
        path=str(path),
        params=params,
    )


OUTSIDE_NOTE = "outside the working directory; its current content is not read before you allow it"
