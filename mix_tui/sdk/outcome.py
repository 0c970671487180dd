"""How a tool call ended, read from what servers say: the one place where text is interpreted.

Servers differ in how they report a refused or expired permission prompt and a cancelled tool (Go puts
"permission denied" at the end of the progress line; ours adds "(no answer in time)"; results carry
"user rejected", "did not answer", "cancelled"). Everything that has to guess from such text calls
these functions; where a server stores the outcome itself (our server's `ToolCallData.status`), the
stored value wins and nothing is guessed.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

ToolStatus: TypeAlias = Literal[
    "streaming",  # the model is still writing the call's arguments
    "ready",  # the arguments are complete; not started yet
    "running",
    "awaiting_permission",
    "ok",
    "failed",
    "denied",  # the user said no
    "timed_out",  # nobody answered the permission prompt in time
    "cancelled",
]
FINISHED_STATUSES: frozenset[str] = frozenset({"ok", "failed", "denied", "timed_out", "cancelled"})
KNOWN_STATUSES: frozenset[str] = FINISHED_STATUSES | {"streaming", "ready", "running", "awaiting_permission"}

_TIMEOUT_MARKS = ("timed out", "time out", "timeout", "no answer in time", "did not answer")


def _says(text: str | None, marks: tuple[str, ...]) -> bool:
    lowered = (text or "").lower()
    return any(mark in lowered for mark in marks)


def refused_status(*texts: str | None) -> ToolStatus:
    """A call that did not run because of its permission prompt: expired, or denied by the user."""
    return "timed_out" if any(_says(t, _TIMEOUT_MARKS) for t in texts) else "denied"


def live_outcome(*, success: bool, is_error: bool, progress: str) -> ToolStatus:
    """From `tool_execution_complete`: `success`, the `isError` extension and the progress line."""
    if success:
        return "failed" if is_error else "ok"
    if _says(progress, ("denied",)):
        return refused_status(progress)
    if _says(progress, ("cancel",)):
        return "cancelled"
    return "failed"


def stored_outcome(result: str | None, is_error: bool) -> ToolStatus:
    """From a stored result alone (servers that keep no status)."""
    if result is None:
        return "ok"
    if _says(result, ("permission denied", "user rejected", "user declined", "did not answer")):
        return refused_status(result)
    if is_error and _says(result, ("cancelled",)):
        return "cancelled"
    return "failed" if is_error else "ok"


def known_status(value: str | None) -> ToolStatus | None:
    """A stored `status` this client understands (newer servers may send values it does not)."""
    return value if value in FINISHED_STATUSES else None  # type: ignore[return-value]


__all__ = [
    "FINISHED_STATUSES",
    "KNOWN_STATUSES",
    "ToolStatus",
    "known_status",
    "live_outcome",
    "refused_status",
    "stored_outcome",
]
