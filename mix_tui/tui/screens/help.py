"""F1: every key binding that applies right now, read from the live bindings so it stays true.

Sections: the app's own keys, the screen's, the focused widget chain's, and those of our widgets on
the screen (the session list, the composer ...) even when they are not focused. Textual's built-in
widgets (cursor moves in an input box and the like) are left out unless they are focused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingsMap, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

KEY_COLUMN_MAX = 24  # a longer key list folds inside its column


def humanize(name: str) -> str:
    """`SessionList` -> "Session list", `ChatScreen` -> "Chat"."""
    name = name.removesuffix("Screen") or name
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", name)
    return " ".join([words[0], *(w.lower() for w in words[1:])]) if words else name


def _own_bindings(node: DOMNode) -> list[Binding]:
    """Bindings declared by our classes in the node's ancestry (not Textual's built-in widgets'),
    with the user's keymap applied, as a key press would find them."""
    found: list[Binding] = []
    for klass in reversed(type(node).__mro__):
        if klass.__module__.startswith("mix_tui"):
            declared: list[BindingType] = vars(klass).get("BINDINGS", [])
            found.extend(Binding.make_bindings(declared))
    # Textual keeps the normalised keymap on the app and has no public getter for it
    keymap: dict[str, str] = getattr(node.app, "_keymap", {}) if node.is_attached else {}
    if not keymap:
        return found
    bindings = BindingsMap(found)
    bindings.apply_keymap(keymap)
    return [binding for key_bindings in bindings.key_to_bindings.values() for binding in key_bindings]


def _signature(binding: Binding) -> tuple[str, str]:
    # the key is left out: a keymap may have moved it
    return (binding.action, binding.description)


@dataclass(frozen=True)
class HelpRow:
    keys: str  # "shift+⏎ / ^j"
    description: str
    enabled: bool


@dataclass(frozen=True)
class HelpSection:
    title: str
    rows: list[HelpRow]

    def plain(self) -> str:
        return "\n".join([self.title, *(f"  {row.keys}  {row.description}" for row in self.rows)])


def _section(title: str, app: App[object], bindings: Iterable[tuple[Binding, bool]]) -> HelpSection | None:
    merged: dict[tuple[str, str], tuple[list[str], bool]] = {}
    for binding, enabled in bindings:
        if not binding.description:
            continue
        keys, was_enabled = merged.setdefault((binding.action, binding.description), ([], enabled))
        shown = app.get_key_display(binding)
        if shown not in keys:
            keys.append(shown)
        merged[(binding.action, binding.description)] = (keys, was_enabled or enabled)
    if not merged:
        return None
    rows = [HelpRow(" / ".join(keys), description, enabled) for (_, description), (keys, enabled) in merged.items()]
    return HelpSection(title, rows)


def render_sections(sections: list[HelpSection]) -> RenderableType:
    """Each section a title over a two-column grid: a long description wraps in its own column."""
    if not sections:
        return Text("No key bindings.")
    # one key column for every section, so the descriptions line up down the whole page
    width = min(KEY_COLUMN_MAX, max(cell_len(row.keys) for section in sections for row in section.rows))
    parts: list[RenderableType] = []
    for section in sections:
        if parts:
            parts.append(Text(""))
        parts.append(Text(section.title, style="bold underline"))
        grid = Table.grid(padding=(0, 1), pad_edge=True)  # a column's width includes its padding
        grid.add_column(no_wrap=True, width=width + 2)
        grid.add_column(ratio=1)
        for row in section.rows:
            grid.add_row(
                Text(row.keys, style="bold cyan" if row.enabled else "dim", overflow="fold"),
                Text(row.description, style="" if row.enabled else "dim"),
            )
        parts.append(grid)
    return Group(*parts)


def describe_bindings(app: App[object], screen: Screen[object]) -> list[HelpSection]:
    """The sections of the help text for `screen` as it is now (its focus included)."""
    active = screen.active_bindings
    sections: list[HelpSection] = []
    seen: set[int] = set()

    def add(title: str, node: DOMNode, bindings: Iterable[tuple[Binding, bool]]) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        section = _section(title, app, bindings)
        if section is not None:
            sections.append(section)

    # the focused chain, innermost first, then the screen and the app: what a key press reaches
    chain: dict[int, tuple[DOMNode, list[tuple[Binding, bool]]]] = {}
    for item in active.values():
        chain.setdefault(id(item.node), (item.node, []))[1].append((item.binding, item.enabled))
    for node, bindings in chain.values():
        if node is app:
            continue
        if not isinstance(node, Screen):
            # a focused text box inherits dozens of cursor keys from Textual: show only ours
            ours = {_signature(binding) for binding in _own_bindings(node)}
            bindings = [(binding, enabled) for binding, enabled in bindings if _signature(binding) in ours]
        add(humanize(type(node).__name__), node, bindings)
    # our widgets that are on screen but not focused (e.g. the session list while typing)
    for widget in screen.query("*"):
        if type(widget).__module__.startswith("mix_tui") and id(widget) not in seen:
            own = _own_bindings(widget)
            if own:
                add(humanize(type(widget).__name__), widget, ((binding, True) for binding in own))
    app_bindings = chain.get(id(app), (app, []))[1]
    add("Everywhere", app, app_bindings)
    return sections


class HelpScreen(ModalScreen[None]):
    """A scrollable list of key bindings; Esc, q or F1 closes it."""

    CSS_PATH = Path(__file__).with_name("help.tcss")  # absolute: subclasses live elsewhere
    AUTO_FOCUS = "#help-body"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
        Binding("f1", "close", "Close", show=False),
    ]

    def _screen_below(self) -> Screen[object]:
        stack = self.app.screen_stack
        below = [screen for screen in stack if screen is not self]
        return below[-1] if below else self.app.screen

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[HelpSection] = []

    def compose(self) -> ComposeResult:
        self.sections = describe_bindings(self.app, self._screen_below())
        with Vertical(id="help-box") as box:
            box.border_title = "Keys"
            box.border_subtitle = "Esc closes"
            with VerticalScroll(id="help-body"):
                yield Static(render_sections(self.sections), id="help-text")

    def plain_text(self) -> str:
        """What the help says, without its layout."""
        return "\n\n".join(section.plain() for section in self.sections)

    def action_close(self) -> None:
        self.dismiss(None)
