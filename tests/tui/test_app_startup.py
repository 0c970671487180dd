"""Launching: the local server subprocess (started, shown, stopped on exit), an unreachable server
(the connect-error screen with retry, never a traceback), first run without credentials (the welcome
screen), and a send refused with 401 leading back to it with the draft kept."""

from __future__ import annotations

import contextlib
import os
import pty
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Static

from mix_tui.sdk.client import MixClient
from mix_tui.tui.app import AppConfig, MixApp
from mix_tui.tui.screens.chat import ChatScreen
from mix_tui.tui.screens.connect_error import ConnectErrorScreen
from mix_tui.tui.screens.welcome import WelcomeScreen
from tests.tui.conftest import (
    ServerProcess,
    make_server,
    opened,
    ready_chat,
    send,
    shown_text,
    turn_over,
    wait_for,
)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except FileNotFoundError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_without_server_a_local_one_is_started_and_stopped_on_exit(tmp_path: Path) -> None:
    config = AppConfig(
        demo=True, data_dir=tmp_path / "data", workdir=tmp_path, server_args=("--demo-rate", "max")
    )  # fmt: skip
    app = MixApp(config)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        local = app.local_server
        assert local is not None
        pid = local.pid  # type: ignore[attr-defined]
        assert pid is not None and alive(pid)
        assert chat.status.info.local and chat.status.info.server.startswith("127.0.0.1:")
        assert chat.status.info.model == "demo/demo"
        await send(pilot, chat, "hello local")
        await wait_for(pilot, lambda: turn_over(chat), what="an answer from the local server")
    assert not alive(pid)
    assert (tmp_path / "data" / "server.log").exists()


