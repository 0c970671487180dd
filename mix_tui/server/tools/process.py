"""Running one child process for a tool: its own process group, bounded in time and output, killable.

Shared by Bash, python_execution and bash_script callbacks. The child gets an allowlisted
environment (child_env.py), no stdin, and a new session, so one killpg reaches everything it
spawned; on timeout or cancel the group gets SIGTERM, then SIGKILL after a grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .text import cap_text, clean_output, omitted_note

# after SIGTERM, how long the group gets to exit before SIGKILL
KILL_GRACE_S = 2.0
# after the process exits, how long background children may keep our pipes open before they are stopped
DRAIN_GRACE_S = 1.0

StopReason = Literal["", "timeout", "cancelled"]


@dataclass(slots=True)
class HeadTail:
    """Keeps the first and last bytes of a stream of unbounded size, and counts what it drops.

    Each side holds 2 * limit bytes, enough for limit/2 characters of any UTF-8 text, so a command
    printing gigabytes costs bounded memory.
    """

    side_bytes: int
    head: bytearray = field(default_factory=bytearray)
    tail: bytearray = field(default_factory=bytearray)
    dropped: int = 0

    def feed(self, chunk: bytes) -> None:
        room = self.side_bytes - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        self.tail += chunk
        excess = len(self.tail) - self.side_bytes
        if excess > 0:
            del self.tail[:excess]
            self.dropped += excess

    def text(self, limit: int) -> str:
        if self.dropped == 0:
            return cap_text(clean_output((self.head + self.tail).decode("utf-8", "replace")), limit)
        half = limit // 2
        head = clean_output(self.head.decode("utf-8", "replace"))
        tail = clean_output(self.tail.decode("utf-8", "replace"))
        # bytes dropped in the middle are counted as characters: exact for ASCII, close enough otherwise
        omitted = max(0, len(head) - half) + max(0, len(tail) - half) + self.dropped
        return head[:half] + omitted_note(omitted) + tail[max(0, len(tail) - half) :]


@dataclass(slots=True)
class ProcessResult:
    stdout: str  # with merge_stderr, the combined output
    stderr: str
    returncode: int | None  # negative: killed by that signal; None: could not be reaped
    reason: StopReason  # why we stopped it, "" when it ended on its own


@dataclass(slots=True)
class ProcessSpec:
    """What to run: `argv` is exec'd directly, or `shell` runs through bash -c."""

    cwd: Path
    env: Mapping[str, str]
    argv: Sequence[str] = ()
    shell: str = ""
    stdin: bytes | None = None
    merge_stderr: bool = True
    output_limit: int = 30_000
    # runs in the child between fork and exec (resource limits); must not take locks or allocate much
    preexec: Callable[[], None] | None = None


class _Watcher(asyncio.SubprocessProtocol):
    """Collects output per pipe and reports the exit and the pipes' end as separate futures."""

    def __init__(self, loop: asyncio.AbstractEventLoop, side_bytes: int) -> None:
        self.out = HeadTail(side_bytes)
        self.err = HeadTail(side_bytes)
        self.exited: asyncio.Future[None] = loop.create_future()
        self.output_closed: asyncio.Future[None] = loop.create_future()
        self._open = {1, 2}

    def pipe_data_received(self, fd: int, data: bytes | str) -> None:
        (self.out if fd == 1 else self.err).feed(data if isinstance(data, bytes) else data.encode())

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        self._open.discard(fd)
        if not self._open and not self.output_closed.done():
            self.output_closed.set_result(None)

    def expect_only_stdout(self) -> None:
        self._open.discard(2)

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)


def signal_group(pgid: int, sig: signal.Signals) -> None:
    # the group may already be gone; that is the outcome we want anyway
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


async def _wait(future: asyncio.Future[None], seconds: float) -> bool:
    """True when `future` finished within `seconds` (the future itself is never cancelled)."""
    try:
        await asyncio.wait_for(asyncio.shield(future), seconds)
    except TimeoutError:
        return False
    return True


