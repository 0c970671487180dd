"""PermissionScreen: what it shows, the one-key answers, the countdown, and resolve-elsewhere."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from rich.text import Text
from textual.app import App
from textual.widgets import Static

from mix_tui.protocol.events import Permission
from mix_tui.tui.screens.countdown_modal import remaining_seconds
from mix_tui.tui.screens.permission import PermissionScreen
from mix_tui.tui.session.permissions import rule_for
from tests.tui.conftest import wait_for

DIFF = "--- a/app.py\n+++ b/app.py\n@@ -1,2 +1,2 @@\n def main():\n-    print('hi')\n+    print('hello')\n"


def bash_permission(command: str = "rm -rf build/", **params: Any) -> Permission:
    return Permission(
        id="perm-1",
        session_id="s1",
        tool_name="Bash",
        description=f"Execute command: {command}",
        action=f"Execute command: {command}",
        path="/home/me/project",
        params={"command": command, "timeout": 120000, **params},
    )


def edit_permission() -> Permission:
    return Permission(
        id="perm-2",
        session_id="s1",
        tool_name="Edit",
        description="Edit file app.py",
        action="write",
        path="/home/me/project",
        params={"file_path": "/home/me/project/app.py", "diff": DIFF},
    )


class ManualClockPermission(PermissionScreen):
    """The countdown's clock moves only when a test says so: no test depends on how fast it runs."""

    now = 0.0

    @staticmethod
    def clock() -> float:
        return ManualClockPermission.now


class PermissionApp(App[None]):
    def __init__(self, permission: Permission, *, timeout: float = 30.0, manual_clock: bool = False) -> None:
        super().__init__()
        self.permission = permission
        self.timeout = timeout
        self.manual_clock = manual_clock
        self.results: list[str | None] = []
        self.bells = 0
        self.modal: PermissionScreen | None = None

    def bell(self) -> None:
        self.bells += 1

    def on_mount(self) -> None:
        rule = rule_for(self.permission, "/home/me/project")
        if self.manual_clock:
            ManualClockPermission.now = 1000.0
            self.modal = ManualClockPermission(
                self.permission, timeout=self.timeout, received_at=1000.0, rule=rule
            )
        else:
            self.modal = PermissionScreen(
                self.permission, timeout=self.timeout, received_at=time.monotonic(), rule=rule
            )
        self.push_screen(self.modal, self.results.append)


def static_text(screen: PermissionScreen, selector: str) -> str:
    visual = screen.query_one(selector, Static).visual
    return str(visual)


async def test_bash_prompt_shows_the_exact_command_and_rings() -> None:
    app = PermissionApp(bash_permission("echo [bold]hi[/] && ls"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PermissionScreen)
        assert app.bells == 1
        # data, not markup: the brackets are shown as typed
        assert static_text(screen, "#permission-command") == "$ echo [bold]hi[/] && ls"
        assert "Bash" in static_text(screen, "#permission-headline")
        assert "command time limit: 120 s" in static_text(screen, "#permission-params")
        assert static_text(screen, "#permission-scope") == "s allows for this session: this command"
        assert "in: /home/me/project" in static_text(screen, "#permission-target")
        # the real clock: a loaded machine may already be a second or two in
        shown = re.fullmatch(r"denies in (\d+)s", static_text(screen, "#permission-countdown"))
        assert shown is not None and 20 <= int(shown.group(1)) <= 30
        assert not screen.query("#permission-diff")


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_a_long_diff_scrolls_and_the_answers_stay_on_screen(size: tuple[int, int]) -> None:
    long_diff = "--- a/app.py\n+++ b/app.py\n@@ -1,30 +1,30 @@\n" + "".join(f"-old {n}\n+new {n}\n" for n in range(30))
    permission = edit_permission()
    assert permission.params is not None
    permission.params["diff"] = long_diff
    app = PermissionApp(permission)
    async with app.run_test(size=size) as pilot:
        screen = app.screen
        assert isinstance(screen, PermissionScreen)
        visible = screen.region

        def answers_on_screen() -> bool:
            widgets = [screen.query_one(f"#{name}") for name in ("allow_once", "allow_session", "deny")]
            widgets.append(screen.query_one("#permission-countdown"))
            return all(w.region.height and visible.contains_region(w.region) for w in widgets)

        await wait_for(pilot, answers_on_screen, what="the buttons and the countdown on screen")
        body = screen.query_one("#permission-body")
        assert body.max_scroll_y > 0  # the diff scrolls instead


async def test_edit_prompt_colours_the_diff() -> None:
    app = PermissionApp(edit_permission())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PermissionScreen)
        assert "file: /home/me/project/app.py" in static_text(screen, "#permission-target")
        diff = screen.query_one("#permission-diff", Static)
        content = diff.visual
        text = str(content)
        assert "+    print('hello')" in text and "-    print('hi')" in text
        spans = {str(span.style) for span in content.spans}  # type: ignore[union-attr]
        assert any("green" in style for style in spans) and any("red" in style for style in spans)
        # the diff is not repeated as a plain parameter
        assert not screen.query("#permission-params")
        # "write" is not in "Edit file app.py": it is shown; the server's real pair is not
        assert "action: write" in static_text(screen, "#permission-headline")


