"""`python -m mix_tui serve` as a real process: the listening line, tokens, signals, restarts."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server.proc import Served, server_env
from tests.server.sse import SSEReader


@pytest.fixture
def served(tmp_path: Path) -> Iterator[list[Served]]:
    started: list[Served] = []
    yield started
    for server in started:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait(5)


def test_listening_line_token_and_clean_exit(tmp_path: Path, served: list[Served]) -> None:
    server = Served(tmp_path)  # no --token: one is generated and shown on stderr
    served.append(server)
    assert httpx.get(f"{server.url}/health").json()["status"] == "ok"
    assert httpx.get(f"{server.url}/api/sessions").status_code == 401
    assert server.stop(signal.SIGINT) == 0
    assert server.proc.stdout is not None and server.proc.stderr is not None
    assert server.proc.stdout.read() == ""  # nothing after the ready line
    err = server.proc.stderr.read()
    token = next(line.split(": ", 1)[1] for line in err.splitlines() if line.startswith("mix-tui server token: "))
    assert len(token) >= 24


def test_sigterm_cancels_the_running_turn_and_a_restart_keeps_everything(tmp_path: Path, served: list[Served]) -> None:
    server = Served(tmp_path, "--token", "T0k3n-for-tests", "--demo-rate", "300")
    served.append(server)
    headers = {"Authorization": "Bearer T0k3n-for-tests"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
        done = client.post("/api/sessions", json={"title": "Finished"}).json()["id"]
        running = client.post("/api/sessions", json={"title": "Running"}).json()["id"]

    async def drive() -> list[tuple[str, dict]]:
        async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=10) as client:
            async with SSEReader(client, done) as stream:
                await stream.next()
                await client.post(f"/api/sessions/{done}/messages", json={"text": "hi"})
                await stream.turn()
            async with SSEReader(client, running) as stream:
                await stream.next()
                await client.post(f"/api/sessions/{running}/messages", json={"text": "long 300"})
                await stream.until(lambda f: f.event == "content")
                queued = await client.post(f"/api/sessions/{running}/messages", json={"text": "queued"})
                assert queued.json()["queued"] is True
                started = time.monotonic()
                server.proc.send_signal(signal.SIGTERM)
                frames = await stream.turn(within=10)
                assert time.monotonic() - started < 5
                return [(f.event, f.data) for f in frames]

    frames = asyncio.run(drive())
    last_event, last_data = frames[-1]
    assert last_event == "error"
    # the user cancelled nothing: the message says the server stopped the turn
    assert last_data["error"] == "request cancelled: the server is shutting down"
    assert server.stop() == 0

    again = Served(tmp_path, "--token", "T0k3n-for-tests")
    served.append(again)
    with httpx.Client(base_url=again.url, headers=headers, timeout=10) as client:
        ids = {s["id"] for s in client.get("/api/sessions").json()}
        assert {done, running} <= ids
        finished = client.get(f"/api/sessions/{done}/export").json()["messages"]
        assert [m["role"] for m in finished] == ["user", "assistant"]
        partial = client.get(f"/api/sessions/{running}/export").json()["messages"]
        assert partial[1]["role"] == "assistant" and partial[1]["finishReason"] == "canceled"
        assert partial[1]["content"]
        # a shutdown is not the user's cancel: the prompt says the turn was interrupted, and why
        assert (partial[0]["turnStatus"], partial[0]["turnError"]) == ("interrupted", last_data["error"])
        # what waited in the queue never ran and is shown so
        assert (partial[-1]["role"], partial[-1]["content"], partial[-1]["turnStatus"]) == ("user", "queued", "interrupted")
    assert again.stop() == 0


def test_refuses_non_loopback_hosts_and_busy_ports(tmp_path: Path) -> None:
    base = [sys.executable, "-m", "mix_tui", "serve", "--data-dir", str(tmp_path / "d"), "--provider", "demo"]
    refused = subprocess.run([*base, "--host", "0.0.0.0"], capture_output=True, text=True, env=server_env(), timeout=30)
    assert refused.returncode == 2 and "--allow-remote" in refused.stderr and refused.stdout == ""
    no_token = subprocess.run(
        [*base, "--host", "0.0.0.0", "--allow-remote", "--no-token"], capture_output=True, text=True, env=server_env(), timeout=30
    )
    assert no_token.returncode == 2 and "token" in no_token.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        busy = subprocess.run([*base, "--port", str(port)], capture_output=True, text=True, env=server_env(), timeout=30)
    assert busy.returncode == 1 and "cannot listen" in busy.stderr
