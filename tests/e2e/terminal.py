"""Driving the real app in a real terminal: a tmux session on a private socket, the environment of a
fresh user (temp HOME, XDG dirs, data dir; no keyring, no keys), and a look at which server processes
are still running."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

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


def fresh_user(tmp_path: Path) -> tuple[dict[str, str], Path, Path]:
    """(environment, data dir, work dir) of a user who never ran mix-tui."""
    data, home, work = tmp_path / "data", tmp_path / "home", tmp_path / "work"
    for folder in (data, home, work):
        folder.mkdir(exist_ok=True)
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
    return env, data, work


def app_command(env: dict[str, str], data: Path, work: Path, *args: str) -> str:
    """A shell line that runs the installed app in `work` with exactly `env`."""
    app = " ".join(shlex.quote(a) for a in (str(MIX_TUI), "--demo", "--data-dir", str(data), "--workdir", str(work), *args))
    assignments = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
    return f"cd {shlex.quote(str(work))} && env -i {assignments} {app}"
