"""A session as a Markdown document: each prompt, then its answer; thinking and tool calls folded into
`<details>` blocks; under each model call its model, tokens and cost. Built from the stored history
replayed into turns (the same parts the transcript shows), so the file reads like the session did.

Model and tool text is written as it is, inside fences long enough that nothing in it can close
them; only the one-line `<summary>` texts are HTML-escaped. No I/O, no widgets.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from datetime import datetime

from mix_tui.protocol.models import BackendMessage, SessionData
from mix_tui.sdk.replay import Observed, replay
from mix_tui.sdk.turn import TextPart, ThinkingPart, ToolCallState, ToolPart, Turn
from mix_tui.tui.session.usage import StepUsage, money, seconds, tokens

_BACKTICKS = re.compile(r"`+")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_NAME_UNSAFE = re.compile(r"[^\w\- ]+", re.UNICODE)


def file_stem(title: str, fallback: str = "session") -> str:
    """A file name (no extension) from a session title: "Fix the parser!" -> "fix-the-parser"."""
    stem = _NAME_UNSAFE.sub("", title).strip().lower()
    stem = re.sub(r"[\s_-]+", "-", stem).strip("-")[:60].strip("-")
    return stem or fallback


def session_markdown(
    session: SessionData | None, history: Sequence[BackendMessage], now: datetime, observed: Observed | None = None
) -> str:
    """`observed`: what the client saw live that a server may not store (the timeline's)."""
    title = (session.title if session is not None else "") or "Untitled session"
    by_id = {m.id: m for m in history if m.role == "assistant"}
    turns = replay(history, observed)
    prompts = sum(1 for m in history if m.role == "user")
    facts = [f"exported {now:%Y-%m-%d %H:%M %Z}".strip(), f"{prompts} prompt{'s' if prompts != 1 else ''}"]
    if session is not None:
        facts.insert(0, f"session `{session.id}`")
        facts.append(f"cost {money(session.cost)}")
    out = [f"# {_one_line(title)}", "", f"*{' · '.join(facts)}*", ""]
    number = 0
    for turn in turns:
        if turn.user_message_id is not None:
            number += 1
            out += ["---", "", f"## Prompt {number}", "", _closed((turn.user_text or "").rstrip()), ""]
        out += _answer(turn, by_id)
    return "\n".join(out).rstrip() + "\n"


def _answer(turn: Turn, by_id: dict[str, BackendMessage]) -> list[str]:
    out = ["### Answer", ""]
    current: str | None = None
    for part in turn.parts:
        amid = part.call.assistant_message_id if isinstance(part, ToolPart) else part.assistant_message_id
        if current is not None and amid != current:
            out += _usage_line(by_id.get(current))
        current = amid
        if isinstance(part, TextPart):
            out += [_closed(part.text.rstrip()), ""]
        elif isinstance(part, ThinkingPart):
            took = by_id[amid].reasoning_ms if amid in by_id else None
            label = "Thinking" + (f" · {seconds(took / 1000)}" if took else "")
            out += _details(label, [_fenced(part.text, "text")])
        else:
            out += _tool(part.call)
    if current is not None:
        out += _usage_line(by_id.get(current))
    if turn.error:
        out += [f"> **{'Interrupted' if turn.interrupted else 'Ended with an error'}:** {_one_line(turn.error)}", ""]
    return out


def _tool(call: ToolCallState) -> list[str]:
    label = call.name or "tool"
    key = _key_argument(call)
    if key:
        label += f" · {key}"
    label += f" · {call.status}"
    if call.duration is not None and call.status not in ("denied", "timed_out"):
        label += f" · {seconds(call.duration)}"
    arguments = json.dumps(call.arguments, indent=2, ensure_ascii=False) if call.arguments else call.input_text
    body = ["**Input**", "", _fenced(arguments or "{}", "json")]
    if call.result is not None:
        body += ["", "**Error**" if call.is_error else "**Result**", "", _fenced(call.result, "text")]
    if call.children is not None and call.children.text:
        body += ["", "**Subagent answer**", "", call.children.text.rstrip()]
    return _details(label, body)


def _key_argument(call: ToolCallState) -> str:
    for name in ("command", "file_path", "path", "pattern", "url", "query", "description"):
        value = call.arguments.get(name)
        if isinstance(value, str) and value.strip():
            return _one_line(value)[:80]
    return ""


def _details(summary: str, body: list[str]) -> list[str]:
    # blank lines around the body, so Markdown renderers read it as Markdown, not HTML
    return ["<details>", f"<summary>{html.escape(_one_line(summary))}</summary>", "", *body, "", "</details>", ""]


def _usage_line(message: BackendMessage | None) -> list[str]:
    if message is None:
        return []
    step = StepUsage.of(message)
    facts = [step.model] if step.model else []
    if step.known:
        facts.append(f"{tokens(step.input_tokens or 0)} in")
        facts.append(f"{tokens(step.output_tokens or 0)} out")
        if step.cache_read_tokens or step.cache_creation_tokens:
            facts.append(f"cache {tokens(step.cache_read_tokens or 0)} read / {tokens(step.cache_creation_tokens or 0)} written")
        if step.cost is not None:
            facts.append(money(step.cost))
    if step.seconds is not None:
        facts.append(seconds(step.seconds))
    return [f"<sub>{html.escape(' · '.join(facts))}</sub>", ""] if facts else []


def _fenced(text: str, language: str) -> str:
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text.rstrip(chr(10))}\n{fence}"


def _closed(text: str) -> str:
    """`text` with a code fence it left open (a cancelled answer, a pasted prompt) closed, so the
    rest of the document is not read as code."""
    opened: str | None = None
    for line in text.splitlines():
        match = _FENCE.match(line)
        if match is None:
            continue
        run, rest = match.groups()
        if opened is None:
            if not (run[0] == "`" and "`" in rest):  # a backtick fence's info may not hold a backtick
                opened = run
        elif run[0] == opened[0] and len(run) >= len(opened) and not rest.strip():
            opened = None
    return text if opened is None else f"{text}\n{opened}"


def _one_line(text: str) -> str:
    return " ".join(text.split())
