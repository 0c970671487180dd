"""What a client may want to know about a model before picking it: context window and price.

Published as the extension field `model_details` of `GET /api/preferences/providers` (spec clients
ignore it): `{model id: {"context_window": tokens, "input_price": USD per 1M, "output_price": USD
per 1M}}`, each field only where known. Context windows are the vendors' standard tier (long-context
betas left out), by model family: a new family member is assumed to keep its family's window.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .pricing import longest_prefix, price_for

# normalised id prefixes (see pricing.longest_prefix) -> tokens
CONTEXT_WINDOWS: dict[str, int] = {
    "claude-opus-4": 200_000,
    "claude-sonnet-4": 200_000,
    "claude-haiku-4": 200_000,
    "claude-3-7-sonnet": 200_000,
    "claude-3-5-haiku": 200_000,
    "gpt-5": 400_000,
    "gpt-4-1": 1_047_576,
    "gpt-4o": 128_000,
    "o1": 200_000,
    "o3": 200_000,
    "o4-mini": 200_000,
    "gemini-2-5": 1_048_576,
    "gemini-2-0-flash": 1_048_576,
    "grok-code-fast-1": 256_000,
}


def context_window(model: str) -> int | None:
    return longest_prefix(CONTEXT_WINDOWS, model)


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
