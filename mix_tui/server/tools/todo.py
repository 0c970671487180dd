"""TodoWrite: the model's own task checklist for the session, kept in ToolContext.state."""

from __future__ import annotations

from typing import Any

from .base import PermissionNeed, ToolContext, ToolOutcome

STATE_KEY = "todos"
_MARKS = {"pending": "[ ]", "in_progress": "[~]", "completed": "[x]"}


class TodoWrite:
    name = "TodoWrite"
    description = (
        "Replace the session's task list with `todos` (send the whole list every time).\n"
        "- Use it for work with several steps; skip it for one-step requests.\n"
        '- Each item has `content` (imperative, e.g. "Run the tests"), `status` '
        '(pending, in_progress or completed) and optionally `activeForm` (e.g. "Running the tests").\n'
        "- Keep exactly one item in_progress while working; mark items completed as soon as they are done."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "todos": {
                "type": "array",
                "description": "The complete, updated task list.",
                "items": {
                    "type": "object",
                    "properties": {
                        "content": {"type": "string", "minLength": 1, "description": "The task, imperative."},
                        "status": {"type": "string", "enum": ["pending", "in_progress", "completed"]},
                        "activeForm": {
                            "type": "string",
                            "description": "The task in present continuous form.",
                        },
                    },
                    "required": ["content", "status"],
                    "additionalProperties": False,
                },
            }
        },
        "required": ["todos"],
        "additionalProperties": False,
    }

    def permission(self, args: dict[str, Any], ctx: ToolContext) -> PermissionNeed | None:
        return None  # touches nothing outside the session

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        todos = [
            {k: str(item[k]) for k in ("content", "status", "activeForm") if k in item}
            for item in args.get("todos", [])
        ]
        ctx.state[STATE_KEY] = todos
        return ToolOutcome(render_todos(todos))


def render_todos(todos: list[dict[str, str]]) -> str:
    """A readable checklist, e.g. `[x] Write tests`; the in-progress item shows its activeForm."""
    if not todos:
        return "Todo list cleared."
    done = sum(1 for t in todos if t.get("status") == "completed")
    lines = [f"Todo list updated ({done}/{len(todos)} completed):"]
    for item in todos:
        status = item.get("status", "pending")
        text = item.get("content", "")
        if status == "in_progress" and item.get("activeForm"):
            text = f"{text} ({item['activeForm']})"
        lines.append(f"{_MARKS.get(status, '[ ]')} {text}")
    return "\n".join(lines)
