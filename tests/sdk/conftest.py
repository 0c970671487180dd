"""Fixtures for the SDK tests: a scripted raw HTTP server and a client with fast timings."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mix_tui.sdk import MixClient
from tests.sdk.sdk_wire import WireServer


@pytest.fixture
async def wire() -> AsyncIterator[WireServer]:
    server = WireServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def client(wire: WireServer) -> AsyncIterator[MixClient]:
    # fast backoffs so reconnect and retry tests take milliseconds, not seconds
    async with MixClient(
        wire.url, retry_backoff=0.01, backoff_initial=0.02, backoff_max=0.1, silence_timeout=5.0
    ) as mix:
        yield mix
