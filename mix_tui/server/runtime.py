"""The server's shared parts, built once at startup and handed to the routes and the agent."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from mix_tui.protocol.events import MixEvent
from mix_tui.server import recovery
from mix_tui.server.broker import Broker
from mix_tui.server.catalog import ProviderPool
from mix_tui.server.config import ServerConfig
from mix_tui.server.datadir import DataDir
from mix_tui.server.notifications import NotificationRegistry
from mix_tui.server.permissions import PermissionRegistry
from mix_tui.server.session_list import SessionListing
from mix_tui.server.store import Store
from mix_tui.server.tools import Tool, all_tools
from mix_tui.server.views import render_listed_session

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Runtime:
    config: ServerConfig
    data_dir: DataDir
    store: Store
    broker: Broker
    permissions: PermissionRegistry
    providers: ProviderPool
    tools: dict[str, Tool]
    sessions: SessionListing
    # per-session scratch state of the tools (TodoWrite's list), kept for the server's lifetime
    tool_state: dict[str, dict[str, Any]] = field(default_factory=dict)
    started_at: float = field(default_factory=time.time)
    notifications: NotificationRegistry = field(default_factory=NotificationRegistry)
    shutting_down: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def create(cls, config: ServerConfig) -> Runtime:
        """Open the data dir and the store (DataDirError when unusable) and recover after a crash."""
        data_dir = DataDir.open(config.data_dir)
        try:
            store = data_dir.open_store(config.db_path)
            if data_dir.sole_owner:
                recovered = store.transaction(recovery.recover)
                if recovered:
                    log.warning("marked %d prompt(s) interrupted: the server stopped while they ran", recovered)
            data_dir.share()
        except BaseException:
            data_dir.close()
            raise
        return cls(
            config=config,
            data_dir=data_dir,
            store=store,
            broker=Broker(replay_size=config.replay_size, queue_size=config.subscriber_queue),
            permissions=PermissionRegistry(config.permission_timeout),
            providers=ProviderPool(config),
            tools=all_tools(),
            sessions=SessionListing(store, render_listed_session),
        )

    def publish(self, session_id: str, event: MixEvent) -> int:
        return self.broker.publish(session_id, event)

    def close(self) -> None:
        """Close the store (finishing queued writes), then let the data dir go."""
        try:
            self.store.close()
        finally:
            self.data_dir.close()
