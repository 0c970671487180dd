"""LocalServer: spawn, wait for the ready line, stop without leaving a process behind.

Most tests run a tiny stand-in script that behaves like `mix-tui serve` on stdout (a real socket, a
real subprocess); one test runs the real server when it is available.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from mix_tui.tui.local_server import LocalServer, LocalServerError, _pid_alive

STAND_IN = textwrap.dedent(
    """
    import http.server, signal, socketserver, sys, threading
    mode = sys.argv[1]
    print("starting up", file=sys.stderr, flush=True)
    if mode == "crash":
        print("boom: no such provider", file=sys.stderr, flush=True)
        sys.exit(3)
    if mode == "silent":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        threading.Event().wait()
    if mode == "stubborn":
        # ignores SIGTERM: the launcher must fall back to SIGKILL
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"ok " + self.headers.get("Authorization", "").encode()
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body)
        def log_message(self, *args):
            pass
    server = socketserver.TCPServer(("127.0.0.1", 0), Handler)
    print("mix-tui server listening on http://127.0.0.1:%d" % server.server_address[1], flush=True)
    for i in range(5000):
        print("chatter line %d" % i)  # more than a pipe buffer: the launcher must keep draining
    sys.stdout.flush()
    server.serve_forever()
    """
)


class StandIn(LocalServer):
    def __init__(self, script: Path, mode: str, data_dir: Path) -> None:
        super().__init__(data_dir=data_dir, workdir=data_dir)
        self.script = script
        self.mode = mode

    def command(self) -> list[str]:
        return [sys.executable, str(self.script), self.mode]


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "stand_in.py"
    path.write_text(STAND_IN)
    return path


async def test_start_reports_url_and_stop_leaves_no_process(script: Path, tmp_path: Path) -> None:
    server = StandIn(script, "ok", tmp_path / "data")
    await server.start(timeout=10)
    try:
        assert server.url.startswith("http://127.0.0.1:")
        assert len(server.token) >= 32
        async with httpx.AsyncClient() as client:
            response = await client.get(server.url, headers={"Authorization": f"Bearer {server.token}"})
        assert response.text == f"ok Bearer {server.token}"
        assert server.pid is not None and _pid_alive(server.pid)
    finally:
        await server.stop()
    assert server.pid is not None and not _pid_alive(server.pid)
    await server.stop()  # idempotent


async def test_crash_before_ready_raises_with_stderr_tail(script: Path, tmp_path: Path) -> None:
    server = StandIn(script, "crash", tmp_path / "data")
    with pytest.raises(LocalServerError) as info:
        await server.start(timeout=10)
    assert "exited with code 3" in info.value.message
    assert "boom: no such provider" in info.value.log_tail
    assert "boom" in str(info.value)


async def test_timeout_raises_and_kills_the_child(
    script: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mix_tui.tui.local_server.STOP_GRACE_SECONDS", 0.3)
    server = StandIn(script, "silent", tmp_path / "data")
    started = time.monotonic()
    with pytest.raises(LocalServerError) as info:
        await server.start(timeout=0.5)
    assert "within 0.5 s" in info.value.message
    assert "starting up" in info.value.log_tail
    assert server.pid is not None and not _pid_alive(server.pid)
    # it ignores SIGTERM, so this took the grace period and then SIGKILL
    assert time.monotonic() - started < 5


async def test_stop_escalates_to_sigkill(script: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mix_tui.tui.local_server.STOP_GRACE_SECONDS", 0.3)
    server = StandIn(script, "stubborn", tmp_path / "data")
    await server.start(timeout=10)
    await server.stop()
    assert server.pid is not None and not _pid_alive(server.pid)


async def test_child_survives_sigint_to_our_group(script: Path, tmp_path: Path) -> None:
    # Ctrl+C in the terminal goes to the foreground process group; the server is not in it
    server = StandIn(script, "ok", tmp_path / "data")
    await server.start(timeout=10)
    try:
        assert server.pid is not None
        assert os.getpgid(server.pid) != os.getpgid(0)
    finally:
        await server.stop()


def test_atexit_guard_stops_the_child_of_a_crashing_app(script: Path, tmp_path: Path) -> None:
    program = textwrap.dedent(
        f"""
        import asyncio, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_local_server import StandIn
        from pathlib import Path
        async def main():
            server = StandIn(Path({str(script)!r}), "ok", Path({str(tmp_path / "data")!r}))
            await server.start(timeout=10)
            print(server.pid, flush=True)
            raise RuntimeError("the app crashed")
        asyncio.run(main())
        """
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=30)
    assert "the app crashed" in result.stderr
    pid = int(result.stdout.split()[0])
    deadline = time.monotonic() + 5
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _pid_alive(pid)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux-only")
def test_child_stops_when_the_app_is_killed_outright(script: Path, tmp_path: Path) -> None:
    # SIGKILL (or SIGHUP when the terminal closes) skips atexit: the parent-death signal covers it
    program = textwrap.dedent(
        f"""
        import asyncio, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_local_server import StandIn
        from pathlib import Path
        async def main():
            server = StandIn(Path({str(script)!r}), "ok", Path({str(tmp_path / "data")!r}))
            await server.start(timeout=10)
            print(server.pid, flush=True)
            await asyncio.sleep(60)
        asyncio.run(main())
        """
    )
    app = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, text=True)
    try:
        assert app.stdout is not None
        pid = int(app.stdout.readline())
        assert _pid_alive(pid)
    finally:
        app.kill()
        app.wait()
    deadline = time.monotonic() + 5
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _pid_alive(pid)


async def test_real_server_starts_and_answers_health(tmp_path: Path) -> None:
    server = LocalServer(data_dir=tmp_path / "data", workdir=tmp_path, provider="demo")
    await server.start(timeout=30)
    try:
        async with httpx.AsyncClient() as client:
            ok = await client.get(f"{server.url}/health", headers={"Authorization": f"Bearer {server.token}"})
            assert ok.status_code == 200
            refused = await client.get(f"{server.url}/api/sessions")
            assert refused.status_code == 401
            allowed = await client.get(
                f"{server.url}/api/sessions", headers={"Authorization": f"Bearer {server.token}"}
            )
            assert allowed.status_code == 200
        # the token reaches the child through an inherited pipe: never its argv (visible in `ps`),
        # never its environment (readable by every process of the user, the server's tools included)
        assert server.pid is not None
        argv = Path(f"/proc/{server.pid}/cmdline").read_bytes().decode()  # noqa: ASYNC240 - a tiny procfs read
        environ = Path(f"/proc/{server.pid}/environ").read_bytes().decode()  # noqa: ASYNC240
        assert server.token not in argv and server.token not in environ
    finally:
        await server.stop()
    assert server.pid is not None and not _pid_alive(server.pid)
    await asyncio.sleep(0)
