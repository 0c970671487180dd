"""How an answer paces its work. Keys before the stream (widgets/typing.py): a key's echo is
painted at once, even while a layout of the growing transcript is due, and a streaming answer does
no work until the echo is on screen. An answer from history is laid out once, with its heights.
"""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.drivers.headless_driver import HeadlessDriver
from textual.screen import Screen
from textual.widgets import Static

from mix_tui.tui.widgets.answer import AnswerMarkdown
from mix_tui.tui.widgets.composer import Composer
from mix_tui.tui.widgets.typing import typing_priority
from tests.tui.conftest import wait_for


class TypingApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("above", id="above")
        yield AnswerMarkdown("", live=True)
        yield Composer()


class Frames:
    """What the app writes to its terminal, and whether the screen's update tick wrote it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.written: list[tuple[str, bool]] = []
        self._in_tick = False
        frames = self

        def write(driver: HeadlessDriver, data: str) -> None:
            if data and not data.startswith("\x1b[?2026"):  # sync markers are not frames
                frames.written.append((data, frames._in_tick))

        tick = Screen._on_timer_update

        def ticked(screen: Screen[object]) -> None:
            frames._in_tick = True
            try:
                tick(screen)
            finally:
                frames._in_tick = False

        monkeypatch.setattr(HeadlessDriver, "is_headless", property(lambda self: False))
        monkeypatch.setattr(HeadlessDriver, "write", write)
        monkeypatch.setattr(Screen, "_on_timer_update", ticked)

    def first_with(self, text: str) -> tuple[str, bool] | None:
        return next((frame for frame in self.written if text in frame[0]), None)


async def test_a_key_is_painted_at_once_not_with_the_layout_that_is_due(monkeypatch: pytest.MonkeyPatch) -> None:
    frames = Frames(monkeypatch)
    app = TypingApp()
    async with app.run_test(size=(60, 12)) as pilot:
        composer = app.query_one(Composer)
        composer.focus()
        await wait_for(pilot, lambda: composer.has_focus and frames.first_with("above") is not None, 5, "the first frame")
        # a layout is due (what a growing answer asks for), then the key comes
        app.query_one("#above", Static).update("above, grown\nby a line")
        await pilot.press("q")
        await wait_for(pilot, lambda: frames.first_with("q") is not None, 5, "the echo")
        echo = frames.first_with("q")
        assert echo is not None and echo[1] is False, "the echo waited for the update tick"
        assert "grown" not in echo[0], "the echo frame carried the layout that was due"
        await wait_for(pilot, lambda: frames.first_with("grown") is not None, 5, "the layout, at the next tick")
        assert composer.text == "q"


async def test_an_answer_waits_while_a_keys_echo_is_pending() -> None:
    app = TypingApp()
    async with app.run_test(size=(60, 12)) as pilot:
        answer = app.query_one(AnswerMarkdown)
        await wait_for(pilot, lambda: answer.is_mounted and answer.size.width > 0, 5, "the answer laid out")
        priority = typing_priority(app)
        priority.echo_pending = True  # as if a key had just been typed and not painted yet
        steps = 0
        step = answer._step

        def counted() -> None:
            nonlocal steps
            steps += 1
            step()

        answer._step = counted  # type: ignore[method-assign]
        await answer.set_text("# Title\n\nSome text.\n\n- one\n- two\n", live=True)
        # it tried, and stopped to wait (no step scheduled) — or it worked on: the assertion says
        await wait_for(pilot, lambda: (steps >= 1 and not answer._stepping) or answer.caught_up, 5, "a step")
        assert answer.block_count == 0 and not answer.caught_up, "the answer worked before the echo"
        assert steps == 1, "the answer polled while it waited"
        priority.echoed()  # what the screen calls once the echo is painted
        await wait_for(pilot, lambda: answer.caught_up, 5, "the answer to catch up")
        assert answer.block_count == 3


async def test_an_answer_from_history_has_its_height_at_its_first_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parsed whole when first laid out (not step by step after being laid out empty): a page of
    stored messages is laid out once, not once empty and again per answer."""
    monkeypatch.setattr(AnswerMarkdown, "_step", lambda self: None)  # no paced work at all

    class HistoryApp(App[None]):
        def compose(self) -> ComposeResult:
            yield AnswerMarkdown("# Title\n\nOne paragraph.\n\n- one\n- two\n\n```python\nx = 1\n```\n", live=False)

    app = HistoryApp()
    async with app.run_test(size=(60, 20)) as pilot:
        answer = app.query_one(AnswerMarkdown)
        await wait_for(pilot, lambda: answer.size.width > 0, 5, "the first layout")
        assert answer.block_count == 4
        assert answer.size.height == 1 + 1 + 1 + 1 + 2 + 1 + 3  # heading, gap, paragraph, gap, list, gap, fence