async def test_a_first_run_on_the_local_server_without_keys_shows_the_welcome_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The local server falls back to the demo model when it finds no key; the user still gets asked."""
    for name in ("OPENROUTER_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    app = MixApp(AppConfig(demo=False, data_dir=tmp_path / "data", workdir=tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen), what="the welcome screen")
        # it lists what the local server offers: the demo needs no key, the real providers do
        await wait_for(pilot, lambda: "Offline demo" in providers_text(app), what="the provider list")
        assert "needs an API key" in providers_text(app)


def providers_text(app: MixApp) -> str:
    listing = app.screen.query_one("#welcome-providers", Static)
    return str(listing.visual)


async def test_an_unreachable_server_gets_the_error_screen_and_retry_works(tmp_path: Path) -> None:
    port = free_port()
    server = ServerProcess(data_dir=tmp_path, workdir=tmp_path, token="t0ken-for-retry", port=port)
    url = f"http://127.0.0.1:{port}"
    app = MixApp(AppConfig(server_url=url, token=server.token, demo=True))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, ConnectErrorScreen), what="the error screen")
            screen = app.screen
            assert isinstance(screen, ConnectErrorScreen)
            assert screen.url == url and screen.error
            await pilot.press("r")  # still down: the screen comes back
            await wait_for(
                pilot, lambda: isinstance(app.screen, ConnectErrorScreen) and app.screen is not screen
            )
            server.start()
            await pilot.press("r")
            chat = await ready_chat(pilot)
            assert not chat.status.info.local and chat.status.info.server == url
    finally:
        server.stop()


async def test_quitting_from_the_error_screen_exits_with_an_error_code() -> None:
    app = MixApp(AppConfig(server_url=f"http://127.0.0.1:{free_port()}", demo=True))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConnectErrorScreen), what="the error screen")
        await pilot.press("q")
        await wait_for(pilot, lambda: app.return_code is not None, what="the exit")
    assert app.return_code == 1


async def test_an_unknown_session_id_opens_a_fresh_chat(server: ServerProcess) -> None:
    app = server.app(session_id="no-such-session")
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await pilot.pause(0.2)
        assert chat.current is None


# ---- no provider credentials ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def keyless_server() -> Iterator[ServerProcess]:
    """A server whose default provider needs a key nobody has: every send answers 401."""
    proc = make_server(Path(tempfile.mkdtemp(prefix="mix-keyless-")), provider="openai")
    yield proc
    proc.stop()


async def test_first_run_without_credentials_shows_the_welcome_screen(keyless_server: ServerProcess) -> None:
    app = keyless_server.app(demo=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen), what="the welcome screen")
        await pilot.press("escape")  # "use the offline demo"
        chat = await ready_chat(pilot)
        assert chat.provider == "demo"
        await send(pilot, chat, "hello demo")
        await wait_for(pilot, lambda: turn_over(chat), what="a demo answer")
        assert opened(chat).session is not None and opened(chat).session.provider == "demo"


def startup_done(app: MixApp) -> bool:
    return all(worker.is_finished for worker in app.workers if worker.name == "startup")


async def test_a_server_whose_default_is_the_demo_needs_no_welcome(server: ServerProcess) -> None:
    """`--server URL` without --demo, against a server started with `--provider demo`."""
    app = server.app(demo=False)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await wait_for(pilot, lambda: startup_done(app), what="the end of the startup")
        await pilot.pause(0.2)
        assert not any(isinstance(screen, WelcomeScreen) for screen in app.screen_stack)
        await send(pilot, chat, "hello default")
        await wait_for(pilot, lambda: turn_over(chat), what="an answer from the server's default")
        assert not any(isinstance(screen, WelcomeScreen) for screen in app.screen_stack)


async def test_a_preferred_demo_provider_needs_no_welcome() -> None:
    """The default is a keyed provider, but the stored preference is the demo."""
    proc = make_server(Path(tempfile.mkdtemp(prefix="mix-prefers-demo-")), provider="openai")
    try:
        async with MixClient(proc.url, proc.token) as client:
            await client.preferences.update(preferred_provider="demo")
        app = proc.app(demo=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await ready_chat(pilot)
            await wait_for(pilot, lambda: startup_done(app), what="the end of the startup")
            await pilot.pause(0.2)
            assert not any(isinstance(screen, WelcomeScreen) for screen in app.screen_stack)
    finally:
        proc.stop()


async def test_a_send_refused_with_401_brings_the_welcome_back_and_keeps_the_draft(
    keyless_server: ServerProcess,
) -> None:
    app = keyless_server.app(demo=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen), what="the welcome screen")
        welcome = app.screen
        assert isinstance(welcome, WelcomeScreen)
        await wait_for(pilot, lambda: bool(welcome.rows), what="the providers")
        app.pop_screen()  # the user looks around first
        chat = await ready_chat(pilot)
        await send(pilot, chat, "please answer")
        await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen), what="the welcome after a 401")
        assert chat.composer.text == "please answer"  # the draft survived
        refused = chat.current
        await pilot.press("escape")  # the demo from now on
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen) and chat.current is None)
        assert chat.hub.get(refused) is None  # the empty session made for the refused send is gone
        chat.composer.focus()
        await pilot.press("end", "enter")
        await wait_for(pilot, lambda: turn_over(chat), what="the demo answer")
        assert "> please answer" in shown_text(chat)


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_a_closed_terminal_stops_the_local_server_too(tmp_path: Path) -> None:
    """SIGHUP (the terminal went away) ends the app cleanly; the server, in its own session, is stopped."""
    primary, secondary = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    app = subprocess.Popen(
        [sys.executable, "-m", "mix_tui", "--demo", "--data-dir", str(tmp_path / "data"), "--workdir", str(tmp_path)],
        stdin=secondary, stdout=secondary, stderr=secondary, env=env, start_new_session=True,
    )  # fmt: skip
    os.close(secondary)
    screen = bytearray()
    drain = threading.Thread(target=_drain, args=(primary, screen), daemon=True)
    drain.start()
    try:
        deadline = time.monotonic() + 30
        server = None
        while time.monotonic() < deadline and server is None:
            server = next((c for c in children(app.pid) if " serve " in cmdline(c)), None)
            time.sleep(0.05)
        assert server is not None, "the local server never started"
        # the hangup comes once the chat is up (the composer's hint is drawn), as a user's would
        while time.monotonic() < deadline and b"Ask anything" not in screen:
            time.sleep(0.05)
        assert b"Ask anything" in screen, "the chat never appeared"
        os.kill(app.pid, signal.SIGHUP)
        assert app.wait(15) == 0, bytes(screen[-2000:]).decode(errors="replace")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and alive(server):
            time.sleep(0.05)
        assert not alive(server)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        os.close(primary)


def _drain(fd: int, screen: bytearray) -> None:
    # reading keeps the pty from filling up; what the app drew is kept for the test to look at
    with contextlib.suppress(OSError):
        while chunk := os.read(fd, 65536):
            screen.extend(chunk)


async def test_a_wrong_token_is_a_connect_error_not_a_welcome(server: ServerProcess) -> None:
    app = MixApp(AppConfig(server_url=server.url, token="not-the-token", demo=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConnectErrorScreen), what="the error screen")
        screen = app.screen
        assert isinstance(screen, ConnectErrorScreen)
        assert "token" in screen.error
