"""First run: pick a provider and paste its API key, or use the offline demo model. Never a dead end.

The providers come from the server (`GET /api/auth/status`, plus `GET /api/preferences/providers`
where the server still has it). The key goes to the server (`POST /api/auth/api-key`), which keeps it
in the system keyring; this screen never stores it. A rejected key stays in the box with the
server's reason under it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Button, Input, Select, Static

from mix_tui.protocol.models import AuthStatus, ProviderInfo
from mix_tui.sdk import MixClient, MixError
from mix_tui.tui.widgets.safe_text import clean

DEMO = "demo"
# tool keys (web search), not model providers; the demo has its own button
_NOT_MODEL_PROVIDERS = {"brave"}
# what Mix servers offer when they cannot tell us (mix-contract.md §2.7)
FALLBACK_PROVIDERS = ("anthropic", "openai", "openrouter", "gemini")


@dataclass(frozen=True)
class ProviderRow:
    name: str
    display_name: str
    authenticated: bool
    keyless: bool  # usable without any key (the demo, a local model server)
    models: int = 0


def provider_rows(status: AuthStatus | None, infos: dict[str, ProviderInfo] | None) -> list[ProviderRow]:
    """Merge what the server said; `display_name` loses Go's " ⭐" mark of the preferred provider."""
    names: list[str] = []
    for source in (status.providers if status else {}, infos or {}):
        names += [name for name in source if name not in names and name not in _NOT_MODEL_PROVIDERS]
    if not names:
        names = list(FALLBACK_PROVIDERS)
    rows = []
    for name in names:
        auth = status.providers.get(name) if status else None
        info = (infos or {}).get(name)
        display = (auth.display_name if auth else "") or (info.display_name if info else "") or name
        authenticated = bool(auth and auth.authenticated)
        keyless = name == DEMO or (authenticated and auth is not None and auth.auth_method == "none")
        rows.append(
            ProviderRow(
                name=name,
                display_name=display.replace("⭐", "").strip(),
                authenticated=authenticated,
                keyless=keyless,
                models=len(info.models) if info else 0,
            )
        )
    return rows

SHORT_ROWS = 32  # below this many rows the page is laid out compactly


