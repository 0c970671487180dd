"""End to end in a real terminal: the installed app (tmux, 120x40) against a real `mix-tui serve`, as a
new user drives it: two prompts, a fork at the first answer (Alt+O), a prompt in the fork, a rewind of
it (/rewind 2, confirmed with y: its text comes back into the composer), and a Markdown export
(Alt+E, the proposed path accepted). Both sessions are checked through the API, the file on disk."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.terminal import MIX_TUI, Tmux, fresh_user
from tests.tui.conftest import ServerProcess, make_server

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(not MIX_TUI.exists(), reason="the mix-tui console script is not installed"),
]


def until(found: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Api:
    def __init__(self, server: ServerProcess) -> None:
        self.http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {server.token}"}, timeout=5)

    def sessions(self) -> list[dict[str, Any]]:
        return self.http.get("/api/sessions").json()  # type: ignore[no-any-return]

    def prompts(self, session_id: str) -> list[str]:
        messages = self.http.get(f"/api/sessions/{session_id}/messages").json()
        return [m["userInput"] for m in messages if m["role"] == "user"]

    def answered(self, session_id: str, count: int) -> bool:
        messages = self.http.get(f"/api/sessions/{session_id}/messages").json()
        users = [m for m in messages if m["role"] == "user"]
        return len(users) == count and all(u.get("turnStatus") == "complete" for u in users)


@pytest.mark.timeout(120)
def test_fork_rewind_and_export_in_a_real_terminal(tmux: Tmux, tmp_path: Path) -> None:
    server = make_server(tmp_path / "server")
    api = Api(server)
    try:
        env, _, work = fresh_user(tmp_path)
        app = f"{MIX_TUI} --server {server.url} --demo"
        # the token goes in the environment, never on a command line
        assignments = " ".join(f"{k}='{v}'" for k, v in {**env, "MIX_TOKEN": server.token}.items())
        tmux.start(f"cd '{work}' && env -i {assignments} {app}; echo mix-e2e-exit=$?; sleep 60")
        tmux.wait_for(lambda s: "connected" in s and "filter sessions" in s, "the app to connect")

        tmux.type("first prompt")
        tmux.press("Enter")
        source = until(lambda: next((s["id"] for s in api.sessions()), None), "the session")
        until(lambda: api.answered(source, 1), "the first answer")
        tmux.type("second prompt")
        tmux.press("Enter")
        until(lambda: api.answered(source, 2), "the second answer")
        tmux.wait_for(lambda s: "working…" not in s, "the turn to end on screen")

        # the cursor: the last answer, the second prompt, then the first answer; Alt+O forks there
        tmux.press("M-Up")
        tmux.press("M-Up")
        tmux.press("M-Up")
        tmux.press("M-o")
        tmux.wait_for(lambda s: "first prompt (fork)" in s, "the fork, opened")
        fork = until(lambda: next((s for s in api.sessions() if s.get("parentSessionId") == source), None), "the fork")
        assert fork["title"] == "first prompt (fork)"
        assert api.prompts(fork["id"]) == ["first prompt"]
        assert api.prompts(source) == ["first prompt", "second prompt"]  # the original is unchanged

        tmux.type("a prompt of the fork")
        tmux.press("Enter")
        until(lambda: api.answered(fork["id"], 2), "the fork's answer")
        tmux.wait_for(lambda s: "working…" not in s, "the fork's turn to end on screen")
        tmux.type("/rewind 2")
        tmux.press("Enter")
        question = tmux.wait_for(lambda s: "Rewind (y)" in s, "the confirmation")
        assert "removes prompt 2" in question
        tmux.press("y")
        until(lambda: api.prompts(fork["id"]) == ["first prompt"], "the rewind on the server")
        screen = tmux.wait_for(lambda s: "Rewound to before prompt 2" in s, "the rewind's note")
        assert "a prompt of the fork" in screen  # back in the composer

        tmux.press("C-u")  # the composer empties (the prompt stays out of the export's way)
        tmux.press("M-e")
        tmux.wait_for(lambda s: "Export as Markdown" in s, "the path box")
        tmux.press("Enter")
        exported = work / "first-prompt-fork.md"
        until(exported.exists, "the Markdown file")
        text = until(lambda: exported.read_text() if exported.stat().st_size else "", "the file's text")
        assert text.startswith("# first prompt (fork)")
        assert "## Prompt 1" in text and "first prompt" in text and "## Prompt 2" not in text
        assert "a prompt of the fork" not in text and "<sub>demo · " in text
        tmux.wait_for(lambda s: "Exported as Markdown" in s, "the export's note")

        tmux.press("C-q")
        ended = tmux.wait_for(lambda s: "mix-e2e-exit=" in s, "the app to exit", timeout=15)
        assert "mix-e2e-exit=0" in ended
        # both sessions, as the server keeps them
        titles = {s["title"] for s in api.sessions()}
        assert titles == {"first prompt", "first prompt (fork)"}
    finally:
        api.http.close()
        server.stop()
