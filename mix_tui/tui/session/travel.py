"""Where a transcript message sits in the stored history: what a fork at it copies, what a rewind to
it removes. Pure functions of a `Timeline`; no I/O.

The transcript shows per turn one prompt (`UserItem`, key K) and one answer (`AssistantItem`, key
"a:K") built from the stored messages of that turn: the prompt, one assistant message per model call
and the tool-role messages between them. Prompts are numbered from 1 in stored order, as the slash
commands count them (`/fork 2`, `/rewind 2`).

- A fork at a turn (its prompt or its answer) holds everything up to the end of that turn: the count
  of leading stored messages is the position of the next prompt (the server's `messageIndex`).
- A rewind of prompt N removes it and everything after it. The server keeps the message it is given
  (mix-contract §5.5), so the rewind goes to the message just before prompt N; prompt 1 has none, and
  a session cannot be emptied that way.
"""

from __future__ import annotations

from dataclasses import dataclass

from mix_tui.protocol.models import BackendMessage
from mix_tui.tui.session.timeline import Timeline


class TravelError(Exception):
    """The action cannot apply here; the message says why, for the user."""


@dataclass(frozen=True, slots=True)
class Prompt:
    number: int  # 1-based, in stored order
    key: str  # the turn's entry key (the prompt's item key; its answer's is "a:" + key)
    message_id: str
    index: int  # its position in the stored history
    text: str


@dataclass(frozen=True, slots=True)
class RewindPlan:
    prompt: Prompt
    keep_message_id: str | None  # the last message kept; None: the prompt is the session's first
    removed_messages: int  # stored messages that go (tool-role ones included)
    removed_prompts: int  # prompts that go, this one included


def entry_key(item_key: str) -> str:
    """The turn an item belongs to: a prompt's key is its turn's, an answer's is "a:" + it."""
    return item_key.removeprefix("a:")


def prompts(timeline: Timeline) -> list[Prompt]:
    keys = {entry.turn.user_message_id: entry.key for entry in timeline.entries if entry.turn.user_message_id}
    found: list[Prompt] = []
    for index, message in enumerate(timeline.history):
        if message.role == "user":
            key = keys.get(message.id, message.id)
            found.append(Prompt(len(found) + 1, key, message.id, index, message.text))
    return found


def prompt_number(timeline: Timeline, number: int) -> Prompt:
    found = prompts(timeline)
    if not found:
        raise TravelError("This session has no prompts yet.")
    if not 1 <= number <= len(found):
        raise TravelError(f"There is no prompt {number}: this session has {_count(len(found), 'prompt')} (1-{len(found)}).")
    return found[number - 1]


def prompt_of_item(timeline: Timeline, item_key: str) -> Prompt | None:
    """The prompt of the turn that `item_key` (a prompt or an answer) belongs to."""
    key = entry_key(item_key)
    return next((p for p in prompts(timeline) if p.key == key), None)


def parse_number(args: str, what: str) -> int | None:
    """`/fork 3` -> 3; "" -> None; anything else is an error the user reads."""
    text = args.strip()
    if not text:
        return None
    try:
        number = int(text)
    except ValueError:
        raise TravelError(f"{what} takes a prompt number (1, 2, …), not “{text}”.") from None
    return number


def _check_stored(timeline: Timeline, key: str) -> None:
    live = timeline.live
    if live is not None and live.key == key and not live.turn.done:
        raise TravelError("That turn is still running: wait for it to end, or cancel it (Esc) first.")
    if not timeline.messages_of(key):
        raise TravelError("That message is not stored yet.")


def fork_count(timeline: Timeline, item_key: str | None) -> int:
    """How many leading stored messages a fork at `item_key` copies (None: the whole session)."""
    history = timeline.history
    if not history:
        raise TravelError("This session has no messages to fork yet.")
    if item_key is None:
        if timeline.running:
            raise TravelError("A turn is running: wait for it to end, or pick an earlier message to fork at.")
        return len(history)
    key = entry_key(item_key)
    _check_stored(timeline, key)
    last = timeline.messages_of(key)[-1]
    return _position(history, last) + 1


def fork_count_for_prompt(timeline: Timeline, prompt: Prompt) -> int:
    """`/fork N`: prompt N with its whole answer, and everything before."""
    _check_stored(timeline, prompt.key)
    return _position(timeline.history, timeline.messages_of(prompt.key)[-1]) + 1


def rewind_plan(timeline: Timeline, prompt: Prompt) -> RewindPlan:
    if timeline.running:
        raise TravelError("A turn is running: cancel it (Esc) before rewinding.")
    history = timeline.history
    later_prompts = sum(1 for m in history[prompt.index :] if m.role == "user")
    keep = history[prompt.index - 1].id if prompt.index > 0 else None
    return RewindPlan(prompt, keep, len(history) - prompt.index, later_prompts)


def describe_rewind(plan: RewindPlan) -> str:
    """The confirmation's question."""
    number, others = plan.prompt.number, plan.removed_prompts - 1
    what = (
        f"prompt {number} and the {_count(others, 'prompt')} after it, with their answers"
        if others
        else f"prompt {number} and its answer"
    )
    return (
        f"Rewind to before prompt {number}? This removes {what}: "
        f"{_count(plan.removed_messages, 'stored message')} in all. "
        f"Prompt {number} goes back into the composer to be edited."
    )


def find_message(timeline: Timeline, message_id: str) -> str | None:
    """The item key showing stored message `message_id`: its prompt's, or its turn's answer's."""
    for entry in timeline.entries:
        for message in timeline.messages_of(entry.key):
            if message.id == message_id:
                return entry.key if message.role == "user" else f"a:{entry.key}"
    return None


def _position(history: list[BackendMessage], message: BackendMessage) -> int:
    return next(n for n, m in enumerate(history) if m.id == message.id)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
