"""Tokens, cost and time per turn, read from the stored messages; the context window of a model.

Every stored assistant message (one model call, a "step") carries its own usage (`inputTokens`,
`outputTokens`, `cacheCreationTokens`, `cacheReadTokens`, `cost`, `model`, the reasoning time); a
turn's usage is its steps added up. How long a turn took comes from our server's sub-second message
times (the prompt's `createdAt` to the last step's `updatedAt`), else from what this client saw
live, else it is not known. No I/O, no widgets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from mix_tui.protocol.context_windows import context_window
from mix_tui.protocol.models import BackendMessage


@dataclass(frozen=True, slots=True)
class StepUsage:
    """One stored assistant message: one model call."""

    message_id: str
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_creation_tokens: int | None = None
    cache_read_tokens: int | None = None
    cost: float | None = None
    reasoning_ms: int | None = None
    seconds: float | None = None  # from its first to its last write (our server)

    @classmethod
    def of(cls, message: BackendMessage) -> StepUsage:
        seconds = None
        if message.created_at is not None and message.updated_at is not None:
            seconds = max(0.0, (message.updated_at - message.created_at).total_seconds())
        return cls(
            message.id, message.model, message.input_tokens, message.output_tokens,
            message.cache_creation_tokens, message.cache_read_tokens, message.cost,
            message.reasoning_ms if message.reasoning else None, seconds,
        )  # fmt: skip

    @property
    def known(self) -> bool:
        """The server said anything about this call's usage."""
        return any(
            v is not None
            for v in (self.input_tokens, self.output_tokens, self.cache_creation_tokens, self.cache_read_tokens, self.cost)
        )


@dataclass(frozen=True, slots=True)
class TurnUsage:
    """The steps of one turn, added up."""

    steps: tuple[StepUsage, ...]
    seconds: float | None = None  # the whole turn, prompt to last word

    @property
    def models(self) -> list[str]:
        return list(dict.fromkeys(step.model for step in self.steps if step.model))

    def _sum(self, name: str) -> int:
        return sum(getattr(step, name) or 0 for step in self.steps)

    @property
    def input_tokens(self) -> int:
        return self._sum("input_tokens")

    @property
    def output_tokens(self) -> int:
        return self._sum("output_tokens")

    @property
    def cache_creation_tokens(self) -> int:
        return self._sum("cache_creation_tokens")

    @property
    def cache_read_tokens(self) -> int:
        return self._sum("cache_read_tokens")

    @property
    def cost(self) -> float | None:
        costs = [step.cost for step in self.steps if step.cost is not None]
        return sum(costs) if costs else None

    @property
    def known(self) -> bool:
        return any(step.known for step in self.steps)


def turn_messages(history: Sequence[BackendMessage]) -> list[list[BackendMessage]]:
    """The stored messages cut into turns exactly as `sdk.replay.replay` cuts them: each prompt opens
    a turn, assistant messages before the first prompt open one too, and a tool-role message before
    any turn belongs to none."""
    turns: list[list[BackendMessage]] = []
    for message in history:
        if message.role == "user" or (message.role == "assistant" and not turns):
            turns.append([message])
        elif turns:
            turns[-1].append(message)
    return turns


def turn_usage(messages: Sequence[BackendMessage], seen_seconds: float | None = None) -> TurnUsage:
    """`messages`: one turn's stored messages (its prompt first, when it has one)."""
    steps = tuple(StepUsage.of(m) for m in messages if m.role == "assistant")
    seconds = None
    first, last = messages[0], messages[-1]
    if first.created_at is not None and last.updated_at is not None and len(messages) > 1:
        seconds = max(0.0, (last.updated_at - first.created_at).total_seconds())
    return TurnUsage(steps, seconds if seconds is not None else seen_seconds)


@dataclass(frozen=True, slots=True)
class SessionTotals:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_tokens: int = 0
    cache_read_tokens: int = 0
    calls: int = 0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens + self.cache_creation_tokens + self.cache_read_tokens


def session_totals(history: Iterable[BackendMessage]) -> SessionTotals:
    steps = [StepUsage.of(m) for m in history if m.role == "assistant"]
    return SessionTotals(
        sum(s.input_tokens or 0 for s in steps), sum(s.output_tokens or 0 for s in steps),
        sum(s.cache_creation_tokens or 0 for s in steps), sum(s.cache_read_tokens or 0 for s in steps),
        sum(1 for s in steps if s.known),
    )  # fmt: skip


def last_model(history: Sequence[BackendMessage]) -> str | None:
    """The model of the newest stored answer (what the context in use was measured with)."""
    return next((m.model for m in reversed(history) if m.role == "assistant" and m.model), None)


def window_for(model: str | None, published: Mapping[str, int]) -> int | None:
    """The model's context window: as the server publishes it, else from the built-in table."""
    if not model:
        return None
    return published.get(model) or context_window(model)


# ---- formatting (plain strings: widgets style them) -------------------------------------------


def tokens(count: int) -> str:
    if count < 1000:
        return str(count)
    if count < 100_000:
        return f"{count / 1000:.1f}k"
    if count < 1_000_000:
        return f"{count // 1000}k"
    return f"{count / 1_000_000:.1f}M"


def money(cost: float) -> str:
    return f"${cost:.2f}" if cost >= 1 else f"${cost:.4f}"


def seconds(value: float) -> str:
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value < 60:
        return f"{value:.1f} s"
    minutes, rest = divmod(round(value), 60)
    return f"{minutes}m {rest:02d}s"


def summary(usage: TurnUsage) -> str:
    """The footer's one line: model · in/out/cache tokens · cost · duration."""
    parts: list[str] = []
    models = usage.models
    if models:
        parts.append(" + ".join(models))
    if usage.known:
        parts.append(f"{tokens(usage.input_tokens)} in")
        parts.append(f"{tokens(usage.output_tokens)} out")
        if usage.cache_read_tokens:
            parts.append(f"{tokens(usage.cache_read_tokens)} cache read")
        if usage.cache_creation_tokens:
            parts.append(f"{tokens(usage.cache_creation_tokens)} cache write")
        cost = usage.cost
        if cost is not None:
            parts.append(money(cost))
    if usage.seconds is not None:
        parts.append(seconds(usage.seconds))
    if len(usage.steps) > 1:
        parts.append(f"{len(usage.steps)} calls")
    return " · ".join(parts)
