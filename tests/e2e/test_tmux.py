"""End to end in a real terminal: the installed `mix-tui --demo` inside tmux (120x40).

Types a Bash directive for the demo model, waits for the permission modal, allows it with `a`
(pressed again if it came within the modal's grace period and was ignored), finds the command's
output on the screen, quits with Ctrl+Q and checks that the local server it started is gone. Everything runs in temp dirs (data, HOME, XDG) on a private tmux socket.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

from tests.e2e.terminal import MIX_TUI, Tmux, app_command, fresh_user, servers_using

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


@pytest.mark.skipif(not MIX_TUI.exists(), reason="the mix-tui console script is not installed")
@pytest.mark.timeout(90)
def test_bash_permission_allow_and_quit(tmux: Tmux, tmp_path: Path) -> None:
    env, data, work = fresh_user(tmp_path)
    # the pane stays after the app exits, showing its exit code
    tmux.start(f"{app_command(env, data, work)}; echo mix-e2e-exit=$?; sleep 60")

    tmux.wait_for(lambda s: "connected" in s and "filter sessions" in s, "the app to connect")
    assert servers_using(str(data)), "the app should have started a local server"

    # `$RANDOM` makes the command need a permission (it is not a plain read-only command), and the
    # shell expands it, so the output differs from the command text
    tmux.type("$ echo mix-e2e-marker-$RANDOM")
    tmux.press("Enter")
    modal = tmux.wait_for(lambda s: "Permission needed" in s, "the permission modal")
    assert "echo mix-e2e-marker-$RANDOM" in modal
    assert re.search(r"denies in \d+s", modal)

    def answered(screen: str) -> bool:
        return bool(re.search(r"mix-e2e-marker-\d+", screen)) and "Permission needed" not in screen

    # right after the modal opened, keys are ignored (they were meant for the composer) and a hint
    # says so; a user then presses again
    tmux.press("a")
    screen = tmux.wait_for(lambda s: answered(s) or "press again" in s, "the answer or the grace hint")
    if not answered(screen):

        def press_again_until_answered(now: str) -> bool:  # as a user would, once the grace is over
            if answered(now):
                return True
            tmux.press("a")
            return False

        screen = tmux.wait_for(press_again_until_answered, "the command's output")
    assert re.search(r"mix-e2e-marker-\d+", screen)

    tmux.press("C-q")
    ended = tmux.wait_for(lambda s: "mix-e2e-exit=" in s, "the app to exit", timeout=15)
    assert "mix-e2e-exit=0" in ended

    deadline = time.monotonic() + 8
    while servers_using(str(data)) and time.monotonic() < deadline:
        time.sleep(0.1)
    leftovers = servers_using(str(data))
    assert not leftovers, f"server processes left behind: {leftovers}"
