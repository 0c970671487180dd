"""No escape sequence from a model, a tool or a file reaches the terminal: the raw bytes the terminal
received are the witness. The installed app runs under `script` (which records every byte written to
the terminal) inside tmux; a file in the working directory holds OSC 52 (clipboard), OSC 0 (window
title), OSC 8 (a link), ESC[2J (clear), ESC[6n (a query the terminal answers) and a C1 CSI; the demo
model reads it (ReadText) and quotes it in a fenced code block of its answer, live and again from
history after a restart. None of the sequences may appear in the recording; their visible stand-ins
(␛ …) must be on screen."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import private_tmux
from tests.e2e.terminal import MIX_TUI, Tmux, app_command, fresh_user

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None or shutil.which("script") is None, reason="needs tmux and script"),
    pytest.mark.skipif(not MIX_TUI.exists(), reason="the mix-tui console script is not installed"),
]

# each marker letter sits right before a sequence, so their bytes are unique in the recording
HOSTILE = "A\x1b]52;c;bWl4LXB3bmVk\x07B\x1b]0;PWNED-TITLE\x07C\x1b]8;;http://pwned.example\x07D\x1b[2JE\x1b[6nF\x9bG\n"
FORBIDDEN = {
    "OSC 52 clipboard write": b"\x1b]52;c;bWl4LXB3bmVk",
    "OSC 0 window title": b"\x1b]0;PWNED-TITLE",
    "OSC 8 link": b"\x1b]8;;http://pwned.example",
    "clear screen": b"D\x1b[2J",
    "cursor position query": b"E\x1b[6n",
    "C1 CSI": b"F\xc2\x9b",
}


def recorded(log: Path) -> bytes:
    return log.read_bytes() if log.exists() else b""


def run_under_script(tmux: Tmux, command: str, log: Path) -> None:
    tmux.start(f"script -q -f -c {shlex.quote(command)} {shlex.quote(str(log))}; echo mix-e2e-exit=$?; sleep 60")


def assert_clean(log: Path) -> None:
    data = recorded(log)
    assert len(data) > 1000, "the recording is empty"
    leaked = [name for name, sequence in FORBIDDEN.items() if sequence in data]
    assert leaked == [], f"raw sequences reached the terminal: {leaked}"


@pytest.mark.timeout(120)
def test_escape_sequences_in_output_never_reach_the_terminal_live_or_from_history(tmp_path: Path) -> None:
    env, data, work = fresh_user(tmp_path)
    with private_tmux() as tmux:
        live_log = tmp_path / "live.log"
        run_under_script(tmux, app_command(env, data, work), live_log)
        tmux.wait_for(lambda s: "connected" in s and "filter sessions" in s, "the app to connect")
        (work / "hostile.txt").write_text(HOSTILE)
        tmux.type("read hostile.txt")
        tmux.press("Enter")
        screen = tmux.wait_for(lambda s: "PWNED-TITLE" in s and "Send another" in s, "the quoted file")
        assert "␛]52;c;bWl4LXB3bmVk" in screen and "␛[2J" in screen  # shown, visibly
        assert re.search(r"\\x9b", screen)
        tmux.press("C-q")
        tmux.wait_for(lambda s: "mix-e2e-exit=" in s, "the app to exit", timeout=15)
    assert_clean(live_log)

    with private_tmux() as tmux:  # the same session from the stored history, in a new process
        history_log = tmp_path / "history.log"
        run_under_script(tmux, app_command(env, data, work, "-c"), history_log)
        screen = tmux.wait_for(lambda s: "PWNED-TITLE" in s and "connected" in s, "the stored session")
        assert "␛]0;PWNED-TITLE" in screen
        tmux.press("C-q")
        tmux.wait_for(lambda s: "mix-e2e-exit=" in s, "the app to exit", timeout=15)
    assert_clean(history_log)
