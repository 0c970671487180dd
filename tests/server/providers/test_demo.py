"""The offline demo provider: directives become real tool calls, results are summarised, pacing is real."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from mix_tui.server.providers.base import (
    CallOptions,
    ChatMessage,
    Finish,
    Provider,
    ProviderEvent,
    TextDelta,
    ThinkingDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallRequest,
    ToolCallStart,
    ToolResult,
    UsageReport,
)
from mix_tui.server.providers.demo import DemoProvider, parse_directives, split_arguments, tokens

FAST = float("inf")


def options(*messages: ChatMessage) -> CallOptions:
    return CallOptions(model="demo", system="You are a demo.", messages=list(messages), tools=[])


def user(text: str) -> ChatMessage:
    return ChatMessage(role="user", content=text)


async def collect(provider: Provider, opts: CallOptions) -> list[ProviderEvent]:
    return [event async for event in provider.stream(opts)]


def text_of(events: list[ProviderEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def thinking_of(events: list[ProviderEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, ThinkingDelta))


def tool_calls(events: list[ProviderEvent]) -> list[tuple[str, dict[str, object]]]:
    """(name, arguments) per call, checking the deltas reassemble into the final JSON."""
    calls = []
    fragments: dict[str, list[str]] = {}
    for event in events:
        if isinstance(event, ToolCallStart):
            fragments[event.id] = []
        elif isinstance(event, ToolCallDelta):
            fragments[event.id].append(event.fragment)
        elif isinstance(event, ToolCallEnd):
            assert 2 <= len(fragments[event.id]) <= 4
            assert "".join(fragments[event.id]) == event.arguments
            calls.append((event.name, json.loads(event.arguments)))
    return calls


@pytest.mark.parametrize(
    ("prompt", "name", "args"),
    [
        ("$ ls -la", "Bash", {"command": "ls -la"}),
        ('please\n$ echo "hi" | wc -c\nthanks', "Bash", {"command": 'echo "hi" | wc -c'}),
        ("read README.md", "ReadText", {"file_path": "README.md"}),
        ('read "my notes.txt"', "ReadText", {"file_path": "my notes.txt"}),
        (
            "write out/a.py\n```python\nprint('x')\n```",
            "Write",
            {"file_path": "out/a.py", "content": "print('x')\n"},
        ),
        (
            "edit a.py\nfoo = 1 -> foo = 2",
            "Edit",
            {"file_path": "a.py", "old_string": "foo = 1", "new_string": "foo = 2"},
        ),
        ("glob **/*.py", "Glob", {"pattern": "**/*.py"}),
        ("grep def main", "Grep", {"pattern": "def main"}),
        ("python\n```\nprint(6 * 7)\n```", "python_execution", {"code": "print(6 * 7)\n"}),
        ("fetch https://example.com/a", "ReadText", {"file_path": "https://example.com/a"}),
        (
            "look chart.png",
            "ReadMedia",
            {"file_path": "chart.png", "media_type": "image", "prompt": "Describe what you see."},
        ),
        (
            "look doc.pdf pages 1-3",
            "ReadMedia",
            {"file_path": "doc.pdf", "media_type": "pdf", "prompt": "Describe what you see.", "pdf_pages": "1-3"},
        ),
        ("search textual tui", "Search", {"query": "textual tui", "search_type": "web"}),
        ("search images red pandas", "Search", {"query": "red pandas", "search_type": "images"}),
        ("show out/plot.png", "Show", {"outputs": [{"path": "out/plot.png", "type": "image", "title": "plot.png"}]}),
        (
            "task count the python files",
            "Task",
            {"description": "count the python files", "prompt": "count the python files", "subagent_type": "general-purpose"},
        ),
        ("plan\n```\n1. read\n2. fix\n```", "ExitPlanMode", {"plan": "1. read\n2. fix\n"}),
    ],
)
async def test_each_directive_becomes_a_tool_call(prompt: str, name: str, args: dict[str, object]) -> None:
    events = await collect(DemoProvider(FAST), options(user(prompt)))
    assert tool_calls(events) == [(name, args)]
    assert isinstance(events[0], ThinkingDelta)
    assert f"I'll use the {name} tool." in thinking_of(events)
    assert text_of(events).startswith("I'll ")
    assert isinstance(events[-2], UsageReport) and events[-2].cost == 0.0
    assert events[-1] == Finish("tool_use")
    # thinking, then text, then the calls: never interleaved
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("TextDelta") > max(i for i, k in enumerate(kinds) if k == "ThinkingDelta")
    assert kinds.index("ToolCallStart") > max(i for i, k in enumerate(kinds) if k == "TextDelta")


async def test_several_directives_give_several_calls_with_step_ids() -> None:
    history = [
        user("hi"),
        ChatMessage(role="assistant", content="hello"),
        user("$ pwd\nread a.txt\nglob *.md"),
    ]
    events = await collect(DemoProvider(FAST), options(*history))
    assert [name for name, _ in tool_calls(events)] == ["Bash", "ReadText", "Glob"]
    ids = [e.id for e in events if isinstance(e, ToolCallStart)]
    tag = ids[0].split("_")[2]
    assert ids == [f"demo_call_{tag}_1_1", f"demo_call_{tag}_1_2", f"demo_call_{tag}_1_3"]
    # another conversation gets other ids (a sub-agent's calls share its parent's stream)
    other = await collect(DemoProvider(FAST), options(user("$ pwd")))
    assert next(e.id for e in other if isinstance(e, ToolCallStart)).split("_")[2] != tag
    assert "1. I'll run `pwd`." in text_of(events)


def test_prose_and_unrelated_code_blocks_are_not_directives() -> None:
    assert parse_directives("read the docs please\nwrite it down\nedit a.py\nno arrow here") == []
    assert parse_directives("```\n$ rm -rf /\nread x\n```") == []
    assert parse_directives("long 99999")[0].long == 1000


async def test_summary_step_includes_tool_output_and_denials() -> None:
    output = "\n".join(f"line {i}" for i in range(1, 101))
    calls = [
        ToolCallRequest("c1", "Bash", json.dumps({"command": "seq 100"})),
        ToolCallRequest("c2", "Bash", json.dumps({"command": "rm -rf build"})),
        ToolCallRequest("c3", "ReadText", json.dumps({"file_path": "nope.txt"})),
    ]
    history = [
        user("$ seq 100\n$ rm -rf build\nread nope.txt"),
        ChatMessage(role="assistant", content="I'll run it.", tool_calls=calls),
        ChatMessage(
            role="tool",
            tool_results=[
                ToolResult("c1", "Bash", output),
                ToolResult("c2", "Bash", "permission denied", is_error=True),
                ToolResult("c3", "ReadText", "file not found: nope.txt", is_error=True),
            ],
        ),
    ]
    events = await collect(DemoProvider(FAST), options(*history))
    text = text_of(events)
    assert not [e for e in events if isinstance(e, ToolCallStart)]
    assert events[-1] == Finish("end_turn")
    assert thinking_of(events) and isinstance(events[0], ThinkingDelta)
    assert "**Bash** `seq 100` finished:" in text
    assert "line 1\n" in text and "line 40\n" in text and "line 41" not in text
    assert "60 more lines" in text
    assert "The user declined **Bash** `rm -rf build`" in text
    assert "**ReadText** `nope.txt` failed:" in text and "file not found: nope.txt" in text


async def test_summary_fences_output_that_contains_backticks() -> None:
    calls = [ToolCallRequest("c1", "ReadText", json.dumps({"file_path": "a.md"}))]
    history = [
        user("read a.md"),
        ChatMessage(role="assistant", tool_calls=calls),
        ChatMessage(role="tool", tool_results=[ToolResult("c1", "ReadText", "```py\nx = 1\n```\nafter")]),
    ]
    text = text_of(await collect(DemoProvider(FAST), options(*history)))
    assert "````\n```py\nx = 1\n```\nafter\n````" in text


async def test_long_3_has_three_sections_with_code_list_and_table() -> None:
    events = await collect(DemoProvider(FAST), options(user("long 3")))
    text = text_of(events)
    assert len(re.findall(r"^## ", text, flags=re.MULTILINE)) == 3
    assert "```python\n" in text
    assert re.search(r"^- ", text, flags=re.MULTILINE)
    assert re.search(r"^\|---", text, flags=re.MULTILINE)
    assert events[-1] == Finish("end_turn")
    assert not [e for e in events if isinstance(e, ToolCallStart)]


async def test_plain_prompt_explains_the_demo_and_its_directives() -> None:
    events = await collect(DemoProvider(FAST), options(user("Can you write some python code?")))
    text = text_of(events)
    assert "offline demo model" in text
    assert "`$ CMD`" in text and "`read PATH`" in text and "`long N`" in text
    assert "```python" in text
    plain = text_of(await collect(DemoProvider(FAST), options(user("hello"))))
    assert "```python" not in plain


async def test_same_input_gives_same_events() -> None:
    for prompt in ("hello there", "$ ls\nread a", "long 5"):
        first = await collect(DemoProvider(FAST), options(user(prompt)))
        second = await collect(DemoProvider(FAST), options(user(prompt)))
        assert first == second


async def test_usage_is_plausible_and_free() -> None:
    events = await collect(DemoProvider(FAST), options(user("long 10")))
    usage = next(e for e in events if isinstance(e, UsageReport))
    assert usage.cost == 0.0
    assert usage.input_tokens >= 1
    assert abs(usage.output_tokens - len(text_of(events) + thinking_of(events)) / 4) < 5


class VirtualClock:
    """Stands in for the demo's clock and sleep: a sleep moves time on by what was asked plus a
    little overshoot, as a real one does, so pacing is checked by arithmetic, not by a busy machine."""

    OVERSHOOT = 0.002

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.waits.append(delay)
        if delay > 0:
            self.now += delay + self.OVERSHOOT


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> VirtualClock:
    virtual = VirtualClock()
    monkeypatch.setattr("mix_tui.server.providers.demo.time.monotonic", virtual.monotonic)
    monkeypatch.setattr("mix_tui.server.providers.demo.asyncio.sleep", virtual.sleep)
    return virtual


async def test_max_speed_never_waits(clock: VirtualClock) -> None:
    for rate in (FAST, 0):
        clock.waits.clear()
        events = await collect(DemoProvider(rate), options(user("long 50")))
        assert len(re.findall(r"^## ", text_of(events), flags=re.MULTILINE)) == 50
        assert clock.waits and set(clock.waits) == {0}  # it only yields, so a server is not frozen


async def test_rate_paces_tokens(clock: VirtualClock) -> None:
    assert DemoProvider().rate == 60  # the realistic default
    started = clock.now
    events = await collect(DemoProvider(rate=400), options(user("hello")))
    elapsed = clock.now - started
    deltas = sum(isinstance(e, ThinkingDelta | TextDelta) for e in events)
    # paced against its start: the overshoot of each sleep is made up, not added up
    assert deltas > 20 and deltas / 400 <= elapsed <= deltas / 400 + 2 * VirtualClock.OVERSHOOT


async def test_cancelling_the_consumer_stops_promptly() -> None:
    seen: list[ProviderEvent] = []
    streaming = asyncio.Event()

    async def consume() -> None:
        async for event in DemoProvider(rate=50).stream(options(user("long 50"))):
            seen.append(event)
            if len(seen) >= 3:
                streaming.set()

    task = asyncio.create_task(consume())
    await streaming.wait()
    count = len(seen)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(seen) == count  # nothing after the cancel: it stopped at its next token
    assert not any(isinstance(e, Finish) for e in seen)


def test_tokens_and_fragments_reassemble() -> None:
    text = "Hello  world\n\n```py\nx = 1\n```\n" + "a" * 50
    assert "".join(tokens(text)) == text
    assert max(len(t) for t in tokens(text)) <= 16
    for args in ('{"command": "ls"}', '{"a": 1}', json.dumps({"content": "x" * 500})):
        pieces = split_arguments(args)
        assert 2 <= len(pieces) <= 4 and "".join(pieces) == args


def test_rejects_negative_rate() -> None:
    with pytest.raises(ValueError):
        DemoProvider(-1)
    assert DemoProvider().name == "demo"
