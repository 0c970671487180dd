"""The details of one turn (what `/cost` shows): each model call with every usage field the server
stored, the reasoning time, each tool call with its outcome and run time; then the session's totals
and the context in use. Plain text in aligned columns. No widgets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mix_tui.tui.session.travel import prompt_of_item
from mix_tui.tui.session.usage import StepUsage, money, seconds, session_totals, tokens, turn_usage

if TYPE_CHECKING:
    from mix_tui.tui.session.model import SessionModel

_UNKNOWN = "—"


def _n(value: int | None) -> str:
    return f"{value:,}" if value is not None else _UNKNOWN


def _step_lines(number: int, step: StepUsage) -> list[str]:
    lines = [f"call {number}  {step.model or 'model not stated'}"]
    lines.append(
        f"  input {_n(step.input_tokens)} · output {_n(step.output_tokens)} · "
        f"cache read {_n(step.cache_read_tokens)} · cache written {_n(step.cache_creation_tokens)}"
    )
    facts = [f"cost {money(step.cost) if step.cost is not None else _UNKNOWN}"]
    if step.reasoning_ms:  # (0: a server that measured none, or the demo at full speed)
        facts.append(f"thinking {seconds(step.reasoning_ms / 1000)}")
    if step.seconds:
        facts.append(f"took {seconds(step.seconds)}")
    lines.append("  " + " · ".join(facts))
    return lines


def details_text(model: SessionModel, key: str, window: int | None) -> str:
    """`key`: the turn's entry key."""
    timeline = model.timeline
    messages = timeline.messages_of(key)
    prompt = prompt_of_item(timeline, key)
    out: list[str] = [f"Prompt {prompt.number}" if prompt is not None else "Before the first prompt"]
    if not messages:
        out.append("not stored yet: the details come once the turn is over")
    else:
        usage = timeline.usage_of(key) or turn_usage(messages)
        entry = timeline.entry(key)
        steps = usage.steps
        if not steps:
            out.append("no answer stored")
        for number, step in enumerate(steps, 1):
            out += _step_lines(number, step)
        if entry is not None and entry.turn.tool_calls:
            out.append("tool calls")
            for call in entry.turn.tool_calls.values():
                ran = call.duration is not None and call.status not in ("denied", "timed_out")
                took = f" · {seconds(call.duration)}" if ran and call.duration is not None else ""
                answered = f" · permission: {call.permission_answer}" if call.permission_answer else ""
                out.append(f"  {call.name or 'tool'} · {call.status}{took}{answered}")
        totals = [f"{len(steps)} call{'s' if len(steps) != 1 else ''}"]
        if usage.known:
            totals.append(f"{tokens(usage.input_tokens)} in · {tokens(usage.output_tokens)} out")
        if usage.cost is not None:
            totals.append(money(usage.cost))
        if usage.seconds is not None:
            totals.append(seconds(usage.seconds))
        out.append("this turn: " + " · ".join(totals))
        if steps and not usage.known:
            out.append("(the server stored no token counts for these calls)")
    session = model.session
    history = timeline.history
    sums = session_totals(history)
    prompts = sum(1 for m in history if m.role == "user")
    line = f"session: {prompts} prompt{'s' if prompts != 1 else ''} · {sums.calls} calls with usage"
    if sums.calls:
        line += f" · {tokens(sums.input_tokens)} in · {tokens(sums.output_tokens)} out"
        if sums.cache_read_tokens or sums.cache_creation_tokens:
            line += f" · cache {tokens(sums.cache_read_tokens)} read / {tokens(sums.cache_creation_tokens)} written"
    if session is not None:
        line += f" · {money(session.cost)}"
    out.append(line)
    if session is not None:
        context = f"context in use: {session.prompt_tokens:,} tokens"
        if window:
            context += f" of {window:,} ({session.prompt_tokens / window:.0%})"
        out.append(context)
    return "\n".join(out)
