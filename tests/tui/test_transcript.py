"""The transcript widget: it follows the stream only while at the bottom, keeps every item as data but
mounts a window, reconciles by key, and its tool and thinking panels show what they should."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from textual.app import App, ComposeResult

from mix_tui.tui.session.items import AssistantItem, Item, TextView, ThinkingView, ToolView, UserItem
from mix_tui.tui.widgets.message import AssistantMessage, UserMessage
from mix_tui.tui.widgets.thinking import ThinkingPanel
from mix_tui.tui.widgets.tool_call import ToolCallPanel
from mix_tui.tui.widgets.transcript import Transcript
from tests.tui.conftest import ServerProcess, make_server, ready_chat, send, settled, wait_for

PARAGRAPH = "Some answer text that wraps over a couple of lines in a narrow terminal. " * 3


def pairs(n: int, start: int = 0) -> list[Item]:
    items: list[Item] = []
    for i in range(start, start + n):
        items.append(UserItem(f"u{i}", f"question {i}"))
        items.append(AssistantItem(f"a:u{i}", [TextView(f"answer {i}\n\n{PARAGRAPH}")]))
    return items


class TranscriptApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Transcript()


async def test_it_follows_the_bottom_only_while_there() -> None:
    app = TranscriptApp()
    async with app.run_test(size=(80, 24)) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.reset(pairs(10))
        await wait_for(pilot, lambda: transcript.max_scroll_y > 0, what="laid out")
        assert transcript.following
        assert transcript.scroll_y == transcript.max_scroll_y

        live = AssistantItem("a:live", [TextView("")], live=True)
        text = ""
        for n in range(6):
            text += f"line {n}\n\n"
            live.parts = [TextView(text)]
            await transcript.update_tail([live])
            await pilot.pause()
        await wait_for(pilot, lambda: transcript.scroll_y == transcript.max_scroll_y, what="it followed")

        transcript.scroll_to(y=5, animate=False)  # the user scrolls up
        await pilot.pause()
        await pilot.pause()
        assert not transcript.following
        view = transcript.region
        read = next(w for w in transcript.query("UserMessage, AssistantMessage") if view.overlaps(w.region))
        read_at = read.region.y
        for n in range(6, 12):
            text += f"line {n}\n\n"
            live.parts = [TextView(text)]
            await transcript.update_tail([live])
            await pilot.pause()
        assert read.region.y == read_at  # the view did not jump (the page above may have been mounted)
        assert transcript.max_scroll_y > 5

        transcript.scroll_end(animate=False)  # back at the bottom: following again
        await pilot.pause()
        assert transcript.following
        text += "the end\n"
        live.parts = [TextView(text)]
        live.live = False
        await transcript.update_tail([live])
        await pilot.pause()
        assert transcript.scroll_y == transcript.max_scroll_y


async def test_a_thousand_messages_mount_only_a_window() -> None:
    app = TranscriptApp()
    async with app.run_test(size=(100, 30)) as pilot:
        transcript = app.query_one(Transcript)
        items = pairs(500)
        await transcript.reset(items)
        await pilot.pause()
        assert len(transcript.items) == 1000
        mounted = transcript.mounted_count
        assert Transcript.MIN_ITEMS <= mounted < 40
        assert transcript.virtual_size.height > 2 * transcript.size.height  # enough to scroll back a bit
        assert len(app.query("*")) < 400  # widgets, not messages, are the cost
        assert transcript.query_one(".earlier").display

        # scrolling to the top mounts one more page above, without moving what is on screen
        oldest_mounted = transcript.items[1000 - mounted]
        first_visible = transcript.widget_for(oldest_mounted.key)
        assert first_visible is not None
        before = first_visible.region.y
        await transcript.load_earlier()
        await pilot.pause()
        await pilot.pause()
        assert transcript.mounted_count > mounted
        assert first_visible.region.y == before


async def test_set_items_reconciles_by_key() -> None:
    app = TranscriptApp()
    async with app.run_test(size=(80, 24)) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.reset(pairs(3))
        kept = transcript.widget_for("u1")
        # a resync brings one new pair at the end and the same items before it
        await transcript.set_items(pairs(4))
        await pilot.pause()
        assert transcript.widget_for("u1") is kept
        assert [w.key for w in transcript.query("UserMessage").results(UserMessage)] == [
            "u0",
            "u1",
            "u2",
            "u3",
        ]
        # a rewind drops the last pairs
        await transcript.set_items(pairs(2))
        await pilot.pause()
        assert [w.key for w in transcript.query("AssistantMessage").results(AssistantMessage)] == [
            "a:u0",
            "a:u1",
        ]


async def test_tool_panels_show_state_arguments_diff_and_a_cut_output() -> None:
    app = TranscriptApp()
    long_output = "\n".join(f"line {n}" for n in range(40))
    edit = ToolView(
        "t1", "Edit", {"file_path": "src/app.py", "old_string": "x = 1\ny = 2", "new_string": "x = 1\ny = 3"},
        status="ok", result="edited", duration=0.25,
    )  # fmt: skip
    bash = ToolView("t2", "Bash", {"command": "seq 40"}, status="ok", result=long_output, duration=1.5)
    running = ToolView("t3", "Grep", {"pattern": "TODO"}, status="awaiting_permission")
    async with app.run_test(size=(100, 40)) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.reset([UserItem("u", "go"), AssistantItem("a:u", [edit, bash, running])])
        await pilot.pause()
        panels = list(transcript.query(ToolCallPanel))
        headers = [p.header_text().plain for p in panels]
        assert headers[0].startswith("▸ ✓ Edit · ok 0.2s · src/app.py")
        assert headers[1] == "▸ ✓ Bash · ok 1.5s · seq 40"
        assert headers[2] == "▸ ? Grep · awaiting permission · TODO"

        panels[0].action_toggle_panel()
        body = panels[0].body_text.plain
        assert "-y = 2" in body and "+y = 3" in body and "+++ b/src/app.py" in body
        styles = {str(span.style) for span in panels[0].body_text.spans}
        assert "green" in styles and "red" in styles

        panels[1].action_toggle_panel()
        assert "$ seq 40" in panels[1].body_text.plain
        assert "line 7" in panels[1].body_text.plain and "line 8" not in panels[1].body_text.plain
        more = panels[1].query_one(".tool-more")
        assert more.display and "32 more lines" in str(more.render())
        panels[1].action_more()
        assert "line 39" in panels[1].body_text.plain
        assert not more.display


async def test_thinking_counts_up_live_and_shows_the_duration_when_done() -> None:
    app = TranscriptApp()
    async with app.run_test(size=(80, 24)) as pilot:
        transcript = app.query_one(Transcript)
        live = AssistantItem("a:u", [ThinkingView("hmm", started_at=time.monotonic() - 3)], live=True)
        await transcript.reset([UserItem("u", "think"), live])
        await pilot.pause()
        panel = transcript.query_one(ThinkingPanel)
        assert panel.query_one(".thinking-header").render().plain.strip() == "▸ Thinking… 3s"  # type: ignore[attr-defined]
        done = AssistantItem("a:u", [ThinkingView("hmm, done", duration=4.2), TextView("answer")])
        await transcript.update_tail([done])
        await pilot.pause()
        assert transcript.query_one(ThinkingPanel) is panel
        assert panel.query_one(".thinking-header").render().plain.strip() == "▸ Thought for 4.2s"  # type: ignore[attr-defined]


# ---- with a real server --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def paced_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = make_server(tmp_path_factory.mktemp("mix-paced"), rate="400")
    yield proc
    proc.stop()


async def test_scrolling_up_during_a_stream_stops_following(paced_server: ServerProcess) -> None:
    app = paced_server.app()
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "long 8")
        transcript = chat.transcript
        await wait_for(pilot, lambda: transcript.max_scroll_y > 20, what="a screenful of answer")
        assert transcript.following and transcript.scroll_y == transcript.max_scroll_y
        transcript.scroll_to(y=3, animate=False)
        await pilot.pause()
        await wait_for(pilot, lambda: settled(chat), within=30, what="the end of the answer")
        await pilot.pause()
        assert transcript.scroll_y == 3
        assert transcript.max_scroll_y > 30


@pytest.mark.parametrize("width", [120, 80])
async def test_the_empty_chat_hint_fits_without_orphan_words(server: ServerProcess, width: int) -> None:
    app = server.app()
    async with app.run_test(size=(width, 30)) as pilot:
        chat = await ready_chat(pilot)
        await pilot.pause()
        hint = chat.transcript.query_one(".empty-hint")
        assert hint.display
        lines = str(hint.render()).splitlines()
        assert hint.size.height == len(lines), f"the hint wrapped at {width} columns"
        assert all(len(line.split()) > 2 for line in lines)


async def test_home_and_end_jump_across_a_long_session_and_the_window_stays_small() -> None:
    app = TranscriptApp()
    async with app.run_test(size=(80, 24)) as pilot:
        transcript = app.query_one(Transcript)
        items = pairs(300)
        await transcript.reset(items)
        transcript.focus()
        await wait_for(pilot, lambda: transcript.following and transcript.max_scroll_y > 0, what="the bottom")
        assert transcript.widget_for(items[0].key) is None  # 600 items: only a window is mounted

        await pilot.press("home")
        await wait_for(pilot, lambda: transcript.widget_for(items[0].key) is not None and transcript.scroll_y == 0,
                       what="the first message")  # fmt: skip
        assert not transcript.following
        assert transcript.widget_for(items[-1].key) is None  # the bottom went
        assert transcript.query_one(".later").display  # "▼ N later messages"
        mounted_at_top = transcript.mounted_count

        for _ in range(6):  # reading down mounts pages below and lets the top go
            await pilot.press("pagedown")
            await pilot.pause()
        await wait_for(pilot, lambda: transcript.widget_for(items[0].key) is None or transcript.mounted_count
                       > mounted_at_top, what="pages below")  # fmt: skip
        assert transcript.mounted_count <= Transcript.MAX_ITEMS * 2

        await pilot.press("end")
        await wait_for(pilot, lambda: transcript.widget_for(items[-1].key) is not None and transcript.following,
                       what="back at the bottom")  # fmt: skip
        assert not transcript.query_one(".later").display
        assert transcript.scroll_y == transcript.max_scroll_y
