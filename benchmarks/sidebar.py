"""The session list with 10,000 sessions: app start to a full list, and filtering as you type.

A data dir is filled with `--sessions` used-looking sessions (as `server_sessions.py` does), a
`mix-tui serve` process serves it, and the real app (headless, painting as into a terminal) starts
against it. Measured, the median of `--runs` runs:

- startup: from creating the app to the first frame that shows the chat with every session listed
  (watched from before the app starts: that frame can come before the chat is handed over);
- filter keystrokes: the filter box gets the keys of `--query` one by one (each a key event, as from
  a terminal); each key's time to the first frame that shows the filtered list (p50/p95/max).

    python benchmarks/sidebar.py [--sessions 10000] [--query "session 12"] [--runs 3]

With MIX_BENCH_PROFILE=FILE (and `pip install '.[bench]'`), each run is profiled into FILE.

Targets (issue 12): startup ≤ 1 s, filter keystroke ≤ 30 ms p95. (The server alone listing 100,000
sessions in ≤ 100 ms is `server_sessions.py`.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tui_harness as h


async def one_run(data: Path, query: str, size: tuple[int, int], count: int) -> dict[str, float]:
    from textual import events

    from mix_tui.tui.screens.chat import ChatScreen

    with tempfile.TemporaryDirectory(prefix="mix-bench-sidebar-") as tmp:
        running = h.Server(data, Path(tmp) / "work").start()
        try:
            paints = h.Paints()
            # set up before the app starts: the list can be painted before app_on hands the app over
            all_listed = paints.when(lambda: len(paints.app.screen.sidebar.visible_ids) == count, quiet=2.0)
            began = time.perf_counter()
            with h.profiled():
                async with h.app_on(running, size, paints) as (app, _pilot, _paints):
                    chat = app.screen
                    assert isinstance(chat, ChatScreen)
                    startup = await asyncio.wait_for(all_listed, 120) - began
                    chat.sidebar.filter_input.focus()
                    await asyncio.sleep(0.2)
                    latencies: list[float] = []
                    typed = ""
                    for char in query:
                        typed += char
                        expect = typed.strip()
                        shown = paints.when(lambda e=expect: chat.sidebar._filter_text == e, quiet=1.0)
                        sent = time.perf_counter()
                        key = "space" if char == " " else char
                        app.post_message(events.Key(key, char))
                        latencies.append(await asyncio.wait_for(shown, 30) - sent)
                        await asyncio.sleep(0.15)
                    matched = len(chat.sidebar.visible_ids)
        finally:
            running.stop()
    return {
        "startup_s": startup, "keys": float(len(latencies)), "matched": float(matched),
        "p50_ms": h.percentile(latencies, 0.5) * 1000, "p95_ms": h.percentile(latencies, 0.95) * 1000,
        "max_ms": max(latencies) * 1000,
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--query", default="session 12")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", default="120x40")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        data, query, size, count = args.child
        width, height = (int(n) for n in size.split("x"))
        print(json.dumps(asyncio.run(one_run(Path(data), query, (width, height), int(count)))))
        return 0
    with tempfile.TemporaryDirectory(prefix="mix-bench-sidebar-data-") as tmp:
        data = Path(tmp) / "data"
        script = Path(__file__).with_name("server_sessions.py")
        subprocess.run([sys.executable, str(script), "--fill", str(data), str(args.sessions)], check=True)
        print(f"sidebar: {args.sessions:,} sessions, filter typed: {args.query!r}, {args.runs} runs")
        m = h.medians(h.run_children(__file__, [str(data), args.query, args.size, str(args.sessions)], args.runs))
    print(
        f"startup to the full list {m['startup_s'] * 1000:.0f} ms (target ≤ 1000: {h.verdict(m['startup_s'], 1.0)})\n"
        f"filter keystroke to the new list ({m['keys']:.0f} keys, {m['matched']:.0f} sessions match at the end): "
        f"p50 {m['p50_ms']:.1f} ms, p95 {m['p95_ms']:.1f} ms (target ≤ 30: {h.verdict(m['p95_ms'], 30)}), "
        f"max {m['max_ms']:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
