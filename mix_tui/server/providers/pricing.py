"""What a model call cost, in USD, from a per-model price table.

Prices are USD per 1M tokens, standard (non-batch) tier, as published by Anthropic, OpenAI and Google
(checked against their public pricing pages, 2026). Long-context surcharges and Haiku 5.5's
prompt-length tier are not modelled: the lower tier is used. Gemini bills context caching by storage
time, not per written token, so its "cache write" is the plain input price.

Usage convention (all our providers normalise to it): `input_tokens` EXCLUDES cached tokens, so
    cost = input·in + output·out + cache_creation·cache_write + cache_read·cache_read_price.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from .base import UsageReport


@dataclass(frozen=True, slots=True)
class ModelPrice:
    input: float
    output: float
    cache_write: float
    cache_read: float


def _p(
    inp: float, out: float, cache_write: float | None = None, cache_read: float | None = None
) -> ModelPrice:
    return ModelPrice(
        inp, out, inp if cache_write is None else cache_write, inp if cache_read is None else cache_read
    )


# Keys are model-id prefixes in normalised form (see `_normalise`): lower case, dots as dashes, no
# vendor prefix. The longest matching prefix wins; a prefix matches only at a word boundary, so
# "gpt-4-1" does not price "gpt-4-1106-preview".
PRICES: dict[str, ModelPrice] = {
    # Anthropic: cache write = 5-minute TTL price
    "claude-fable-5-1": _p(10.0, 50.0, 12.5, 0.25),
    "claude-fable-5": _p(10.0, 50.0, 12.5, 1.0),
    "claude-mythos-5-1": _p(10.0, 50.0, 12.5, 0.25),
    "claude-mythos-5": _p(10.0, 50.0, 12.5, 1.0),
    "claude-opus-5-5": _p(4.0, 20.0, 5.0, 0.20),
    "claude-opus-5": _p(5.0, 25.0, 6.25, 0.50),
    "claude-opus-4-8": _p(5.0, 25.0, 6.25, 0.50),
    "claude-opus-4-7": _p(5.0, 25.0, 6.25, 0.50),
    "claude-opus-4-6": _p(5.0, 25.0, 6.25, 0.50),
    "claude-opus-4-5": _p(5.0, 25.0, 6.25, 0.50),
    "claude-opus-4-1": _p(15.0, 75.0, 18.75, 1.50),
    "claude-opus-4": _p(15.0, 75.0, 18.75, 1.50),
    "claude-sonnet-5-5": _p(2.0, 10.0, 2.50, 0.10),
    "claude-sonnet-5": _p(2.0, 10.0, 2.50, 0.20),
    "claude-sonnet-4": _p(3.0, 15.0, 3.75, 0.30),  # 4, 4.5 and 4.6 share a price
    "claude-3-7-sonnet": _p(3.0, 15.0, 3.75, 0.30),
    "claude-haiku-5-5": _p(0.10, 0.50, 0.125, 0.01),
    "claude-haiku-4-5": _p(1.0, 5.0, 1.25, 0.10),
    "claude-3-5-haiku": _p(0.80, 4.0, 1.0, 0.08),
    # OpenAI: OpenAI has no cache-write charge
    "gpt-5-4": _p(2.50, 15.0, cache_read=0.25),
    "gpt-5-4-mini": _p(0.75, 4.50, cache_read=0.075),
    "gpt-5-4-nano": _p(0.20, 1.25, cache_read=0.02),
    "gpt-5-2": _p(1.75, 14.0, cache_read=0.175),
    "gpt-5-2-pro": _p(21.0, 168.0),
    "gpt-5-1": _p(1.25, 10.0, cache_read=0.125),
    "gpt-5": _p(1.25, 10.0, cache_read=0.125),
    "gpt-5-pro": _p(15.0, 120.0),
    "gpt-5-mini": _p(0.25, 2.0, cache_read=0.025),
    "gpt-5-nano": _p(0.05, 0.40, cache_read=0.005),
    "gpt-4-1": _p(2.0, 8.0, cache_read=0.50),
    "gpt-4-1-mini": _p(0.40, 1.60, cache_read=0.10),
    "gpt-4-1-nano": _p(0.10, 0.40, cache_read=0.025),
    "gpt-4o": _p(2.50, 10.0, cache_read=1.25),
    "gpt-4o-mini": _p(0.15, 0.60, cache_read=0.075),
    "o1": _p(15.0, 60.0, cache_read=7.50),
    "o3": _p(2.0, 8.0, cache_read=0.50),
    "o3-pro": _p(20.0, 80.0),
    "o3-mini": _p(1.10, 4.40, cache_read=0.55),
    "o4-mini": _p(1.10, 4.40, cache_read=0.275),
    # Google Gemini (prompts up to 200k tokens)
    "gemini-3-pro": _p(2.0, 12.0, cache_read=0.20),
    "gemini-3-flash": _p(0.50, 3.0, cache_read=0.05),
    "gemini-2-5-pro": _p(1.25, 10.0, cache_read=0.125),
    "gemini-2-5-flash": _p(0.30, 2.50, cache_read=0.03),
    "gemini-2-5-flash-lite": _p(0.10, 0.40, cache_read=0.01),
    "gemini-2-0-flash": _p(0.10, 0.40, cache_read=0.025),
    "gemini-2-0-flash-lite": _p(0.075, 0.30),
}

T = TypeVar("T")
_FREE = ModelPrice(0.0, 0.0, 0.0, 0.0)
_VENDOR = re.compile(r"^(?:[a-z0-9_.-]+/)+")  # "anthropic/", "models/", "google/" ...


def _normalise(model: str) -> str:
    return _VENDOR.sub("", model.strip().lower()).replace(".", "-")


def longest_prefix(table: Mapping[str, T], model: str) -> T | None:
    """The entry of `table` (keys: normalised id prefixes) whose key is the longest prefix of
    `model` that ends at a word boundary; None when none fits."""
    name = _normalise(model).split(":", 1)[0]  # OpenRouter variants such as ":thinking"
    best: str | None = None
    for prefix in table:
        if name.startswith(prefix) and (len(name) == len(prefix) or name[len(prefix)] in "-@"):
            if best is None or len(prefix) > len(best):
                best = prefix
    return table[best] if best is not None else None


def price_for(model: str) -> ModelPrice | None:
    """The price entry for `model` (exact ids, dated snapshots, OpenRouter ids); None when unknown."""
    if model.strip().lower().endswith(":free"):  # OpenRouter's free variants
        return _FREE
    return longest_prefix(PRICES, model)


def cost_for(model: str, usage: UsageReport) -> float:
    """USD cost of one call from the price table; 0.0 for models we have no price for."""
    price = price_for(model)
    if price is None:
        return 0.0
    total = (
        usage.input_tokens * price.input
        + usage.output_tokens * price.output
        + usage.cache_creation_tokens * price.cache_write
        + usage.cache_read_tokens * price.cache_read
    )
    return total / 1_000_000


def resolve_cost(model: str, usage: UsageReport) -> float:
    """The provider-reported cost when there is one (OpenRouter), else the table price."""
    if usage.cost is not None and usage.cost >= 0:
        return float(usage.cost)
    return cost_for(model, usage)
