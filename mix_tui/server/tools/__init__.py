"""The local server's tools: registry, provider specs and input validation.

Usage by the agent: look the tool up in `all_tools()`, turn the model's JSON text into arguments
with `validate_input` (a `str` result is an error to hand back to the model as the tool result),
ask `tool.permission(args, ctx)`, then `await tool.run(args, ctx)`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from ..providers.base import ToolSpec
from .base import PermissionNeed, Tool, ToolContext, ToolOutcome
from .bash import Bash
from .diffing import unified_diff
from .files import Edit, Write
from .notify import Notify
from .plan import ExitPlanMode
from .python_exec import PythonExecution
from .read_media import ReadMedia
from .read_text import ReadText
from .search import Glob, Grep
from .show import Show
from .task import Task
from .todo import TodoWrite
from .web_search import Search

__all__ = [
    "PLAN_MODE_TOOLS",
    "PermissionNeed",
    "Tool",
    "ToolContext",
    "ToolOutcome",
    "all_tools",
    "tool_specs",
    "unified_diff",
    "validate_input",
]

# Read-only and planning tools allowed in plan mode (contract §5.7), by CoreToolName. A Task started
# in plan mode runs its sub-agent in plan mode too.
PLAN_MODE_TOOLS: frozenset[str] = frozenset(
    {"ReadText", "Glob", "Grep", "TodoWrite", "ExitPlanMode", "ReadMedia", "Search", "Task", "notify_user"}
)

_MAX_REPORTED_ERRORS = 5


def all_tools() -> dict[str, Tool]:
    """Fresh instances of every built-in tool, keyed by wire name (CoreToolName)."""
    tools: list[Tool] = [
        Bash(), ReadText(), Write(), Edit(), Glob(), Grep(), TodoWrite(),
        PythonExecution(), ReadMedia(), Search(), Show(), Task(), ExitPlanMode(), Notify(),
    ]  # fmt: skip
    return {tool.name: tool for tool in tools}


def tool_specs(names: Iterable[str] | None = None) -> list[ToolSpec]:
    """What providers advertise to the model: every tool, or those in `names` (unknown names skipped)."""
    tools = all_tools()
    chosen = tools.keys() if names is None else [n for n in names if n in tools]
    return [ToolSpec(tools[n].name, tools[n].description, tools[n].input_schema) for n in chosen]


def validate_input(tool: Tool, raw: str | Mapping[str, Any]) -> dict[str, Any] | str:
    """The model's arguments as a dict, or a readable error for the model. Never raises.

    `raw` is the JSON text from the provider (an empty string means `{}`: some providers send that
    for tools called without arguments), or an already-parsed mapping.
    """
    if isinstance(raw, str):
        if not raw.strip():
            args: Any = {}
        else:
            try:
                args = json.loads(raw)
            except ValueError as exc:
                return f"Invalid input for {tool.name}: the arguments are not valid JSON ({exc}). Send one JSON object."
    else:
        args = dict(raw)
    if not isinstance(args, dict):
        return f"Invalid input for {tool.name}: expected a JSON object, got {type(args).__name__}."
    try:
        errors = sorted(Draft202012Validator(tool.input_schema).iter_errors(args), key=_error_order)
    except Exception as exc:  # a broken schema is our bug, but the model must still get an answer
        return f"Invalid input for {tool.name}: could not validate ({exc})."
    if not errors:
        return args
    lines = [f"- {_describe(e)}" for e in errors[:_MAX_REPORTED_ERRORS]]
    if len(errors) > _MAX_REPORTED_ERRORS:
        lines.append(f"- … and {len(errors) - _MAX_REPORTED_ERRORS} more")
    return f"Invalid input for {tool.name}:\n" + "\n".join(lines)


def _error_order(error: ValidationError) -> tuple[str, str]:
    return (_location(error), error.message)


def _location(error: ValidationError) -> str:
    out = ""
    for part in error.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(error: ValidationError) -> str:
    where = _location(error)
    if error.validator == "additionalProperties":
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        message = f"{error.message} (allowed: {allowed})"
    else:
        message = error.message
    return f"{where}: {message}" if where else message
