"""The server's settings: one frozen object built from the `serve` flags, read by every layer."""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PORT = 8088
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


class ConfigError(ValueError):
    """A flag combination the server refuses to start with (the message is shown to the user)."""


@dataclass(frozen=True, slots=True)
class ServerConfig:
    data_dir: Path
    workdir: Path
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    # None = no token required (only with --no-token); the launcher generates one otherwise
    token: str | None = None
    allow_remote: bool = False
    # the default provider/model for new sessions when neither the request nor preferences name one
    provider: str = "demo"
    # True when the operator named --provider: then a newly stored key never switches the preferred one
    provider_pinned: bool = False
    model: str | None = None
    base_url: str | None = None
    permission_timeout: float = 30.0
    # demo tokens per second: None = the demo's realistic default, math.inf = as fast as possible
    demo_rate: float | None = None
    heartbeat_interval: float = 15.0
    # replay ring per session (DESIGN.md §2.1 asks for >= 1,000)
    replay_size: int = 2048
    # frames a subscriber may lag behind before it is cut (it then resumes with Last-Event-ID)
    subscriber_queue: int = 1024
    # a safety net when the client sends no max_steps (the spec says "unlimited")
    default_max_steps: int = 100
    rate_limit_attempts: int = 3
    # seconds between writes of a streaming answer (what a crash can lose at most)
    partial_flush_interval: float = 0.5
    # text deltas of one message arriving within this many seconds become one event (0 = never merged)
    delta_window: float = 0.04
    extra_hosts: frozenset[str] = field(default_factory=frozenset)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "mix.db"

    @property
    def sessions_dir(self) -> Path:
        return self.data_dir / "sessions"

    def files_dir(self, session_id: str) -> Path:
        return self.sessions_dir / session_id / "files"


def is_loopback_host(host: str) -> bool:
    """True for loopback names and addresses (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def parse_demo_rate(value: str | None) -> float | None:
    """`--demo-rate`: tokens per second, or "max" for no pacing."""
    if value is None:
        return None
    if value.strip().lower() in ("max", "inf", "infinite", "0"):
        return math.inf
    try:
        rate = float(value)
    except ValueError:
        raise ConfigError(f"--demo-rate must be a number of tokens per second or 'max', not {value!r}") from None
    if not rate > 0 or math.isnan(rate):
        raise ConfigError("--demo-rate must be positive")
    return rate


def check_bind(host: str, token: str | None, allow_remote: bool) -> None:
    """Refuse to expose the server beyond this machine unless asked to, and never without a token."""
    if is_loopback_host(host):
        return
    if not allow_remote:
        raise ConfigError(
            f"refusing to listen on {host!r}: it is not a loopback address (pass --allow-remote and a --token "
            "to expose the server to other machines)"
        )
    if not token:
        raise ConfigError("--allow-remote needs a token: pass --token, do not use --no-token")
