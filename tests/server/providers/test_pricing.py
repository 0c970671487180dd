"""The price table: prefix matching and the cost formula."""

from __future__ import annotations

import pytest

from mix_tui.server.providers.base import UsageReport
from mix_tui.server.providers.pricing import PRICES, cost_for, price_for, resolve_cost


@pytest.mark.parametrize(
    ("model", "key"),
    [
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4"),
        ("claude-sonnet-4-6", "claude-sonnet-4"),
        ("anthropic/claude-sonnet-4.5", "claude-sonnet-4"),
        ("claude-opus-4-1-20250805", "claude-opus-4-1"),
        ("claude-opus-4-7", "claude-opus-4-7"),
        ("claude-haiku-4-5-20251001", "claude-haiku-4-5"),
        ("claude-3-7-sonnet-latest", "claude-3-7-sonnet"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4o-mini", "gpt-4o-mini"),
        ("openai/gpt-4.1-mini", "gpt-4-1-mini"),
        ("gpt-5-mini-2025-08-07", "gpt-5-mini"),
        ("gpt-5.4", "gpt-5-4"),
        ("o3-mini", "o3-mini"),
        ("models/gemini-2.5-flash", "gemini-2-5-flash"),
        ("gemini-2.5-flash-lite-preview-06-17", "gemini-2-5-flash-lite"),
        ("google/gemini-2.5-pro", "gemini-2-5-pro"),
        ("anthropic/claude-3.7-sonnet:thinking", "claude-3-7-sonnet"),
    ],
)
def test_prefix_matching(model: str, key: str) -> None:
    assert price_for(model) == PRICES[key]


@pytest.mark.parametrize("model", ["gpt-4-1106-preview", "llama3.1:8b", "demo", "", "claude", "o30"])
def test_unknown_models(model: str) -> None:
    assert price_for(model) is None
    assert cost_for(model, UsageReport(input_tokens=10**6, output_tokens=10**6)) == 0.0


def test_cost_formula_uses_all_four_prices() -> None:
    usage = UsageReport(
        input_tokens=1_000_000,
        output_tokens=100_000,
        cache_creation_tokens=200_000,
        cache_read_tokens=2_000_000,
    )
    # sonnet 4.x: $3 in, $15 out, $3.75 cache write, $0.30 cache read
    assert cost_for("claude-sonnet-4-5", usage) == pytest.approx(3.0 + 1.5 + 0.75 + 0.6)
    # gpt-4o: no cache-write surcharge, cached input at $1.25
    assert cost_for(
        "gpt-4o", UsageReport(input_tokens=1000, cache_read_tokens=1000, output_tokens=1000)
    ) == pytest.approx((2.5 + 1.25 + 10.0) * 1000 / 1_000_000)


def test_reported_cost_wins_and_free_variants_cost_nothing() -> None:
    usage = UsageReport(input_tokens=1_000_000, output_tokens=0, cost=0.42)
    assert resolve_cost("claude-sonnet-4-5", usage) == 0.42
    usage.cost = None
    assert resolve_cost("claude-sonnet-4-5", usage) == pytest.approx(3.0)
    assert cost_for("meta-llama/llama-3.3-70b-instruct:free", UsageReport(input_tokens=10**6)) == 0.0
