"""Context windows (in tokens) of well-known model ids: what the wire does not say.

Our server publishes a window per model (`GET /api/preferences/providers`, extension field
`context_windows`); a client talking to another server falls back to this table, and without a
match shows the raw token count. Shared by both sides so they never disagree. Data only, no I/O.

Keys are model-id prefixes in normalised form (lower case, dots as dashes, no vendor prefix such as
"anthropic/"); the longest prefix that matches at a word boundary wins, so "gpt-4o" does not size
"gpt-4o-mini" unless that has no entry of its own. Values are the providers' published limits for
the whole window (prompt and answer together).
"""

from __future__ import annotations

import re

CONTEXT_WINDOWS: dict[str, int] = {
    # Anthropic (the 1M-token beta of some models is opt-in: the standard window is listed)
    "claude": 200_000,
    # OpenAI
    "gpt-5": 400_000,
    "gpt-4-1": 1_047_576,
    "gpt-4o": 128_000,
    "gpt-4-turbo": 128_000,
    "o1": 200_000,
    "o3": 200_000,
    "o4-mini": 200_000,
    # Google
    "gemini-3": 1_048_576,
    "gemini-2-5": 1_048_576,
    "gemini-2-0": 1_048_576,
    "gemini-1-5-pro": 2_097_152,
    "gemini-1-5-flash": 1_048_576,
    # others OpenRouter lists by default
    "deepseek-chat": 128_000,
    "grok-code-fast-1": 256_000,
}

_VENDOR = re.compile(r"^(?:[a-z0-9_.-]+/)+")  # "anthropic/", "models/", "google/" ...


def _normalise(model: str) -> str:
    name = _VENDOR.sub("", model.strip().lower()).replace(".", "-")
    return name.split(":", 1)[0]  # OpenRouter variants such as ":free" or ":thinking"


def context_window(model: str | None) -> int | None:
    """The window of `model` from the table; None when it is not known."""
    if not model:
        return None
    name = _normalise(model)
    best: str | None = None
    for prefix in CONTEXT_WINDOWS:
        if name.startswith(prefix) and (len(name) == len(prefix) or name[len(prefix)] in "-@"):
            if best is None or len(prefix) > len(best):
                best = prefix
    return CONTEXT_WINDOWS[best] if best is not None else None
