"""The registry: tool specs providers can send, input validation the model can read, TodoWrite."""

from __future__ import annotations

import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from mix_tui.server.tools import PLAN_MODE_TOOLS, ToolContext, all_tools, tool_specs, validate_input
from mix_tui.server.tools.todo import TodoWrite

CORE_TOOL_NAMES = {
    "Bash",
    "ReadText",
    "Glob",
    "ReadMedia",
    "Grep",
    "Write",
    "Edit",
    "Search",
    "TodoWrite",
    "ExitPlanMode",
    "Show",
    "Task",
}
EXTRA_TOOL_NAMES = {"python_execution", "notify_user"}
EXPECTED_TOOL_NAMES = {"Bash", "ReadText", "Write", "Edit", "Glob", "Grep", "TodoWrite", "Search", "Show", "ReadMedia", "Task", "ExitPlanMode", *EXTRA_TOOL_NAMES}


def test_registry_names_are_core_tool_names() -> None:
    tools = all_tools()
    assert set(tools) == EXPECTED_TOOL_NAMES
    # the spec's CoreToolName, plus older Mix names that fit its ToolName pattern (server_tool)
    assert set(tools) - EXTRA_TOOL_NAMES <= CORE_TOOL_NAMES
    assert all(re.fullmatch(r"[a-zA-Z0-9_]+_[a-zA-Z0-9_]+", name) for name in EXTRA_TOOL_NAMES)
    assert all(name == tool.name for name, tool in tools.items())
    assert PLAN_MODE_TOOLS - EXTRA_TOOL_NAMES <= CORE_TOOL_NAMES
    assert not PLAN_MODE_TOOLS & {"Bash", "Write", "Edit"}


def _walk_objects(schema: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            found.append(schema)
        for value in schema.values():
            found.extend(_walk_objects(value))
    elif isinstance(schema, list):
        for value in schema:
            found.extend(_walk_objects(value))
    return found


def test_specs_are_valid_strict_object_schemas() -> None:
    specs = tool_specs()
    assert [s.name for s in specs] == list(all_tools())
    for spec in specs:
        Draft202012Validator.check_schema(spec.input_schema)
        assert spec.input_schema["type"] == "object"
        assert len(spec.description) > 40
        # OpenAI rejects top-level combinators; both providers want closed objects with known required keys
        assert not {"anyOf", "oneOf", "allOf", "not"} & set(spec.input_schema)
        for obj in _walk_objects(spec.input_schema):
            if obj.get("additionalProperties") is True and "properties" not in obj:
                continue  # a documented free-form object (Show's animation `config`)
            assert obj["additionalProperties"] is False
            assert set(obj.get("required", [])) <= set(obj["properties"])


def test_specs_subset_skips_unknown_names() -> None:
    assert [s.name for s in tool_specs(["Grep", "NoSuchTool", "ReadText"])] == ["Grep", "ReadText"]


@pytest.mark.parametrize(
    ("tool", "raw", "expected"),
    [
        ("Bash", '{"command": 3}', "command: 3 is not of type 'string'"),
        ("Bash", "{}", "'command' is a required property"),
        ("Bash", '{"command": "ls", "cwd": "/"}', "'cwd' was unexpected"),
        ("Bash", '{"command": "ls", "timeout": 9999999}', "timeout: 9999999 is greater than the maximum"),
        ("Bash", '{"command": "ls"', "not valid JSON"),
        ("Bash", "[1, 2]", "expected a JSON object"),
        ("Edit", '{"file_path": "a", "old_string": "x"}', "'new_string' is a required property"),
        (
            "TodoWrite",
            '{"todos": [{"content": "a", "status": "done"}]}',
            "todos[0].status: 'done' is not one of",
        ),
        (
            "Grep",
            '{"pattern": "x", "case_insensitive": "yes"}',
            "case_insensitive: 'yes' is not of type 'boolean'",
        ),
    ],
)
def test_validation_errors_are_readable_strings(tool: str, raw: str, expected: str) -> None:
    result = validate_input(all_tools()[tool], raw)
    assert isinstance(result, str)
    assert result.startswith(f"Invalid input for {tool}")
    assert expected in result


def test_validation_passes_good_input_and_empty_text() -> None:
    tools = all_tools()
    assert validate_input(tools["Bash"], '{"command": "ls", "timeout": 1000}') == {
        "command": "ls",
        "timeout": 1000,
    }
    assert validate_input(tools["Glob"], {"pattern": "*.py"}) == {"pattern": "*.py"}
    assert isinstance(validate_input(tools["Glob"], ""), str)  # empty text means {}, which lacks `pattern`
    bad_items = [{"content": "x", "status": "done"}] * 7
    many = validate_input(tools["TodoWrite"], {"todos": bad_items})
    assert isinstance(many, str)
    assert many.count("\n- todos[") == 5 and many.endswith("- … and 2 more")


async def test_todo_write_keeps_state_and_renders_a_checklist(ctx: ToolContext) -> None:
    todos = [
        {"content": "Write tests", "status": "completed"},
        {"content": "Fix the bug", "status": "in_progress", "activeForm": "Fixing the bug"},
        {"content": "Commit", "status": "pending"},
    ]
    out = await TodoWrite().run({"todos": todos}, ctx)
    assert not out.is_error
    assert out.output == (
        "Todo list updated (1/3 completed):\n[x] Write tests\n[~] Fix the bug (Fixing the bug)\n[ ] Commit"
    )
    assert ctx.state["todos"] == todos
    assert TodoWrite().permission({"todos": todos}, ctx) is None
    cleared = await TodoWrite().run({"todos": []}, ctx)
    assert cleared.output == "Todo list cleared." and ctx.state["todos"] == []
