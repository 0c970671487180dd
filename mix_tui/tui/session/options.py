"""What goes with each prompt besides its text: thinking level, plan mode, max steps.

Names and values are the contract's (`SendMessageRequest`: `thinking_level` off|basic|medium|maximum,
`plan_mode`, `max_steps` >= 1). They are the session's until changed (`/think high`, `/plan`,
`/steps 5`, the options row), and a prompt waiting in the queue goes out with those in force when it is
sent. Nothing set means nothing sent: the server decides.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

LEVELS = ("off", "basic", "medium", "maximum")
# what people type for the contract's levels (Claude Code and OpenAI say low/high)
_LEVEL_WORDS = {
    "off": "off", "none": "off", "no": "off", "0": "off",
    "basic": "basic", "low": "basic", "minimal": "basic", "1": "basic",
    "medium": "medium", "mid": "medium", "2": "medium",
    "maximum": "maximum", "max": "maximum", "high": "maximum", "ultra": "maximum", "3": "maximum",
}  # fmt: skip
_CLEAR_WORDS = frozenset({"default", "auto", "server", "reset"})
_ON = frozenset({"on", "yes", "true", "1"})
_OFF = frozenset({"off", "no", "false", "0"})


class OptionError(ValueError):
    """An argument a command does not understand (the message says what it takes)."""


@dataclass(frozen=True, slots=True)
class SendOptions:
    thinking: str | None = None  # one of LEVELS; None: not sent
    plan: bool = False
    max_steps: int | None = None

    def request_fields(self) -> dict[str, Any]:
        """Keyword arguments for `client.messages.send` (only what is set)."""
        return {
            "thinking_level": self.thinking,
            "plan_mode": True if self.plan else None,
            "max_steps": self.max_steps,
        }

    def describe(self) -> str:
        """"thinking maximum · plan mode · at most 5 steps"; "" when nothing is set."""
        parts = []
        if self.thinking is not None:
            parts.append(f"thinking {self.thinking}")
        if self.plan:
            parts.append("plan mode")
        if self.max_steps is not None:
            parts.append(f"at most {self.max_steps} step{'s' if self.max_steps > 1 else ''}")
        return " · ".join(parts)

    # ---- the commands' arguments -------------------------------------------------------------

    def with_thinking(self, argument: str) -> SendOptions:
        """`/think LEVEL`; without a level the next one (off → basic → … → maximum → server default)."""
        word = argument.strip().lower()
        if not word:
            order: list[str | None] = [None, *LEVELS]
            return replace(self, thinking=order[(order.index(self.thinking) + 1) % len(order)])
        if word in _CLEAR_WORDS:
            return replace(self, thinking=None)
        level = _LEVEL_WORDS.get(word)
        if level is None:
            raise OptionError(f"/think takes one of: {', '.join(LEVELS)} (or low, high, default)")
        return replace(self, thinking=level)

    def with_plan(self, argument: str) -> SendOptions:
        """`/plan` toggles; `/plan on|off` sets."""
        word = argument.strip().lower()
        if not word:
            return replace(self, plan=not self.plan)
        if word in _ON:
            return replace(self, plan=True)
        if word in _OFF:
            return replace(self, plan=False)
        raise OptionError("/plan takes on or off (or nothing, to toggle)")

    def with_steps(self, argument: str) -> SendOptions:
        """`/steps N` (N >= 1); `/steps off` (or nothing) lets the server decide."""
        word = argument.strip().lower()
        if not word or word in _OFF or word in _CLEAR_WORDS:
            return replace(self, max_steps=None)
        try:
            steps = int(word)
        except ValueError:
            raise OptionError("/steps takes a number of steps (1 or more), or off") from None
        if steps < 1:
            raise OptionError("/steps takes a number of steps (1 or more), or off")
        return replace(self, max_steps=steps)
