"""SVG snapshots of the permission modal, the welcome screen and the session list.

Deterministic: a frozen clock for the countdown and the relative times, no cursor blink, a fixed
terminal size. Update with `pytest tests/tui/test_snapshots_screens.py --snapshot-update` and look
at the SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Input

from mix_tui.protocol.events import Permission
from mix_tui.protocol.models import SessionData
from mix_tui.sdk import MixClient
from mix_tui.tui.screens.permission import PermissionScreen
from mix_tui.tui.screens.welcome import WelcomeScreen
from mix_tui.tui.session.permissions import rule_for
from mix_tui.tui.widgets.sidebar import Sidebar
from tests.tui.conftest import ServerProcess, wait_for

SnapCompare = Callable[..., bool]
FROZEN = 1000.0

EDIT_DIFF = "\n".join(
    [
        "--- a/src/greet.py",
        "+++ b/src/greet.py",
        "@@ -1,6 +1,8 @@",
        " import sys",
        " ",
        "-def greet(name):",
        '-    print("hello " + name)',
        "+def greet(name: str, *, loud: bool = False) -> None:",
        '+    message = f"hello {name}"',
        "+    print(message.upper() if loud else message)",
        " ",
        ' if __name__ == "__main__":',
        "-    greet(sys.argv[1])",
        '+    greet(sys.argv[1], loud="--loud" in sys.argv)',
    ]
)


class FrozenPermission(PermissionScreen):
    @staticmethod
    def clock() -> float:
        return FROZEN + 3.2  # "denies in 27s"


class PermissionApp(App[None]):
    def __init__(self, permission: Permission) -> None:
        super().__init__()
        self.permission = permission

    def on_mount(self) -> None:
        rule = rule_for(self.permission, "/home/ada/projects/greeter")
        self.push_screen(FrozenPermission(self.permission, timeout=30, received_at=FROZEN, rule=rule))


def permission(tool: str, params: dict[str, Any], description: str, action: str) -> Permission:
    return Permission(
        id="p-1", session_id="s-1", tool_name=tool, description=description, action=action,
        path="/home/ada/projects/greeter", params=params,
    )  # fmt: skip


def test_permission_bash(snap_compare: SnapCompare) -> None:
    command = "rm -rf build/ dist/ && python -m build --wheel 2>&1 | tail -n 20"
    app = PermissionApp(
        permission("Bash", {"command": command, "timeout": 120000}, f"Execute command: {command}", f"Execute command: {command}")
    )
    assert snap_compare(app, terminal_size=(100, 30))


def test_permission_edit_with_diff(snap_compare: SnapCompare) -> None:
    params = {"file_path": "/home/ada/projects/greeter/src/greet.py", "diff": EDIT_DIFF}
    app = PermissionApp(permission("Edit", params, "Edit src/greet.py", "write"))
    assert snap_compare(app, terminal_size=(100, 36))


class WelcomeApp(App[None]):
    def __init__(self, url: str, token: str) -> None:
        super().__init__()
        self.url, self.token = url, token
        self.client: MixClient | None = None

    def on_mount(self) -> None:
        # the client is made in the app's own event loop (snap_compare runs one per app)
        self.client = MixClient(self.url, self.token)
        self.push_screen(WelcomeScreen(self.client, reason="The server refused the message: no API key for anthropic"))

    async def on_unmount(self) -> None:
        if self.client is not None:
            await self.client.aclose()


def test_welcome(snap_compare: SnapCompare, server: ServerProcess) -> None:
    async def loaded(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, WelcomeScreen)
        await wait_for(pilot, lambda: bool(screen.rows), what="providers")  # type: ignore[arg-type]
        screen.query_one("#welcome-key", Input).cursor_blink = False
        await pilot.pause()

    assert snap_compare(WelcomeApp(server.url, server.token), terminal_size=(100, 40), run_before=loaded)


NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


class SidebarApp(App[None]):
    CSS = "Screen { layout: horizontal; }"

    def compose(self) -> ComposeResult:
        yield Sidebar(clock=lambda: NOW)

    def on_mount(self) -> None:
        def session(n: int, title: str, ago: timedelta, messages: int, cost: float) -> SessionData:
            return SessionData(
                id=f"s{n}", title=title, created_at=NOW - ago, user_message_count=messages // 2,
                assistant_message_count=messages - messages // 2, cost=cost,
            )  # fmt: skip

        sidebar = self.query_one(Sidebar)
        sidebar.set_sessions(
            [
                session(1, "Fix the flaky login test on CI", timedelta(minutes=3), 12, 0.0123),
                session(2, "Refactor the parser into small modules", timedelta(hours=2), 30, 1.5),
                session(3, "Why is the build slow?", timedelta(hours=30), 4, 0.002),
                session(4, "Write release notes for 0.3", timedelta(days=4), 8, 0.04),
            ]
        )
        sidebar.set_current("s2")
        sidebar.set_activity("s1", running=True, awaiting_permission=True)
        sidebar.filter_input.cursor_blink = False


def test_sidebar(snap_compare: SnapCompare) -> None:
    assert snap_compare(SidebarApp(), terminal_size=(60, 14))
