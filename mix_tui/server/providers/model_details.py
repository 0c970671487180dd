"""What a client may want to know about a model before picking it: context window and price.

Published as the extension field `model_details` of `GET /api/preferences/providers` (spec clients
ignore it): `{model id: {"context_window": tokens, "input_price": USD per 1M, "output_price": USD
per 1M}}`, each field only where known. Context windows come from the table the client falls back
on too (protocol/context_windows.py: the vendors' standard tier, by model family).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mix_tui.protocol.context_windows import context_window

from .pricing import price_for


def model_details(models: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The known facts of each model (models with none are left out)."""
    out: dict[str, dict[str, Any]] = {}
    for model in models:
        facts: dict[str, Any] = {}
        window = context_window(model)
        if window is not None:
            facts["context_window"] = window
        price = price_for(model)
        if price is not None:
            facts["input_price"] = price.input
            facts["output_price"] = price.output
        if facts:
            out[model] = facts
    return out
