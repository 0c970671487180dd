"""What the chat does with one message: copy it (raw markdown), copy one of its code blocks, show its
tokens and cost. Each works on the selected message, or on the last one when none is selected, and
answers with a note under that message's turn (a note stays; a toast would vanish)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mix_tui.tui import clipboard
from mix_tui.tui.screens.code_menu import CodeMenuScreen
from mix_tui.tui.session import SessionModel
from mix_tui.tui.session.code_blocks import CodeBlock, code_blocks
from mix_tui.tui.session.details import details_text
from mix_tui.tui.session.items import AssistantItem, Item, TextView, UserItem
from mix_tui.tui.session.travel import entry_key

if TYPE_CHECKING:
    from mix_tui.tui.screens.chat_host import ChatHost


def raw_text(item: Item) -> str:
    """The message as the model or the user wrote it (never the cleaned display)."""
    if isinstance(item, UserItem):
        return item.text
    if isinstance(item, AssistantItem):
        return "\n\n".join(part.text for part in item.parts if isinstance(part, TextView) and part.text)
    return item.text


def _lines(text: str) -> str:
    count = len(text.splitlines()) or 1
    return f"{count} line{'s' if count != 1 else ''}"


class MessageActions:
    def __init__(self, chat: ChatHost) -> None:
        self.chat = chat

    # ---- which message -----------------------------------------------------------------------

    def target(self) -> tuple[SessionModel, Item] | None:
        """The selected message, else the last prompt or answer; None (and a note) when none."""
        model = self.chat.open_model()
        items = model.items() if model is not None else []
        messages = [item for item in items if isinstance(item, UserItem | AssistantItem)]
        selected = self.chat.transcript.selected
        chosen = next((i for i in messages if i.key == selected), None) or (messages[-1] if messages else None)
        if model is None or chosen is None:
            self.chat.show_note("There is no message here yet.", title="Nothing selected")
            return None
        return model, chosen

    def _answer(self, model: SessionModel, item: Item, text: str, title: str) -> None:
        """A note under the message's turn; when that is an earlier one, it is brought into view."""
        note = model.add_note(text, title, after=entry_key(item.key))
        if self.chat.transcript.selected is not None:
            self.chat.reveal_after_change = note.key

    # ---- copy --------------------------------------------------------------------------------

    async def copy(self, args: str = "") -> None:
        """/copy: the message; /copy code [N]: one of its code blocks."""
        words = args.split()
        if words and words[0].lower() == "code":
            await self.copy_code(" ".join(words[1:]))
            return
        if words:
            self.chat.show_note("Usage: /copy (the message) or /copy code [N] (one of its code blocks).", title="/copy")
            return
        found = self.target()
        if found is None:
            return
        model, item = found
        text = raw_text(item)
        if not text.strip():
            self._answer(model, item, "That message has no text to copy.", "Copy")
            return
        where = await clipboard.copy(self.chat.app, text)
        what = "the prompt" if isinstance(item, UserItem) else "the answer"
        self._answer(model, item, f"Copied {what} as markdown ({_lines(text)}) to {where}.", "Copied")

    async def copy_code(self, args: str = "") -> None:
        """One code block of the message: number N, the only one, or the one picked from a menu."""
        found = self.target()
        if found is None:
            return
        model, item = found
        blocks = code_blocks(raw_text(item))
        if not blocks:
            self._answer(model, item, "That message has no code block.", "Copy code")
            return
        if args.strip():
            try:
                number = int(args.strip())
            except ValueError:
                number = 0
            if not 1 <= number <= len(blocks):
                self._answer(model, item, f"Pick a code block from 1 to {len(blocks)}.", "Copy code")
                return
            await self._copy_block(model, item, blocks, number - 1)
        elif len(blocks) == 1:
            await self._copy_block(model, item, blocks, 0)
        else:

            def picked(index: int | None) -> None:
                if index is not None:
                    self.chat.run_worker(self._copy_block(model, item, blocks, index), exit_on_error=False)

            self.chat.app.push_screen(CodeMenuScreen(blocks), picked)

    async def copy_last_code(self) -> None:
        """The last code block of the selected message; with none selected, the newest in the session."""
        model = self.chat.open_model()
        if model is None:
            self.chat.show_note("There is no code block here yet.", title="Copy code")
            return
        selected = self.chat.transcript.selected
        candidates = [i for i in model.items() if isinstance(i, UserItem | AssistantItem)]
        if selected is not None:
            candidates = [i for i in candidates if i.key == selected]
        for item in reversed(candidates):
            blocks = code_blocks(raw_text(item))
            if blocks:
                await self._copy_block(model, item, blocks, len(blocks) - 1)
                return
        self.chat.show_note("No code block to copy.", title="Copy code")

    async def _copy_block(self, model: SessionModel, item: Item, blocks: list[CodeBlock], index: int) -> None:
        block = blocks[index]
        where = await clipboard.copy(self.chat.app, block.code)
        kind = f"{block.language} " if block.language else ""
        self._answer(
            model, item, f"Copied {kind}code block {index + 1} of {len(blocks)} ({_lines(block.code)}) to {where}.",
            "Copied",
        )  # fmt: skip

    # ---- tokens and cost ---------------------------------------------------------------------

    def details(self) -> None:
        """/cost: every usage field of the message's turn, its tool calls, and the session's totals."""
        found = self.target()
        if found is None:
            return
        model, item = found
        self._answer(model, item, details_text(model, entry_key(item.key), self.chat.context_window(model)), "Cost and tokens")
