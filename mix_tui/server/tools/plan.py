"""ExitPlanMode: in plan mode, the model hands its finished plan to the user for approval.

It changes nothing and asks nothing: the plan is in the tool call itself (clients render it from
the input), and the result tells the model to stop and wait. The user approves by sending the next
prompt without plan mode (the client's "approve and go"), or asks for changes in plan mode.
"""

from __future__ import annotations

from typing import Any

from .base import PermissionNeed, ToolContext, ToolOutcome

PRESENTED = (
    "The plan was shown to the user. Stop here and wait: the user will either approve it, which ends "
    "plan mode so you can carry it out, or ask for changes to the plan."
)


class ExitPlanMode:
    name = "ExitPlanMode"
    description = (
        "Present your finished plan to the user and ask to leave plan mode. Use it in plan mode, once "
        "you have investigated enough to propose concrete steps; the plan is Markdown (a short numbered "
        "list of steps, with the files and commands involved). Then stop and wait for the user."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {"plan": {"type": "string", "minLength": 1, "description": "The plan, in Markdown."}},
        "required": ["plan"],
        "additionalProperties": False,
    }

    def permission(self, args: dict[str, Any], ctx: ToolContext) -> PermissionNeed | None:
        return None

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        plan = str(args["plan"])
        return ToolOutcome(PRESENTED, metadata={"plan": plan, "awaiting_approval": True})
