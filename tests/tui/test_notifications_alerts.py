"""Notifications and alerts in the app, against the real server.

A `notification` event opens a dialog answered as a choice (number keys), free text or an OK, and
the answer reaches the agent (the tool's result); its countdown closes it unanswered. When the
terminal has no focus (or the session is in the background), a finished turn and a prompt ring the
bell, send a desktop notification (OSC 9 / 777), toast the session's name and mark the terminal title
until the session is seen; our escapes never carry a control character from the model's text."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from mix_tui.tui.screens.alerts import AlertSettings, desktop_sequence, escape_text, tmux_wrapped
from mix_tui.tui.screens.chat import ChatScreen
from mix_tui.tui.screens.notification import NotificationScreen
from tests.tui.conftest import ServerProcess, opened, ready_chat, send, tool_panels, turn_over, wait_for


def dialog(chat: ChatScreen) -> NotificationScreen:
    screen = chat.app.screen
    assert isinstance(screen, NotificationScreen), "no notification dialog"
    return screen


def last_result(chat: ChatScreen) -> str:
    return tool_panels(chat)[-1].view.result or ""


async def settle_keys(pilot: Pilot[object], screen: NotificationScreen) -> None:
    await wait_for(pilot, lambda: screen.accepting_keys, what="the dialog's key grace to pass")


async def test_a_choice_a_text_and_an_ok_reach_the_agent(server: ServerProcess) -> None:
    app = server.app()
    async with app.run_test(size=(100, 36)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "choose Which colour? | red | green | blue")
        await wait_for(pilot, lambda: dialog(chat).kind == "choice", what="the choice dialog")
        screen = dialog(chat)
        assert screen.choices == ["red", "green", "blue"]
        assert opened(chat).awaiting_user
        await settle_keys(pilot, screen)
        await pilot.press("2")
        await wait_for(pilot, lambda: turn_over(chat), what="the turn after the choice")
        assert last_result(chat) == "The user chose: green"

        await send(pilot, chat, "ask What should the file be called?")
        await wait_for(pilot, lambda: dialog(chat).kind == "text", what="the question")
        screen = dialog(chat)
        await settle_keys(pilot, screen)
        await pilot.press("enter")  # nothing typed: it says so and stays
        assert isinstance(app.screen, NotificationScreen)
        await pilot.press(*"notes.md", "enter")
        await wait_for(pilot, lambda: turn_over(chat, 2), what="the turn after the answer")
        assert last_result(chat) == "The user answered: notes.md"

        await send(pilot, chat, "notify The build is done.")
        await wait_for(pilot, lambda: dialog(chat).kind == "acknowledge", what="the notice")
        await settle_keys(pilot, dialog(chat))
        await pilot.press("enter")
        await wait_for(pilot, lambda: turn_over(chat, 3), what="the turn after the OK")
        assert last_result(chat) == "The user acknowledged the notification."
        assert not opened(chat).awaiting_user


async def test_the_countdown_closes_the_dialog_unanswered(server: ServerProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(NotificationScreen, "clock", staticmethod(lambda: 1e12))  # past any deadline
    notes: list[str] = []
    show_resolved = NotificationScreen.show_resolved

    def record(screen: NotificationScreen, note: str) -> None:  # what the dialog shows as it is shown
        show_resolved(screen, note)
        notes.append(str(screen.query_one("#notification-note").render()))

    monkeypatch.setattr(NotificationScreen, "show_resolved", record)
    app = server.app()
    async with app.run_test(size=(100, 36)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "hi")  # the session exists, so its desk can be watched
        await wait_for(pilot, lambda: turn_over(chat))
        opened_requests: list[object] = []
        desk = opened(chat).notifications
        desk._opened = lambda request, show=desk._opened: (opened_requests.append(request), show(request))  # type: ignore[assignment]
        await send(pilot, chat, "notify Nobody reads this.")
        await wait_for(pilot, lambda: bool(opened_requests), what="the notification")
        request = opened_requests[0]
        await wait_for(pilot, lambda: request.answer.done(), what="the expired dialog to close")  # type: ignore[attr-defined]
        assert request.answer.result() is None  # type: ignore[attr-defined]
        # the dialog said why it closed before it went (recorded as it was said: on a loaded
        # machine a poll can miss the 1.5 s it stays readable)
        assert notes == ["no answer in time"]
        await wait_for(pilot, lambda: not isinstance(app.screen, NotificationScreen) and not opened(chat).awaiting_user)
        await opened(chat).cancel()


async def test_an_unseen_turn_end_alerts_and_the_title_marker_goes_when_seen(server: ServerProcess) -> None:
    app = server.app()
    async with app.run_test(size=(100, 36)) as pilot:
        chat = await ready_chat(pilot)
        written: list[str] = []
        chat.alerts.sink = written.append
        chat.alerts.environ = {"TERM": "xterm-256color"}
        bells: list[int] = []
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        await send(pilot, chat, "hello while I look")
        await wait_for(pilot, lambda: turn_over(chat), what="the first turn")
        assert written == [] and bells == []  # focused and open: nothing to alert

        app.app_focus = False  # the terminal lost the focus (FocusOut); a key would bring it back
        await opened(chat).submit("hello while I am away")
        await wait_for(pilot, lambda: turn_over(chat, 2), what="the second turn")
        await wait_for(pilot, lambda: any("]9;" in w for w in written), what="the desktop notification")
        title = opened(chat).session.title if opened(chat).session else ""
        assert bells == [1]
        assert any(w.startswith("\x1b]9;mix-tui: ") and "the turn finished" in w for w in written)
        assert any(w.startswith("\x1b]2;● mix-tui — ") for w in written)
        toasts = [n.message for n in app._notifications]
        assert any("the turn finished" in t and (title[:10] in t) for t in toasts)

        app.app_focus = True  # back: the open session is seen, the title is given back
        await wait_for(pilot, lambda: written[-1].endswith("\x1b[23;2t"), what="the title to come back")
        assert not chat.alerts.unseen


def test_escapes_never_carry_control_characters() -> None:
    hostile = "title\x07\x1b]0;pwned\x1b\\ \x9c; more"
    text = escape_text(hostile)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text) and ";" not in text
    for protocol in ("osc9", "osc777"):
        sequence = desktop_sequence(hostile, hostile, protocol)
        body = sequence[2:-1]  # between ESC ] and the final BEL
        assert "\x07" not in body and "\x1b" not in body
    assert desktop_sequence("a", "b", "osc777") == "\x1b]777;notify;a;b\x07"
    assert tmux_wrapped("\x1b]9;x\x07") == "\x1bPtmux;\x1b\x1b]9;x\x07\x1b\\"
    assert AlertSettings() == AlertSettings(bell=True, desktop=True, toast=True, title=True)
