"""`/settings`: models and keys (kept by the server) and this app's own settings (config.toml).

Every change applies at once: server preferences are saved with `POST /api/preferences`, keys with
`POST /api/auth/api-key` (the key box is masked and emptied after saving; a key is never shown
again), app settings go to config.toml. The line at the bottom says what happened.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Input, Select, Static

from mix_tui.tui.config import THINKING_LEVELS, SettingsStore
from mix_tui.tui.screens import settings_server as server
from mix_tui.tui.screens.confirm import ConfirmScreen
from mix_tui.tui.screens.model_picker import ModelPicker, Picked
from mix_tui.tui.session.model_choice import load_catalog, model_key
from mix_tui.tui.widgets.safe_text import clean

if TYPE_CHECKING:
    from mix_tui.protocol.models import UserPreferences
    from mix_tui.sdk.client import MixClient


class ModelUpdates(Protocol):
    """What the chat does when models or keys change here (screens/model_flow.py's ModelFlow)."""

    async def refresh(self) -> None: ...

    async def key_saved(self, provider: str) -> None: ...

_ALERTS = (
    ("bell", "ring the bell when a turn ends or a tool asks (while you are away)"),
    ("desktop", "a desktop notification then (where the terminal shows them)"),
    ("toast", "a toast naming the session then"),
    ("title", "a marker in the terminal title then"),
)


def _field(label: str, *controls: object, id: str | None = None) -> Horizontal:
    row = Horizontal(classes="set-field", id=id)
    row.compose_add_child(Static(Text(label), classes="set-label"))
    for control in controls:
        row.compose_add_child(control)  # type: ignore[arg-type]
    return row


class SettingsScreen(Screen[None]):
    CSS_PATH = Path(__file__).with_name("settings.tcss")
    AUTO_FOCUS = "#set-theme"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close settings")]

    def __init__(self, client: MixClient, settings: SettingsStore, models: ModelUpdates) -> None:
        super().__init__()
        self.client = client
        self.settings = settings
        self.models = models
        self.state = server.ServerState()
        # what each choice box shows by our doing: its change events echo it and are no edit (a
        # value set from the server's answer would otherwise be saved back, and round and round)
        self._shown: dict[str, str] = {"set-main-effort": "", "set-sub-effort": "",
                                       "set-theme": self.app.theme, "set-thinking": settings.current.thinking}  # fmt: skip

    # ---- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        current = self.settings.current
        efforts = [("server default", ""), *((e, e) for e in server.EFFORTS)]
        with VerticalScroll(id="set-page"):
            yield Static(Text("Settings", style="bold"), id="set-title")
            yield Static(Text("Models (kept by the server)", style="bold underline"), classes="set-heading")
            yield Static(id="set-server-problem", classes="set-note")
            for role, title in (("main", "Main agent"), ("sub", "Sub-agent")):
                yield _field(
                    f"{title} model", Static("…", id=f"set-{role}-model", classes="set-value set-model"),
                    Button("Change…", id=f"set-{role}-change", compact=True),
                )  # fmt: skip
                yield _field(f"{title} max tokens", Input(type="integer", placeholder="server default",
                                                          id=f"set-{role}-tokens", compact=True))  # fmt: skip
                yield _field(
                    f"{title} reasoning", Select(efforts, allow_blank=False, value="", id=f"set-{role}-effort", compact=True)
                )  # fmt: skip
            yield Static(Text("Provider keys (the server keeps them in the system keyring)", style="bold underline"),
                         classes="set-heading")  # fmt: skip
            yield Vertical(id="set-keys")
            yield _field(
                "Add a key", Select[str]([], prompt="provider", id="set-key-provider", compact=True),
                Input(password=True, placeholder="paste the key", id="set-key-value", compact=True),
                Button("Save", id="set-key-save", compact=True, variant="primary"),
            )  # fmt: skip
            yield Static(Text("This app (config.toml)", style="bold underline"), classes="set-heading")
            themes = sorted(self.app.available_themes)
            yield _field("Theme", Select([(t, t) for t in themes], value=self.app.theme, allow_blank=False,
                                         id="set-theme", compact=True))  # fmt: skip
            levels = [("server decides", ""), *((level, level) for level in THINKING_LEVELS)]
            yield _field("Thinking level", Select(levels, value=current.thinking, allow_blank=False,
                                                  id="set-thinking", compact=True))  # fmt: skip
            yield _field("Message footer", Checkbox("tokens and cost under each answer", current.message_footer,
                                                    id="set-footer", compact=True))  # fmt: skip
            yield _field("Follow", Checkbox("follow a streaming answer at the bottom", current.follow,
                                            id="set-follow", compact=True))  # fmt: skip
            yield _field("Sidebar width", Input(str(current.sidebar_width), type="integer", id="set-sidebar",
                                                compact=True))  # fmt: skip
            for index, (name, label) in enumerate(_ALERTS):
                yield _field("Alerts" if index == 0 else "", Checkbox(label, getattr(current.alerts, name),
                                                                      id=f"set-alert-{name}", compact=True))  # fmt: skip
            path = self.settings.file.path if self.settings.file is not None else None
            where = f"{path}" if path is not None else "not saved (no config file in this run)"
            yield Static(Text(f"File: {where} · keys: its [keys] table (F1 lists them)", style="dim"),
                         classes="set-note")  # fmt: skip
        yield Static(Text("Esc closes · changes apply at once", style="dim"), id="set-status")

    def on_mount(self) -> None:
        self.load_server()

    # ---- the server's part -------------------------------------------------------------------

    @work(exclusive=True, group="settings-load")
    async def load_server(self) -> None:
        self.state = await server.load(self.client)
        if self.is_attached:
            self.show_server()

    def show_server(self) -> None:
        state, prefs = self.state, self.state.preferences
        problem = self.query_one("#set-server-problem", Static)
        problem.update(Text(clean(state.problem), "yellow"))
        problem.display = bool(state.problem)
        for role in ("main", "sub"):
            model = (prefs.main_agent_model if role == "main" else prefs.sub_agent_model) if prefs else None
            provider = prefs.preferred_provider if prefs else None
            shown = model_key(provider, model) if provider and model and role == "main" else model
            starred = state.starred_provider
            default = (f"{starred}'s default model" if starred else "the server's default") if role == "main" else "the main agent's"
            self.query_one(f"#set-{role}-model", Static).update(Text(clean(shown or default)))
            tokens = getattr(prefs, f"{role}_agent_max_tokens", None) if prefs else None
            self.query_one(f"#set-{role}-tokens", Input).value = str(tokens) if tokens else ""
            effort = (getattr(prefs, f"{role}_agent_reasoning_effort", None) or "") if prefs else ""
            self._show_choice(f"set-{role}-effort", effort if effort in server.EFFORTS else "")
            for selector in (f"#set-{role}-change", f"#set-{role}-tokens", f"#set-{role}-effort"):
                self.query_one(selector).disabled = not state.has_preferences
        self._show_keys()

    def _show_choice(self, select_id: str, value: str) -> None:
        self._shown[select_id] = value
        self.query_one(f"#{select_id}", Select).value = value

    def _show_keys(self) -> None:
        box = self.query_one("#set-keys", Vertical)
        box.remove_children()
        rows = server.key_rows(self.state.auth)
        for name, display, state, deletable in rows:
            row = _field(display, Static(Text(state, "green" if deletable or "ready" in state else "dim"),
                                          classes="set-value"))  # fmt: skip
            if deletable:
                row.compose_add_child(Button("Delete", id=f"set-key-del-{name}", compact=True, variant="error"))
            box.mount(row)
        choices = [(display, name) for name, display, state, _ in rows if "no key needed" not in state]
        self.query_one("#set-key-provider", Select).set_options(choices)

    def say(self, text: str, style: str = "") -> None:
        self.query_one("#set-status", Static).update(Text(clean(text), style))

    @work(group="settings-save")
    async def save_preferences(self, **fields: object) -> None:
        saved, message = await server.update(self.client, **fields)
        if saved is not None:
            self.state.preferences = saved
            await self.models.refresh()
        if self.is_attached:
            self.say(message, "" if saved is not None else "red")
            if saved is not None:
                self.show_server()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button.id or ""
        event.stop()
        if button in ("set-main-change", "set-sub-change"):
            self.pick_model("main" if button == "set-main-change" else "sub")
        elif button == "set-key-save":
            self.save_key()
        elif button.startswith("set-key-del-"):
            self.ask_delete(button.removeprefix("set-key-del-"))

    @work(group="settings-pick")
    async def pick_model(self, role: str) -> None:
        catalog = await load_catalog(self.client)
        title = "Main agent model (the default)" if role == "main" else "Sub-agent model (Task tool)"
        picked: Picked | None = await self.app.push_screen_wait(
            ModelPicker(catalog, self.settings, title=title, can_default=False)
        )
        if picked is None:
            return
        if role == "main":
            self.save_preferences(preferred_provider=picked.provider, main_agent_model=picked.model)
        else:
            self.save_preferences(sub_agent_model=picked.model)

    @on(Input.Submitted)
    def _typed(self, event: Input.Submitted) -> None:
        self._input_done(event.input)

    @on(Input.Blurred)
    def _left(self, event: Input.Blurred) -> None:
        if event.input.id != "set-key-value":
            self._input_done(event.input)

    def _input_done(self, box: Input) -> None:
        if box.id == "set-key-value":
            self.save_key()
            return
        if box.id not in ("set-main-tokens", "set-sub-tokens", "set-sidebar") or not box.value.strip():
            return
        if box.id == "set-sidebar":
            if box.value.strip() != str(self.settings.current.sidebar_width):
                self._change_app(sidebar_width=box.value.strip())
            return
        try:
            value = server.parse_max_tokens(box.value)
        except ValueError as exc:
            self.say(str(exc), "red")
            return
        role = "main" if box.id == "set-main-tokens" else "sub"
        prefs: UserPreferences | None = self.state.preferences
        if prefs is None or getattr(prefs, f"{role}_agent_max_tokens") != value:
            self.save_preferences(**{f"{role}_agent_max_tokens": value})

    @on(Select.Changed)
    def _selected(self, event: Select.Changed) -> None:
        select_id = event.select.id or ""
        value = event.value if isinstance(event.value, str) else ""
        if event.value != event.select.value:
            return  # a stale event: the box has been given another value since
        if select_id not in self._shown or self._shown[select_id] == value:
            return  # the echo of a value we set, or the key form's provider box
        self._shown[select_id] = value
        if select_id == "set-theme" and value:
            self._change_app(theme=value)
        elif select_id == "set-thinking":
            self._change_app(thinking=value)
        elif self.state.has_preferences:
            role = select_id.split("-")[1]
            self.save_preferences(**{f"{role}_agent_reasoning_effort": value})

    @on(Checkbox.Changed)
    def _checked(self, event: Checkbox.Changed) -> None:
        box = event.checkbox.id or ""
        if box == "set-footer":
            self._change_app(message_footer=event.value)
        elif box == "set-follow":
            self._change_app(follow=event.value)
        elif box.startswith("set-alert-"):
            alerts = self.settings.current.alerts.model_copy(update={box.removeprefix("set-alert-"): event.value})
            self._change_app(alerts=alerts)

    def _change_app(self, **fields: object) -> None:
        try:
            problem = self.settings.change(**fields)
        except ValueError as exc:  # pydantic's ValidationError is one
            self.say(f"not changed: {exc}", "red")
            return
        self.say(problem or f"saved to config.toml: {', '.join(name.replace('_', ' ') for name in fields)}",
                 "red" if problem else "")  # fmt: skip

    # ---- keys --------------------------------------------------------------------------------

    @work(exclusive=True, group="settings-key")
    async def save_key(self) -> None:
        provider = self.query_one("#set-key-provider", Select).value
        box = self.query_one("#set-key-value", Input)
        key = box.value.strip()
        if not isinstance(provider, str) or not key:
            self.say("choose a provider and paste its key first", "red")
            return
        refused = await server.store_key(self.client, provider, key)
        if refused is not None:
            self.say(f"the server refused the key: {refused}", "red")  # it stays in the box to fix
            return
        box.value = ""
        await self.models.key_saved(provider)
        self.say(f"key for {provider} stored; the next prompt can use it")
        self.load_server()

    def ask_delete(self, provider: str) -> None:
        question = Text(f"Delete the stored key for {provider}? Prompts to it will fail until a new one is added.")

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self.delete_key(provider)

        self.app.push_screen(ConfirmScreen(question, confirm_label="Delete"), answered)

    @work(group="settings-key")
    async def delete_key(self, provider: str) -> None:
        self.say(await server.delete_key(self.client, provider))
        await self.models.refresh()
        self.load_server()

    def action_close(self) -> None:
        self.dismiss(None)
