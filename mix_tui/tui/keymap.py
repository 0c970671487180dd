"""Rebinding keys: the binding ids a `[keys]` table in config.toml may name, and a check of it.

Textual applies the keymap (`App.set_keymap`) to every binding that carries an id; an id nobody has
would silently do nothing, so the ids are collected from our screens and widgets (and the chat's
commands, which are bindable even without a default key) and a typo is reported with the known ids.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping

from textual.binding import Binding
from textual.dom import DOMNode

# the modules whose classes declare bindings with ids (imported here: some load lazily in the app)
_MODULES = (
    "mix_tui.tui.screens.chat",
    "mix_tui.tui.screens.help",
    "mix_tui.tui.screens.permission",
    "mix_tui.tui.widgets.composer",
    "mix_tui.tui.widgets.queue",
)


def _classes(root: type[DOMNode]) -> Iterable[type[DOMNode]]:
    for sub in root.__subclasses__():
        yield sub
        yield from _classes(sub)


def known_ids(app: DOMNode) -> set[str]:
    """Every binding id of our classes (and the app's), plus every chat command's id."""
    for name in _MODULES:
        importlib.import_module(name)
    from mix_tui.tui.screens import commands

    ids = {command.id for command in commands.COMMANDS}
    for klass in {type(app), *_classes(DOMNode)}:
        if not klass.__module__.startswith("mix_tui"):
            continue
        for binding in Binding.make_bindings(vars(klass).get("BINDINGS", [])):
            if binding.id:
                ids.add(binding.id)
    return ids


def check(keys: Mapping[str, str], known: set[str]) -> list[str]:
    """A message for each id in `keys` that no binding has."""
    unknown = sorted(set(keys) - known)
    if not unknown:
        return []
    listing = ", ".join(sorted(known))
    return [f"config.toml [keys]: no action has the id {name!r}; the ids are: {listing}" for name in unknown]
