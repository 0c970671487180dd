"""Per-session state the bridge keeps for every open session, open on screen or not.

A `Conversation` holds the stored history, the live `Turn` (the SDK reducer is the one source of
turn state), the prompts queued behind it, the "allow for this session" rules and the permission
prompts still waiting. Switching sessions re-renders from this data, so nothing is lost while a
session streams in the background.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mix_tui.protocol.events import Permission
from mix_tui.protocol.models import BackendMessage, SessionData
from mix_tui.sdk.turn import Turn
from mix_tui.tui.items import (
    AssistantItem,
    Item,
    LiveMemo,
    UserItem,
    history_items,
    live_assistant_item,
)
from mix_tui.tui.messages import ConnectionState

if TYPE_CHECKING:
    from mix_tui.sdk.stream import SessionStream

_live_keys = itertools.count(1)


@dataclass(slots=True)
class PendingPermission:
    permission: Permission
    received_at: float  # time.monotonic()


@dataclass
class Conversation:
    session_id: str
    session: SessionData | None = None
    history: list[BackendMessage] = field(default_factory=list)
    history_loaded: bool = False
    refreshes: int = 0  # history reloads started; only the latest one's answer is applied
    turn: Turn | None = None
    # the live turn's prompt: known at once for our own sends, from `user_message_created` otherwise
    turn_prompt: str | None = None
    turn_key: str = ""
    queue: list[str] = field(default_factory=list)
    allow_rules: set[tuple[str, str]] = field(default_factory=set)
    waiting: dict[str, PendingPermission] = field(default_factory=dict)  # permission id -> prompt
    # stored user message id -> the live key its widgets were mounted under (keeps them on resync)
    key_alias: dict[str, str] = field(default_factory=dict)
    stream: SessionStream | None = None
    connection: ConnectionState = "connecting"
    lost_at: float | None = None  # monotonic: the stream's first loss since it was last connected
    retry_at: float | None = None  # monotonic: its next reconnect attempt
    # prompts whose POST broke on the wire -> stored user messages before it: after the reconnect
    # the history tells whether the server got them (then they are not sent again)
    unsure: dict[str, int] = field(default_factory=dict)
    draft: str = ""
    # terminal errors of turns, by assistant item key: history does not store them
    errors: dict[str, str] = field(default_factory=dict)
    memo: LiveMemo = field(default_factory=LiveMemo)  # what history cannot tell (durations, denials)
    _history_items: list[Item] | None = None

    # ---- the live turn -----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.turn is not None and not self.turn.done

    def begin_turn(self, prompt: str | None) -> Turn:
        self.turn = Turn()
        self.turn_prompt = prompt
        self.turn_key = f"live-{next(_live_keys)}"
        return self.turn

    def note_user_message(self, message_id: str, content: str) -> None:
        """The live turn's prompt was stored: its stored id maps to the live key."""
        self.key_alias[message_id] = self.turn_key
        if self.turn_prompt is None:
            self.turn_prompt = content
        self._history_items = None

    def set_history(self, messages: list[BackendMessage], *, keep_turn: bool) -> None:
        self.history = messages
        self.history_loaded = True
        self._history_items = None
        if not keep_turn:
            if self.turn is not None:
                self.memo.remember(self.turn)
            self.turn = None
            self.turn_prompt = None

    # ---- what the transcript shows -----------------------------------------------------------

    def items(self) -> list[Item]:
        """Stored items, then the live turn (stored messages of the live turn are left out)."""
        if self._history_items is None:
            self._history_items = history_items(self.history, self.key_alias, self.memo)
            self._attach_errors(self._history_items)
        items = self._history_items
        if self.turn is None:
            return list(items)
        cut = self._live_cut(items)
        return [*items[:cut], *self.live_items()]

    def _attach_errors(self, items: list[Item]) -> None:
        """Show a turn's error after a reload too (a failed turn may have no stored answer at all)."""
        if not self.errors:
            return
        index = 0
        while index < len(items):
            item = items[index]
            if isinstance(item, UserItem) and f"a:{item.key}" in self.errors:
                key = f"a:{item.key}"
                following = items[index + 1] if index + 1 < len(items) else None
                if isinstance(following, AssistantItem) and following.key == key:
                    following.error = self.errors[key]
                else:
                    items.insert(index + 1, AssistantItem(key=key, error=self.errors[key]))
                index += 1
            index += 1

    def _live_cut(self, items: list[Item]) -> int:
        for index, item in enumerate(items):
            if isinstance(item, UserItem) and item.key == self.turn_key:
                return index
        return len(items)

    def live_items(self) -> list[Item]:
        if self.turn is None:
            return []
        live: list[Item] = []
        if self.turn_prompt is not None:
            live.append(UserItem(self.turn_key, self.turn_prompt))
        live.append(self.live_assistant())
        return live

    def live_assistant(self) -> AssistantItem:
        assert self.turn is not None
        return live_assistant_item(f"a:{self.turn_key}", self.turn, self.memo.auto_approved)

    @property
    def message_count(self) -> int:
        return len(self.history)

    @property
    def connected(self) -> bool:
        return self.connection in ("connected", "connecting")

    def user_prompts(self) -> list[str]:
        return [message.text for message in self.history if message.role == "user"]
