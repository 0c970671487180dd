"""`SessionHub`: the open sessions, created on first use, and what concerns all of them.

Every open stream receives the lifecycle events (`session_created`, `session_deleted`, our `session_updated`) of every
session; the hub acts on each once. Creating a session connects its stream before anything is sent
(a Go server buffers nothing).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from mix_tui.protocol.events import SessionCreated, SessionUpdated
from mix_tui.sdk.errors import MixError
from mix_tui.tui.session import events as ev
from mix_tui.tui.session.model import Lifecycle, Post, SessionModel, Spawn
from mix_tui.tui.session.options import SendOptions

if TYPE_CHECKING:
    from mix_tui.protocol.models import SessionData
    from mix_tui.sdk.client import MixClient


class SessionHub:
    def __init__(
        self, client: MixClient, post: Post, spawn: Spawn, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.client = client
        self._post = post
        self._spawn = spawn
        self._clock = clock
        self._models: dict[str, SessionModel] = {}
        self._seen: set[tuple[str, str]] = set()
        self.workdir: str | None = None  # the server's working directory, when it says
        self.default_options = SendOptions()  # what a session opened here starts with (config.toml)

    def set_workdir(self, workdir: str | None) -> None:
        self.workdir = workdir
        for model in self._models.values():
            model.permissions.workdir = workdir

    def get(self, session_id: str) -> SessionModel | None:
        return self._models.get(session_id)

    def model(self, session_id: str) -> SessionModel:
        """The session's model, made on first use (not yet streaming: `load()` starts it)."""
        model = self._models.get(session_id)
        if model is None:
            model = SessionModel(
                session_id, self.client, self._post, self._spawn, lifecycle=self._lifecycle, clock=self._clock
            )
            model.permissions.workdir = self.workdir
            model.options = self.default_options
            self._models[session_id] = model
        return model

    def __iter__(self) -> Iterator[SessionModel]:
        return iter(list(self._models.values()))

    async def create(self, title: str, *, provider: str | None = None, model: str | None = None) -> SessionModel:
        session = await self.client.sessions.create(title, provider=provider, model_id=model)
        opened = self.model(session.id)
        opened.session = session
        opened.timeline.set_history([], keep_live=False)  # a new session has no messages to load
        self._first_time("created", session.id)
        self._post(ev.SessionAdded(session.id, session))
        opened.start()
        return opened

    async def fork(self, session_id: str, message_index: int, title: str) -> SessionModel:
        """A new session holding the first `message_index` stored messages of `session_id` (the
        server's fork; raises `UnsupportedError` where it has none). Not loaded yet."""
        session = await self.client.sessions.fork(session_id, message_index, title)
        forked = self.model(session.id)
        forked.session = session
        self._first_time("created", session.id)
        self._post(ev.SessionAdded(session.id, session))
        return forked

    async def rename(self, session_id: str, title: str) -> SessionData:
        """Set the title on the server (raises `UnsupportedError` where it cannot)."""
        session = await self.client.sessions.rename(session_id, title)
        self._retitled(session_id, session.title)
        return session

    async def delete(self, session_id: str) -> None:
        """Delete on the server (raises `MixError`), then forget it here."""
        await self.client.sessions.delete(session_id)
        self._first_time("deleted", session_id)
        await self.forget(session_id)

    async def forget(self, session_id: str) -> None:
        model = self._models.pop(session_id, None)
        if model is not None:
            await model.close()
        self._post(ev.SessionRemoved(session_id))

    async def close(self) -> None:
        for model in list(self._models.values()):
            with contextlib.suppress(Exception):
                await model.close()

    # ---- lifecycle events --------------------------------------------------------------------

    def _first_time(self, kind: str, session_id: str) -> bool:
        key = (kind, session_id)
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def _lifecycle(self, event: Lifecycle) -> None:
        if isinstance(event, SessionUpdated):
            self._retitled(event.session_id, event.title)  # every stream brings it: applying it is idempotent
        elif isinstance(event, SessionCreated):
            if self._first_time("created", event.session_id):
                self._spawn(self._announce(event.session_id), f"announce {event.session_id}")
        elif self._first_time("deleted", event.session_id):
            self._spawn(self.forget(event.session_id), f"forget {event.session_id}")

    def _retitled(self, session_id: str, title: str) -> None:
        model = self._models.get(session_id)
        if model is not None:
            model.retitled(title)
        self._post(ev.SessionRetitled(session_id, title))

    async def _announce(self, session_id: str) -> None:
        try:
            session = await self.client.sessions.get(session_id)
        except MixError:
            return
        self._post(ev.SessionAdded(session_id, session))