async def test_an_action_the_description_already_says_is_not_repeated() -> None:
    permission = edit_permission().model_copy(update={"action": "edit", "description": "Edit file: app.py"})
    app = PermissionApp(permission)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "action:" not in static_text(app.screen, "#permission-headline")
        assert static_text(app.screen, "#permission-scope") == "s allows for this session: Edit in /home/me/project"


async def test_control_characters_never_reach_the_terminal() -> None:
    app = PermissionApp(bash_permission("printf '\x1b]52;c;aGk=\x07'"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "\x1b" not in static_text(app.screen, "#permission-command")  # type: ignore[arg-type]


@pytest.mark.parametrize(("key", "expected"), [("a", "once"), ("s", "session"), ("d", "deny"), ("escape", "deny")])
async def test_one_key_answers(key: str, expected: str) -> None:
    app = PermissionApp(bash_permission())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press(key)
        await pilot.pause()
        assert app.results == [expected]
        assert not isinstance(app.screen, PermissionScreen)
        # a second key after the answer does nothing
        await pilot.press("a")
        assert app.results == [expected]


async def test_buttons_answer_too() -> None:
    app = PermissionApp(bash_permission())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.click("#allow_session")
        await wait_for(pilot, lambda: app.results == ["session"], what="the answer")


def countdown(app: PermissionApp) -> str:
    assert app.modal is not None
    return static_text(app.modal, "#permission-countdown")


async def test_countdown_ticks_down_and_expires_with_none() -> None:
    app = PermissionApp(bash_permission(), timeout=12.5, manual_clock=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert countdown(app) == "denies in 13s"  # rounded up
        ManualClockPermission.now += 3.0
        await wait_for(pilot, lambda: countdown(app) == "denies in 10s", what="the countdown to tick")
        ManualClockPermission.now += 6.0
        await wait_for(pilot, lambda: countdown(app) == "denies in 4s", what="the countdown to tick")
        assert app.modal is not None
        urgent = app.modal.query_one("#permission-countdown", Static).visual
        assert any("red" in str(span.style) for span in urgent.spans)  # type: ignore[union-attr]
        assert app.results == []
        ManualClockPermission.now += 3.5
        await wait_for(pilot, lambda: app.results == [None], what="the expiry")
        assert not isinstance(app.screen, PermissionScreen)


async def test_countdown_expires_on_the_real_clock() -> None:
    app = PermissionApp(bash_permission(), timeout=1.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.results == [None], within=15, what="the expiry")
        assert not isinstance(app.screen, PermissionScreen)


async def test_already_expired_prompt_closes_at_once() -> None:
    app = PermissionApp(bash_permission(), timeout=-1)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.results == [None], what="the expiry")


async def test_resolve_elsewhere_shows_the_note_then_closes() -> None:
    app = PermissionApp(bash_permission())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.modal is not None
        app.modal.resolve_elsewhere("Answered in another window")
        # shown at once, before anything else runs (the screen closes on a timer)
        assert "Answered in another window" in static_text(app.modal, "#permission-note")
        assert app.modal.has_class("-resolved")
        await pilot.press("a")  # too late: ignored (the screen may be gone already on a slow machine)
        assert "once" not in app.results
        await wait_for(pilot, lambda: app.results == [None], what="the screen to close")


# ---- the grace period: keys meant for the composer do not answer -----------------------------------


GRACE = "mix_tui.tui.screens.permission.PermissionScreen.KEY_GRACE_SECONDS"


def hint_shown(app: PermissionApp) -> bool:
    assert app.modal is not None
    hint = app.modal.query_one("#permission-hint", Static)
    return bool(hint.display) and "press again" in str(hint.visual)


@pytest.mark.parametrize(
    ("key", "expected"),
    [("a", "once"), ("s", "session"), ("d", "deny"), ("escape", "deny"), ("enter", "once")],
)
async def test_answer_keys_right_after_the_prompt_opened_are_ignored(
    monkeypatch: pytest.MonkeyPatch, key: str, expected: str
) -> None:
    monkeypatch.setattr(GRACE, 60.0)  # the whole test runs inside the grace period
    app = PermissionApp(bash_permission())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.modal is not None
        assert not hint_shown(app)  # nothing special unless a key was swallowed
        if key == "enter":
            app.modal.query_one("#allow_once").focus()
            await pilot.pause()
        await pilot.press(key)
        await pilot.pause()
        assert app.results == [] and app.screen is app.modal
        assert hint_shown(app)

        monkeypatch.setattr(GRACE, 0.0)  # the moment has passed
        await pilot.press(key)
        await wait_for(pilot, lambda: app.results == [expected], what="the answer")


async def test_the_grace_period_ends_and_a_click_is_never_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(GRACE, 2.0)  # long enough to be seen running on a loaded machine
    app = PermissionApp(bash_permission())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        modal = app.modal
        assert modal is not None
        # on the real clock: wait until the grace period is over, however slow the machine
        assert not modal.accepting_keys
        await wait_for(pilot, lambda: modal.accepting_keys, what="the grace period to end")
        await pilot.press("d")
        await wait_for(pilot, lambda: app.results == ["deny"], what="the answer")
        assert not modal.has_class("-grace-hint")  # nothing was swallowed

    monkeypatch.setattr(GRACE, 60.0)
    app = PermissionApp(bash_permission())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.click("#allow_session")  # a click is deliberate
        await wait_for(pilot, lambda: app.results == ["session"], what="the answer")


def test_remaining_seconds_rounds_up() -> None:
    assert remaining_seconds(10.0, 0.0) == 10
    assert remaining_seconds(10.0, 0.1) == 10
    assert remaining_seconds(10.0, 9.01) == 1
    assert remaining_seconds(10.0, 10.5) == 0
    assert isinstance(Text("x"), Text)


async def test_expiry_while_covered_by_another_screen_closes_the_right_one() -> None:
    from textual.screen import Screen

    app = PermissionApp(bash_permission(), timeout=5, manual_clock=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        modal = app.modal
        assert modal is not None
        cover = Screen()
        await app.push_screen(cover)
        ManualClockPermission.now += 6  # expires while covered
        await wait_for(pilot, lambda: modal.answered, what="the expiry")
        assert app.screen is cover and app.results == []
        app.pop_screen()
        await wait_for(pilot, lambda: app.results == [None], what="the expired prompt to close")
        assert not isinstance(app.screen, PermissionScreen)
