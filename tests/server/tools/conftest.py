"""Shared fixtures for the tool tests: a real workdir in tmp_path and a fresh ToolContext."""

from __future__ import annotations

from pathlib import Path

import pytest

from mix_tui.server.tools import ToolContext


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    root = tmp_path / "work"
    root.mkdir()
    return root.resolve()


@pytest.fixture
def ctx(workdir: Path) -> ToolContext:
    return ToolContext(workdir=workdir, session_id="test-session")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory next to the workdir, i.e. outside it."""
    other = tmp_path / "outside"
    other.mkdir()
    return other.resolve()
