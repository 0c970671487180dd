"""Changing a session's history from the chat: fork it at a message, rewind it to before a prompt,
rename it. Each uses the server's own call (a fork is never copied client-side); where a server has
none, a note says so plainly and nothing changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from mix_tui.sdk.errors import MixError, UnsupportedError
from mix_tui.tui.screens.ask import AskScreen
from mix_tui.tui.screens.confirm import ConfirmScreen
from mix_tui.tui.session import SessionModel
from mix_tui.tui.session.travel import (
    RewindPlan,
    TravelError,
    describe_rewind,
    fork_count,
    fork_count_for_prompt,
    parse_number,
    prompt_number,
    prompt_of_item,
    prompts,
    rewind_plan,
)

if TYPE_CHECKING:
    from mix_tui.tui.screens.chat_host import ChatHost

NO_FORK = (
    "This server cannot fork sessions (it has no fork endpoint: the Mix API dropped it). Nothing was "
    "copied. A rewind (/rewind) changes this session in place instead."
)
NO_RENAME = "This server cannot rename sessions (it has no endpoint for it). The title stays as it is."


class HistoryActions:
    def __init__(self, chat: ChatHost) -> None:
        self.chat = chat

    def _model(self, what: str) -> SessionModel | None:
        model = self.chat.open_model()
        if model is None:
            self.chat.show_note(f"Nothing to {what} yet: this chat has no session until its first prompt.", title=what.capitalize())
        return model

    # ---- fork --------------------------------------------------------------------------------

    async def fork(self, args: str = "") -> None:
        """/fork [N]: a new session holding prompt N (else the selected message's turn, else all)
        and everything before, opened at once."""
        model = self._model("fork")
        if model is None:
            return
        timeline = model.timeline
        try:
            number = parse_number(args, "/fork")
            if number is not None:
                count = fork_count_for_prompt(timeline, prompt_number(timeline, number))
            else:
                count = fork_count(timeline, self.chat.transcript.selected)
        except TravelError as exc:
            model.add_note(str(exc), title="Fork")
            return
        title = f"{(model.session.title if model.session else '') or 'Session'} (fork)"
        try:
            forked = await self.chat.hub.fork(model.session_id, count, title)
        except UnsupportedError:
            model.add_note(NO_FORK, title="Fork")
            return
        except MixError as exc:
            model.add_note(f"The fork failed: {exc.message}", title="Fork")
            return
        kept = sum(1 for m in timeline.history[:count] if m.role == "user")
        held = "prompt 1 and its answer" if kept == 1 else f"prompts 1-{kept} with their answers"
        await self.chat.open_session(forked.session_id)
        forked.add_note(
            f"A fork of “{model.session.title if model.session else model.session_id}”, holding {held} "
            f"({count} stored messages). The original is unchanged.",
            title="Fork",
        )

    # ---- rewind ------------------------------------------------------------------------------

    async def rewind(self, args: str = "") -> None:
        """/rewind [N]: remove prompt N (else the selected message's prompt, else the last one) and
        everything after it, after a confirmation; its text goes back into the composer."""
        model = self._model("rewind")
        if model is None:
            return
        timeline = model.timeline
        try:
            number = parse_number(args, "/rewind")
            if number is not None:
                prompt = prompt_number(timeline, number)
            else:
                selected = self.chat.transcript.selected
                found = prompt_of_item(timeline, selected) if selected is not None else None
                if found is None:
                    found = prompts(timeline)[-1] if prompts(timeline) else None
                if found is None:
                    raise TravelError("This session has no prompt to rewind to yet.")
                prompt = found
            plan = rewind_plan(timeline, prompt)
        except TravelError as exc:
            model.add_note(str(exc), title="Rewind")
            return
        if plan.keep_message_id is None:
            self._offer_new_chat(plan)
            return

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self.chat.run_worker(self._rewind(model, plan), exit_on_error=False)

        self.chat.app.push_screen(ConfirmScreen(Text(describe_rewind(plan)), confirm_label="Rewind"), answered)

    async def _rewind(self, model: SessionModel, plan: RewindPlan) -> None:
        assert plan.keep_message_id is not None
        try:
            await self.chat.client.sessions.rewind(model.session_id, plan.keep_message_id)
        except MixError as exc:
            model.add_note(f"The rewind failed: {exc.message}", title="Rewind")
            return
        await model.refresh(keep_live=False)
        if self.chat.current == model.session_id:
            self.chat.composer.put_back(plan.prompt.text)
            self.chat.composer.focus()
        else:
            model.draft = f"{plan.prompt.text}\n{model.draft}".strip("\n")
        removed = plan.removed_messages
        model.add_note(
            f"Rewound to before prompt {plan.prompt.number}: {removed} stored message{'s' if removed != 1 else ''} "
            "removed. Its text is back in the composer.",
            title="Rewind",
        )

    def _offer_new_chat(self, plan: RewindPlan) -> None:
        """Prompt 1 has no message before it to keep: a new chat starts from it instead."""
        question = Text(
            "Prompt 1 opens this session, and a rewind always keeps the message before the prompt it removes, "
            "so prompt 1 cannot be rewound. Start a new chat with prompt 1 in the composer? "
            "This session stays as it is."
        )

        async def new_chat() -> None:
            await self.chat.open_session(None)
            self.chat.composer.put_back(plan.prompt.text)
            self.chat.composer.focus()

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self.chat.run_worker(new_chat(), exit_on_error=False)

        self.chat.app.push_screen(ConfirmScreen(question, confirm_label="New chat"), answered)

    # ---- rename ------------------------------------------------------------------------------

    async def rename(self, args: str = "") -> None:
        """/rename TITLE; without one, a box to type it in (the current title filled in)."""
        model = self._model("rename")
        if model is None:
            return
        title = " ".join(args.split())
        if title:
            await self._rename(model, title)
            return
        current = model.session.title if model.session is not None else ""

        def answered(typed: str | None) -> None:
            if typed:
                self.chat.run_worker(self._rename(model, " ".join(typed.split())), exit_on_error=False)

        self.chat.app.push_screen(AskScreen("Rename", "A new title for this session:", current), answered)

    async def _rename(self, model: SessionModel, title: str) -> None:
        try:
            await self.chat.hub.rename(model.session_id, title)
        except UnsupportedError:
            model.add_note(NO_RENAME, title="Rename")
        except MixError as exc:
            model.add_note(f"The rename failed: {exc.message}", title="Rename")
