"""The chat's model: what the status line names, `/model` (the picker or `/model provider/id`), and
what a saved key changes. The rules of applying a choice are in session/model_choice.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mix_tui.sdk.errors import MixError, UnsupportedError
from mix_tui.tui.screens.model_picker import ModelPicker, Picked, typed_choice
from mix_tui.tui.session.model_choice import (
    Catalog,
    apply_to_session,
    load_catalog,
    model_key,
    next_model,
    set_default,
)

if TYPE_CHECKING:
    from mix_tui.protocol.models import SessionData
    from mix_tui.tui.screens.chat_host import ChatHost

DEMO = "demo"


class ModelFlow:
    def __init__(self, chat: ChatHost) -> None:
        self.chat = chat
        self.catalog = Catalog()
        self.fresh: tuple[str, str] | None = None  # picked in a fresh chat: its session is made with it

    # ---- what the next prompt goes to --------------------------------------------------------

    def pin(self) -> tuple[str, str | None] | None:
        """What a new session is created with (None: the server's default)."""
        if self.fresh is not None:
            return self.fresh
        return (self.chat.provider, self.chat.model) if self.chat.provider else None

    def describe(self, session: SessionData | None) -> str:
        return next_model(session, self.pin(), self.catalog)

    async def refresh(self) -> None:
        """Re-read what the server offers and defaults to; the status line follows."""
        self.catalog = await load_catalog(self.chat.client)
        self.chat.show_model()

    # ---- /model ------------------------------------------------------------------------------

    async def open(self, args: str = "") -> None:
        await self.refresh()
        if args.strip():
            current = self._current()
            picked = typed_choice(args, self.catalog, current[0] if current else None)
            if picked is None:
                self.chat.show_note("/model takes provider/model (e.g. openai/gpt-4.1) or a model id", "/model")
                return
            await self.apply(picked)
            return
        picker = ModelPicker(self.catalog, self.chat.settings, current=self._current())
        self.chat.app.push_screen(picker, self._picked)

    def _current(self) -> tuple[str, str] | None:
        described = self.describe(self._session())
        provider, slash, model = described.partition("/")
        return (provider, model) if slash else None

    def _session(self) -> SessionData | None:
        opened = self.chat.open_model()
        return opened.session if opened is not None else None

    def _picked(self, picked: Picked | None) -> None:
        if picked is not None:
            self.chat.run_worker(self.apply(picked), exit_on_error=False)

    async def apply(self, picked: Picked) -> None:
        key = model_key(picked.provider, picked.model)
        opened = self.chat.open_model()
        notes: list[str] = []
        if opened is None:
            self.fresh = (picked.provider, picked.model)
            notes.append(f"This new chat will use {key}.")
        else:
            try:
                notes.append(await apply_to_session(self.chat.client, opened.session_id, picked.provider, picked.model, self.catalog))
            except UnsupportedError as exc:
                self.chat.provider, self.chat.model = picked.provider, picked.model
                notes.append(f"{exc.message[:1].upper()}{exc.message[1:]}.")
            except MixError as exc:
                self.chat.show_note(f"The model was not changed: {exc.message}", f"/model {key}")
                return
            await opened.refresh()
        if picked.make_default:
            try:
                await set_default(self.chat.client, picked.provider, picked.model)
            except MixError as exc:
                notes.append(f"It is not the default: {exc.message}.")
            else:
                self.chat.provider = self.chat.model = None  # new chats follow the server's default
                self.fresh = None
                notes.append(f"{key} is the default for new chats.")
        await self.refresh()
        self.chat.show_note(" ".join(notes), f"/model {key}")

    # ---- keys saved (welcome screen, settings) -----------------------------------------------

    async def key_saved(self, provider: str) -> None:
        """A key was stored for `provider`: when no other real provider was usable, the next prompt
        goes to it (our server adopts it as preferred; for a server that does not, we set it), and a
        session or new chats pinned to the offline demo leave it."""
        before = self.catalog
        await self.refresh()
        had_other = any(e.ready and e.provider not in (DEMO, provider) for e in before.entries)
        default = self.catalog.default
        if (default is None or default[0] != provider) and not had_other and self.catalog.has_preferences:
            model = self.catalog.first_model(provider)
            if model is not None:
                try:
                    await set_default(self.chat.client, provider, model)
                except MixError:
                    pass
        if self.chat.provider == DEMO:
            self.chat.provider = self.chat.model = None
        if self.fresh is not None and self.fresh[0] == DEMO:
            self.fresh = None
        opened = self.chat.open_model()
        session = opened.session if opened is not None else None
        if opened is not None and session is not None and session.provider == DEMO:
            try:
                await self.chat.client.sessions.set_model(opened.session_id, None, None)
            except MixError:
                pass  # a server that fixes the model at create: the next new chat uses the key
            await opened.refresh()
        await self.refresh()
