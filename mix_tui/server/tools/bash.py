"""The Bash tool: one shell command in the workdir, in its own process group, bounded in time and output."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from typing import Any

from .base import PermissionNeed, ToolContext, ToolOutcome
from .bash_policy import needs_permission
from .child_env import child_env
from .text import cap_text, clean_output, omitted_note

DEFAULT_TIMEOUT_MS = 120_000
MAX_TIMEOUT_MS = 600_000
OUTPUT_LIMIT_CHARS = 30_000
# after SIGTERM, how long the group gets to exit before SIGKILL
KILL_GRACE_S = 2.0
# after the shell exits, how long background children may keep our pipe open before they are stopped
DRAIN_GRACE_S = 1.0

_DESCRIPTION = """\
Run a bash command in the working directory and return its combined stdout and stderr.

- Each call starts a fresh `bash -c`: `cd` and variables do not carry over to the next call.
- stdin is empty; interactive programs (editors, pagers, prompts) will not work, so pass flags like `-y`.
- Timeout defaults to 120000 ms (max 600000 ms). On timeout or cancel the whole process group is killed.
- Output over 30000 characters keeps its beginning and end with a note of what was cut.
- A non-zero exit code is reported as an error, with the output.
- Background jobs that keep the output open are stopped when the command finishes.
- Prefer the ReadText, Glob, Grep, Edit and Write tools to cat/find/grep/sed/echo-redirects.
- Most commands ask the user for permission; simple read-only ones (ls, pwd, git status/log/diff…) do not.
"""

_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "command": {"type": "string", "minLength": 1, "description": "The command to run."},
        "timeout": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_TIMEOUT_MS,
            "description": "Timeout in milliseconds (default 120000, max 600000).",
        },
        "description": {
            "type": "string",
            "description": "What the command does, in 5-10 words, shown to the user.",
        },
    },
    "required": ["command"],
    "additionalProperties": False,
}


@dataclass(slots=True)
class _HeadTail:
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


def _timeout_ms(args: dict[str, Any]) -> int:
    raw = args.get("timeout")
    if not isinstance(raw, int) or isinstance(raw, bool) or raw <= 0:
        return DEFAULT_TIMEOUT_MS
    return min(raw, MAX_TIMEOUT_MS)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    # the group may already be gone; that is the outcome we want anyway
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


class Bash:
    name = "Bash"
    description = _DESCRIPTION
    input_schema = _SCHEMA

    def __init__(self, *, output_limit: int = OUTPUT_LIMIT_CHARS, kill_grace_s: float = KILL_GRACE_S) -> None:
        self.output_limit = output_limit
        self.kill_grace_s = kill_grace_s

    def permission(self, args: dict[str, Any], ctx: ToolContext) -> PermissionNeed | None:
        command = str(args.get("command", ""))
        if not needs_permission(command, ctx.workdir):
            return None
        text = f"Execute command: {command}"
        # Go sends the description text as the action for Bash (contract §4.4)
        return PermissionNeed(
            description=text,
            action=text,
            path=str(ctx.workdir),
            params={"command": command, "timeout": _timeout_ms(args)},
        )

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        command = str(args.get("command", ""))
        timeout_s = _timeout_ms(args) / 1000
        if not command.strip():
            return ToolOutcome("Empty command.", is_error=True)
        if ctx.cancelled.is_set():
            return ToolOutcome("Command not run: the turn was cancelled.", is_error=True)
        loop = asyncio.get_running_loop()
        watcher = _Watcher(loop, _HeadTail(side_bytes=2 * self.output_limit))
        try:
            # The protocol-level twin of create_subprocess_shell: in Python 3.11 Process.wait() only
            # returns once every pipe is closed, so a background child holding stdout would hide the
            # shell's exit. process_exited() fires at the exit itself.
            transport, _ = await loop.subprocess_shell(
                lambda: watcher,
                command,
                executable=shutil.which("bash") or "/bin/bash",
                cwd=ctx.workdir,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                # own session = own process group, so one killpg reaches every child it spawned
                start_new_session=True,
                env=child_env(),
            )
        except OSError as exc:
            return ToolOutcome(f"Could not start bash: {exc}", is_error=True)

        pgid = transport.get_pid()
        cancel: asyncio.Future[Any] = asyncio.ensure_future(ctx.cancelled.wait())
        waiters: set[asyncio.Future[Any]] = {watcher.exited, cancel}
        reason = ""
        try:
            done, _ = await asyncio.wait(waiters, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
            if watcher.exited not in done:
                reason = "cancelled" if cancel in done else "timeout"
                await self._kill_group(pgid, watcher)
            elif not await _wait(watcher.output_closed, DRAIN_GRACE_S):
                # children that outlived the shell still hold the pipe: without this we would wait for them
                _signal_group(pgid, signal.SIGKILL)
            await _wait(watcher.output_closed, self.kill_grace_s)
        finally:
            cancel.cancel()
            if transport.get_returncode() is None:  # our own task was cancelled mid-run
                _signal_group(pgid, signal.SIGKILL)
            transport.close()

        output = watcher.buffer.text(self.output_limit).rstrip("\n")
        return _outcome(output, transport.get_returncode(), reason, timeout_s)

    async def _kill_group(self, pgid: int, watcher: _Watcher) -> None:
        """SIGTERM the whole group, then SIGKILL whatever is still there after a grace period."""
        _signal_group(pgid, signal.SIGTERM)
        await _wait(watcher.exited, self.kill_grace_s)
        # children may trap SIGTERM even when the shell has gone: always finish with SIGKILL
        _signal_group(pgid, signal.SIGKILL)
        await _wait(watcher.exited, self.kill_grace_s)


class _Watcher(asyncio.SubprocessProtocol):
    """Collects output and reports the shell's exit and the pipe's end as two separate futures."""

    def __init__(self, loop: asyncio.AbstractEventLoop, buffer: _HeadTail) -> None:
        self.buffer = buffer
        self.exited: asyncio.Future[None] = loop.create_future()
        self.output_closed: asyncio.Future[None] = loop.create_future()

    def pipe_data_received(self, fd: int, data: bytes | str) -> None:
        self.buffer.feed(data if isinstance(data, bytes) else data.encode())

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        if fd == 1 and not self.output_closed.done():
            self.output_closed.set_result(None)

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)


async def _wait(future: asyncio.Future[None], seconds: float) -> bool:
    """True when `future` finished within `seconds` (the future itself is never cancelled)."""
    try:
        await asyncio.wait_for(asyncio.shield(future), seconds)
    except TimeoutError:
        return False
    return True


def _outcome(output: str, code: int | None, reason: str, timeout_s: float) -> ToolOutcome:
    shown = output if output else "(no output)"
    if reason == "timeout":
        return ToolOutcome(
            f"{shown}\n\nCommand timed out after {timeout_s:g} s; its process group was killed.",
            is_error=True,
        )
    if reason == "cancelled":
        return ToolOutcome(
            f"{shown}\n\nCommand cancelled by the user; its process group was killed.", is_error=True
        )
    if code is None or code == 0:
        return ToolOutcome(shown)
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return ToolOutcome(f"{shown}\n\nCommand terminated by {name}", is_error=True)
    return ToolOutcome(f"{shown}\n\nexit code {code}", is_error=True)
