"""The Bash tool: one shell command in the workdir, in its own process group, bounded in time and output."""

from __future__ import annotations

import time
from typing import Any

from .base import PermissionNeed, ToolContext, ToolOutcome
from .bash_policy import needs_permission
from .child_env import child_env
from .process import KILL_GRACE_S, ProcessResult, ProcessSpec, run_process, signal_name

DEFAULT_TIMEOUT_MS = 120_000
MAX_TIMEOUT_MS = 600_000
OUTPUT_LIMIT_CHARS = 30_000

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


def _timeout_ms(args: dict[str, Any]) -> int:
    raw = args.get("timeout")
    if not isinstance(raw, int) or isinstance(raw, bool) or raw <= 0:
        return DEFAULT_TIMEOUT_MS
    return min(raw, MAX_TIMEOUT_MS)


def bash_permission(command: str, ctx: ToolContext, timeout_ms: int, *, who: str = "") -> PermissionNeed | None:
    """Bash's rule, shared with bash_script callbacks: None for allowlisted read-only commands."""
    if not needs_permission(command, ctx.workdir):
        return None
    text = f"Execute command: {command}"
    # Go sends the description text as the action for Bash (contract §4.4)
    return PermissionNeed(
        description=f"{who}{text}",
        action=text,
        path=str(ctx.workdir),
        params={"command": command, "timeout": timeout_ms},
    )


class Bash:
    name = "Bash"
    description = _DESCRIPTION
    input_schema = _SCHEMA

    def __init__(self, *, output_limit: int = OUTPUT_LIMIT_CHARS, kill_grace_s: float = KILL_GRACE_S) -> None:
        self.output_limit = output_limit
        self.kill_grace_s = kill_grace_s

    def permission(self, args: dict[str, Any], ctx: ToolContext) -> PermissionNeed | None:
        return bash_permission(str(args.get("command", "")), ctx, _timeout_ms(args))

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        command = str(args.get("command", ""))
        timeout_s = _timeout_ms(args) / 1000
        if not command.strip():
            return ToolOutcome("Empty command.", is_error=True)
        if ctx.cancelled.is_set():
            return ToolOutcome("Command not run: the turn was cancelled.", is_error=True)
        started_ms = time.time_ns() // 1_000_000
        try:
            result = await run_command(
                command, ctx, timeout_s, output_limit=self.output_limit, kill_grace_s=self.kill_grace_s
            )
        except OSError as exc:
            return ToolOutcome(f"Could not start bash: {exc}", is_error=True)
        outcome = _outcome(result.stdout, result.returncode, result.reason, timeout_s)
        # the SDK's BashResponseMetadata: when the command started and ended, in Unix milliseconds
        outcome.metadata = {"start_time": started_ms, "end_time": time.time_ns() // 1_000_000}
        return outcome


async def run_command(
    command: str,
    ctx: ToolContext,
    timeout_s: float,
    *,
    extra_env: dict[str, str] | None = None,
    merge_stderr: bool = True,
    output_limit: int = OUTPUT_LIMIT_CHARS,
    kill_grace_s: float = KILL_GRACE_S,
) -> ProcessResult:
    """One `bash -c` in the workdir with the allowlisted environment (also used by callbacks)."""
    spec = ProcessSpec(
        cwd=ctx.workdir, env=child_env(extra_env), shell=command, merge_stderr=merge_stderr,
        output_limit=output_limit,
    )  # fmt: skip
    return await run_process(spec, timeout_s, ctx.cancelled, kill_grace_s=kill_grace_s)


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
        return ToolOutcome(f"{shown}\n\nCommand terminated by {signal_name(code)}", is_error=True)
    return ToolOutcome(f"{shown}\n\nexit code {code}", is_error=True)
