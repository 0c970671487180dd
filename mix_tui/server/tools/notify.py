"""notify_user: tell the user something, or ask them and wait for the answer (the spec's notifications).

The call raises a `notification` event the client shows as a dialog: `acknowledge` (an OK), `text`
(a free answer) or `choice` (one of `choices`), with a countdown of `timeout` seconds. The answer is
the tool's result; no answer in time, or a cancel, says so. It changes nothing, so it needs no
permission and is allowed in plan mode. Not a CoreToolName: the name has the spec's `server_tool` shape
(like python_execution), so spec clients read it.
"""

from __future__ import annotations

from typing import Any

from .base import PermissionNeed, Question, ToolContext, ToolOutcome

DEFAULT_TIMEOUT = 120
MAX_TIMEOUT = 600


class Notify:
    name = "notify_user"
    description = (
        "Show the user a notification and, if you need one, wait for their answer.\n"
        "- response_type acknowledge: a message they confirm; text: a question they answer freely; "
        "choice: they pick one of `choices`.\n"
        "- Use it for a decision only the user can make, or to flag something important mid-task; "
        "do not use it for ordinary answers.\n"
        f"- timeout: seconds to wait (default {DEFAULT_TIMEOUT}, at most {MAX_TIMEOUT})."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "title": {"type": "string", "minLength": 1, "maxLength": 200},
            "message": {"type": "string", "minLength": 1, "maxLength": 4000},
            "response_type": {"type": "string", "enum": ["acknowledge", "text", "choice"]},
            "notification_type": {"type": "string", "enum": ["info", "warning", "error", "question"]},
            "choices": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 2, "maxItems": 10},
            "timeout": {"type": "integer", "minimum": 5, "maximum": MAX_TIMEOUT},
        },
        "required": ["title", "message", "response_type"],
        "additionalProperties": False,
    }

    def permission(self, args: dict[str, Any], ctx: ToolContext) -> PermissionNeed | None:
        return None

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        if ctx.ask_user is None:
            return ToolOutcome("Notifications are not available here.", is_error=True)
        response_type = str(args["response_type"])
        choices = [str(c) for c in args.get("choices") or []]
        if response_type == "choice" and len(choices) < 2:
            return ToolOutcome("A choice needs at least two `choices`.", is_error=True)
        kind = str(args.get("notification_type") or ("question" if response_type != "acknowledge" else "info"))
        question = Question(
            title=str(args["title"]), message=str(args["message"]), response_type=response_type,
            notification_type=kind, timeout=int(args.get("timeout") or DEFAULT_TIMEOUT),
            choices=choices or None,
        )  # fmt: skip
        answer = await ctx.ask_user(question)
        if answer is None:
            if ctx.cancelled.is_set():
                return ToolOutcome("The turn was cancelled before the user answered.", is_error=True)
            return ToolOutcome(
                f"The user did not answer within {question.timeout} seconds.",
                metadata={"answered": False},
            )
        if answer.type == "acknowledge":
            text = "The user acknowledged the notification."
        elif answer.type == "choice":
            text = f"The user chose: {answer.value}"
        else:
            text = f"The user answered: {answer.value or ''}"
        return ToolOutcome(text, metadata={"answered": True, "type": answer.type, "value": answer.value})
