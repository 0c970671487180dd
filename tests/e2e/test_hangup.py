"""Closing the terminal while an answer streams ends the app and its local server within 2 s, every
time (Textual's writer thread could block for good on a terminal that is gone). The window is a real
tmux pane; killing the session hangs up its terminal, as closing a terminal window does."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import private_tmux
from tests.e2e.terminal import MIX_TUI, app_command, fresh_user, servers_using

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(not MIX_TUI.exists(), reason="the mix-tui console script is not installed"),
]

TRIALS = 4
DEADLINE = 2.0


def app_pids(data_dir: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        words = [a.decode("utf-8", "replace") for a in argv]
        if state != "Z" and any(w.endswith("mix-tui") for w in words) and data_dir in words and "serve" not in words:
            pids.append(int(entry.name))
    return pids


@pytest.mark.timeout(150)
def test_closing_the_terminal_mid_stream_ends_app_and_server_within_two_seconds(tmp_path: Path) -> None:
    env, data, work = fresh_user(tmp_path)
    for trial in range(TRIALS):
        with private_tmux() as tmux:
            tmux.start(app_command(env, data, work, "--demo"))  # the demo streams at its own pace
            tmux.wait_for(lambda s: "connected" in s and "filter sessions" in s, "the app to connect")
            tmux.type("long 40")
            tmux.press("Enter")
            tmux.wait_for(lambda s: "Part 1" in s, "the answer to stream")
            assert app_pids(str(data)) and servers_using(str(data))
            closed = time.monotonic()
            tmux.kill_server()  # the pane's terminal goes away: SIGHUP
            while (app_pids(str(data)) or servers_using(str(data))) and time.monotonic() - closed < 10:
                time.sleep(0.02)
            took = time.monotonic() - closed
            assert not app_pids(str(data)) and not servers_using(str(data)), f"trial {trial}: still running"
            assert took <= DEADLINE, f"trial {trial}: {took:.2f} s to go"
