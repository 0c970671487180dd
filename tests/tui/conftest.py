"""Shared TUI fixtures and helpers.

Most flow tests run the app against `ScriptedMix` (tests/tui/scripted.py), an in-process server
behind the SDK's transport seam. The end-to-end ones use a REAL local Mix server subprocess with the
demo provider: one per test module (module scope) keeps the suite fast, tests isolate themselves by
using fresh sessions. It runs as `python -m mix_tui serve` on 127.0.0.1 with a random token, the demo
model at full speed (or a given rate), and a null keyring so no real key is ever seen.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from textual.css.query import NoMatches
from textual.pilot import Pilot

from mix_tui.sdk.client import MixClient
from mix_tui.sdk.turn import Turn
from mix_tui.tui.app import AppConfig, MixApp
from mix_tui.tui.screens.chat import ChatScreen
from mix_tui.tui.session import SessionModel
from mix_tui.tui.widgets.message import AnswerMarkdown, UserMessage
from mix_tui.tui.widgets.thinking import ThinkingPanel
from mix_tui.tui.widgets.tool_call import ToolCallPanel
from tests.tui.scripted import BASE_URL, ScriptedMix

READY = re.compile(r"listening on (http://\S+)")


@dataclass
class ServerProcess:
    data_dir: Path
    workdir: Path
    token: str
    provider: str | None = "demo"
    rate: str | None = "max"
    port: int = 0
    url: str = ""
    proc: subprocess.Popen[str] | None = None
    extra: list[str] = field(default_factory=list)

    def start(self, timeout: float = 20.0) -> ServerProcess:
        argv = [
            sys.executable, "-m", "mix_tui", "serve", "--host", "127.0.0.1", "--port", str(self.port),
            "--data-dir", str(self.data_dir), "--workdir", str(self.workdir),
        ]  # fmt: skip
        if self.provider:
            argv += ["--provider", self.provider]
        if self.rate:
            argv += ["--demo-rate", self.rate]
        argv += self.extra
        env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
        env["PYTHONUNBUFFERED"] = "1"
        env["MIX_SERVER_TOKEN"] = self.token  # like LocalServer: never in argv
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=self.workdir
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"server exited with {self.proc.wait()}")
            match = READY.search(line)
            if match:
                self.url = match.group(1).rstrip("/")
                self.port = int(self.url.rsplit(":", 1)[1])
                return self
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def app(self, **config: object) -> MixApp:
        """An app connected to this server (like `mix-tui --server URL --token T --demo`)."""
        options: dict[str, object] = {
            "server_url": self.url,
            "token": self.token,
            "demo": self.provider == "demo",
        }
        options.update(config)
        return MixApp(AppConfig(**options))  # type: ignore[arg-type]


def make_server(tmp: Path, **kwargs: object) -> ServerProcess:
    (tmp / "data").mkdir(parents=True, exist_ok=True)
    (tmp / "work").mkdir(parents=True, exist_ok=True)
    server = ServerProcess(
        data_dir=tmp / "data", workdir=tmp / "work", token=secrets.token_urlsafe(16), **kwargs
    )  # type: ignore[arg-type]
    return server.start()


@pytest.fixture(autouse=True)
def _no_permission_key_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests answer a permission prompt the moment it opens; the short grace period in which the
    prompt ignores keys (typed for the composer) has its own tests in test_permission.py."""
    monkeypatch.setattr("mix_tui.tui.screens.permission.PermissionScreen.KEY_GRACE_SECONDS", 0.0)


