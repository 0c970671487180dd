"""Secrets never reach a tool: the server's token and provider keys, seen from an approved command.

Real processes: the app's launcher starts `mix-tui serve`, the demo model runs Bash, the command
reads its own environment and its parent's (`/proc/$PPID/environ`).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from mix_tui import secrets
from mix_tui.tui.local_server import LocalServer
from tests.server.sse import SSEReader

FAKE_KEYS = {
    "GOOGLE_API_KEY": "AIzaFAKEgoogle0123456789abcdefghij",
    "BRAVE_API_KEY": "BSAfakebrave0123456789",
    "SOME_VENDOR_API_KEY": "vendor-secret-0123456789",
    "AWS_SECRET_ACCESS_KEY": "aws-secret-0123456789",
}
PROBE = "$ env; echo ===PARENT===; tr '\\0' '\\n' < /proc/$PPID/environ"


async def _run_probe(client: httpx.AsyncClient) -> str:
    """Send the probe through the demo model, grant its Bash call, return the tool's output."""
    created = await client.post("/api/sessions", json={"title": "secrets"})
    sid = created.json()["id"]
    async with SSEReader(client, sid) as reader:
        assert (await reader.next()) is not None  # connected
        sent = await client.post(f"/api/sessions/{sid}/messages", json={"text": PROBE})
        assert sent.status_code == 202, sent.text
        prompt = await reader.event("permission", within=30)
        granted = await client.post(f"/api/permissions/{prompt.data['id']}/grant")
        assert granted.status_code == 200
        done = await reader.event("tool_execution_complete", within=30)
    output = str(done.data["result"])
    assert "===PARENT===" in output, output
    return output


@pytest.fixture
def fake_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FAKE_KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")


@pytest.fixture
async def launched(tmp_path: Path, fake_keys: None) -> AsyncIterator[LocalServer]:
    server = LocalServer(
        data_dir=tmp_path / "data", workdir=tmp_path, provider="demo", extra_args=["--demo-rate", "max"]
    )
    await server.start(timeout=30)
    try:
        yield server
    finally:
        await server.stop()


async def test_a_command_sees_no_key_and_no_token_even_in_its_parents_environment(launched: LocalServer) -> None:
    headers = {"Authorization": f"Bearer {launched.token}"}
    async with httpx.AsyncClient(base_url=launched.url, headers=headers, timeout=30) as client:
        output = await _run_probe(client)
    own, parent = output.split("===PARENT===", 1)
    for name, value in FAKE_KEYS.items():
        assert name not in own and value not in own, name
    assert "PATH=" in own and "HOME=" in own  # the allowlist still gives a working shell
    # the app hands its server the token through a pipe: nowhere in the server's environment
    assert launched.token not in parent
    assert "MIX_SERVER_TOKEN" not in parent
    assert "PATH=" in parent  # the probe did read the parent's environment


async def test_a_token_given_by_environment_is_not_inherited(tmp_path: Path, fake_keys: None) -> None:
    token = "hand-made-token-0123456789"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC", "OPENAI", "OPENROUTER"))}
    env["MIX_SERVER_TOKEN"] = token
    work = tmp_path / "work"
    work.mkdir()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mix_tui", "serve", "--port", "0", "--provider", "demo", "--demo-rate", "max",
        "--data-dir", str(tmp_path / "data"), "--workdir", str(work),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, env=env,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        url = line.decode().strip().rsplit(" ", 1)[1]
        async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            output = await _run_probe(client)
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 15)
    own = output.split("===PARENT===", 1)[0]
    assert token not in own and "MIX_SERVER_TOKEN" not in own
    assert "GOOGLE_API_KEY" not in own


def test_the_token_pipe_is_read_once_and_closed() -> None:
    from mix_tui.server.launcher import read_token_fd

    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"pipe-token-0123456789\n")
    os.close(write_fd)
    assert read_token_fd(read_fd) == "pipe-token-0123456789"
    with pytest.raises(OSError):
        os.fstat(read_fd)  # closed: nothing left for a child to inherit


def test_an_empty_token_pipe_is_a_clear_error() -> None:
    from mix_tui.server.config import ConfigError
    from mix_tui.server.launcher import read_token_fd

    read_fd, write_fd = os.pipe()
    os.close(write_fd)
    with pytest.raises(ConfigError, match="token-fd"):
        read_token_fd(read_fd)


def test_provider_env_vars_are_all_covered_by_the_test() -> None:
    # every key variable the server reads is one the allowlist must drop; none is allowlisted
    from mix_tui.server.tools.child_env import child_env

    names = [n for group in secrets.PROVIDER_ENV_VARS.values() for n in group]
    env = child_env(source={**{n: "x" * 20 for n in names}, "MIX_SERVER_TOKEN": "t", "PATH": "/bin"})
    assert set(env) & {*names, "MIX_SERVER_TOKEN"} == set()
    assert env["PATH"] == "/bin" and env["TERM"] == "dumb"
