"""The embedded async SDK for Mix servers: `MixClient` (REST + streams) and the `Turn` reducer.

Never imports textual or the server (import-linter contract in pyproject.toml).
"""

from mix_tui.sdk.client import MixClient
from mix_tui.sdk.errors import (
    ConflictError,
    MixConnectionError,
    MixError,
    NotFoundError,
    ProtocolError,
    RateLimitError,
    ServerError,
    UnauthorizedError,
    UnsupportedError,
    ValidationError,
)
from mix_tui.sdk.stream import ConnectionLost, MalformedFrame, Reconnected, Resync, SessionStream, StreamItem
from mix_tui.sdk.turn import TextPart, ThinkingPart, ToolCallState, ToolPart, Turn

__all__ = [
    "ConflictError",
    "ConnectionLost",
    "MalformedFrame",
    "MixClient",
    "MixConnectionError",
    "MixError",
    "NotFoundError",
    "ProtocolError",
    "RateLimitError",
    "Reconnected",
    "Resync",
    "ServerError",
    "SessionStream",
    "StreamItem",
    "TextPart",
    "ThinkingPart",
    "ToolCallState",
    "ToolPart",
    "Turn",
    "UnauthorizedError",
    "UnsupportedError",
    "ValidationError",
]
