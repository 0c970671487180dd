"""SSE throughput: socket → typed events, through our `SessionStream` and through the official SDK.

Generates a realistic transcript (mostly content and thinking deltas, tool events, heartbeats),
serves the same bytes from a local socket server running in its own thread, and measures
events per second from the first byte requested to the last typed event handed to the caller:

- `SessionStream` (our hand-written SSE decoder + `parse_event`, the code path the TUI uses);
- httpx-sse (`aconnect_sse` + `parse_event`) for comparison of the two decoders;
- the official `mix-python-sdk` (`Mix(...).streaming.stream_events_async`).

    python benchmarks/sse_parse.py [--events 100000] [--repeat 3] [--profile]

Target: ≥ 50,000 events/s through `SessionStream`, and faster than the official SDK.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import random
import socket
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from httpx_sse import aconnect_sse

from mix_tui.protocol.events import parse_event
from mix_tui.sdk import ConnectionLost, MalformedFrame, MixClient, Reconnected

SESSION = "0f6d6c1e-3b1a-4f0e-9c55-6a3d2b1e9f00"
WORDS = (
    "the quick brown fox jumps over a lazy dog while the model considers which file to read next "
    "and whether the tests should run before or after the refactor of the parser module"
).split()


# ---- the transcript -----------------------------------------------------------------------------


def _words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high))) + " "


def generate(count: int, seed: int = 7) -> bytes:
    """`count` frames, Go/spec framing (`id:`, `event:`, one-line `data:`), turns of realistic shape."""
    rng = random.Random(seed)
    frames: list[tuple[str, dict[str, Any]]] = [("connected", {"sessionId": SESSION})]
    while len(frames) < count:
        amid = str(uuid.UUID(int=rng.getrandbits(128)))
        frames.append(
            (
                "user_message_created",
                {"type": "user_message_created", "messageId": amid, "content": _words(rng, 5, 30)},
            )
        )
        for _ in range(rng.randint(5, 40)):
            frames.append(
                ("thinking", {"type": "thinking", "content": _words(rng, 1, 6), "assistantMessageId": amid})
            )
        for _ in range(rng.randint(20, 120)):
            frames.append(
                ("content", {"type": "content", "content": _words(rng, 1, 8), "assistantMessageId": amid})
            )
            if rng.random() < 0.02:
                frames.append(("heartbeat", {"type": "ping"}))
        for _ in range(rng.randint(0, 3)):
            call = f"toolu_{rng.getrandbits(64):016x}"
            frames.append(
                (
                    "tool_use_start",
                    {"type": "tool_use_start", "name": "Bash", "id": call, "assistantMessageId": amid},
                )
            )
            pieces = ['{"command": "', "ls -la ", "src/", '"}']
            for piece in pieces:
                frames.append(
                    (
                        "tool_use_parameter_delta",
                        {
                            "type": "tool_use_parameter_delta",
                            "toolCallId": call,
                            "input": piece,
                            "assistantMessageId": amid,
                        },
                    )
                )
            frames.append(
                (
                    "tool_use_parameter_streaming_complete",
                    {
                        "type": "tool_use_parameter_streaming_complete",
                        "name": "Bash",
                        "id": call,
                        "input": "".join(pieces),
                        "assistantMessageId": amid,
                    },
                )
            )
            frames.append(
                (
                    "tool_execution_start",
                    {
                        "type": "tool_execution_start",
                        "toolName": "Bash",
                        "progress": "Executing Bash tool",
                        "toolCallId": call,
                    },
                )
            )
            frames.append(
                (
                    "tool_execution_complete",
                    {
                        "type": "tool_execution_complete",
                        "toolName": "Bash",
                        "progress": "Completed Bash tool in 12.5ms",
                        "success": True,
                        "toolCallId": call,
                    },
                )
            )
        frames.append(
            ("complete", {"type": "complete", "content": _words(rng, 5, 20), "messageId": amid, "done": True})
        )
    frames = frames[:count]
    out = []
    for index, (name, data) in enumerate(frames, start=1):
        out.append(f"id: {index}\nevent: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n")
    return "".join(out).encode()


# ---- the server ---------------------------------------------------------------------------------


class Server:
    """Serves `body` as an SSE response on every connection, then closes it (own thread, own socket)."""

    def __init__(self, body: bytes) -> None:
        self.head = (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            b"Connection: close\r\n\r\n"
        )
        self.body = body
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                request += chunk
            try:
                conn.sendall(self.head + self.body)
            except OSError:
                return  # the client stopped reading: fine

    def close(self) -> None:
        self.sock.close()


# ---- the consumers ------------------------------------------------------------------------------


async def run_ours(url: str, expected: int) -> int:
    count = 0
    async with MixClient(url) as client:
        async with client.stream(SESSION) as stream:
            async for item in stream:
                if isinstance(item, ConnectionLost | Reconnected):
                    continue
                if isinstance(item, MalformedFrame):
                    raise RuntimeError(f"malformed frame: {item.reason}")
                count += 1
                if count == expected:
                    break
    return count


async def run_httpx_sse(url: str, expected: int) -> int:
    count = 0
    async with httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(5.0, read=None)) as client:
        async with aconnect_sse(client, "GET", "/stream", params={"sessionId": SESSION}) as source:
            async for sse in source.aiter_sse():
                parse_event(sse.event, sse.data)
                count += 1
                if count == expected:
                    break
    return count


async def run_official(url: str, expected: int) -> int:
    from mix_python_sdk import Mix

    count = 0
    mix = Mix(server_url=url)
    response = await mix.streaming.stream_events_async(session_id=SESSION)
    async with response.result as events:
        async for _event in events:
            count += 1
            if count == expected:
                break
    return count


Consumer = Callable[[str, int], Awaitable[int]]


def measure(consumer: Consumer, url: str, expected: int, repeat: int) -> float:
    """Best events/s over `repeat` runs (best-of filters out scheduler noise)."""
    best = 0.0
    for _ in range(repeat):
        started = time.perf_counter()
        got = asyncio.run(consumer(url, expected))
        elapsed = time.perf_counter() - started
        if got != expected:
            raise RuntimeError(f"{consumer.__name__} saw {got} events, expected {expected}")
        best = max(best, got / elapsed)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile one run of SessionStream")
    parser.add_argument("--skip-official", action="store_true")
    args = parser.parse_args(argv)

    body = generate(args.events)
    server = Server(body)
    names: dict[str, int] = {}
    for line in body.split(b"\n"):
        if line.startswith(b"event: "):
            names[line[7:].decode()] = names.get(line[7:].decode(), 0) + 1
    print(f"transcript: {args.events:,} events, {len(body) / 1e6:.1f} MB")
    print(
        "  mix: "
        + ", ".join(f"{k} {v / args.events:.0%}" for k, v in sorted(names.items(), key=lambda kv: -kv[1]))
    )
    try:
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            asyncio.run(run_ours(server.url, args.events))
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
            return 0
        ours = measure(run_ours, server.url, args.events, args.repeat)
        print(f"SessionStream (mix_tui.sdk):         {ours:>10,.0f} events/s")
        via_httpx_sse = measure(run_httpx_sse, server.url, args.events, args.repeat)
        print(f"httpx-sse + parse_event:             {via_httpx_sse:>10,.0f} events/s")
        if not args.skip_official:
            # one run only: it is two orders of magnitude slower, noise does not matter
            official = measure(run_official, server.url, args.events, 1)
            print(f"mix-python-sdk stream_events_async:  {official:>10,.0f} events/s")
            print(f"ratio SessionStream / official SDK:  {ours / official:>10.1f}x")
        print(f"ratio SessionStream / httpx-sse:     {ours / via_httpx_sse:>10.2f}x")
        target_met = ours >= 50_000
        print(f"target ≥ 50,000 events/s:            {'met' if target_met else 'MISSED'}")
        return 0 if target_met else 1
    finally:
        server.close()


if __name__ == "__main__":
    sys.exit(main())
