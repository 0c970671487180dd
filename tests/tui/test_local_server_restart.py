"""The app's own local server dies (kill -9): the app says so, starts it again on the same port, the
session's stream reconnects by itself, and a prompt typed while it was down goes out exactly once."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from mix_tui.tui.app import AppConfig, MixApp
from tests.tui.conftest import opened, ready_chat, send, turn_over, wait_for


@pytest.fixture(autouse=True)
def quick_restart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mix_tui.tui.app.RESTART_PAUSE", 0.1)


def toasts(app: MixApp) -> str:
    return "\n".join(n.message for n in app._notifications)


async def test_a_local_server_that_died_is_restarted_and_the_session_carries_on(tmp_path: Path) -> None:
    config = AppConfig(demo=True, data_dir=tmp_path / "data", workdir=tmp_path, server_args=("--demo-rate", "max"))
    app = MixApp(config)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "before the crash")
        await wait_for(pilot, lambda: turn_over(chat), what="the first turn")
        server = app.local_server
        assert server is not None and server.pid is not None
        first_pid, url = server.pid, server.url

        os.kill(first_pid, signal.SIGKILL)
        await wait_for(pilot, lambda: "The local server stopped" in toasts(app), what="the news")
        assert "exit code -9" in toasts(app)
        await send(pilot, chat, "while it was down")  # queued, or sent once it is back
        await wait_for(pilot, lambda: "running again" in toasts(app), what="the restart")
        assert server.pid != first_pid and server.url == url  # same port: the client reconnects as is
        await wait_for(pilot, lambda: turn_over(chat, 2), what="the prompt typed meanwhile")
        prompts = [m.text for m in opened(chat).history if m.role == "user"]
        assert prompts == ["before the crash", "while it was down"]
        assert opened(chat).connection.state == "connected"
