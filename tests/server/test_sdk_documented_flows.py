"""The official mix-python-sdk 0.8.1's documented examples, each run as its documentation does against a
real `mix-tui serve --provider demo` process: the README's three Quick Starts, STREAMING.md's patterns,
and examples/ basic_client, simple_streaming, query_streaming, session_context_streaming,
streaming_example, example_template, sessions_example (forking, analytics), messages_example and
files_example (thumbnails). The reference snippets of docs/sdks/ and the remaining examples are in
test_sdk_documented_reference.py.

Each test follows the example's calls in order, with the example's own inputs, and asserts what the
example prints or checks. A shim (tests/server/sdk_docs.py) appears only where the documented line
cannot run as written against any server; the demo model gets a tool directive where a real model
would have chosen the tool itself.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from mix_python_sdk import Mix, errors
from mix_python_sdk.helpers import StreamingSession, query, send_with_callbacks
from PIL import Image

from tests.server.proc import Served
from tests.server.sdk_docs import (
    BROWSER_MODE,
    DOCS_KEY,
    answers,
    forget_everything,
    fork,
    serve_for_docs,
    settled,
    supply_browser_mode,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from serve_for_docs(tmp_path_factory.mktemp("sdk-docs-flows"))


@pytest.fixture
def url(server: Served) -> Iterator[str]:
    yield server.url
    forget_everything(server.url)


def collect() -> tuple[list[Any], Callable[[Any], None]]:
    seen: list[Any] = []
    return seen, seen.append


# ---- README.md Quick Start and STREAMING.md -----------------------------------------------------


async def test_readme_quick_start_1_callback_streaming(url: str) -> None:
    """README Quick Start 1 (and STREAMING.md's Quick Start). SHIM: browser_mode."""
    chunks, on_content = collect()
    done, on_done = collect()
    async with Mix(server_url=url) as mix:
        supply_browser_mode(mix)
        stored = mix.authentication.store_api_key(api_key=DOCS_KEY, provider="openrouter")
        session = mix.sessions.create(title="Demo")
        await send_with_callbacks(
            mix, session_id=session.id, message="What's the weather?",
            on_content=on_content, on_complete=lambda: on_done("Done!"),
        )  # fmt: skip
        history = mix.messages.list_session(id=session.id)
    assert stored.status == "success"
    assert done == ["Done!"]
    assert [m.role for m in history] == ["user", "assistant"]
    assert "".join(chunks) == history[-1].assistant_response  # every delta arrived, in order
    # the stored key did not take a `--provider demo` server away from the demo (the docs' first call)
    assert history[-1].model == "demo"


async def test_readme_quick_start_2_async_iterator(url: str) -> None:
    """README Quick Start 2 and STREAMING.md pattern 2. SHIM: browser_mode."""
    async with Mix(server_url=url) as mix:
        supply_browser_mode(mix)
        session = mix.sessions.create(title="Demo")
        events = [event async for event in query(mix, session.id, "Hello!")]
        (answer,) = [m for m in mix.messages.list_session(id=session.id) if m.role == "assistant"]
    kinds = [e.type for e in events]
    assert kinds[0] == "thinking" and kinds[-1] == "complete" and kinds.count("complete") == 1
    assert "error" not in kinds
    assert "".join(e.content for e in events if e.type == "content") == answer.assistant_response
    assert "".join(e.thinking for e in events if e.type == "thinking") == answer.reasoning


async def test_streaming_guide_query_stops_early_and_the_turn_still_finishes(url: str) -> None:
    """STREAMING.md pattern 2: "Can stop processing early!" with `break`. SHIM: browser_mode."""
    async with Mix(server_url=url) as mix:
        supply_browser_mode(mix)
        session = mix.sessions.create(title="Demo")
        events = query(mix, session.id, "Hello!")
        async for event in events:
            if event.type == "content":
                break
        await events.aclose()
        # the helper's own send task, which `break` left running
        sends = [t for t in asyncio.all_tasks() if "send_async" in getattr(t.get_coro(), "__qualname__", "")]
        assert len(sends) <= 1
        await asyncio.gather(*sends)
        exported = settled(mix, session.id, users=1)
    assert [m.role for m in exported.messages] == ["user", "assistant"]
    assert exported.messages[-1].finish_reason == "end_turn"  # the server finishes without a listener


async def test_readme_quick_start_3_streaming_session(url: str) -> None:
    """README Quick Start 3, examples/session_context_streaming.py and STREAMING.md pattern 3: two sends
    and a query in one session, which the context manager creates and deletes. SHIM: browser_mode,
    which the SDK's own StreamingSession.__aenter__ omits."""
    prompts = ["What's the capital of France?", "Tell me more", "And what about Italy?"]
    first, on_first = collect()
    second, on_second = collect()
    done, on_done = collect()
    async with Mix(server_url=url) as mix:
        supply_browser_mode(mix)
        mix.authentication.store_api_key(api_key=DOCS_KEY, provider="openrouter")
        async with StreamingSession(mix, title="Context Manager Demo") as session:
            await session.send(prompts[0], on_content=on_first, on_complete=lambda: on_done(1))
            await session.send(prompts[1], on_content=on_second, on_complete=lambda: on_done(2))
            third = [event.content async for event in session.query(prompts[2]) if event.type == "content"]
            history = mix.messages.list_session(id=session.id)
            session_id = session.id
        with pytest.raises(errors.ErrorResponse) as gone:
            mix.sessions.get(id=session_id)
    assert done == [1, 2]
    assert [m.user_input for m in history if m.role == "user"] == prompts
    replies = [m.assistant_response for m in history if m.role == "assistant"]
    assert replies == ["".join(first), "".join(second), "".join(third)]
    assert gone.value.status_code == 404


async def test_streaming_example_every_event_type(url: str, server: Served) -> None:
    """examples/streaming_example.py and STREAMING.md's "Complete Example: All Event Types".
    SHIMS: browser_mode; no `on_tool=`, which both pass but send_with_callbacks() does not take
    (TypeError); tool events still arrive through on_tool_execution_start/complete. The demo needs
    its `$ pwd` directive where a model would choose Bash for "what's your working dir?"."""
    thinking, on_thinking = collect()
    content, on_content = collect()
    starts, on_start = collect()
    completes, on_complete_tool = collect()
    problems, on_problem = collect()
    done, on_done = collect()
    async with Mix(server_url=url) as mix:
        supply_browser_mode(mix)
        assert mix.system.get_health().status == "ok"
        mix.authentication.store_api_key(api_key=DOCS_KEY, provider="openrouter")
        session = mix.sessions.create(title="Streaming Demo")
        await send_with_callbacks(
            mix, session_id=session.id, message="what's your working dir?\n$ pwd",
            on_thinking=on_thinking, on_content=on_content,
            on_tool_execution_start=on_start, on_tool_execution_complete=on_complete_tool,
            on_error=on_problem, on_permission=on_problem, on_complete=lambda: on_done("✅ Complete!"),
        )  # fmt: skip
        history = mix.messages.list_session(id=session.id)
        mix.sessions.delete(id=session.id)
    (start,) = starts
    (finished,) = completes
    assert start.tool_name == finished.tool_name == "Bash" and start.tool_call_id == finished.tool_call_id
    assert finished.success is True and finished.progress.startswith("Completed Bash")
    assert problems == [] and done == ["✅ Complete!"]  # pwd reads nothing: no permission prompt
    (call,) = [c for m in history for c in (m.tool_calls or [])]
    assert call.id == start.tool_call_id and call.result == str(server.workdir)
    assert "".join(content).endswith(history[-1].assistant_response or "")
    assert str(server.workdir) in "".join(content) and thinking


async def test_simple_streaming_example(url: str) -> None:
    """examples/simple_streaming.py, which passes browser_mode itself: runs with no shim at all."""
    content, on_content = collect()
    starts, on_start = collect()
    done, on_done = collect()
    async with Mix(server_url=url) as mix:
        mix.authentication.store_api_key(api_key=DOCS_KEY, provider="openrouter")
        session = mix.sessions.create(title="Simple Streaming Demo", browser_mode=BROWSER_MODE)
        await send_with_callbacks(
            mix, session_id=session.id, message="What's your working directory?",
            on_thinking=lambda text: None, on_content=on_content,
            on_tool_execution_start=on_start, on_complete=lambda: on_done(True),
        )  # fmt: skip
        (answer,) = [m for m in mix.messages.list_session(id=session.id) if m.role == "assistant"]
        mix.sessions.delete(id=session.id)
        assert [s.id for s in mix.sessions.list()] == []
    assert done == [True] and starts == []  # the demo answers plain prose without a directive
    assert "".join(content) == answer.assistant_response and "offline demo" in "".join(content)


async def test_example_template(url: str) -> None:
    """examples/example_template.py. SHIMS: browser_mode; no `on_tool=` (see the streaming example)."""
    content, on_content = collect()
    async with Mix(server_url=url) as mix:
        supply_browser_mode(mix)
        mix.authentication.store_api_key(api_key=DOCS_KEY, provider="openrouter")
        session = mix.sessions.create(title="Streaming Demo")
        await send_with_callbacks(
            mix, session_id=session.id, message="write a detailed 50 word essay about the history of cats",
            on_thinking=lambda text: None, on_content=on_content, on_error=pytest.fail,
        )  # fmt: skip
        exported = mix.sessions.export_session(id=session.id).result
    assert [m.role for m in exported.messages] == ["user", "assistant"]
    assert (
        exported.messages[-1].finish_reason == "end_turn"
        and "".join(content) == exported.messages[-1].content
    )


# ---- examples/basic_client.py, sessions_example.py, messages_example.py ---------------------------


def test_basic_client_example_deletes_a_session_while_its_turn_runs(url: str) -> None:
    """examples/basic_client.py (passes browser_mode itself: no shim). It deletes the session right
    after the 202, while the turn runs: the session and its messages go, the server carries on."""
    with Mix(server_url=url) as mix:
        health = mix.system.get_health()
        before = mix.sessions.list()
        session = mix.sessions.create(title="Test Session", browser_mode=BROWSER_MODE)
        response = mix.messages.send(id=session.id, text="Hello")
        mix.sessions.delete(id=session.id)
        with pytest.raises(errors.ErrorResponse) as gone:
            mix.sessions.get(id=session.id)
        history = mix.messages.get_history(limit=50, offset=0)
        after = mix.system.get_health()
    assert health.status == after.status == "ok" and health.version
    assert before == []
    assert response.status == "processing" and response.session_id == session.id
    assert gone.value.status_code == 404
    assert all(m.session_id != session.id for m in history)


def test_sessions_example_forking_and_usage_analysis(url: str) -> None:
    """examples/sessions_example.py: list, create two, get, two sends in a row, fork at message index 1,
    usage and cost analysis, cancel, delete and verify. SHIMS: browser_mode; the answers it prints
    read from history (`answers`); `fork` through the SDK's HTTP client (SDK 0.8.1 has no fork)."""
    hello = "Hello! This is a test message for the sessions example. Please respond briefly."
    with Mix(server_url=url) as mix:
        supply_browser_mode(mix)
        assert mix.system.get_health().status == "ok"
        existing = mix.sessions.list()
        basic = mix.sessions.create(title="Basic Demo Session")
        advanced = mix.sessions.create(title="Advanced Demo Session for Testing")
        retrieved = mix.sessions.get(id=basic.id)
        mix.authentication.store_api_key(api_key=DOCS_KEY, provider="openrouter")
        first = mix.messages.send(id=basic.id, text=hello)
        second = mix.messages.send(
            id=basic.id, text="Can you tell me what 2+2 equals?"
        )  # the first still runs
        replies = answers(mix, basic.id, users=2)
        source = mix.messages.list_session(id=basic.id)
        forked = fork(mix, id=basic.id, message_index=1, title="Forked Session - First Message Only")
        forked_messages = mix.messages.list_session(id=forked.id)
        analysed = mix.sessions.get(id=basic.id)
        overview = [
            f"{s.title} {s.cost:.4f} {s.user_message_count} {s.first_user_message}"
            for s in mix.sessions.list()
        ]
        cancelled = mix.sessions.cancel_processing(id=basic.id)
        created = [basic.id, advanced.id, forked.id]
        for session_id in created:
            mix.sessions.delete(id=session_id)
        remaining = {s.id for s in mix.sessions.list()}
    assert existing == []
    assert (retrieved.id, retrieved.title, retrieved.session_type) == (basic.id, "Basic Demo Session", "main")
    assert first.status == second.status == "processing"  # queued behind the running turn, not refused
    assert len(replies) == 2 and all(replies)
    assert [m.role for m in source] == ["user", "assistant", "user", "assistant"]
    assert forked.title == "Forked Session - First Message Only" and forked.parent_session_id == basic.id
    assert [(m.role, m.user_input) for m in forked_messages] == [("user", hello)]  # "expected 1 message"
    assert (analysed.user_message_count, analysed.assistant_message_count, analysed.tool_call_count) == (
        2,
        2,
        0,
    )
    assert analysed.prompt_tokens > 0 and analysed.completion_tokens > 0 and analysed.cost == 0.0
    assert f"Basic Demo Session 0.0000 2 {hello}" in overview
    assert cancelled.cancelled is False  # "No active processing to cancel"
    assert not remaining & set(created)


def test_messages_example_six_prompts_back_to_back(url: str) -> None:
    """examples/messages_example.py: history pages, the session's list, then six sends without waiting
    (two, one "tool" prompt, three for continuity), metadata analysis, delete. SHIMS: browser_mode; the
    answers it prints read from history (`answers`)."""
    prompts = [
        "What is the capital of France?",
        "What is the population of that city?",
        "Can you help me analyze some data or perform a calculation?",
        "Let's talk about Python programming. I'm working on a web application.",
        "What framework would you recommend for that?",
        "Can you give me a specific example?",
    ]
    with Mix(server_url=url) as mix:
        supply_browser_mode(mix)
        assert mix.system.get_health().status == "ok"
        session = mix.sessions.create(title="Messages Example Session")
        pages = mix.messages.get_history(limit=10, offset=0) + mix.messages.get_history(limit=10, offset=10)
        listed = mix.messages.list_session(id=session.id)
        accepted = [mix.messages.send(id=session.id, text=text) for text in prompts[:3]]
        while_running = mix.messages.list_session(id=session.id)  # the metadata analysis does not wait
        accepted += [mix.messages.send(id=session.id, text=text) for text in prompts[3:]]
        replies = answers(mix, session.id, users=6)
        final = mix.messages.list_session(id=session.id)
        history = mix.messages.get_history(limit=10, offset=0)
        mix.sessions.delete(id=session.id)
        after = mix.messages.get_history(limit=10, offset=0)
    assert pages == [] and listed == []
    assert all(a.status == "processing" and a.session_id == session.id for a in accepted)
    assert all(m.session_id == session.id for m in while_running)
    assert [m.user_input for m in final if m.role == "user"] == prompts  # each ran, in the order sent
    assert [m.role for m in final] == ["user", "assistant"] * 6 and len(replies) == 6 and all(replies)
    assert all(m.reasoning for m in final if m.role == "assistant") and not any(m.tool_calls for m in final)
    assert sorted(m.user_input for m in history) == sorted(prompts)
    assert after == []


# ---- examples/files_example.py ----------------------------------------------------------------------


def test_files_example_uploads_downloads_thumbnails_and_isolation(url: str, tmp_path: Path) -> None:
    """examples/files_example.py with its two sample files (made here): upload, list, download,
    thumbnails `100`, `w200` and `h150`, delete, and per-session isolation. SHIM: browser_mode."""
    text_path, image_path = tmp_path / "sample.txt", tmp_path / "sample.jpg"
    text_path.write_bytes(b"Hello, Mix!\n")
    Image.new("RGB", (640, 480), (200, 40, 40)).save(image_path, "JPEG")
    with Mix(server_url=url) as mix:
        supply_browser_mode(mix)
        session = mix.sessions.create(title="Files Example Session")
        with text_path.open("rb") as f:
            text_info = mix.files.upload_session_file(
                id=session.id, file={"file_name": "sample.txt", "content": f, "content_type": "text/plain"}
            )
        with image_path.open("rb") as f:
            image_info = mix.files.upload_session_file(
                id=session.id, file={"file_name": "sample.jpg", "content": f, "content_type": "image/jpeg"}
            )
        listed = mix.files.list_session_files(id=session.id)
        downloads = {}
        for info in listed:
            response = mix.files.get_session_file(id=session.id, filename=info.name)
            downloads[info.name] = (response.status_code, response.headers["content-length"], response.read())
        thumbnails = {}
        for spec in ("100", "w200", "h150"):
            response = mix.files.get_session_file(id=session.id, filename="sample.jpg", thumb=spec)
            with Image.open(io.BytesIO(response.read())) as thumb:
                thumbnails[spec] = (response.status_code, response.headers["content-type"], thumb.size)
        current = mix.files.list_session_files(id=session.id)
        for info in [
            f for f in current if not f.is_dir and f.name in ("sample.txt", "sample.jpg", "sample.png")
        ]:
            mix.files.delete_session_file(id=session.id, filename=info.name)
        remaining = [
            f
            for f in mix.files.list_session_files(id=session.id)
            if not f.is_dir and not f.name.startswith(".")
        ]
        isolated = []
        for number in (1, 2):
            other = mix.sessions.create(title=f"Session {number} - File Isolation Test")
            with text_path.open("rb") as f:
                mix.files.upload_session_file(
                    id=other.id,
                    file={
                        "file_name": f"session{number}_file.txt",
                        "content": f,
                        "content_type": "text/plain",
                    },
                )
            isolated.append((other.id, [f.name for f in mix.files.list_session_files(id=other.id)]))
        for other_id, _ in isolated:
            mix.sessions.delete(id=other_id)
        mix.sessions.delete(id=session.id)
    assert (text_info.name, text_info.size, text_info.is_dir) == (
        "sample.txt",
        12,
        False,
    ) and text_info.modified > 0
    assert (image_info.name, image_info.size) == ("sample.jpg", image_path.stat().st_size)
    assert sorted(f.name for f in listed) == ["sample.jpg", "sample.txt"]
    assert downloads["sample.txt"] == (200, "12", b"Hello, Mix!\n")
    assert downloads["sample.jpg"] == (200, str(image_info.size), image_path.read_bytes())
    assert thumbnails == {
        "100": (200, "image/jpeg", (100, 75)),
        "w200": (200, "image/jpeg", (200, 150)),
        "h150": (200, "image/jpeg", (200, 150)),
    }
    assert remaining == []
    assert [names for _, names in isolated] == [["session1_file.txt"], ["session2_file.txt"]]