@pytest.fixture(autouse=True)
def system_clipboard(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """No test touches the machine's clipboard: what would go there is kept in this list (the
    terminal's clipboard, OSC 52, is `app.clipboard` in a headless test)."""
    copied: list[str] = []

    def copy(text: str) -> bool:
        copied.append(text)
        return True

    monkeypatch.setattr("mix_tui.tui.clipboard.system_copy", copy)
    return copied


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The demo model at full speed."""
    proc = make_server(tmp_path_factory.mktemp("mix-server"))
    yield proc
    proc.stop()


def scripted_app(mix: ScriptedMix, **config: object) -> MixApp:
    """An app connected to a scripted in-process server (like `mix-tui --server URL --demo`)."""
    options: dict[str, object] = {"server_url": BASE_URL, "transport": mix.transport, "demo": True}
    options.update(config)
    return MixApp(AppConfig(**options))  # type: ignore[arg-type]


async def wait_for(
    pilot: Pilot[object], predicate: Callable[[], object], within: float = 30.0, what: str = ""
) -> None:
    """Let the app run until `predicate()` is true. A widget not mounted yet (`NoMatches`) or a
    session not open yet (`AttributeError` on None) counts as "not yet". The deadline is generous:
    it only says how long a loaded machine may take, a passing test never waits it out."""
    deadline = time.monotonic() + within
    while True:
        try:
            if predicate():
                return
        except (NoMatches, AssertionError):
            pass
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await pilot.pause(0.02)


async def run_turn_elsewhere(url: str, token: str, session_id: str, text: str) -> None:
    """Another client sends a prompt and follows it to the end."""
    async with MixClient(url, token) as client:
        stream = client.stream(session_id)
        async with stream:
            await stream.wait_connected()
            await client.messages.send(session_id, text)
            turn = Turn()
            async for item in stream:
                turn.apply(item, 0.0)
                if turn.done:
                    return


# ---- reading the chat ----------------------------------------------------------------------------


async def ready_chat(pilot: Pilot[object]) -> ChatScreen:
    app = pilot.app
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, ChatScreen) and bool(app.screen.query("#composer"))
        and bool(app.screen.query(".empty-hint"))
        and app.screen.transcript.is_mounted,  # its on_mount hides the new-messages marker
        what="the chat screen",
    )
    assert isinstance(app.screen, ChatScreen)
    return app.screen


async def send(pilot: Pilot[object], chat: ChatScreen, text: str) -> None:
    """Type a prompt into the composer and press Enter."""
    chat.composer.focus()
    chat.composer.load_text(text)
    await pilot.press("end")
    await pilot.press("enter")


def opened(chat: ChatScreen) -> SessionModel:
    """The open session's model (an AssertionError, so `wait_for` keeps waiting, if none is open)."""
    current = chat.open_model()
    assert current is not None, "no session is open"
    return current


def shown(chat: ChatScreen) -> bool:
    """The transcript shows what the open session's model holds (the UI has caught up)."""
    current = chat.open_model()
    return current is not None and chat.transcript.items == current.items()


def settled(chat: ChatScreen) -> bool:
    """No turn runs and the transcript shows the model's latest state."""
    current = chat.open_model()
    return current is not None and not current.running and shown(chat)


def turn_over(chat: ChatScreen, answers: int = 1) -> bool:
    """True once `answers` turns are stored, none runs, and the transcript shows them."""
    current = chat.open_model()
    if current is None or current.running or current.queue:
        return False
    history = current.history
    stored = sum(1 for m in history if m.role == "user") >= answers and history[-1].role != "user"
    return stored and shown(chat)


def live_text(chat: ChatScreen) -> str:
    current = chat.open_model()
    live = current.timeline.live if current is not None else None
    return live.turn.text if live is not None else ""


def shown_text(chat: ChatScreen) -> str:
    """The transcript as mounted: prompts, answers (raw markdown), thinking and tool headers."""
    out: list[str] = []
    for widget in chat.transcript.query("UserMessage, AnswerMarkdown, ToolCallPanel, ThinkingPanel"):
        if isinstance(widget, UserMessage):
            out.append(f"> {widget.text}")
        elif isinstance(widget, AnswerMarkdown):
            out.append(widget.written)
        elif isinstance(widget, ToolCallPanel):
            out.append(f"[tool {widget.view.name} {widget.view.status}] {widget.view.result or ''}")
        elif isinstance(widget, ThinkingPanel):
            out.append("[thinking]")
    return "\n".join(out)


def tool_panels(chat: ChatScreen) -> list[ToolCallPanel]:
    return list(chat.transcript.query(ToolCallPanel))
