"""Mix-style model ids, provider choice and reasoning settings (pure functions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mix_tui.server import catalog
from mix_tui.server.config import ServerConfig
from mix_tui.server.providers.model_ids import Choice, resolve, split_prefix
from mix_tui.server.providers.openai_compat import OPENROUTER, reasoning_params

CONFIG = ServerConfig(data_dir=Path("/tmp/d"), workdir=Path("/tmp/w"), provider="demo")


@pytest.mark.parametrize(
    ("model", "fallback", "expected"),
    [
        ("openrouter.deepseek-v3.1", "demo", Choice("openrouter", "deepseek/deepseek-chat-v3.1")),
        ("openrouter.zai-glm-4.5-air", "anthropic", Choice("openrouter", "z-ai/glm-4.5-air")),
        ("openrouter.qwen/qwen3-coder", "demo", Choice("openrouter", "qwen/qwen3-coder")),
        ("anthropic.claude-sonnet-4", "demo", Choice("anthropic", "claude-sonnet-4-0")),
        ("anthropic.claude-sonnet-4.6", "demo", Choice("anthropic", "claude-sonnet-4-6")),
        ("openai.gpt-4.1", "demo", Choice("openai", "gpt-4.1")),
        # bare ids: Mix's own names imply their provider, a dot inside a version is no prefix
        ("claude-4-sonnet", "demo", Choice("anthropic", "claude-sonnet-4-0")),
        ("gpt-4.1", "openai", Choice("openai", "gpt-4.1")),
        ("gpt-4.1", "demo", Choice("openai", "gpt-4.1")),
        # listed by two providers: the fallback keeps it
        ("gpt-5", "openrouter", Choice("openrouter", "openai/gpt-5")),
        # unknown models pass through to the given provider (new releases need no update here)
        ("llama3.3:70b", "local", Choice("local", "llama3.3:70b")),
        ("claude-future-9", "anthropic", Choice("anthropic", "claude-future-9")),
    ],
)
def test_resolve(model: str, fallback: str, expected: Choice) -> None:
    assert resolve(model, fallback) == expected


def test_a_pinned_provider_keeps_a_bare_id_but_not_an_explicit_prefix() -> None:
    assert resolve("demo", "anthropic", pinned=True) == Choice("anthropic", "demo")
    assert resolve("openrouter.deepseek-v3.1", "anthropic", pinned=True).provider == "openrouter"
    assert split_prefix("gpt-4.1") == (None, "gpt-4.1")


def test_choose_uses_session_then_preferences_then_server_default() -> None:
    prefs = {"preferred_provider": "openrouter", "main_agent_model": "openrouter.deepseek-v3.1"}
    assert catalog.choose(None, None, prefs, CONFIG) == Choice("openrouter", "deepseek/deepseek-chat-v3.1")
    # a session pinned to another provider gets that provider's default, not the preferred model
    assert catalog.choose("anthropic", None, prefs, CONFIG) == Choice("anthropic", "claude-sonnet-4-6")
    assert catalog.choose("openai", "gpt-4.1", prefs, CONFIG) == Choice("openai", "gpt-4.1")
    assert catalog.choose(None, None, None, CONFIG) == Choice("demo", "demo")


def test_sub_agent_model_comes_from_its_preference() -> None:
    parent = Choice("anthropic", "claude-sonnet-4-6")
    assert catalog.choose_sub_agent(parent, None) == parent
    assert catalog.choose_sub_agent(parent, {"sub_agent_model": "claude-haiku-4-5"}) == Choice(
        "anthropic", "claude-haiku-4-5"
    )
    assert catalog.choose_sub_agent(parent, {"sub_agent_model": "openrouter.zai-glm-4.5-air"}).provider == "openrouter"


def test_agent_settings_effort_levels_and_max_tokens() -> None:
    choice = Choice("anthropic", "claude-sonnet-4-6")
    prefs = {
        "main_agent_max_tokens": 1000, "main_agent_reasoning_effort": "Medium",
        "sub_agent_max_tokens": 500, "sub_agent_reasoning_effort": "low",
    }  # fmt: skip
    main = catalog.agent_settings(choice, prefs, sub_agent=False, thinking_level=None, text="hi")
    assert (main.thinking_budget, main.reasoning_effort) == (10000, "medium")
    assert main.max_tokens == 10000 + catalog.ANSWER_ROOM
    sub = catalog.agent_settings(choice, prefs, sub_agent=True, thinking_level=None, text="hi")
    assert (sub.thinking_budget, sub.reasoning_effort) == (4000, "low")
    off = catalog.agent_settings(choice, prefs, sub_agent=False, thinking_level="off", text="hi")
    assert (off.thinking_budget, off.reasoning_effort, off.max_tokens) == (0, None, 1000)
    keyword = catalog.agent_settings(choice, prefs, sub_agent=False, thinking_level=None, text="ultrathink")
    assert (keyword.thinking_budget, keyword.reasoning_effort) == (31999, None)
    plain = catalog.agent_settings(choice, {"main_agent_reasoning_effort": ""}, sub_agent=False, thinking_level=None, text="x")
    assert (plain.thinking_budget, plain.reasoning_effort, plain.max_tokens) == (0, None, 8192)


def test_openrouter_gets_the_saved_effort_itself() -> None:
    assert reasoning_params(OPENROUTER, "x/y", 10000, "medium") == ({}, {"reasoning": {"effort": "medium"}})
    assert reasoning_params(OPENROUTER, "x/y", 10000) == ({}, {"reasoning": {"max_tokens": 10000}})
