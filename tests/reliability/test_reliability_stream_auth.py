"""A rotated token (issue 8 item 4, the SDK's part): the stream ends with a typed `UnauthorizedError`
instead of retrying for ever or looking connected. A real server process, restarted with a new token."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from mix_tui.sdk import ConnectionLost, MixClient, StreamItem, UnauthorizedError
from tests.reliability.stream_process import ServerProcess


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path, "--heartbeat-interval", "0.2", token="first-token-0123456789").start()
    yield process
    process.stop()


async def test_a_rotated_token_ends_the_stream_with_unauthorized(server: ServerProcess) -> None:
    async with MixClient(server.url, server.token, backoff_initial=0.02, backoff_max=0.2, silence_timeout=5) as client:
        sid = (await client.sessions.create("auth")).id
        stream = client.stream(sid)
        await stream.wait_connected()
        assert stream.state == "connected"
        server.restart(token="second-token-9876543210")  # the old token is now wrong
        items: list[StreamItem] = []
        with pytest.raises(UnauthorizedError) as caught:
            async with asyncio.timeout(20):
                async for item in stream:
                    items.append(item)
        assert caught.value.status == 401 and "token" in caught.value.message
        assert stream.state == "closed" and not stream.connected.is_set()
        assert stream.failure is caught.value
        assert any(isinstance(i, ConnectionLost) for i in items)  # it did try again, once it was cut
        with pytest.raises(UnauthorizedError):  # a send waiting for the stream learns it at once
            await stream.wait_connected(timeout=5)
        with pytest.raises(UnauthorizedError):
            await client.sessions.get(sid)
