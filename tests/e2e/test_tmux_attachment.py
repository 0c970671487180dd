"""End to end in tmux: an image attached with `@` is completed, uploaded, shown in the transcript as a
picture (half blocks in tmux), read by the demo model (ReadMedia), and the terminal title carries no
marker while the user looks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from tests.e2e.terminal import MIX_TUI, Tmux, app_command, fresh_user

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(not MIX_TUI.exists(), reason="the mix-tui console script is not installed"),
]


@pytest.mark.timeout(90)
def test_an_attached_image_is_uploaded_and_shown(tmux: Tmux, tmp_path: Path) -> None:
    env, data, work = fresh_user(tmp_path)
    (work / "pics").mkdir()
    Image.new("RGB", (120, 80), (30, 120, 200)).save(work / "pics" / "photo.png")
    tmux.start(f"{app_command(env, data, work)}; echo mix-e2e-exit=$?; sleep 60")
    tmux.wait_for(lambda s: "connected" in s and "filter sessions" in s, "the app to connect")

    tmux.type("look @pho")
    tmux.wait_for(lambda s: "pics/photo.png" in s, "the @ completion")
    tmux.press("Tab")
    tmux.wait_for(lambda s: "look @pics/photo.png" in s, "the completed path")
    tmux.press("Enter")
    tmux.wait_for(lambda s: "average colour" in s and "blue" in s, "the demo's look at the picture")
    def at_the_top(screen: str) -> bool:
        if "▣ pics/photo.png · 120×80" in screen:
            return True
        tmux.press("C-o")  # the transcript takes the focus; Home goes to its top
        tmux.press("Home")
        return False

    screen = tmux.wait_for(at_the_top, "the picture in the transcript")
    assert "📎 pics/photo.png" in screen
    assert "▀▀▀▀" in screen  # drawn with half blocks
    assert (data / "sessions").exists() and list((data / "sessions").glob("*/files/photo.png"))
    assert "●" not in tmux.run("display-message", "-p", "-t", tmux.name, "#{pane_title}")

    tmux.press("C-q")
    ended = tmux.wait_for(lambda s: "mix-e2e-exit=" in s, "the app to exit", timeout=15)
    assert "mix-e2e-exit=0" in ended