class WelcomeScreen(Screen[str]):
    """Dismisses with the provider whose key was stored (or already was), or "demo"."""

    CSS_PATH = Path(__file__).with_name("welcome.tcss")  # absolute: subclasses live elsewhere
    AUTO_FOCUS = "#welcome-key"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "demo", "Use the offline demo"),
        # while the key box has focus, Input takes printable keys first, so "q" types a "q" there
        Binding("q", "demo", "Use the offline demo", show=False),
    ]

    def __init__(self, client: MixClient, *, reason: str | None = None) -> None:
        super().__init__()
        self.client = client
        self.reason = reason
        self.rows: list[ProviderRow] = []
        self._saving = False

    # ---- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="welcome-page"), Vertical(id="welcome-box"):
            yield Static(Text("Welcome to mix-tui", style="bold"), id="welcome-title")
            if self.reason:
                yield Static(Text(clean(self.reason)), id="welcome-reason")
            yield Static(
                Text(
                    "mix-tui talks to an AI model through a provider. Paste an API key for one of the "
                    "providers below: the server keeps it in your system keyring, never in a file. "
                    "Or try the offline demo model, which needs no key and no network."
                ),
                id="welcome-intro",
            )
            yield Static(Text("Asking the server which providers it offers…", style="dim"), id="welcome-providers")
            with Horizontal(classes="welcome-field"):
                yield Static(Text("Provider"), classes="welcome-label")
                yield Select[str]([], prompt="choose a provider", allow_blank=True, id="welcome-provider")
            with Horizontal(classes="welcome-field"):
                yield Static(Text("API key"), classes="welcome-label")
                yield Input(placeholder="paste the key here", password=True, id="welcome-key")
            yield Static(id="welcome-error")
            with Horizontal(id="welcome-actions"):
                yield Button(Text("Save key and continue"), id="welcome-save", variant="primary")
                yield Button(Text("Use the offline demo model"), id="welcome-demo")
            yield Static(Text("Enter saves the key · Esc uses the offline demo", style="dim"), id="welcome-hint")

    def on_mount(self) -> None:
        self._fit(self.app.size.height)
        self.load_providers()

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.height)

    def _fit(self, height: int) -> None:
        """A short terminal (80×24) gets compact fields and no spare margins, so the buttons show."""
        short = height < SHORT_ROWS
        self.set_class(short, "-short")
        for widget in self.query("#welcome-box Select, #welcome-box Input, #welcome-box Button"):
            widget.compact = short  # type: ignore[attr-defined]

    @property
    def _gone(self) -> bool:
        """Dismissed (or being removed): a worker whose answer arrives now must leave the widgets
        alone. Textual cancels the screen's workers only once its widgets are already removed, so
        an answer can land in between."""
        return not self.is_attached or self not in self.app.screen_stack

    # ---- providers ----------------------------------------------------------------------------

    @work(exclusive=True, group="welcome-load")
    async def load_providers(self) -> None:
        status: AuthStatus | None = None
        infos: dict[str, ProviderInfo] | None = None
        problem = ""
        try:
            status = await self.client.auth.status()
        except MixError as exc:
            problem = exc.message
        try:
            infos = await self.client.preferences.providers()
        except MixError:
            infos = None  # newer servers dropped preferences; the auth status is enough
        if not self._gone:
            # the app may be shutting down: its widgets go before the screen leaves the stack
            with contextlib.suppress(NoMatches):
                self.show_providers(provider_rows(status, infos), problem)

    def show_providers(self, rows: list[ProviderRow], problem: str = "") -> None:
        self.rows = rows
        listing = Text()
        for row in rows:
            if listing:
                listing.append("\n")
            mark, style, note = (
                ("✓", "green", "ready, no key needed")
                if row.keyless
                else ("✓", "green", "ready, key stored")
                if row.authenticated
                else ("·", "dim", "needs an API key")
            )
            listing.append(f" {mark} ", style=style)
            listing.append(f"{clean(row.display_name):<24}", style="bold" if row.authenticated else "")
            listing.append(note, style="dim")
        if problem:
            listing.append("\n")
            listing.append(f"The server did not list its providers: {clean(problem)}", style="yellow")
        self.query_one("#welcome-providers", Static).update(listing)
        choices = [(clean(row.display_name), row.name) for row in rows if not row.keyless]
        select = self.query_one("#welcome-provider", Select)
        select.set_options(choices)
        preferred = next((name for _, name in choices if name == "anthropic"), choices[0][1] if choices else None)
        if preferred is not None:
            select.value = preferred

    # ---- actions ------------------------------------------------------------------------------

    def _selected_provider(self) -> str | None:
        value = self.query_one("#welcome-provider", Select).value
        return value if isinstance(value, str) else None

    def _show_error(self, message: str) -> None:
        error = self.query_one("#welcome-error", Static)
        error.update(Text(clean(message)))
        error.set_class(bool(message), "-shown")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "welcome-demo":
            self.action_demo()
        elif event.button.id == "welcome-save":
            self.save()

    def save(self) -> None:
        provider = self._selected_provider()
        key = self.query_one("#welcome-key", Input).value.strip()
        if provider is None:
            self._show_error("Choose a provider first.")
            return
        row = next((r for r in self.rows if r.name == provider), None)
        if not key:
            if row is not None and row.authenticated:
                self.dismiss(provider)  # its key is already stored
            else:
                self._show_error("Paste an API key first, or use the offline demo model.")
            return
        if not self._saving:
            self.store_key(provider, key)

    @work(exclusive=True, group="welcome-save")
    async def store_key(self, provider: str, key: str) -> None:
        self._saving = True
        button = self.query_one("#welcome-save", Button)
        button.disabled = True
        self._show_error("")
        try:
            await self.client.auth.store_api_key(provider, key)
        except MixError as exc:
            if not self._gone:
                # the typed key stays in the box so a typo can be fixed
                with contextlib.suppress(NoMatches):
                    self._show_error(f"The server refused the key: {exc.message}")
                    self.query_one("#welcome-key", Input).focus()
        else:
            if not self._gone:  # the user already left (with the demo): that answer stands
                self.dismiss(provider)
        finally:
            self._saving = False
            button.disabled = False

    def action_demo(self) -> None:
        self.dismiss(DEMO)
