"""`/model`: pick a model from what the server offers — provider → models, with context window and
price where known, favourites and recent ones first, type to filter. A typed id that is not listed
(a Mix-style `openrouter.deepseek-v3.1`, a brand-new model) can be used as it is.

Dismisses with a `Picked` (or None); Ctrl+F stars the highlighted model (kept in config.toml), Ctrl+D
says whether the pick also becomes the default for new chats. The screen applies nothing itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from mix_tui.tui.config import SettingsStore
from mix_tui.tui.session.model_choice import Catalog, ModelEntry, model_key, split_key
from mix_tui.tui.widgets.safe_text import clean

MODEL_COLUMN = 26  # longer ids push the facts right, shorter ones keep them in a column


@dataclass(frozen=True, slots=True)
class Picked:
    provider: str
    model: str
    make_default: bool = False


def format_tokens(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1_000_000:.1f}M".replace(".0M", "M")
    return f"{count // 1000}k"


def _price(value: float) -> str:
    return f"${value:.2f}".replace(".00", "")


def describe(entry: ModelEntry) -> str:
    """"1M ctx · $2/$8 per 1M" — what is known of it (input/output price per million tokens)."""
    parts = []
    if entry.context_window:
        parts.append(f"{format_tokens(entry.context_window)} ctx")
    if entry.input_price is not None and entry.output_price is not None:
        if entry.input_price == 0 and entry.output_price == 0:
            parts.append("free")
        else:
            parts.append(f"{_price(entry.input_price)}/{_price(entry.output_price)} per 1M")
    return " · ".join(parts)


def matches(entry: ModelEntry, query: str) -> bool:
    """Every word of the query is in the model id or the provider's names."""
    haystack = f"{entry.provider} {entry.provider_name} {entry.model}".lower()
    return all(word in haystack for word in query.lower().split())


def typed_choice(query: str, catalog: Catalog, current_provider: str | None) -> Picked | None:
    """A model id typed in full: `provider/model`, Mix's `provider.model`, or a bare id (the
    current provider's); None when nothing like an id was typed."""
    text = query.strip()
    if not text or " " in text:
        return None
    split = split_key(text)
    known = {e.provider for e in catalog.entries}
    if split is not None and (split[0] in known or not known):  # nothing listed: trust what was typed
        return Picked(*split)
    head, dot, rest = text.partition(".")
    if dot and rest and head in known:
        return Picked(head, text)  # the server resolves Mix-style ids itself
    listed = [e for e in catalog.entries if e.model == text]
    if listed:
        chosen = next((e for e in listed if e.provider == current_provider), listed[0])
        return Picked(chosen.provider, chosen.model)
    provider = current_provider or (catalog.default[0] if catalog.default else None)
    return Picked(provider, text) if provider else None


