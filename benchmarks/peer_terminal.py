"""What the peers benchmark drives and watches: a real terminal (a tmux session on a private socket,
at a fixed size) and a process tree (CPU seconds and resident memory of every process in it).

tmux is a complete terminal emulator, so every app gets its usual terminal, answers to its queries
included, and `capture-pane` shows the screen a user would see.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

CLOCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


class Terminal:
    """One detached tmux session of COLSxROWS on its own socket (a user's tmux is never touched)."""

    def __init__(self, socket: Path, size: tuple[int, int], name: str = "peer") -> None:
        self.socket, self.size, self.name = socket, size, name

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-u", "-S", str(self.socket), *args], capture_output=True, text=True, timeout=20
        )
        if done.returncode != 0:
            raise RuntimeError(f"tmux {args[0]} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self, argv: list[str], env: dict[str, str], cwd: Path) -> int:
        """Run `argv` with exactly `env` as the pane's process; its pid. The pane stays after the app
        exits (its last screen and exit status can then still be read)."""
        line = f"cd {shlex.quote(str(cwd))} && exec env -i " + " ".join(
            f"{key}={shlex.quote(value)}" for key, value in env.items()
        ) + " " + shlex.join(argv)  # fmt: skip
        width, height = self.size
        self.tmux("new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), line)
        self.tmux("set-option", "-t", self.name, "remain-on-exit", "on")
        return int(self.tmux("display-message", "-p", "-t", self.name, "#{pane_pid}").strip())

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def styled_screen(self) -> str:
        """The screen with its colours and attributes as escape sequences (to see what has focus)."""
        return self.tmux("capture-pane", "-p", "-e", "-t", self.name)

    def exited(self) -> bool:
        return self.tmux("display-message", "-p", "-t", self.name, "#{pane_dead}").strip() == "1"

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.name, "-l", text)

    def press(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.name, *keys)

    def close(self) -> None:
        subprocess.run(["tmux", "-S", str(self.socket), "kill-server"], capture_output=True, timeout=20)


@dataclass
class ProcessTree:
    """The processes under some root pids, sampled: CPU seconds used since `mark()` by every process
    seen (ones that start later count from zero; one that ends between samples loses at most one
    interval) and the largest resident memory of the whole tree at one sample."""

    roots: list[int]
    cpu_then: dict[int, float] = field(default_factory=dict)
    cpu_now: dict[int, float] = field(default_factory=dict)
    peak_rss: float = 0.0  # bytes
    largest_hwm: float = 0.0  # bytes: a single process's own high-water mark
    pids: set[int] = field(default_factory=set)
    hwm_by_pid: dict[int, float] = field(default_factory=dict)  # bytes

    def sample(self) -> None:
        stats = _all_stats()
        members = set(self.roots) & stats.keys()
        grew = True
        while grew:  # add the children of members until nothing new
            grew = False
            for pid, (ppid, _cpu, _rss) in stats.items():
                if ppid in members and pid not in members:
                    members.add(pid)
                    grew = True
        self.pids |= members
        self.peak_rss = max(self.peak_rss, sum(stats[pid][2] for pid in members))
        for pid in members:
            self.cpu_now[pid] = stats[pid][1]
            self.hwm_by_pid[pid] = max(self.hwm_by_pid.get(pid, 0.0), _hwm_bytes(pid))
        self.largest_hwm = max(self.hwm_by_pid.values(), default=0.0)

    def mark(self) -> None:
        """From now on CPU is counted."""
        self.sample()
        self.cpu_then = dict(self.cpu_now)

    def cpu_seconds(self) -> float:
        return sum(cpu - self.cpu_then.get(pid, 0.0) for pid, cpu in self.cpu_now.items())

    def peak_rss_mb(self) -> float:
        return max(self.peak_rss, self.largest_hwm) / 2**20

    def end(self, within: float = 5.0) -> None:
        """After the terminal closed: wait for the tree to exit, then kill what is left of it (the
        pids seen in it by `sample`, the last one just before the terminal closed)."""
        deadline = time.monotonic() + within
        while (alive := self.pids & _all_stats().keys()) and time.monotonic() < deadline:
            time.sleep(0.1)
        for pid in alive:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)

    def roots_peak_mb(self) -> list[float]:
        """Each root process's own peak (its high-water mark), in MB."""
        return [self.hwm_by_pid.get(pid, 0.0) / 2**20 for pid in self.roots]


def _all_stats() -> dict[int, tuple[int, float, float]]:
    """pid -> (parent pid, CPU seconds, resident bytes) of every process (Linux /proc)."""
    stats: dict[int, tuple[int, float, float]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue  # it just ended
        if fields[0] == b"Z":
            continue
        stats[int(entry.name)] = (
            int(fields[1]),
            (int(fields[11]) + int(fields[12])) / CLOCK,
            int(fields[21]) * PAGE,
        )
    return stats


def _hwm_bytes(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) * 1024
    except OSError:
        pass
    return 0.0


def wait_for(term: Terminal, found: object, within: float, what: str) -> str:
    """Poll the screen until `found(screen)` holds; RuntimeError with the last screen otherwise."""
    deadline = time.monotonic() + within
    screen = ""
    while time.monotonic() < deadline:
        screen = term.screen()
        if found(screen):  # type: ignore[operator]
            return screen
        if term.exited():
            break
        time.sleep(0.1)
    state = "exited" if term.exited() else f"not within {within:.0f} s"
    raise RuntimeError(f"{what}: {state}; last screen:\n{screen.rstrip()}")


def settle(term: Terminal, quiet: float = 0.5, within: float = 10.0) -> None:
    """Wait until the screen stays the same for `quiet` seconds."""
    deadline = time.monotonic() + within
    before = term.screen()
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = term.screen()
        if now == before:
            return
        before = now
