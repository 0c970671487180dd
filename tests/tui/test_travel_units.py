"""The pure parts behind issue 9's actions: where a fork and a rewind cut the history, the Markdown
export, code blocks, find, the scan's snippets, usage lines, context windows, forks in the session
list and the slash commands that take a second word."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mix_tui.protocol.context_windows import context_window
from mix_tui.protocol.models import BackendMessage, SessionData, ToolCallData
from mix_tui.tui.screens import commands
from mix_tui.tui.screens.search import readable_snippet
from mix_tui.tui.session.code_blocks import code_blocks
from mix_tui.tui.session.export_md import file_stem, session_markdown
from mix_tui.tui.session.find import FindState, find_all
from mix_tui.tui.session.items import NoteItem, UserItem
from mix_tui.tui.session.search import snippet_around
from mix_tui.tui.session.timeline import Timeline
from mix_tui.tui.session.travel import (
    TravelError,
    describe_rewind,
    fork_count,
    fork_count_for_prompt,
    prompt_number,
    rewind_plan,
)
from mix_tui.tui.session.usage import summary, turn_usage
from mix_tui.tui.widgets.session_tree import tree_order

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def message(mid: str, role: str, text: str = "", **fields: object) -> BackendMessage:
    key = "user_input" if role == "user" else "assistant_response"
    return BackendMessage(id=mid, role=role, **{key: text}, **fields)  # type: ignore[arg-type]


HISTORY = [
    message("u1", "user", "one"),
    message("a1", "assistant", "calling", tool_calls=[ToolCallData(id="c1", name="Bash", input='{"command": "ls"}',
                                                                   result="a.py", status="ok")]),
    message("t1", "tool"),
    message("a2", "assistant", "done"),
    message("u2", "user", "two"),
    message("a3", "assistant", "answer two"),
    message("u3", "user", "three"),
    message("a4", "assistant", "answer three"),
]


def timeline() -> Timeline:
    line = Timeline()
    line.set_history(HISTORY, keep_live=False)
    return line


def test_a_fork_holds_whole_turns_and_a_rewind_keeps_the_message_before_the_prompt() -> None:
    line = timeline()
    assert fork_count(line, "u1") == fork_count(line, "a:u1") == 4  # the tool result stays with its call
    assert fork_count(line, "a:u2") == 6 and fork_count(line, None) == 8
    assert fork_count_for_prompt(line, prompt_number(line, 3)) == 8
    plan = rewind_plan(line, prompt_number(line, 2))
    assert (plan.keep_message_id, plan.removed_messages, plan.removed_prompts) == ("a2", 4, 2)
    assert "removes prompt 2 and the 1 prompt after it, with their answers: 4 stored messages" in describe_rewind(plan)
    last = describe_rewind(rewind_plan(line, prompt_number(line, 3)))
    assert "removes prompt 3 and its answer: 2 stored messages in all" in last
    assert rewind_plan(line, prompt_number(line, 1)).keep_message_id is None
    for wrong in (0, 4):
        try:
            prompt_number(line, wrong)
        except TravelError as exc:
            assert "1-3" in str(exc)
        else:
            raise AssertionError("no error")


def test_the_markdown_export_is_safe_from_the_text_it_holds() -> None:
    history = [
        message("u1", "user", "Paste:\n```\nleft open"),  # a fence left open by the user
        message("a1", "assistant", "Code:\n\n```py\nx = 1", reasoning="think <b>", model="m", input_tokens=10,
                output_tokens=2, cost=0.5,
                tool_calls=[ToolCallData(id="c1", name="Bash", input='{"command": "cat f"}', result="````\nx",
                                         status="ok", duration_ms=40)]),
    ]  # fmt: skip
    text = session_markdown(SessionData(id="s", title="T <1>"), history, T0)
    assert text.startswith("# T <1>\n")
    assert "Paste:\n```\nleft open\n```" in text  # closed, so the rest is not read as code
    assert "```py\nx = 1\n```" in text
    assert "<summary>Thinking</summary>" in text and "<summary>Bash · cat f · ok · 40 ms</summary>" in text
    assert "`````text\n````\nx\n`````" in text  # a fence longer than any run of backticks inside
    assert "<sub>m · 10 in · 2 out · $0.5000</sub>" in text
    assert file_stem("Fix: the parser!  (again)") == "fix-the-parser-again" and file_stem("???") == "session"


def test_code_blocks_in_reading_order() -> None:
    blocks = code_blocks("a\n\n```python\nx = 1\n```\n\n- item\n\n  ```sh\n  ls\n  ```\n\nText.\n\n    indented\n")
    assert [(b.language, b.code) for b in blocks] == [("python", "x = 1"), ("sh", "ls"), ("", "indented")]


def test_find_counts_every_occurrence_and_steps_around() -> None:
    items = [UserItem("u1", "Apple and apple"), NoteItem("n1", "no fruit"), UserItem("u2", "apple")]
    assert [(m.key, m.start) for m in find_all(items, "APPLE")] == [("u1", 0), ("u1", 10), ("u2", 0)]
    state = FindState()
    assert state.search(items, "apple", near="u2") is not None and state.counter == "3/3"
    assert state.step(1) is not None and state.counter == "1/3"
    assert state.step(-1) is not None and state.counter == "3/3"
    state.search(items, "pear")
    assert state.counter == "no matches" and state.step(1) is None


def test_the_scans_snippet_marks_every_word() -> None:
    text = "x " * 100 + "the Parser fails\nwhen the parser sees tabs"
    snippet, marks = snippet_around(text, ["parser"])
    assert snippet.startswith("…") and [snippet[a:b] for a, b in marks] == ["Parser", "parser"]


def test_a_search_snippet_reads_without_markdown_and_keeps_its_marks() -> None:
    snippet = "…for x in items) ``` ## 2. Reading the **configuration** and `parse()` > quoted"
    at = snippet.index("configuration")
    code = snippet.index("parse")
    plain, marks = readable_snippet(snippet, [(at, at + 13), (code, code + 5)])
    assert plain == "…for x in items) 2. Reading the configuration and parse() quoted"
    assert [plain[a:b] for a, b in marks] == ["configuration", "parse"]
    assert readable_snippet("a ** b", [(2, 4)]) == ("a b", [])  # a mark on markup alone goes with it
    assert readable_snippet("C# and a*b", [(0, 2)]) == ("C# and a*b", [(0, 2)])  # not markup: kept


def test_the_usage_line() -> None:
    turn = [
        message("u", "user", "q", created_at=T0),
        message("a", "assistant", "x", model="claude-sonnet-4-6", input_tokens=1234, output_tokens=56,
                cache_read_tokens=7000, cost=0.0123, updated_at=T0 + timedelta(seconds=4.2)),
    ]  # fmt: skip
    line = summary(turn_usage(turn))
    assert line == "claude-sonnet-4-6 · 1.2k in · 56 out · 7.0k cache read · $0.0123 · 4.2 s"
    assert summary(turn_usage([message("u", "user"), message("a", "assistant")], seen_seconds=2.0)) == "2.0 s"


def test_context_windows_by_model_id() -> None:
    assert context_window("claude-sonnet-4-6") == context_window("anthropic/claude-opus-4.7") == 200_000
    assert context_window("gpt-4o-mini") == 128_000 and context_window("gpt-4.1") == 1_047_576
    assert context_window("google/gemini-2.5-pro:free") == 1_048_576
    assert context_window("gpt-4") is None and context_window("") is None and context_window("my-llama") is None


def test_forks_and_subagents_are_listed_under_their_parents() -> None:
    sessions = {
        "a": SessionData(id="a"), "b": SessionData(id="b", parent_session_id="a"), "c": SessionData(id="c"),
        "d": SessionData(id="d", parent_session_id="b"), "gone": SessionData(id="gone", parent_session_id="zz"),
        "sub": SessionData(id="sub", parent_session_id="a", session_type="subagent"),
    }  # fmt: skip
    # d is the most recent: its whole family comes first (a sub-agent's session is listed like a fork)
    assert tree_order(["d", "c", "sub", "gone", "a", "b"], sessions) == [
        ("a", 0), ("sub", 1), ("b", 1), ("d", 2), ("c", 0), ("gone", 0),
    ]


def test_slash_commands_with_a_second_word() -> None:
    copy_code = commands.resolve("copy", "code 2")
    assert isinstance(copy_code, tuple) and (copy_code[0].id, copy_code[1]) == ("copy_code", "2")
    copy = commands.resolve("copy", "")
    assert isinstance(copy, tuple) and copy[0].id == "copy_message"
    export = commands.resolve("export", "md notes/today.md")
    assert isinstance(export, tuple) and (export[0].id, export[1]) == ("export_markdown", "notes/today.md")
    assert commands.resolve("export", "") == "Usage: /export md [PATH] or /export json [PATH]"
    assert commands.resolve("nothing", "") is None
    slashes = {c.slash for c in commands.COMMANDS if c.slash}
    assert {"fork", "rewind", "export md", "export json", "copy", "copy code", "cost", "search", "find",
            "rename"} <= slashes  # fmt: skip
