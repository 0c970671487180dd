"""The work-arounds for Textual bugs (mix_tui/tui/textual_fixes.py) hold."""

from __future__ import annotations

import gc

from textual._styles_cache import StylesCache
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

import mix_tui.tui  # noqa: F401  (applies the fixes)
from tests.tui.conftest import wait_for


def _style_caches() -> int:
    gc.collect()
    return sum(1 for obj in gc.get_objects() if isinstance(obj, StylesCache))


async def test_widgets_let_go_take_their_drawn_lines_with_them() -> None:
    """Textualize/textual#6665: an lru_cache on a StylesCache method kept the caches (and every
    line they drew) of the last 1,024 widgets ever drawn."""

    class Pages(App[None]):
        CSS = "Static { background: $boost; }"  # a background: drawing asks for inner/outer colours

        def compose(self) -> ComposeResult:
            yield Vertical(id="list")

    app = Pages()
    async with app.run_test(size=(40, 60)) as pilot:
        box = app.query_one("#list", Vertical)
        for page in range(5):
            cards = [Static(f"card {page}.{n}") for n in range(40)]
            await box.mount_all(cards)
            # (a region is given in the same frame that draws the widget)
            await wait_for(pilot, lambda cards=cards: all(c.region for c in cards[:10]), 5, "drawn")
            await box.remove_children()
        alive = len(app.screen.query("*")) + len(app.screen_stack)
        # the last page removed may still be held until the next frame; the four before it must be gone
        assert _style_caches() <= alive + 40 + 5, "style caches of removed widgets are still alive"
