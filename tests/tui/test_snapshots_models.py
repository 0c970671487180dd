"""SVG snapshots of the model picker, the settings screen and the chat in an 80x24 terminal (session
list hidden, the queue, the options row and the slash completion list open). Deterministic: fixed
sizes, in-memory catalogues and settings, no cursor blink. Update with `--snapshot-update` and look."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input

from mix_tui.sdk.client import MixClient
from mix_tui.tui.config import Settings, SettingsStore
from mix_tui.tui.screens.chat import ChatScreen
from mix_tui.tui.screens.model_picker import ModelPicker
from mix_tui.tui.screens.settings import SettingsScreen
from mix_tui.tui.session.model_choice import Catalog, ModelEntry
from mix_tui.tui.session.options import SendOptions
from mix_tui.tui.widgets.queue import QueuedPrompts
from tests.tui.conftest import wait_for
from tests.tui.scripted import BASE_URL, ScriptedMix
from tests.tui.test_snapshots_chat import GREETING, ChatSnapshotApp, prepare, stream

SnapCompare = Callable[..., bool]


def entry(provider: str, name: str, model: str, window: int | None, price: tuple[float, float] | None,
          ready: bool = True) -> ModelEntry:  # fmt: skip
    return ModelEntry(
        provider, model, name, window, price[0] if price else None, price[1] if price else None, ready
    )


CATALOG = Catalog(
    entries=[
        entry("demo", "Offline demo (no AI)", "demo", None, None),
        entry("anthropic", "Anthropic", "claude-sonnet-4-6", 200_000, (3.0, 15.0)),
        entry("anthropic", "Anthropic", "claude-opus-4-7", 200_000, (5.0, 25.0)),
        entry("anthropic", "Anthropic", "claude-haiku-4-5", 200_000, (1.0, 5.0)),
        entry("openai", "OpenAI", "gpt-5.4", 400_000, (2.5, 15.0), ready=False),
        entry("openai", "OpenAI", "gpt-4.1", 1_047_576, (2.0, 8.0), ready=False),
        entry("openrouter", "OpenRouter", "deepseek/deepseek-chat", None, None, ready=False),
    ],
    default=("anthropic", "claude-sonnet-4-6"),
    has_preferences=True,
)


class PickerApp(App[None]):
    def on_mount(self) -> None:
        settings = Settings().remember_model("anthropic/claude-haiku-4-5").toggle_favourite("anthropic/claude-opus-4-7")
        self.push_screen(ModelPicker(CATALOG, SettingsStore(settings), current=("anthropic", "claude-sonnet-4-6")))


async def no_blink(pilot: Pilot[None]) -> None:
    await wait_for(pilot, lambda: pilot.app.screen.query(Input), what="the screen")
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False
    await pilot.pause()


def test_model_picker(snap_compare: SnapCompare) -> None:
    assert snap_compare(PickerApp(), terminal_size=(100, 30), run_before=no_blink)


class NoChat:
    """The settings screen tells the chat about changes; there is none here."""

    async def refresh(self) -> None:
        return None

    async def key_saved(self, provider: str) -> None:
        return None


class SettingsApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.mix = ScriptedMix()
        self.mix.preferences = {"preferred_provider": "openai", "main_agent_model": "gpt-5", "main_agent_max_tokens": 8192,
                                "main_agent_reasoning_effort": "medium", "sub_agent_model": "gpt-4.1"}  # fmt: skip
        self.client: MixClient | None = None

    def on_mount(self) -> None:
        self.client = MixClient(BASE_URL, transport=self.mix.transport)
        self.push_screen(SettingsScreen(self.client, SettingsStore(Settings(thinking="medium")), NoChat()))

    async def on_unmount(self) -> None:
        if self.client is not None:
            await self.client.aclose()


def test_settings(snap_compare: SnapCompare) -> None:
    async def loaded(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, SettingsScreen)
        await wait_for(pilot, lambda: screen.query("#set-key-del-openai"), what="the server's part")
        await no_blink(pilot)

    assert snap_compare(SettingsApp(), terminal_size=(100, 40), run_before=loaded)


async def small_terminal(chat: ChatScreen) -> None:
    await stream(chat, "u1", GREETING[:6], 100.0)
    chat.status.set(running=True)
    chat.query_one(QueuedPrompts).set_prompts(["and add a test for it", "then open a pull request"])
    chat.options_flow.set(SendOptions(thinking="maximum", plan=True))
    chat.composer.load_text("/th")  # the completion list opens


def test_chat_in_80_columns(snap_compare: SnapCompare) -> None:
    assert snap_compare(ChatSnapshotApp(), terminal_size=(80, 24), run_before=prepare(small_terminal))
