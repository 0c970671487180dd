"""The environment every process a tool starts gets: built from an allowlist, never inherited whole.

The server's own environment holds things no model-written command may see: provider keys
(`*_API_KEY`), the server token, cloud credentials, agent sockets. A denylist always misses one, so
children get only the variables below, plus settings that keep them non-interactive.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

# what ordinary command-line programs need to find themselves, their files and their locale
ALLOWED = frozenset({"PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TMPDIR"})
ALLOWED_PREFIXES = ("LC_",)
FALLBACK_PATH = "/usr/local/bin:/usr/bin:/bin"

# nobody is at this terminal: no pagers, no credential prompts, no colour codes in the output
NON_INTERACTIVE = {
    "TERM": "dumb",
    "PAGER": "cat",
    "GIT_PAGER": "cat",
    "GIT_TERMINAL_PROMPT": "0",
    "NO_COLOR": "1",
}


def _allowed(name: str) -> bool:
    return name in ALLOWED or name.startswith(ALLOWED_PREFIXES)


def child_env(extra: Mapping[str, str] | None = None, *, source: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a tool's child process: allowlisted variables of `source` (default: ours),
    the non-interactive settings, then `extra` (e.g. a callback's CALLBACK_* variables)."""
    source = os.environ if source is None else source
    env = {name: value for name, value in source.items() if _allowed(name)}
    env.setdefault("PATH", FALLBACK_PATH)
    env.update(NON_INTERACTIVE)
    if extra:
        env.update(extra)
    return env
