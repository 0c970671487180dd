"""`AppConfig`: what the app starts with (the command line; config.toml's server and theme, read
ahead), and `spawn_early`, which starts the app's own server before anything else.

Free of Textual, so cli.py can use it before the app's modules import: the local server's process
then imports (~1 s of its own) on the other core while this one imports Textual and draws the first
frame, instead of after it.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mix_tui.tui import config_peek

if TYPE_CHECKING:
    import httpx

    from mix_tui.tui.config import SettingsStore
    from mix_tui.tui.local_server import LocalServer

DEMO_PROVIDER = "demo"


@dataclass(frozen=True)
class AppConfig:
    server_url: str | None = None
    token: str | None = None
    demo: bool = False
    session_id: str | None = None
    continue_last: bool = False
    data_dir: Path | None = None
    workdir: Path | None = None
    permission_timeout: float = 30.0
    server_args: tuple[str, ...] = ()  # extra `mix-tui serve` arguments (tests: --demo-rate)
    freeze_startup_objects: bool = False  # the process is the app's own (`mix-tui`): see _freeze
    transport: httpx.AsyncBaseTransport | None = None  # tests: an in-process server behind httpx
    # the user's settings, given (tests), or read from `settings_file` after the first frame; with
    # neither, the defaults, and nothing is written anywhere
    settings: SettingsStore | None = None
    settings_file: Path | None = None
    first_theme: str | None = None  # the file's theme, read ahead for the first frame (config_peek)
    early_server: LocalServer | None = None  # the local server, spawned already (`spawn_early`)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> AppConfig:
        path = Path(args.config).expanduser() if getattr(args, "config", None) else config_peek.default_path()
        first = config_peek.peek(path)
        # --server (or MIX_SERVER_URL, its default in cli.py) wins over the file's server_url
        server = (args.server or "").strip() or first.server_url.strip()
        return cls(
            server_url=server.rstrip("/") or None,
            token=args.token or None,
            demo=bool(args.demo),
            session_id=args.session or None,
            continue_last=bool(args.continue_last),
            data_dir=Path(args.data_dir).expanduser() if args.data_dir else None,
            workdir=Path(args.workdir).expanduser() if args.workdir else None,
            freeze_startup_objects=True,
            settings_file=path,
            first_theme=first.theme,
        )

    def new_local_server(self) -> LocalServer:
        """The app's own server for this config, not started."""
        from mix_tui.tui.local_server import LocalServer

        return LocalServer(
            data_dir=self.data_dir, workdir=self.workdir, provider=DEMO_PROVIDER if self.demo else None,
            extra_args=list(self.server_args),
        )  # fmt: skip


def spawn_early(config: AppConfig, runner: asyncio.Runner) -> AppConfig:
    """`config` with its local server spawned on `runner`'s loop (the app must run on that loop),
    when it needs one. A spawn that fails is left to the app, which tries again and says why."""
    if config.server_url is not None or config.early_server is not None:
        return config
    try:
        server = config.new_local_server()
        runner.run(server.spawn())
    except Exception:
        return config
    return dataclasses.replace(config, early_server=server)
