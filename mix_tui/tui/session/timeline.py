"""One session's turns in order: the stored ones (replayed from history) and the live one.

Every turn is an `Entry` with a stable key: the stored prompt's id, or — for a turn that began live —
the key its widgets were mounted under, which the stored prompt's id maps to once the server reports
it (`user_message_created`), so a reload after the turn keeps its widgets. `items()` is the whole
transcript; `live_items()` the hot path while streaming. No I/O, no widgets.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from mix_tui.protocol.models import BackendMessage
from mix_tui.sdk.replay import Observed, replay
from mix_tui.sdk.turn import Turn
from mix_tui.tui.session.items import AssistantItem, Item, NoteItem, turn_items
from mix_tui.tui.session.usage import TurnUsage, turn_messages, turn_usage

_live_keys = itertools.count(1)
_note_keys = itertools.count(1)


@dataclass(slots=True)
class Entry:
    key: str
    prompt: str | None  # None: a turn whose prompt is unknown (joined mid-turn, or none stored)
    turn: Turn


class Timeline:
    def __init__(self, session_id: str = "") -> None:
        self.session_id = session_id
        self.history: list[BackendMessage] = []
        self.loaded = False
        self.observed = Observed()  # what history may lack, seen live (servers other than ours)
        self.live: Entry | None = None
        self._stored: list[Entry] = []
        self._alias: dict[str, str] = {}  # stored prompt id -> the live key it was shown under
        self._stored_items: list[Item] | None = None
        # notes of this client, each after the turn it followed (None: before every turn)
        self._notes: list[tuple[str | None, NoteItem]] = []
        self._messages: dict[str, list[BackendMessage]] = {}  # entry key -> its stored messages
        self._seen_seconds: dict[str, float] = {}  # prompt id -> how long the turn took, seen live

    # ---- the live turn -----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.live is not None and not self.live.turn.done

    def begin(self, prompt: str | None) -> Turn:
        self.live = Entry(f"live-{next(_live_keys)}", prompt, Turn())
        return self.live.turn

    def prompt_stored(self, message_id: str, text: str) -> None:
        """The live turn's prompt was stored under `message_id`."""
        if self.live is None:
            return
        self._alias[message_id] = self.live.key
        if self.live.prompt is None:
            self.live.prompt = text
        self._stored_items = None

    def drop_live(self) -> None:
        """Forget a live turn that never started on the server (its send failed)."""
        self.live = None

    def ended(self) -> None:
        """The live turn is over: keep what history may not tell (for servers other than ours)."""
        if self.live is not None:
            turn = self.live.turn
            self.observed.remember(turn)
            if turn.user_message_id and turn.started_at is not None and turn.finished_at is not None:
                self._seen_seconds[turn.user_message_id] = turn.finished_at - turn.started_at

    # ---- stored history ----------------------------------------------------------------------

    def set_history(self, messages: Sequence[BackendMessage], *, keep_live: bool) -> None:
        """New stored messages. A running turn keeps showing its own state unless `keep_live` is
        False (it just ended: the stored messages replace it)."""
        self.history = list(messages)
        self.loaded = True
        self._stored = [self._entry(turn) for turn in replay(self.history, self.observed)]
        # replay cuts the history into turns the same way: one list of messages per stored entry
        self._messages = {e.key: m for e, m in zip(self._stored, turn_messages(self.history), strict=False)}
        self._stored_items = None
        if not keep_live:
            self.live = None
        elif self.live is None and self._stored and not self._stored[-1].turn.done:
            # the server is running a turn we did not start here: adopt it, the stream goes on
            self.live = self._stored.pop()
        self._reanchor_notes()

    def _reanchor_notes(self) -> None:
        """Notes after turns that are gone (rewound) follow the last turn left, in the order they were
        written, so a note written later still shows below them."""
        keys = {entry.key for entry in self.entries}
        last = self.entries[-1].key if self.entries else None
        self._notes = [(key if key is None or key in keys else last, note) for key, note in self._notes]

    def _entry(self, turn: Turn) -> Entry:
        prompt_id = turn.user_message_id
        if prompt_id is None:
            return Entry("t0", None, turn)
        return Entry(self._alias.get(prompt_id, prompt_id), turn.user_text or "", turn)

    def stored_turn_status(self) -> str | None:
        """`turnStatus` of the live turn's stored prompt, when the server stores one."""
        if self.live is None:
            return None
        for message in reversed(self.history):
            if message.role == "user" and self._alias.get(message.id, message.id) == self.live.key:
                return message.turn_status
        return None

    def messages_of(self, key: str) -> list[BackendMessage]:
        """The stored messages of the turn under entry `key` (none for a turn not stored yet)."""
        return list(self._messages.get(key, ()))

    def usage_of(self, key: str) -> TurnUsage | None:
        messages = self._messages.get(key)
        if not messages or not any(m.role == "assistant" for m in messages):
            return None
        prompt_id = messages[0].id if messages[0].role == "user" else None
        return turn_usage(messages, self._seen_seconds.get(prompt_id) if prompt_id else None)
    def invalidate(self) -> None:
        """Stored turns changed in place (a sub-agent run was attached): rebuild their items."""
        self._stored_items = None

    def entry(self, key: str) -> Entry | None:
        for entry in self._stored:
            if entry.key == key:
                return entry
        return self.live if self.live is not None and self.live.key == key else None

    # ---- notes -------------------------------------------------------------------------------

    def add_note(self, text: str, title: str = "", after: str | None = None) -> NoteItem:
        """A note shown after the turn under entry key `after`, by default after the last turn so far
        (the live one, if a turn runs)."""
        if after is None or self.entry(after) is None:
            entries = self.entries
            after = entries[-1].key if entries else None
        note = NoteItem(f"note-{next(_note_keys)}", text, title)
        self._notes.append((after, note))
        return note

    def _with_notes(self, items: list[Item]) -> list[Item]:
        if not self._notes:
            return items
        after: dict[str | None, list[Item]] = {}
        for key, note in self._notes:
            after.setdefault(key, []).append(note)
        merged: list[Item] = list(after.pop(None, []))
        for item in items:
            merged.append(item)
            turn_key = item.key.removeprefix("a:") if item.key.startswith("a:") else None
            if turn_key is not None and turn_key in after:
                merged.extend(after.pop(turn_key))
        for notes in after.values():  # their turn is gone (rewound): keep them at the end
            merged.extend(notes)
        return merged

    # ---- what the transcript shows -----------------------------------------------------------

    def items(self) -> list[Item]:
        """Stored turns, then the live one (its stored copy, if any, is left out), and the notes."""
        if self._stored_items is None:
            self._stored_items = [i for e in self._stored for i in self._stored_turn_items(e)]
        stored = self._stored_items
        if self.live is None:
            return self._with_notes(list(stored))
        live_key = self.live.key
        cut = next((n for n, item in enumerate(stored) if item.key == live_key), len(stored))
        return self._with_notes([*stored[:cut], *self.live_items()])

    def _stored_turn_items(self, entry: Entry) -> list[Item]:
        items = turn_items(entry.key, entry.prompt, entry.turn, self.session_id)
        answer = items[-1]
        if isinstance(answer, AssistantItem) and not answer.live:
            answer.usage = self.usage_of(entry.key)
        return items

    def live_items(self) -> list[Item]:
        if self.live is None:
            return []
        return turn_items(self.live.key, self.live.prompt, self.live.turn, self.session_id)

    def prompts(self) -> list[str]:
        return [m.text for m in self.history if m.role == "user"]

    @property
    def entries(self) -> list[Entry]:
        return [*self._stored, *([self.live] if self.live is not None else [])]