async def run_process(
    spec: ProcessSpec, timeout_s: float, cancelled: asyncio.Event, *, kill_grace_s: float = KILL_GRACE_S
) -> ProcessResult:
    """Run `spec` to its end, its timeout or the cancel. Raises OSError when it cannot start."""
    loop = asyncio.get_running_loop()
    watcher = _Watcher(loop, 2 * spec.output_limit)
    options: dict[str, Any] = {
        "cwd": spec.cwd,
        "env": dict(spec.env),
        "stdin": subprocess.PIPE if spec.stdin is not None else subprocess.DEVNULL,
        "stdout": subprocess.PIPE,
        "stderr": subprocess.STDOUT if spec.merge_stderr else subprocess.PIPE,
        # own session = own process group, so one killpg reaches every child it spawned
        "start_new_session": True,
        "preexec_fn": spec.preexec,
    }
    if spec.merge_stderr:
        watcher.expect_only_stdout()
    # The protocol-level twin of create_subprocess_*: in Python 3.11 Process.wait() only returns
    # once every pipe is closed, so a background child holding stdout would hide the exit.
    # process_exited() fires at the exit itself.
    if spec.shell:
        starting = loop.subprocess_shell(lambda: watcher, spec.shell, executable=_bash(), **options)
    else:
        starting = loop.subprocess_exec(lambda: watcher, *spec.argv, **options)
    start = asyncio.ensure_future(starting)
    try:
        transport, _ = await asyncio.shield(start)
    except asyncio.CancelledError:
        # the process runs (and may have started children) before the transport is handed over; a
        # cancel then would let asyncio kill the leader only: end the whole group once it is known
        start.add_done_callback(_end_group_of_started)
        raise
    if spec.stdin is not None:
        pipe = transport.get_pipe_transport(0)
        if pipe is not None:
            pipe.write(spec.stdin)  # type: ignore[attr-defined]
            pipe.close()
    pgid = transport.get_pid()
    cancel: asyncio.Future[Any] = asyncio.ensure_future(cancelled.wait())
    reason: StopReason = ""
    try:
        done, _ = await asyncio.wait({watcher.exited, cancel}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        if watcher.exited not in done:
            reason = "cancelled" if cancel in done else "timeout"
            await _kill_group(pgid, watcher, kill_grace_s)
        elif not await _wait(watcher.output_closed, DRAIN_GRACE_S):
            # children that outlived the process still hold the pipes: without this we would wait for them
            signal_group(pgid, signal.SIGKILL)
        await _wait(watcher.output_closed, kill_grace_s)
    finally:
        cancel.cancel()
        if transport.get_returncode() is None:  # our own task was cancelled mid-run
            signal_group(pgid, signal.SIGKILL)
        transport.close()
    return ProcessResult(
        stdout=watcher.out.text(spec.output_limit).rstrip("\n"),
        stderr=watcher.err.text(spec.output_limit).rstrip("\n"),
        returncode=transport.get_returncode(),
        reason=reason,
    )


def _end_group_of_started(start: asyncio.Future[tuple[asyncio.SubprocessTransport, Any]]) -> None:
    if start.cancelled() or start.exception() is not None:
        return
    transport, _ = start.result()
    signal_group(transport.get_pid(), signal.SIGKILL)
    transport.close()


async def _kill_group(pgid: int, watcher: _Watcher, grace_s: float) -> None:
    """SIGTERM the whole group, then SIGKILL whatever is still there after a grace period."""
    signal_group(pgid, signal.SIGTERM)
    await _wait(watcher.exited, grace_s)
    # children may trap SIGTERM even when the leader has gone: always finish with SIGKILL
    signal_group(pgid, signal.SIGKILL)
    await _wait(watcher.exited, grace_s)


def _bash() -> str:
    return shutil.which("bash") or "/bin/bash"


def signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"
