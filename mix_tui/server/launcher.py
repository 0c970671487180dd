"""Starting and stopping the server: `mix-tui serve` (serve_from_args) and `start_server` for tests.

The socket is bound here, before uvicorn starts, so `--port 0` works and the real port is known. When
the server is ready it prints exactly one line to stdout, `mix-tui server listening on http://HOST:PORT`,
which the TUI's launcher waits for. SIGINT/SIGTERM cancel running turns (recorded as cancelled),
close the streams, stop uvicorn and close the database cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import secrets as pysecrets
import signal
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import platformdirs
import uvicorn

from mix_tui.server import catalog
from mix_tui.server.app import build_app
from mix_tui.server.config import ConfigError, ServerConfig, check_bind, parse_demo_rate
from mix_tui.server.datadir import DataDirError
from mix_tui.server.runtime import Runtime
from mix_tui.server.turns import TurnManager

log = logging.getLogger(__name__)

READY_PREFIX = "mix-tui server listening on "
TOKEN_ENV = "MIX_SERVER_TOKEN"
MAX_TOKEN_BYTES = 1024
SHUTDOWN_GRACE = 8.0


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: ours cancels turns before the server stops."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass(eq=False)
class RunningServer:
    config: ServerConfig
    runtime: Runtime
    turns: TurnManager
    server: uvicorn.Server
    task: asyncio.Task[None]
    port: int
    warmup: asyncio.Future[bytes] | None = None
    _stopped: bool = False

    @property
    def url(self) -> str:
        host = self.config.host
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    async def stop(self) -> None:
        """Graceful: cancel turns (they record it), close streams, stop uvicorn, close the store."""
        if self._stopped:
            return
        self._stopped = True
        rt = self.runtime
        rt.shutting_down.set()
        await self.turns.shutdown(SHUTDOWN_GRACE)
        rt.permissions.deny_all()
        rt.broker.close_all("shutdown")
        self.server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        await rt.providers.aclose()
        if self.warmup is not None:  # finished or failed, it must not outlive the store
            with contextlib.suppress(Exception):
                await self.warmup
        rt.close()


def bind_socket(host: str, port: int) -> socket.socket:
    info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = info[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


async def start_server(config: ServerConfig) -> RunningServer:
    """Open the data dir, bind, build and start the server in the running loop; returns once it
    accepts connections. DataDirError (data dir unusable) or OSError (cannot listen)."""
    rt = Runtime.create(config)
    try:
        sock = bind_socket(config.host, config.port)
    except BaseException:
        rt.close()
        raise
    port = sock.getsockname()[1]
    config = replace(config, port=port)
    rt.config = config
    turns = TurnManager(rt)
    app = build_app(rt, turns)
    uv_config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="off", ws="none", http="h11", server_header=False,
        # a safety net only: streams are closed before uvicorn is asked to stop
        timeout_graceful_shutdown=5,
    )
    server = _Server(uv_config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name="uvicorn")
    while not server.started:
        if task.done():
            sock.close()
            rt.close()
            task.result()
            raise RuntimeError("the server stopped while starting")
        await asyncio.sleep(0.01)
    running = RunningServer(config, rt, turns, server, task, port)
    # render the session list now, so the client's first GET /api/sessions is the warm one (about
    # 2 s of store time with 100,000 sessions; other store calls queue behind it meanwhile)
    running.warmup = asyncio.ensure_future(rt.store.run(rt.sessions.json, False))
    return running


@contextlib.asynccontextmanager
async def running_server(config: ServerConfig) -> AsyncIterator[RunningServer]:
    running = await start_server(config)
    try:
        yield running
    finally:
        await running.stop()


def read_token_fd(fd: int) -> str:
    """The token the app wrote into an inherited pipe (one line), then the pipe is closed.

    A pipe leaves no trace a tool could read later: not in argv, not in /proc/<server>/environ."""
    chunks: list[bytes] = []
    try:
        while len(b"".join(chunks)) <= MAX_TOKEN_BYTES and (chunk := os.read(fd, 4096)):
            chunks.append(chunk)
    except OSError as exc:
        raise ConfigError(f"--token-fd {fd}: cannot read the token: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)
    token = b"".join(chunks).decode("utf-8", "replace").strip()
    if not token or len(token) > MAX_TOKEN_BYTES:
        raise ConfigError(f"--token-fd {fd}: expected one line holding the token")
    return token


def config_from_args(args: argparse.Namespace) -> tuple[ServerConfig, bool]:
    """The config for `serve`'s flags; the bool says the token was generated (and must be shown)."""
    # Read once, then gone from our environment: the tools' children must never inherit it (they get
    # an allowlisted environment anyway; this is the second lock).
    os.environ.pop(TOKEN_ENV, None)
    generated = False
    token: str | None = args.token
    if getattr(args, "token_fd", None) is not None:
        token = read_token_fd(args.token_fd)
    if args.no_token:
        token = None
    elif not token:
        token = pysecrets.token_urlsafe(24)
        generated = True
    check_bind(args.host, token, args.allow_remote)
    if args.permission_timeout <= 0:
        raise ConfigError("--permission-timeout must be positive")
    if args.replay_size < 1 or args.subscriber_queue < 1:
        raise ConfigError("--replay-size and --subscriber-queue must be at least 1")
    if not args.heartbeat_interval > 0:
        raise ConfigError("--heartbeat-interval must be positive")
    delta_window = getattr(args, "delta_window", 40.0)
    if not 0 <= delta_window <= 1000:
        raise ConfigError("--delta-window must be between 0 and 1000 ms")
    workdir = Path(args.workdir).expanduser().resolve() if args.workdir else Path.cwd()
    if not workdir.is_dir():
        raise ConfigError(f"--workdir {workdir} is not a directory")
    data_dir = Path(args.data_dir).expanduser() if args.data_dir else Path(platformdirs.user_data_dir("mix-tui"))
    config = ServerConfig(
        data_dir=data_dir.resolve(),
        workdir=workdir,
        host=args.host,
        port=args.port,
        token=token,
        allow_remote=args.allow_remote,
        model=args.model,
        base_url=getattr(args, "base_url", None),
        permission_timeout=args.permission_timeout,
        demo_rate=parse_demo_rate(args.demo_rate),
        replay_size=args.replay_size,
        subscriber_queue=args.subscriber_queue,
        heartbeat_interval=args.heartbeat_interval,
        delta_window=delta_window / 1000,
    )
    provider = args.provider or catalog.first_configured_provider()
    if provider not in catalog.known_providers(replace(config, provider=provider)):
        raise ConfigError(f"unknown provider {provider!r}")
    return replace(config, provider=provider, provider_pinned=args.provider is not None), generated


async def _serve(config: ServerConfig, show_token: bool) -> int:
    running = await start_server(config)
    loop = asyncio.get_running_loop()
    stopping: asyncio.Task[None] | None = None

    def on_signal() -> None:
        nonlocal stopping
        if stopping is None:
            stopping = asyncio.ensure_future(running.stop())
        else:
            running.server.force_exit = True  # a second Ctrl-C: stop waiting

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, on_signal)
        except (NotImplementedError, RuntimeError):  # Windows, or not the main thread
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(on_signal))
    if show_token:
        print(f"mix-tui server token: {config.token}", file=sys.stderr, flush=True)
    print(f"{READY_PREFIX}{running.url}", flush=True)
    try:
        await running.task
    finally:
        if stopping is None:
            stopping = asyncio.ensure_future(running.stop())
        await stopping
    return 0


def serve_from_args(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        config, generated = config_from_args(args)
        return asyncio.run(_serve(config, generated))
    except ConfigError as exc:
        print(f"mix-tui serve: error: {exc}", file=sys.stderr)
        return 2
    except DataDirError as exc:
        print(f"mix-tui serve: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"mix-tui serve: error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
