"""One session streamed to many subscribers: events/s, delivery latency and server CPU per event.

A `mix-tui` server runs in a child process (the demo model, a long markdown answer), instrumented
to note when each frame is published; `--subscribers` raw SSE connections in this process note when
each frame arrives. Each scenario runs with deltas merged (the default 40 ms window) and unmerged
(window 0, one event per token: how the server behaved before), at a paced rate and at the demo's
maximum.

    python benchmarks/server_fanout.py [--subscribers 50] [--sections 100] [--rates 1000,max] [--slow 0.002]

Reports, per scenario: events published and their rate, frames delivered to each subscriber (and
any cut for falling behind), p50/p99/max delivery latency (publish → arrival, both on this
machine's monotonic clock), and server CPU seconds per 1,000 answer tokens, per 1,000 events
published and per 1,000 frames delivered. One extra subscriber spends `--slow` seconds on each frame,
as a client that renders every event would: it shows when a stream is cut for falling behind.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from mix_tui.server.providers.demo import tokens as demo_tokens
from mix_tui.server.providers.demo_text import long_answer

READY = "fanout server listening on "


# ---- the server child ---------------------------------------------------------------------------


async def _serve(data_dir: Path, rate: float, window: float) -> list[tuple[int, float]]:
    from mix_tui.server.config import ServerConfig
    from mix_tui.server.launcher import start_server

    work = data_dir / "work"
    work.mkdir(parents=True, exist_ok=True)
    config = ServerConfig(
        data_dir=data_dir / "data", workdir=work, port=0, token=None, provider="demo", demo_rate=rate,
        delta_window=window,
    )
    running = await start_server(config)
    published: list[tuple[int, float]] = []
    broker = running.runtime.broker
    plain_publish = broker.publish

    def noted(session_id: str, event: object) -> int:
        frame_id = plain_publish(session_id, event)  # type: ignore[arg-type]
        published.append((frame_id, time.monotonic()))
        return frame_id

    broker.publish = noted  # type: ignore[method-assign]
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(f"{READY}{running.url}", flush=True)
    await stop.wait()
    await running.stop()
    return published


# ---- the subscribers ----------------------------------------------------------------------------


@dataclass
class Subscriber:
    # seconds of work per frame: 0 reads as fast as it can; a TUI rendering every event is slower
    cost: float = 0.0
    arrivals: dict[int, float] = field(default_factory=dict)
    events: dict[int, str] = field(default_factory=dict)
    cut: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)


async def subscribe(host: str, port: int, sid: str, sub: Subscriber, connected: asyncio.Event) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET /stream?sessionId={sid} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    buffer = b""
    headers_done = False
    try:
        while not sub.done.is_set():
            chunk = await reader.read(1 << 16)
            if not chunk:
                return
            now = time.monotonic()
            buffer += chunk
            if not headers_done:
                head, sep, buffer = buffer.partition(b"\r\n\r\n")
                if not sep:
                    buffer = head
                    continue
                headers_done = True
            *frames, buffer = buffer.split(b"\n\n")
            if sub.cost:
                await asyncio.sleep(sub.cost * len(frames))
            for frame in frames:
                fields = dict(line.split(b": ", 1) for line in frame.split(b"\n") if b": " in line)
                event = fields.get(b"event", b"").decode()
                if event == "connected":
                    connected.set()
                    continue
                if event == "heartbeat" or b"id" not in fields:
                    continue
                frame_id = int(fields[b"id"])
                sub.arrivals[frame_id] = now
                sub.events[frame_id] = event
                data = fields.get(b"data", b"")
                if event == "error" and b"stream_overflow" in data:
                    sub.cut = True
                    sub.done.set()
                elif event == "complete" or (event == "error" and b"retryAfter" not in data):
                    sub.done.set()
    finally:
        writer.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)] if ordered else float("nan")


def scenario(rate: float, window: float, subscribers: int, sections: int, slow: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="mix-bench-fanout-") as tmp:
        record = Path(tmp) / "published.json"
        proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", tmp, str(rate), str(window), str(record)],
            stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"},
        )
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith(READY), line
        try:
            url = line.strip().rsplit(" ", 1)[1]
            subs, began, cpu = asyncio.run(drive(proc.pid, url, subscribers, sections, slow))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
        published = {frame_id: at for frame_id, at in json.loads(record.read_text()) if at >= began - 1}
    fast = subs[:-1] if slow else subs
    turn_ids = [i for i in published if any(i in s.arrivals for s in fast)]
    latencies = [s.arrivals[i] - published[i] for s in fast for i in turn_ids if i in s.arrivals]
    slow_lag = max((subs[-1].arrivals[i] - published[i] for i in turn_ids if i in subs[-1].arrivals), default=0.0)
    delivered = sum(len(s.arrivals) for s in subs)
    text_events = sum(1 for e in fast[0].events.values() if e in ("content", "thinking"))
    streamed = max(published[i] for i in turn_ids) - min(published[i] for i in turn_ids)
    return {
        "published": len(turn_ids), "text_events": text_events, "seconds": streamed,
        "events_per_s": len(turn_ids) / max(streamed, 1e-3), "delivered_per_sub": delivered / len(subs),
        "cut": sum(s.cut for s in fast), "slow_cut": float(subs[-1].cut) if slow else 0.0,
        "slow_lag_s": slow_lag,
        "p50_ms": statistics.median(latencies) * 1000, "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": max(latencies) * 1000, "cpu": cpu, "cpu_per_1k_events": cpu / len(turn_ids) * 1000,
        "cpu_per_1k_frames": cpu / delivered * 1000,
    }


async def drive(pid: int, url: str, subscribers: int, sections: int, slow: float) -> tuple[list[Subscriber], float, float]:
    """Subscribe, send the prompt, wait for every subscriber's terminal event (or its cut)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        sid = (await http.post("/api/sessions", json={"title": "fanout"})).json()["id"]
        subs = [Subscriber() for _ in range(subscribers)]
        if slow:
            subs.append(Subscriber(cost=slow))
        ready = [asyncio.Event() for _ in subs]
        tasks = [asyncio.create_task(subscribe(host, int(port), sid, s, r)) for s, r in zip(subs, ready, strict=True)]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in ready)), 30)
        cpu_before = cpu_seconds(pid)
        began = time.monotonic()
        sent = await http.post(f"/api/sessions/{sid}/messages", json={"text": f"long {sections}"})
        assert sent.status_code == 202, sent.text
        await asyncio.wait_for(asyncio.gather(*(s.done.wait() for s in subs)), 600)
        cpu = cpu_seconds(pid) - cpu_before
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return subs, began, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=50)
    parser.add_argument("--sections", type=int, default=100, help="size of the demo's `long N` answer")
    parser.add_argument("--rates", default="1000,max", help="demo tokens/s, comma-separated ('max' = unpaced)")
    parser.add_argument(
        "--slow", type=float, default=0.002,
        help="one more subscriber spending this many seconds per frame (a client rendering each event); 0: none",
    )
    parser.add_argument("--serve", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        tmp, rate, window, record = args.serve
        published = asyncio.run(_serve(Path(tmp), float(rate), float(window)))
        Path(record).write_text(json.dumps(published))
        return 0
    tokens = len(list(demo_tokens(long_answer(args.sections))))
    print(
        f"one session, {args.subscribers} subscribers (+1 spending {args.slow * 1000:g} ms per frame), "
        f"the demo's `long {args.sections}` answer ({tokens:,} answer tokens)"
    )
    for raw in args.rates.split(","):
        rate = math.inf if raw.strip() == "max" else float(raw)
        for label, window in (("unmerged (before)", 0.0), ("merged 40 ms (after)", 0.04)):
            r = scenario(rate, window, args.subscribers, args.sections, args.slow)
            print(
                f"rate {raw:>4} tok/s, {label}: {r['published']:,} events in {r['seconds']:.1f} s = "
                f"{r['events_per_s']:,.0f} events/s ({r['text_events']:,} of them text)\n"
                f"    per subscriber {r['delivered_per_sub']:,.0f} frames, {r['cut']:.0f} cut; latency p50 "
                f"{r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, max {r['max_ms']:.0f} ms; the slow subscriber "
                f"{'was CUT' if r['slow_cut'] else 'was not cut'}, lagging up to {r['slow_lag_s']:.2f} s\n"
                f"    server CPU {r['cpu']:.2f} s: {r['cpu'] / tokens * 1000:.3f} s per 1k answer tokens, "
                f"{r['cpu_per_1k_events']:.3f} s per 1k events, {r['cpu_per_1k_frames'] * 1000:.1f} ms per 1k frames"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
