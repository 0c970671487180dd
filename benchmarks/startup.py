"""Startup: import time, `mix-tui --server URL` to its first frame, and with the embedded server
to ready-to-type; and that no process is left behind after Ctrl+Q.

The real `mix-tui` runs in a pseudo-terminal (120x40, as a terminal would run it); its output is
read as it comes. The first frame is the first screen it draws (the "connecting to…" line);
ready-to-type is the first frame that shows the composer. Import time is
`python -X importtime -c "import mix_tui.tui.app"` in a fresh interpreter. Medians of `--runs`.

    python benchmarks/startup.py [--runs 5]

Targets (issue 12): first frame with --server ≤ 400 ms; ready-to-type with the embedded server
≤ 1.5 s; no child process left after exit.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

import tui_harness as h

READY_TEXT = b"sk anything"  # the composer's placeholder (its first letter carries the cursor)
FIRST_TEXT = re.compile(rb"connecting to|starting server|sk anything")


def import_ms() -> float:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import mix_tui.tui.app"], capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(h.ROOT)},
    )  # fmt: skip
    last = [line for line in done.stderr.splitlines() if line.rstrip().endswith("mix_tui.tui.app")][-1]
    return int(last.split("|")[1]) / 1000


def mix_tui_command() -> list[str]:
    found = shutil.which("mix-tui", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "mix_tui"]


def run_in_pty(args: list[str], env: dict[str, str]) -> dict[str, float]:
    """Start `mix-tui ARGS` in a pty; times to the first frame and to ready; then Ctrl+Q, and which
    of its children were left running."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: be mix-tui
        os.execvpe(mix_tui_command()[0], [*mix_tui_command(), *args], env)
    began = time.perf_counter()
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    seen = b""
    first = ready = 0.0
    children: set[int] = set()
    deadline = began + 60
    while time.perf_counter() < deadline and not ready:
        readable, _, _ = select.select([fd], [], [], 0.05)
        if readable:
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                break
            seen = seen[-4096:] + chunk
            now = time.perf_counter()
            if not first and FIRST_TEXT.search(seen):
                first = now - began
            if READY_TEXT in seen:
                ready = now - began
        children |= _children(pid)
    children |= _children(pid)
    os.write(fd, b"\x11")  # Ctrl+Q
    exited = _wait_exit(pid, fd, 15)
    time.sleep(0.3)
    left = {child for child in children if _alive(child)}
    for child in left:
        os.kill(child, signal.SIGKILL)
    os.close(fd)
    return {"first_s": first, "ready_s": ready, "exited": float(exited), "children": float(len(children)),
            "left": float(len(left))}  # fmt: skip


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found |= {int(child) for child in task.read_text().split()}
        except OSError:
            pass
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_exit(pid: int, fd: int, timeout: float) -> bool:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        with_output, _, _ = select.select([fd], [], [], 0.05)
        if with_output:
            try:
                os.read(fd, 1 << 16)
            except OSError:
                pass
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done:
            return True
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    env = {**os.environ, "TERM": "xterm-256color", "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    imports = statistics.median(import_ms() for _ in range(args.runs))
    print(f"startup: {args.runs} runs each; `import mix_tui.tui.app` {imports:.0f} ms (median)")
    with tempfile.TemporaryDirectory(prefix="mix-bench-startup-") as tmp, h.server(Path(tmp)) as running:
        remote = [run_in_pty(["--server", running.url, "--token", running.token, "--demo"], env) for _ in range(args.runs)]
    m = h.medians(remote)
    print(f"--server URL: first frame {m['first_s'] * 1000:.0f} ms (target ≤ 400: {h.verdict(m['first_s'], 0.4)}), "
          f"ready to type {m['ready_s'] * 1000:.0f} ms")  # fmt: skip
    local = []
    for n in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="mix-bench-startup-") as tmp:
            local.append(run_in_pty(["--demo", "--data-dir", str(Path(tmp) / f"data{n}"), "--workdir", tmp], env))
    m = h.medians(local)
    left = sum(r["left"] for r in local + remote)
    print(f"embedded server: first frame {m['first_s'] * 1000:.0f} ms, ready to type {m['ready_s'] * 1000:.0f} ms "
          f"(target ≤ 1500: {h.verdict(m['ready_s'], 1.5)}); after Ctrl+Q: {sum(r['exited'] for r in local + remote):.0f}/"
          f"{len(local + remote)} exited, {left:.0f} child processes left running (target 0: {h.verdict(left, 0)})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
