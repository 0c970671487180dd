"""End to end in a real terminal: the installed `mix-tui --demo` inside tmux (120x40).

Types a Bash directive for the demo model, waits for the permission modal, allows it with `a`
(pressed again if it came within the modal's grace period and was ignored), finds the command's
output on the screen, quits with Ctrl+Q and checks that the local server it started is gone. Everything runs in temp dirs (data, HOME, XDG) on a private tmux socket.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mix_tui.tui.screens.permission import KEY_GRACE_SECONDS

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

WIDTH, HEIGHT = 120, 40
MIX_TUI = Path(sys.executable).parent / "mix-tui"


class Tmux:
    """One detached session on its own socket, so a user's tmux server is never touched."""

    def __init__(self, socket: Path, name: str = "mix-e2e") -> None:
        self.socket = socket
        self.name = name

    def run(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-S", str(self.socket), *args], capture_output=True, text=True, timeout=10, check=True
        )
        return result.stdout

    def start(self, command: str) -> None:
        self.run("new-session", "-d", "-s", self.name, "-x", str(WIDTH), "-y", str(HEIGHT), command)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.name)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", self.name, "-l", text)

    def press(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.name, *keys)

    def wait_for(self, found: Callable[[str], object], what: str, timeout: float = 20.0) -> str:
        """Poll the screen until `found(screen)` is truthy; fail with the last screen otherwise."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if found(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; the screen was:\n{screen}")

    def kill_server(self) -> None:
        subprocess.run(["tmux", "-S", str(self.socket), "kill-server"], capture_output=True, timeout=10)


def servers_using(data_dir: str) -> list[int]:
    """Pids of `mix_tui serve` processes started with our unique temp data dir."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        # the tmux server's own command line mentions the data dir too: look for the server only
        if "mix_tui serve" in cmdline and data_dir in cmdline and state != "Z":
            pids.append(int(entry.name))
    return pids


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    # a short socket path: unix socket paths are limited to ~100 bytes
    socket_dir = Path("/tmp") / f"mix-e2e-{os.getpid()}-{time.monotonic_ns()}"
    socket_dir.mkdir()
    session = Tmux(socket_dir / "sock")
    try:
        yield session
    finally:
        session.kill_server()
        shutil.rmtree(socket_dir, ignore_errors=True)


@pytest.mark.skipif(not MIX_TUI.exists(), reason="the mix-tui console script is not installed")
@pytest.mark.timeout(90)
def test_bash_permission_allow_and_quit(tmux: Tmux, tmp_path: Path) -> None:
    data, home, work = tmp_path / "data", tmp_path / "home", tmp_path / "work"
    for folder in (data, home, work):
        folder.mkdir()
    env = {
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_STATE_HOME": str(home / ".local/state"),
        "TERM": "xterm-256color",
        # no real keyring and no real keys in a test
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }
    app = f"{shlex.quote(str(MIX_TUI))} --demo --data-dir {shlex.quote(str(data))} --workdir {shlex.quote(str(work))}"
    assignments = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
    # the pane stays after the app exits, showing its exit code
    tmux.start(f"cd {shlex.quote(str(work))} && env -i {assignments} {app}; echo mix-e2e-exit=$?; sleep 60")

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
        time.sleep(KEY_GRACE_SECONDS)
        tmux.press("a")
        screen = tmux.wait_for(answered, "the command's output")
    assert re.search(r"mix-e2e-marker-\d+", screen)

    tmux.press("C-q")
    ended = tmux.wait_for(lambda s: "mix-e2e-exit=" in s, "the app to exit", timeout=15)
    assert "mix-e2e-exit=0" in ended

    deadline = time.monotonic() + 8
    while servers_using(str(data)) and time.monotonic() < deadline:
        time.sleep(0.1)
    leftovers = servers_using(str(data))
    assert not leftovers, f"server processes left behind: {leftovers}"