class ModelPicker(ModalScreen[Picked | None]):
    CSS_PATH = Path(__file__).with_name("model_picker.tcss")
    AUTO_FOCUS = "#picker-filter"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        # priority: the filter box would take ctrl+d (delete right) first
        Binding("ctrl+f", "favourite", "Star / unstar", priority=True, id="picker_favourite"),
        Binding("ctrl+d", "toggle_default", "Also the default", priority=True, id="picker_default"),
        Binding("down", "move(1)", "Next model", show=False),
        Binding("up", "move(-1)", "Previous model", show=False),
        Binding("pagedown", "move(8)", "Page down", show=False),
        Binding("pageup", "move(-8)", "Page up", show=False),
    ]

    def __init__(
        self, catalog: Catalog, settings: SettingsStore, *, current: tuple[str, str] | None = None,
        title: str = "Model for the next prompts", can_default: bool = True,
    ) -> None:  # fmt: skip
        super().__init__()
        self.catalog = catalog
        self.settings = settings
        self.current = current
        self.heading = title
        self.can_default = can_default and catalog.has_preferences
        self.make_default = False
        self.rows: list[Picked | None] = []  # one per option (None: a heading)

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box") as box:
            box.border_title = self.heading
            box.border_subtitle = "Enter picks · Esc closes"
            yield Input(placeholder="type to filter, or a model id (openrouter.deepseek-v3.1)", id="picker-filter")
            yield OptionList(id="picker-list")
            yield Static(id="picker-footer")

    def on_mount(self) -> None:
        self.refill()

    # ---- the list ----------------------------------------------------------------------------

    @property
    def listing(self) -> OptionList:
        return self.query_one("#picker-list", OptionList)

    def refill(self, keep: Picked | None = None) -> None:
        query = self.query_one("#picker-filter", Input).value
        options: list[Option] = []
        self.rows = []
        width = min(MODEL_COLUMN, max((len(e.model) for e in self.catalog.entries), default=10))

        def heading(text: str, note: str = "") -> None:
            label = Text(text, "bold")
            if note:
                label.append(f"  {note}", "dim italic")
            options.append(Option(label, disabled=True))
            self.rows.append(None)

        def row(entry: ModelEntry) -> None:
            label = Text(no_wrap=True, overflow="ellipsis")
            current = self.current == (entry.provider, entry.model)
            starred = entry.key in self.settings.current.models.favourites
            label.append("● " if current else "  ", "green")
            label.append("★ " if starred else "  ", "yellow")
            label.append(clean(entry.model).ljust(width), "bold" if entry.ready else "dim")
            label.append("  ")
            label.append(clean(describe(entry)), "dim")
            options.append(Option(label))
            self.rows.append(Picked(entry.provider, entry.model))

        shown = [e for e in self.catalog.entries if matches(e, query)]
        by_key = {e.key: e for e in shown}
        lists = self.settings.current.models
        for title, keys in (("★ Favourites", lists.favourites), ("Recent", lists.recent)):
            picked = [by_key[k] for k in keys if k in by_key]
            if title == "Recent":
                picked = [e for e in picked if e.key not in lists.favourites]
            if picked:
                heading(title)
                for entry in picked:
                    row(entry)
        provider = None
        for entry in shown:
            if entry.provider != provider:
                provider = entry.provider
                heading(clean(entry.provider_name or entry.provider), "" if entry.ready else "needs an API key (/settings)")
            row(entry)
        typed = typed_choice(query, self.catalog, self.current[0] if self.current else None)
        if typed is not None and not shown and self.catalog.find(typed.provider, typed.model) is None:
            # nothing listed fits: what was typed may be an id the list lacks (Mix-style, brand new)
            options.append(Option(Text(f"  use “{clean(typed.model)}” on {clean(typed.provider)} as typed", "italic")))
            self.rows.append(typed)
        listing = self.listing
        listing.set_options(options)
        first = next((i for i, r in enumerate(self.rows) if r is not None), None)
        current_row = next(
            (i for i, r in enumerate(self.rows) if r is not None and (r.provider, r.model) == self.current), None
        )
        kept = next((i for i, r in enumerate(self.rows) if keep is not None and r == keep), None)
        exact = next((i for i, r in enumerate(self.rows) if r is not None and query.strip() in (r.model, model_key(r.provider, r.model))), None)
        if kept is None and exact is not None:
            kept = exact  # the id typed in full is the pick, even when longer ids also hold it
        if kept is not None:
            listing.highlighted = kept
        else:
            listing.highlighted = current_row if current_row is not None and not query else first
        self._show_footer()

    def _show_footer(self) -> None:
        text = Text()
        if self.catalog.problem:
            text.append(clean(self.catalog.problem), "yellow")
            text.append("\n")
        if self.can_default:
            box = "[x]" if self.make_default else "[ ]"
            text.append(f"{box} also the default for new chats", "bold" if self.make_default else "")
            text.append("  ^d", "dim")
        elif self.heading.startswith("Model for"):
            text.append("this server keeps no defaults: the pick is for this chat", "dim")
        text.append("   ^f stars", "dim")
        self.query_one("#picker-footer", Static).update(text)

    @on(Input.Changed, "#picker-filter")
    def _filter(self, event: Input.Changed) -> None:
        self.refill()

    # ---- keys --------------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        """Move over the models (headings are skipped) while the filter keeps the focus."""
        picks = [i for i, r in enumerate(self.rows) if r is not None]
        if not picks:
            return
        now = self.listing.highlighted
        if now is None or now not in picks:
            target = picks[0]
        else:
            position = picks.index(now) + step
            target = picks[max(0, min(len(picks) - 1, position))]
        self.listing.highlighted = target

    @property
    def highlighted(self) -> Picked | None:
        index = self.listing.highlighted
        return self.rows[index] if index is not None and 0 <= index < len(self.rows) else None

    @on(Input.Submitted, "#picker-filter")
    def _submitted(self, event: Input.Submitted) -> None:
        self._pick(self.highlighted)

    @on(OptionList.OptionSelected, "#picker-list")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        self._pick(self.rows[event.option_index] if 0 <= event.option_index < len(self.rows) else None)

    def _pick(self, picked: Picked | None) -> None:
        if picked is None:
            return
        self.settings.update(self.settings.current.remember_model(model_key(picked.provider, picked.model)))
        self.dismiss(Picked(picked.provider, picked.model, self.make_default))

    def action_favourite(self) -> None:
        picked = self.highlighted
        if picked is not None:
            self.settings.update(self.settings.current.toggle_favourite(model_key(picked.provider, picked.model)))
            self.refill(keep=picked)

    def action_toggle_default(self) -> None:
        if self.can_default:
            self.make_default = not self.make_default
            self._show_footer()

    def action_close(self) -> None:
        self.dismiss(None)
