"""Task: hand a self-contained piece of work to a sub-agent, a session of its own.

The sub-agent (sessionType "subagent", the sub-agent model from the preferences) has the same tools,
asks for permissions through the parent's stream, and its answer is this tool's result. Its events
reach the parent's stream with parentToolCallId set to this call, so clients nest them here.
"""

from __future__ import annotations

from typing import Any

from .base import PermissionNeed, SubagentRequest, ToolContext, ToolOutcome


class Task:
    name = "Task"
    description = (
        "Launch a sub-agent to carry out a task on its own and report back: for searches across many "
        "files, research, or any self-contained job that would fill your context.\n"
        "- The sub-agent starts fresh: put everything it needs in `prompt`, and say what to report.\n"
        "- It has the same tools (its commands ask the user like yours); its final answer is returned.\n"
        "- description: 3-5 words shown to the user. subagent_type: general-purpose."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "description": {"type": "string", "minLength": 1, "description": "A short (3-5 word) task description."},
            "prompt": {"type": "string", "minLength": 1, "description": "The task for the sub-agent to perform."},
            "subagent_type": {"type": "string", "enum": ["general-purpose"], "description": "The kind of agent."},
        },
        "required": ["description", "prompt", "subagent_type"],
        "additionalProperties": False,
    }

    def permission(self, args: dict[str, Any], ctx: ToolContext) -> PermissionNeed | None:
        return None  # the sub-agent's own tools ask for themselves

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        if ctx.run_subagent is None:
            return ToolOutcome("Sub-agents are not available here.", is_error=True)
        result = await ctx.run_subagent(
            SubagentRequest(
                prompt=str(args["prompt"]),
                tool_call_id=ctx.tool_call_id,
                description=str(args.get("description", "")),
                subagent_type=str(args.get("subagent_type") or "general-purpose"),
            )
        )
        return ToolOutcome(result.text, is_error=not result.ok, metadata={"subagent_session_id": result.session_id})
