"""Find in the open transcript: every occurrence of a text in what the transcript shows as text (the
prompts, the answers, the notes), in reading order, case-insensitive. Thinking and tool output are
left out: they sit in collapsed panels. No widgets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mix_tui.tui.session.items import AssistantItem, Item, NoteItem, TextView, UserItem


@dataclass(frozen=True, slots=True)
class Match:
    key: str  # the item it is in
    start: int  # offsets in that item's `searchable_text`
    end: int


def searchable_text(item: Item) -> str:
    if isinstance(item, UserItem):
        return item.text
    if isinstance(item, NoteItem):
        return f"{item.title}\n{item.text}" if item.title else item.text
    assert isinstance(item, AssistantItem)
    return "\n\n".join(part.text for part in item.parts if isinstance(part, TextView))


def find_all(items: Sequence[Item], query: str) -> list[Match]:
    needle = query.casefold()
    if not needle.strip():
        return []
    found: list[Match] = []
    for item in items:
        haystack = searchable_text(item).casefold()
        start = haystack.find(needle)
        while start != -1:
            found.append(Match(item.key, start, start + len(needle)))
            start = haystack.find(needle, start + len(needle))
    return found


@dataclass(slots=True)
class FindState:
    """The query, its matches and which one is current (the counter's "3/12")."""

    query: str = ""
    matches: list[Match] | None = None
    current: int = -1

    def search(self, items: Sequence[Item], query: str, near: str | None = None) -> Match | None:
        """New query: the current match is the first in or after item `near` (the selection), else
        the last one (the newest text, where the user usually is)."""
        self.query = query
        self.matches = find_all(items, query)
        if not self.matches:
            self.current = -1
            return None
        order = [item.key for item in items]
        if near in order:
            at = order.index(near)
            positions = {item.key: n for n, item in enumerate(items)}
            self.current = next((n for n, m in enumerate(self.matches) if positions[m.key] >= at), len(self.matches) - 1)
        else:
            self.current = len(self.matches) - 1
        return self.matches[self.current]

    def step(self, direction: int) -> Match | None:
        if not self.matches:
            return None
        self.current = (self.current + direction) % len(self.matches)
        return self.matches[self.current]

    def refresh(self, items: Sequence[Item]) -> None:
        """The transcript changed: find again, keeping the current match's place where it can."""
        if not self.query:
            return
        previous = self.matches[self.current] if self.matches and self.current >= 0 else None
        self.matches = find_all(items, self.query)
        if previous is not None and previous in self.matches:
            self.current = self.matches.index(previous)
        else:
            self.current = min(self.current, len(self.matches) - 1)

    @property
    def counter(self) -> str:
        if not self.query:
            return ""
        if not self.matches:
            return "no matches"
        return f"{self.current + 1}/{len(self.matches)}"

    @property
    def keys(self) -> set[str]:
        return {m.key for m in self.matches or ()}
