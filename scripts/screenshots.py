"""Regenerate the README screenshots (`screenshots/*.svg`) from the real app and a real demo server.

    .venv/bin/python scripts/screenshots.py [--out screenshots] [--size 120x40]

Runs `MixApp` headless (`App.run_test`) with the offline demo model at full speed, in a throwaway
data dir and workdir, and exports SVGs of: the chat with a streamed answer holding a code block,
the Bash permission modal, an expanded Edit tool panel with its diff, a Task panel with its sub-agent's
run nested, the usage line under each answer with the /cost details of one, the search across
sessions, the welcome screen, the model picker and the settings screen.
Needs the test extra (it reuses the helpers the TUI tests drive the app with).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import cast

from textual.pilot import Pilot

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mix_tui.tui.app import AppConfig, MixApp  # noqa: E402
from mix_tui.tui.screens.chat import ChatScreen  # noqa: E402
from mix_tui.tui.screens.model_picker import ModelPicker  # noqa: E402
from mix_tui.tui.screens.permission import PermissionScreen  # noqa: E402
from mix_tui.tui.screens.search import SearchScreen  # noqa: E402
from mix_tui.tui.screens.settings import SettingsScreen  # noqa: E402
from mix_tui.tui.screens.welcome import WelcomeScreen  # noqa: E402
from mix_tui.tui.widgets.subagent import SubagentPanel  # noqa: E402
from tests.tui.conftest import ready_chat, send, tool_panels, turn_over, wait_for  # noqa: E402

GREET = '''"""A tiny greeter."""


def greet(name: str) -> str:
    return f"Hello, {name}!"


if __name__ == "__main__":
    print(greet("world"))
'''



async def settled(pilot: Pilot[object]) -> None:
    """Every scheduled animation and refresh done: what is saved is what a user would see."""
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()

async def answer(pilot: Pilot[object], key: str) -> None:
    """Answer the permission prompt once it takes keys (it ignores them for a moment after opening)."""
    screen = pilot.app.screen
    assert isinstance(screen, PermissionScreen)
    await wait_for(pilot, lambda: screen.accepting_keys, what="the prompt to take keys")
    await pilot.press(key)


async def capture(out: Path, size: tuple[int, int], workdir: Path, data_dir: Path) -> list[Path]:
    config = AppConfig(demo=True, data_dir=data_dir, workdir=workdir, server_args=("--demo-rate", "max"))
    app = MixApp(config)
    written: list[Path] = []

    def shot(name: str) -> None:
        path = out / f"{name}.svg"
        path.write_text(app.export_screenshot(title="mix-tui"), encoding="utf-8")
        written.append(path)
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    async with app.run_test(size=size) as app_pilot:
        # the test helpers take any app's pilot (typed Pilot[object]; Pilot is invariant)
        pilot = cast("Pilot[object]", app_pilot)
        chat = await ready_chat(pilot)

        # 1. a streamed answer with a code block
        await send(pilot, chat, "Show me some python code, please")
        await wait_for(pilot, lambda: turn_over(chat, 1), what="the first answer")
        await settled(pilot)
        shot("chat")

        # 2. the permission modal for a Bash command (denied: nothing runs)
        await send(pilot, chat, "$ rm -rf build/ dist/ && python -m build --wheel")
        await wait_for(pilot, lambda: isinstance(app.screen, PermissionScreen), what="the Bash prompt")
        await settled(pilot)
        shot("permission")
        await answer(pilot, "d")
        await wait_for(pilot, lambda: turn_over(chat, 2), what="the denied turn")

        # 3. an Edit, allowed, with its panel expanded to the diff
        await send(pilot, chat, 'edit greet.py\nreturn f"Hello, {name}!" -> return f"Howdy, {name}!"')
        await wait_for(pilot, lambda: isinstance(app.screen, PermissionScreen), what="the Edit prompt")
        await answer(pilot, "a")
        await wait_for(pilot, lambda: turn_over(chat, 3), what="the edit turn")
        panel = tool_panels(chat)[-1]
        panel.focus()
        await pilot.press("enter")
        panel.scroll_visible(animate=False, top=True)
        await settled(pilot)
        shot("tool-diff")

        # 4. a Task call: its sub-agent's run nested in the panel (thinking, its Bash call, its answer)
        await send(pilot, chat, "task $ ls && echo the sub-agent looked around")
        await wait_for(pilot, lambda: isinstance(app.screen, PermissionScreen), what="the sub-agent's prompt")
        await answer(pilot, "a")
        await wait_for(pilot, lambda: turn_over(chat, 4), what="the Task turn")
        task = next(p for p in reversed(tool_panels(chat)) if isinstance(p, SubagentPanel))
        await wait_for(pilot, lambda: bool(task.view.children), what="the sub-agent's parts")
        chat.transcript.focus_panel(task)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(task.child_widgets) >= 3, what="the nested panels")
        task.scroll_visible(animate=False, top=True)
        await settled(pilot)
        shot("subagent")

        # 5. the usage line under each answer, and the details of the selected one (/cost)
        await pilot.press("escape")  # the panel lets the focus go
        chat.composer.focus()
        await pilot.press("alt+up", "alt+up", "alt+up")  # the last answer, its prompt, the answer before
        await send(pilot, chat, "/cost")
        await wait_for(pilot, lambda: any(getattr(i, "title", "") == "Cost and tokens" for i in chat.transcript.items),
                       what="the details note")  # fmt: skip
        await settled(pilot)
        shot("cost")

        # 6. search across sessions, from a new chat
        await pilot.press("ctrl+n")
        await send(pilot, chat, "/search greet")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen) and bool(app.screen.hits), what="hits")
        app.screen.query_one("#search-input").cursor_blink = False  # type: ignore[attr-defined]
        await settled(pilot)
        shot("search")
        await pilot.press("escape")

        # 7. the welcome screen, as after a refused send
        app.show_welcome(reason="The server refused the message: no API key configured for anthropic")
        await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen) and bool(app.screen.rows), what="welcome")
        app.screen.query_one("#welcome-key").cursor_blink = False  # type: ignore[attr-defined]
        await settled(pilot)
        shot("welcome")
        await pilot.press("escape")
        await capture_models(pilot, app, chat, shot)
        await app.action_quit()
    return written


async def capture_models(pilot: Pilot[object], app: MixApp, chat: ChatScreen, shot: Callable[[str], None]) -> None:
    """8. the model picker (filtered to one provider), 9. the settings screen."""
    await wait_for(pilot, lambda: app.screen is chat, what="the chat again")
    await send(pilot, chat, "/model")
    await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker) and app.screen.rows, what="the model picker")
    await pilot.press(*"claude")
    app.screen.query_one("#picker-filter").cursor_blink = False  # type: ignore[attr-defined]
    await settled(pilot)
    shot("model-picker")
    await pilot.press("escape")
    await wait_for(pilot, lambda: app.screen is chat, what="the chat again")
    await send(pilot, chat, "/settings")
    await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen) and app.screen.state.auth is not None,
                   what="the settings")  # fmt: skip
    for box in app.screen.query("Input"):
        box.cursor_blink = False  # type: ignore[attr-defined]
    await settled(pilot)
    shot("settings")
    await pilot.press("escape")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--size", default="120x40", help="terminal size, WIDTHxHEIGHT")
    args = parser.parse_args()
    width, height = (int(part) for part in args.size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    # never a real key or keyring: the demo needs neither
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    # a fixed path, so the paths shown in the screenshots do not change on every run
    tmp = Path(tempfile.gettempdir()) / "mix-tui-screenshots"
    shutil.rmtree(tmp, ignore_errors=True)
    workdir, data_dir = tmp / "greeter", tmp / "data"
    workdir.mkdir(parents=True)
    (workdir / "greet.py").write_text(GREET, encoding="utf-8")
    try:
        asyncio.run(capture(args.out, (width, height), workdir, data_dir))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
