"""Slash completion: typing `/` (then a few letters) in the composer lists the commands that fit —
the client's own (screens/commands.py) and the server's (`GET /api/commands`, with descriptions) —
and Tab or Enter completes the pick. Enter on a command typed in full runs it instead.

The chat screen hands over the composer's text on each change and the list's picks; everything else
(what fits, what a pick does) is here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from mix_tui.sdk.errors import MixError
from mix_tui.tui.screens import commands
from mix_tui.tui.widgets.completion import Candidate, CompletionList

if TYPE_CHECKING:
    from mix_tui.sdk.client import MixClient
    from mix_tui.tui.widgets.composer import Composer

_TYPING_A_COMMAND = re.compile(r"^/([\w-]*)$")


def slash_candidates(typed: str, served: Iterable[tuple[str, str]] = ()) -> list[Candidate]:
    """Commands for the text so far (`/mo`): names that start with it first, then names holding it."""
    match = _TYPING_A_COMMAND.match(typed)
    if match is None:
        return []
    word = match.group(1).lower()
    every: list[Candidate] = []
    for command in commands.COMMANDS:
        if command.slash:
            usage = f" {command.usage}" if command.usage else ""
            every.append(Candidate(f"/{command.slash} ", f"/{command.slash}{usage}", command.help))
    ours = {c.slash for c in commands.COMMANDS if c.slash}
    for name, description in served:
        name = name.lstrip("/")
        if name and name not in ours:
            every.append(Candidate(f"/{name} ", f"/{name}", description))
            ours.add(name)
    starts = [c for c in every if _name(c).startswith(word)]
    holds = [c for c in every if word and word in _name(c) and c not in starts]
    return starts + holds


def _name(candidate: Candidate) -> str:
    return candidate.insert.strip().lstrip("/").lower()


class SlashCompletion:
    def __init__(self, client: MixClient, composer: Composer, listing: CompletionList) -> None:
        self.client = client
        self.composer = composer
        self.listing = listing
        self.served: list[tuple[str, str]] = []  # the server's (name, description)
        composer.commands = listing

    async def load(self) -> None:
        """The server's commands (a server without the endpoint has none)."""
        try:
            self.served = [(c.name, c.description) for c in await self.client.system.commands()]
        except MixError:
            self.served = []

    def text_changed(self, text: str) -> None:
        if "\n" in text or not text.startswith("/") or self.composer.recalling:
            if self.listing.display:
                self.listing.hide()
            return
        self.listing.show(slash_candidates(text, self.served))

    def chosen(self, candidate: Candidate, via: str) -> None:
        typed = self.composer.text.strip()
        self.listing.hide()
        if candidate not in slash_candidates(self.composer.text, self.served):
            # the list was behind the typing (keys in one burst: a paste, a loaded machine, "/rewind 2⏎"
            # typed fast): the text as typed wins, Enter sends it as it is
            if via == "enter":
                self.composer.submit()
            return
        if via == "enter" and typed == candidate.insert.strip():
            self.composer.submit()  # typed in full: Enter runs it
            return
        self.composer.show_text(candidate.insert)
        self.composer.focus()
