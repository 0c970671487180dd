"""Fixtures for the fault scenarios: real server processes on 127.0.0.1 that tests kill and restart."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from tests.server.proc import Served

TOKEN = "reliability-token-0123456789"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
T = TypeVar("T")


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """Start `mix-tui serve` processes on tmp_path's data dir; every one left running is killed."""
    started: list[Served] = []

    def start(*extra: str, **popen: Any) -> Served:
        server = Served(tmp_path, "--token", TOKEN, *extra, **popen)
        started.append(server)
        return server

    yield start
    for server in started:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait(5)


def client(server: Served) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.url, headers=HEADERS, timeout=10)


async def eventually(probe: Callable[[], Awaitable[T | None]], within: float = 15, every: float = 0.05) -> T:
    """Poll `probe` until it returns something other than None (a condition, never a fixed sleep)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = await probe()
        if value is not None:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"condition not reached within {within}s")
        await asyncio.sleep(every)


# the in-process server fixtures (real sockets, real SQLite) for the race and fuzz tests
from tests.server.conftest import isolated_keys, make_server, mix  # noqa: E402, F401
