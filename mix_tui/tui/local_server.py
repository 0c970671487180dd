"""Start and stop the bundled Mix-compatible server as a child process.

The TUI never imports the server: it runs `python -m mix_tui serve` with a fresh random token on a
free loopback port, waits for the one "listening" line on stdout, and talks HTTP to it. The child
runs in its own session (process group) so a Ctrl+C in the terminal reaches only the app, which
then stops the server cleanly; an `atexit` hook and `__del__` make sure a crashing app never leaves
the server (or the tools it started) running, and on Linux a parent-death signal covers the deaths
that skip atexit (SIGKILL, SIGHUP when the terminal window closes). That signal is tied to the
thread that spawned the child, so call `start()` from the event loop's thread, not a worker thread.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import os
import re
import secrets
import signal
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import IO

import platformdirs

READY_LINE = re.compile(r"mix-tui server listening on (http://\S+)")
STOP_GRACE_SECONDS = 5.0
KILL_GRACE_SECONDS = 0.3  # kill_now(): SIGTERM, then SIGKILL after this
LOG_NAME = "server.log"
LOG_ROTATE_BYTES = 5 * 1024 * 1024
TAIL_LINES = 30


SERVER_TOKEN_ENV = "MIX_SERVER_TOKEN"


class LocalServerError(RuntimeError):
    """The server did not start; `log_tail` holds the last lines it wrote to stderr."""

    def __init__(self, message: str, log_tail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.log_tail = log_tail

    def __str__(self) -> str:
        if not self.log_tail:
            return self.message
        return f"{self.message}\n--- server log (last lines) ---\n{self.log_tail}"


def default_data_dir() -> Path:
    return platformdirs.user_data_path("mix-tui", appauthor=False)


class LocalServer:
    """One child `mix-tui serve` process. `url` and `token` are valid after `start()`."""

    def __init__(
        self,
        *,
        data_dir: Path | None = None,
        workdir: Path | None = None,
        provider: str | None = None,
        extra_args: list[str] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.workdir = Path(workdir) if workdir is not None else Path.cwd()
        self.provider = provider
        self.extra_args = list(extra_args or [])
        self.token = secrets.token_urlsafe(32)
        self.url = ""
        self.port = 0  # 0: any free port; after the first start the same one, so a restart keeps the URL
        self.log_path = self.data_dir / LOG_NAME
        self._process: asyncio.subprocess.Process | None = None
        self._pid: int | None = None
        self._log_file: IO[bytes] | None = None
        self._log_start = 0
        self._drain_task: asyncio.Task[None] | None = None
        self._stdout_tail: deque[str] = deque(maxlen=TAIL_LINES)

    # ---- the command --------------------------------------------------------------------------

    def command(self) -> list[str]:
        """The argv of the child. Tests override this to run a stand-in script."""
        argv = [
            sys.executable, "-m", "mix_tui", "serve",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--data-dir", str(self.data_dir),
            "--workdir", str(self.workdir),
        ]  # fmt: skip
        if self.provider:
            argv += ["--provider", self.provider]
        return argv + self.extra_args

    @property
    def pid(self) -> int | None:
        return self._pid

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    # ---- start --------------------------------------------------------------------------------

    async def start(self, timeout: float = 20.0) -> None:  # noqa: ASYNC109 - the agreed seam
        """Spawn the server and wait until it is listening; raises `LocalServerError` otherwise."""
        await self.spawn()
        await self.wait_ready(timeout)

    async def spawn(self) -> None:
        """Run the child (`wait_ready` then waits for it to listen); raises `LocalServerError`."""
        if self._process is not None:
            raise LocalServerError("the local server was already started")
        self._open_log()
        env = dict(os.environ)
        # the ready line must reach us at once, not when a block buffer fills
        env["PYTHONUNBUFFERED"] = "1"
        # The token goes through a pipe the child inherits, read once at start: never in argv (`ps`)
        # nor in the environment, which any process of the user (a tool the server runs included)
        # can read from /proc/<server pid>/environ for the server's whole life.
        env.pop(SERVER_TOKEN_ENV, None)
        token_fd = _token_pipe(self.token)
        try:
            self._process = await asyncio.create_subprocess_exec(
                *self.command(), "--token-fd", str(token_fd),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=self._log_file,
                cwd=str(self.workdir),
                env=env,
                start_new_session=True,
                preexec_fn=_parent_death_signal(),
                pass_fds=(token_fd,),
            )  # fmt: skip
        except OSError as exc:
            self._close_log()
            raise LocalServerError(f"could not run the local server: {exc}") from exc
        finally:
            os.close(token_fd)
        self._pid = self._process.pid
        _live_children.add(self._pid)

    async def wait_ready(self, timeout: float = 20.0) -> None:  # noqa: ASYNC109 - as start()
        """Until the spawned child says it is listening; stopped and `LocalServerError` otherwise."""
        try:
            self.url = await asyncio.wait_for(self._read_ready_line(), timeout)
        except TimeoutError:
            await self.stop()
            raise LocalServerError(
                f"the local server did not report it was listening within {timeout:g} s", self.log_tail()
            ) from None
        except LocalServerError as exc:
            await self.stop()
            exc.log_tail = self.log_tail()
            raise
        self.port = int(self.url.rsplit(":", 1)[1])
        self._drain_task = asyncio.create_task(self._drain_stdout(), name="local-server-stdout")

    async def exited(self) -> int:
        """Wait until the child exits (by itself or stopped); its exit code."""
        process = self._process
        if process is None:
            raise LocalServerError("the local server was not started")
        return await process.wait()

    async def restart(self, timeout: float = 20.0) -> None:  # noqa: ASYNC109 - as start()
        """Start again after the child died: same port, token, data dir, so clients reconnect."""
        await self.stop()
        self._process = None
        self._stdout_tail.clear()
        await self.start(timeout)

    def kill_now(self) -> None:
        """From any thread, no waiting beyond a moment: the app must go now (its terminal is gone)."""
        process = self._process
        if process is None or process.returncode is not None:
            return
        _kill_group(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + KILL_GRACE_SECONDS
        while time.monotonic() < deadline and _pid_alive(process.pid):
            time.sleep(0.02)
        if _pid_alive(process.pid):
            _kill_group(process.pid, signal.SIGKILL)

    async def _read_ready_line(self) -> str:
        assert self._process is not None and self._process.stdout is not None
        stdout = self._process.stdout
        while True:
            raw = await stdout.readline()
            if not raw:
                code = await self._process.wait()
                raise LocalServerError(f"the local server exited with code {code} before it was ready")
            line = raw.decode("utf-8", "replace").rstrip()
            self._stdout_tail.append(line)
            match = READY_LINE.search(line)
            if match:
                return match.group(1).rstrip("/")

    async def _drain_stdout(self) -> None:
        # keep reading so the child never blocks on a full pipe; keep only the last lines
        assert self._process is not None and self._process.stdout is not None
        with contextlib.suppress(Exception):
            while raw := await self._process.stdout.readline():
                self._stdout_tail.append(raw.decode("utf-8", "replace").rstrip())

    # ---- stop ---------------------------------------------------------------------------------

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL (to its whole process group) after 5 s. Safe to call twice."""
        process = self._process
        if process is None:
            return
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), STOP_GRACE_SECONDS)
            except TimeoutError:
                _kill_group(process.pid, signal.SIGKILL)
                await process.wait()
        # tools the server started (and did not stop) share its group; Linux never reuses a pid
        # as a process-group id while that group has members, so this cannot hit a stranger
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGTERM)
        if self._drain_task is not None:
            self._drain_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._drain_task
            self._drain_task = None
        _live_children.discard(process.pid)
        self._close_log()

    def __del__(self) -> None:
        # last resort when stop() was never awaited: no waiting here, only a signal
        process = getattr(self, "_process", None)
        if process is not None and process.returncode is None:
            _kill_group(process.pid, signal.SIGTERM)

    # ---- the log ------------------------------------------------------------------------------

    def _open_log(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            if self.log_path.stat().st_size > LOG_ROTATE_BYTES:
                self.log_path.replace(self.log_path.with_suffix(".log.1"))
        # append: two apps sharing a data dir interleave lines instead of clobbering each other
        self._log_file = open(self.log_path, "ab")  # closed in stop()
        self._log_start = self._log_file.tell()

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def log_tail(self, lines: int = TAIL_LINES) -> str:
        """The last lines the child wrote to stderr in this run (plus stdout if stderr was silent)."""
        try:
            with open(self.log_path, "rb") as handle:
                handle.seek(self._log_start)
                text = handle.read().decode("utf-8", "replace")
        except OSError:
            text = ""
        tail = text.splitlines()[-lines:]
        if not tail:
            tail = list(self._stdout_tail)[-lines:]
        return "\n".join(tail)


def _token_pipe(token: str) -> int:
    """The read end of a pipe already holding `token` and closed for writing (the token is far
    smaller than a pipe buffer, so the write never blocks)."""
    read_fd, write_fd = os.pipe()
    try:
        os.write(write_fd, token.encode() + b"\n")
    finally:
        os.close(write_fd)
    return read_fd


# ---- the crash guard -----------------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1


def _parent_death_signal() -> Callable[[], None] | None:
    """Linux: the child gets SIGTERM when we die, even by a signal that skips atexit (SIGHUP when
    the terminal closes, SIGKILL). Elsewhere the atexit hook below is all there is."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def in_child() -> None:
        # runs between fork and exec: nothing that allocates locks, only two system calls
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # we died before prctl took effect
            os._exit(1)

    return in_child


_live_children: set[int] = set()


def _kill_group(pid: int, sig: signal.Signals) -> None:
    # the child leads its own process group (start_new_session), so this also reaches its tools
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def _pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            # a zombie has finished; only its exit status is left for its parent to read
            return handle.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


@atexit.register
def _stop_orphans() -> None:
    """Runs when the interpreter exits, also after an unhandled exception in the app."""
    pids = list(_live_children)
    if not pids:
        return
    for pid in pids:
        _kill_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    while time.monotonic() < deadline and any(_pid_alive(pid) for pid in pids):
        time.sleep(0.05)
    for pid in pids:
        if _pid_alive(pid):
            _kill_group(pid, signal.SIGKILL)
    _live_children.clear()
