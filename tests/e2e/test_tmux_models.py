"""End to end in a real 80x24 terminal: `/model` switches the model of a chat, and the next prompt is
answered by it. The installed app starts its own local server, whose OpenAI provider is pointed
(OPENAI_BASE_URL, OPENAI_API_KEY — the official client's conventions) at a local HTTP server that
speaks OpenAI's streaming chat-completions format, run by this test in a thread."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.terminal import MIX_TUI, Tmux, app_command, fresh_user
from tests.server.providers.wire_server import Reply, WireServer
from tests.server.test_server_models import openai_reply

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(not MIX_TUI.exists(), reason="the mix-tui console script is not installed"),
]


class ThreadedWire:
    """A WireServer on its own event loop in a thread (the test itself is synchronous)."""

    def __init__(self, *replies: Reply) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server = WireServer(*replies)

    def __enter__(self) -> WireServer:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.__aenter__(), self.loop).result(10)
        return self.server

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.__aexit__(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def upstream() -> Iterator[WireServer]:
    with ThreadedWire(openai_reply("Answer one, from gpt-4.1."), openai_reply("Answer two, from gpt-5.")) as server:
        yield server


@pytest.mark.timeout(90)
def test_model_switching_in_a_small_terminal(tmux: Tmux, tmp_path: Path, upstream: WireServer) -> None:
    env, data, work = fresh_user(tmp_path)
    env["OPENAI_BASE_URL"] = f"{upstream.url}/v1"
    env["OPENAI_API_KEY"] = "sk-test-" + "e" * 40
    tmux.run("new-session", "-d", "-s", tmux.name, "-x", "80", "-y", "24", f"{app_command(env, data, work)}; sleep 60")
    tmux.wait_for(lambda s: "connected" in s and "demo/demo" in s, "the app to connect")

    tmux.type("/model openai/gpt-4.1")
    tmux.press("Enter")
    screen = tmux.wait_for(lambda s: "This new chat will use openai/gpt-4.1" in s, "the /model note")
    assert "openai/gpt-4.1 │" in screen.splitlines()[-2]  # the status line names it
    tmux.type("hello")
    tmux.press("Enter")
    tmux.wait_for(lambda s: "Answer one, from gpt-4.1." in s, "the first answer")

    tmux.press("F2")  # the picker: filter, pick, applied to this session
    tmux.wait_for(lambda s: "Model for the next prompts" in s and "● " in s, "the picker")
    tmux.type("gpt-5-mini")
    tmux.wait_for(lambda s: "gpt-5-mini" in s and "gpt-4o" not in s, "the filtered list")
    tmux.press("BSpace", "BSpace", "BSpace", "BSpace", "BSpace")
    tmux.wait_for(lambda s: "gpt-5-mini" in s and "400k ctx" in s, "the list again")
    tmux.press("Enter")
    tmux.wait_for(lambda s: "This session's next prompts go to openai/gpt-5." in s, "the switch note")
    tmux.type("again")
    tmux.press("Enter")
    screen = tmux.wait_for(lambda s: "Answer two, from gpt-5." in s, "the second answer")
    # nothing is cut off at 80x24: the footer still ends with the palette key
    assert screen.splitlines()[-1].rstrip().endswith("^p palette")
    tmux.press("C-q")
    assert [r.body["model"] for r in upstream.requests] == ["gpt-4.1", "gpt-5"]
