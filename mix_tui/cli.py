"""Command line entry point: `mix-tui` opens the app, `mix-tui serve` runs the local Mix server."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence

from mix_tui import __version__


def _add_serve_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="run the Mix-compatible local server",
        description="Run the Mix-compatible local server (REST + SSE, SQLite, tools, permissions).",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8088, help="port to bind; 0 picks a free one (default: 8088)")
    token = serve.add_mutually_exclusive_group()
    token.add_argument(
        "--token",
        default=os.environ.get("MIX_SERVER_TOKEN"),
        help="require this bearer token (env: MIX_SERVER_TOKEN; default: a random token, printed once)",
    )
    token.add_argument(
        "--token-fd",
        type=int,
        metavar="FD",
        help="read the bearer token from this inherited file descriptor (how the app starts its server)",
    )
    token.add_argument("--no-token", action="store_true", help="accept requests without a token")
    serve.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host (needs a token)")
    serve.add_argument("--data-dir", help="where sessions are stored (default: the user data directory)")
    serve.add_argument("--workdir", help="the directory tools act in (default: the current directory)")
    serve.add_argument("--provider", help="default provider for new sessions (demo, openai, anthropic, ...)")
    serve.add_argument("--model", help="default model for new sessions")
    serve.add_argument(
        "--permission-timeout", type=float, default=30.0, help="seconds before an unanswered prompt is denied"
    )
    serve.add_argument(
        "--demo-rate",
        default=None,
        help="demo model speed in tokens/s, or 'max' for as fast as possible (default: a realistic rate)",
    )
    serve.add_argument("--base-url", help="base URL for the openai provider (OpenRouter, Ollama, vLLM, ...)")
    stream = serve.add_argument_group("event stream tuning")
    stream.add_argument(
        "--replay-size", type=int, default=2048, help="events kept per session for Last-Event-ID replay (default: 2048)"
    )
    stream.add_argument(
        "--subscriber-queue",
        type=int,
        default=1024,
        help="events a slow client may lag behind before it is cut and must resume (default: 1024)",
    )
    stream.add_argument(
        "--heartbeat-interval", type=float, default=15.0, help="seconds of silence before a heartbeat (default: 15)"
    )
    stream.add_argument(
        "--delta-window",
        type=float,
        default=40.0,
        help="ms within which text deltas of one message become one event; 0: one event per token (default: 40)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mix-tui",
        description="A terminal client for Mix, the AI agent backend.",
    )
    parser.add_argument("--version", action="version", version=f"mix-tui {__version__}")
    parser.add_argument(
        "--server",
        default=os.environ.get("MIX_SERVER_URL"),
        help="connect to this Mix server instead of starting a local one (env: MIX_SERVER_URL)",
    )
    parser.add_argument("--token", default=os.environ.get("MIX_TOKEN"), help="bearer token for --server (env: MIX_TOKEN)")
    parser.add_argument("--demo", action="store_true", help="use the offline demo model for new sessions")
    parser.add_argument("--session", help="open this session id")
    parser.add_argument("-c", "--continue", dest="continue_last", action="store_true", help="open the most recent session")
    parser.add_argument("--data-dir", help="data directory for the local server")
    parser.add_argument("--workdir", help="directory the local server's tools act in (default: current directory)")
    parser.add_argument("--config", help="the settings file (default: config.toml in the user config directory)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_serve_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        from mix_tui.server.launcher import serve_from_args

        return serve_from_args(args)
    # the collector would walk the ~100,000 objects the imports make, again and again, for nothing
    # (none is garbage): it is turned back on, tuned, once the chat is up (app._freeze_startup_objects)
    gc.disable()
    from mix_tui.tui.widgets.graphics import start_detecting

    start_detecting()  # the terminal answers while the app's modules import
    import asyncio

    from mix_tui.tui.app_config import AppConfig, spawn_early

    with asyncio.Runner() as runner:
        config = spawn_early(AppConfig.from_args(args), runner)  # it imports while the app does
        from mix_tui.tui.app import run_app

        return run_app(config, runner.get_loop())


if __name__ == "__main__":
    sys.exit(main())
