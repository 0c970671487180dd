"""Private tmux servers: one per test (the `tmux` fixture) or per block (`private_tmux()`), each on
its own socket and killed afterwards, so a user's tmux is never touched."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.terminal import Tmux


@contextlib.contextmanager
def private_tmux() -> Iterator[Tmux]:
    # a short socket path: unix socket paths are limited to ~100 bytes
    socket_dir = Path("/tmp") / f"mix-e2e-{os.getpid()}-{time.monotonic_ns()}"
    socket_dir.mkdir()
    session = Tmux(socket_dir / "sock")
    try:
        yield session
    finally:
        session.kill_server()
        shutil.rmtree(socket_dir, ignore_errors=True)


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    with private_tmux() as session:
        yield session
