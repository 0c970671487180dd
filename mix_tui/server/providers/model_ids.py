"""Model ids as clients send them, turned into (provider, the model id that provider's API wants).

Mix names models `<provider>.<model>` (`openrouter.deepseek-v3.1`, `anthropic.claude-sonnet-4`) or by
a bare id of its own (`claude-4-sonnet`); clients of ours also send the provider's own ids
(`claude-sonnet-4-6`, `deepseek/deepseek-chat-v3.1`). All three work:

1. a known provider before the first dot names the provider (`gpt-4.1` has none: `gpt-4` is not one);
2. Mix's names that differ from the provider's are looked up in `MIX_ALIASES`;
3. a bare id that only one provider lists is that provider's (Mix's model ids imply their provider),
   unless the caller pinned the provider;
4. anything else goes to the given provider unchanged, so new models work without a release.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .registry import LOCAL_PROVIDER, PROVIDERS


@dataclass(frozen=True, slots=True)
class Choice:
    provider: str
    model: str


# (provider, Mix's name) -> the provider API's id; from Mix's published model lists and examples
MIX_ALIASES: dict[tuple[str, str], str] = {
    ("openrouter", "deepseek-v3.1"): "deepseek/deepseek-chat-v3.1",
    ("openrouter", "deepseek-v3.1-free"): "deepseek/deepseek-chat-v3.1:free",
    ("openrouter", "zai-glm-4.5-air"): "z-ai/glm-4.5-air",
    ("openrouter", "zai-glm-4.5"): "z-ai/glm-4.5",
    ("openrouter", "zai-glm-4.6"): "z-ai/glm-4.6",
    ("openrouter", "kimi-k2"): "moonshotai/kimi-k2",
    ("openrouter", "grok-code-fast-1"): "x-ai/grok-code-fast-1",
    ("openrouter", "claude-sonnet-4"): "anthropic/claude-sonnet-4",
    ("openrouter", "claude-sonnet-4.5"): "anthropic/claude-sonnet-4.5",
    ("openrouter", "gemini-2.5-flash"): "google/gemini-2.5-flash",
    ("openrouter", "gemini-2.5-pro"): "google/gemini-2.5-pro",
    ("openrouter", "gpt-5"): "openai/gpt-5",
    ("anthropic", "claude-4-sonnet"): "claude-sonnet-4-0",
    ("anthropic", "claude-sonnet-4"): "claude-sonnet-4-0",
    ("anthropic", "claude-4-opus"): "claude-opus-4-0",
    ("anthropic", "claude-opus-4"): "claude-opus-4-0",
    ("anthropic", "claude-4.5-sonnet"): "claude-sonnet-4-5",
    ("anthropic", "claude-sonnet-4.5"): "claude-sonnet-4-5",
    ("anthropic", "claude-3.7-sonnet"): "claude-3-7-sonnet-latest",
    ("gemini", "gemini-2.5"): "gemini-2.5-pro",
}

_KNOWN_PREFIXES = frozenset({*PROVIDERS, LOCAL_PROVIDER})
# Anthropic's ids use dashes between version digits: claude-sonnet-4.6 -> claude-sonnet-4-6
_ANTHROPIC_DOTTED = re.compile(r"(?<=\d)\.(?=\d)")


def split_prefix(model: str) -> tuple[str | None, str]:
    """(`provider`, rest) for `provider.rest` with a known provider, else (None, model)."""
    head, dot, rest = model.partition(".")
    if dot and rest and head.lower() in _KNOWN_PREFIXES:
        return head.lower(), rest
    return None, model


def _owners(model: str) -> list[str]:
    """Providers whose list (or Mix's aliases) has this bare id."""
    owners = [name for name, spec in PROVIDERS.items() if model in spec.models]
    owners += [name for (name, mix_name) in MIX_ALIASES if mix_name == model and name not in owners]
    return owners


def api_model(provider: str, model: str) -> str:
    """The id `provider`'s API wants for `model` (a Mix alias, or the id itself)."""
    mapped = MIX_ALIASES.get((provider, model), model)
    if provider == "anthropic" and mapped.startswith("claude"):
        mapped = _ANTHROPIC_DOTTED.sub("-", mapped)
    return mapped


def resolve(model: str, provider: str, *, pinned: bool = False) -> Choice:
    """Where `model` runs. `provider` is the fallback (or, when `pinned`, the provider the caller
    chose explicitly, which a bare id cannot move away from; an explicit prefix still wins)."""
    model = model.strip()
    prefixed, rest = split_prefix(model)
    if prefixed is not None:
        return Choice(prefixed, api_model(prefixed, rest))
    listed = PROVIDERS[provider].models if provider in PROVIDERS else ()
    if not pinned and model not in listed:
        owners = _owners(model)
        if len(owners) == 1 and owners[0] != provider:
            return Choice(owners[0], api_model(owners[0], model))
    return Choice(provider, api_model(provider, model))

