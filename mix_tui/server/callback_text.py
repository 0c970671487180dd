"""How callback results read to the model: one user-role note per tool-role callback message.

Results with `exclude_from_context` are left out (the spec: hidden from the agent). Callback output
is tool output, so it is shown as data, bounded, in the same words every time.
"""

from __future__ import annotations

from typing import Any

MAX_CALLBACK_CONTEXT = 20_000
NOTE_PREFIX = "[callback "


def callback_context(results: list[dict[str, Any]]) -> str:
    """The note for the model about these callback results ("" when all are excluded)."""
    parts: list[str] = []
    for r in results:
        if r.get("exclude_from_context") or r.get("callback_type") == "send_message":
            continue  # a send_message callback speaks for itself as a user message
        name = r.get("callback_name") or r.get("callback_type", "callback")
        head = f"{NOTE_PREFIX}{name!r} ({r.get('callback_type')}) after {r.get('tool_name')} call {r.get('tool_call_id')}:"
        status = "succeeded" if r.get("success") else "failed"
        lines = [f"{head} {status}]"]
        if r.get("exit_code") is not None:
            lines.append(f"exit code: {r['exit_code']}")
        for key in ("stdout", "stderr", "subagent_result", "error"):
            if r.get(key):
                lines.append(f"{key}:\n{r[key]}")
        parts.append("\n".join(lines))
    text = "\n\n".join(parts)
    return text if len(text) <= MAX_CALLBACK_CONTEXT else text[:MAX_CALLBACK_CONTEXT] + "\n… (cut)"
