"""The system prompt, the plan-mode reminder, titles and thinking budgets: the agent's fixed texts."""

from __future__ import annotations

import platform
import re
from datetime import date
from pathlib import Path

PLAN_MODE_REMINDER = (
    "<system-reminder>Plan mode is active. Do not change anything: no edits, no writes, no commands that "
    "modify the system. Use only the read-only tools to investigate, then present a concise, step-by-step "
    "plan and wait for the user to approve it.</system-reminder>"
)

THINKING_BUDGETS = {"off": 0, "basic": 4000, "medium": 10000, "maximum": 31999}

# Titles a client gives a session before it has one; the first prompt replaces them.
PLACEHOLDER_TITLES = frozenset({"", "new session", "new chat", "untitled", "untitled session", "session"})
TITLE_LIMIT = 50

_BASE = """You are Mix, a coding and general-purpose agent running on the user's machine through mix-tui.

Environment:
- Working directory: {workdir} (tools act here; relative paths are resolved against it)
- Operating system: {os}
- Today's date: {today}
- Tools available now: {tools}

How to work:
- Be direct and concise. Use Markdown; put code, commands and paths in code spans or fenced blocks.
- Prefer reading files and running read-only commands before changing anything.
- Tools that change files or run commands may need the user's permission. If the user declines a
  tool call, stop and wait for their instructions instead of trying another way.
- Never invent tool results: call the tool, then report what it returned.
"""


def with_plan_reminder(text: str) -> str:
    return f"{text}\n\n{PLAN_MODE_REMINDER}"


def system_prompt(
    workdir: Path,
    tool_names: list[str],
    *,
    custom: str | None = None,
    mode: str = "default",
    session_id: str = "",
) -> str:
    base = _BASE.format(
        workdir=workdir,
        os=f"{platform.system()} {platform.release()}".strip(),
        today=date.today().isoformat(),
        tools=", ".join(tool_names) or "none",
    )
    if not custom or mode == "default":
        return base
    custom = _substitute(custom, {"workdir": str(workdir), "date": date.today().isoformat(), "session_id": session_id})
    return custom if mode == "replace" else f"{base}\n{custom}"


def _substitute(text: str, values: dict[str, str]) -> str:
    # only our own variables: substituting the process environment could leak secrets into a prompt
    return re.sub(r"\$<(\w+)>", lambda m: values.get(m.group(1), m.group(0)), text)


def title_from_prompt(text: str) -> str:
    """The first non-empty line, whitespace collapsed, cut at a word near TITLE_LIMIT characters."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    line = " ".join(line.split())
    if len(line) <= TITLE_LIMIT:
        return line
    cut = line[:TITLE_LIMIT].rsplit(" ", 1)[0]
    return (cut if len(cut) >= TITLE_LIMIT // 2 else line[:TITLE_LIMIT]).rstrip(" ,.;:") + "…"


def thinking_budget(level: str | None, text: str) -> int:
    """The spec's levels; without one, keywords in the message decide (as Mix does)."""
    if level is not None:
        return THINKING_BUDGETS.get(level, 0)
    lowered = text.lower()
    if "ultrathink" in lowered or "think harder" in lowered:
        return THINKING_BUDGETS["maximum"]
    if "think hard" in lowered or "megathink" in lowered:
        return THINKING_BUDGETS["medium"]
    if re.search(r"\bthink\b", lowered):
        return THINKING_BUDGETS["basic"]
    return 0
