"""Fixtures for the server tests: a real server on 127.0.0.1, port 0, in this test's event loop.

Nothing here is autouse, so the tools/ and providers/ test folders below are unaffected.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import keyring
import pytest
from keyring.backends import null

from mix_tui import secrets
from mix_tui.server.config import ServerConfig
from mix_tui.server.launcher import RunningServer, start_server
from tests.server.sse import SSEReader

TOKEN = "test-token-0123456789"


@dataclass
class Harness:
    srv: RunningServer
    client: httpx.AsyncClient
    readers: list[SSEReader] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.srv.url

    async def create_session(self, title: str = "New session", **extra: Any) -> str:
        response = await self.client.post("/api/sessions", json={"title": title, **extra})
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def send(self, session_id: str, text: str, **extra: Any) -> httpx.Response:
        return await self.client.post(f"/api/sessions/{session_id}/messages", json={"text": text, **extra})

    def stream(self, session_id: str, last_event_id: str | None = None, extensions: str | None = None) -> SSEReader:
        reader = SSEReader(self.client, session_id, last_event_id, extensions)
        self.readers.append(reader)
        return reader

    async def connected(
        self, session_id: str, last_event_id: str | None = None, extensions: str | None = None
    ) -> SSEReader:
        """An open stream whose `connected` frame has arrived."""
        reader = await self.stream(session_id, last_event_id, extensions).__aenter__()
        first = await reader.next()
        assert first is not None and first.event == "connected", first
        return reader

    async def messages(self, session_id: str) -> list[dict[str, Any]]:
        response = await self.client.get(f"/api/sessions/{session_id}/messages")
        assert response.status_code == 200, response.text
        result: list[dict[str, Any]] = response.json()
        return result


@pytest.fixture
def isolated_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No real keyring and no provider keys from the environment."""
    for names in secrets.PROVIDER_ENV_VARS.values():
        for name in names:
            monkeypatch.delenv(name, raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    try:
        yield
    finally:
        for provider in secrets.supported_providers():
            secrets.delete_api_key(provider)
        keyring.set_keyring(previous)


def base_config(tmp_path: Path, **overrides: Any) -> ServerConfig:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    config = ServerConfig(
        data_dir=tmp_path / "data",
        workdir=work,
        host="127.0.0.1",
        port=0,
        token=TOKEN,
        provider="demo",
        demo_rate=math.inf,
        permission_timeout=10.0,
    )
    return replace(config, **overrides)


ServerFactory = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def make_server(tmp_path: Path, isolated_keys: None) -> AsyncIterator[ServerFactory]:
    started: list[Harness] = []

    async def factory(**overrides: Any) -> Harness:
        srv = await start_server(base_config(tmp_path, **overrides))
        headers = {"Authorization": f"Bearer {srv.config.token}"} if srv.config.token else {}
        client = httpx.AsyncClient(base_url=srv.url, headers=headers, timeout=10)
        harness = Harness(srv, client)
        started.append(harness)
        return harness

    yield factory
    for harness in started:
        for reader in harness.readers:
            await reader.close()
        await harness.client.aclose()
        await harness.srv.stop()


@pytest.fixture
async def mix(make_server: ServerFactory) -> Harness:
    return await make_server()
