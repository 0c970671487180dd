"""Work-arounds for Textual bugs that hurt us, applied once when the TUI is imported.

- `StylesCache.get_inner_outer` is an `lru_cache` on an instance method (Textual 8, issue
  Textualize/textual#6665): its key holds `self`, so the style caches of the last 1,024 widgets
  ever drawn stay alive, each with every line it rendered. Paging through a 1,000-message session
  kept ~1,100 of them and ~19,000 lines (~190 MB). The result depends only on the two colours, so
  it is cached on them alone here.
"""

from __future__ import annotations

import functools
from typing import Any

from textual._styles_cache import StylesCache
from textual.color import Color


def _apply() -> None:
    leaky = StylesCache.get_inner_outer
    compute = getattr(leaky, "__wrapped__", None)
    if compute is None:  # fixed upstream (no longer an lru_cache): nothing to do
        return

    @functools.lru_cache(1024)
    def by_colours(base_background: Color, background: Color) -> Any:
        return compute(None, base_background, background)

    def get_inner_outer(self: StylesCache, base_background: Color, background: Color) -> Any:
        return by_colours(base_background, background)

    leaky.cache_clear()
    setattr(StylesCache, "get_inner_outer", get_inner_outer)  # noqa: B010 (typed as the lru_cache it replaces)


_apply()
