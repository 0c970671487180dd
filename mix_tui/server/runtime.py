"""The server's shared parts, built once at startup and handed to the routes and the agent."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from mix_tui.protocol.events import MixEvent
from mix_tui.server.broker import Broker
from mix_tui.server.catalog import ProviderPool
from mix_tui.server.config import ServerConfig
from mix_tui.server.permissions import PermissionRegistry
from mix_tui.server.store import Store
from mix_tui.server.tools import Tool, all_tools

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Runtime:
    config: ServerConfig
    store: Store
    broker: Broker
    permissions: PermissionRegistry
    providers: ProviderPool
    tools: dict[str, Tool]
    # per-session scratch state of the tools (TodoWrite's list), kept for the server's lifetime
    tool_state: dict[str, dict[str, Any]] = field(default_factory=dict)
    started_at: float = field(default_factory=time.time)
    shutting_down: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def create(cls, config: ServerConfig) -> Runtime:
        # conversations are private: a new data dir is readable by its owner only
        config.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return cls(
            config=config,
            store=Store(config.db_path),
            broker=Broker(replay_size=config.replay_size, queue_size=config.subscriber_queue),
            permissions=PermissionRegistry(config.permission_timeout),
            providers=ProviderPool(config),
            tools=all_tools(),
        )

    def publish(self, session_id: str, event: MixEvent) -> int:
        return self.broker.publish(session_id, event)
