"""Typing while a long answer streams: how long a key takes to show in the composer.

The setting of `stream_render.py` (the demo's long answer at its maximum rate into the real app,
headless, painting every frame as into a terminal); once the answer's first text arrived, a key is
sent every `--gap` seconds, as a terminal would (a key event to the app), until the answer is
drawn; after each 60 letters the composer is emptied (not measured), as a user sends a prompt. Each key's latency: from the event to the first frame written after the composer holds it.
Reported as p50/p95/max over all keys, the median of `--runs` runs.

    python benchmarks/keystroke_echo.py [--tokens 50000] [--gap 0.04] [--runs 3]

Targets (issue 12): p95 ≤ 16 ms (one frame at 60 Hz), max ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import string
import sys
import tempfile
import time
from pathlib import Path

import stream_render
import tui_harness as h

# One line of typing: a key costs the composer more the longer its line, so an ever-growing line would
# measure the text area and not the app (and spiral where a slow run types longer).
PROMPT_LENGTH = 60


async def one_run(sections: int, gap: float, size: tuple[int, int]) -> dict[str, float]:
    from textual import events

    from mix_tui.tui.screens.chat import ChatScreen

    expected, _ = h.answer_tokens(sections)
    arrivals = stream_render.Arrivals()
    arrivals.install()
    latencies: list[float] = []
    with tempfile.TemporaryDirectory(prefix="mix-bench-keys-") as tmp, h.server(Path(tmp)) as running:
        async with h.app_on(running, size) as (app, _pilot, paints):
            chat = app.screen
            assert isinstance(chat, ChatScreen)
            done = paints.when(lambda: stream_render.answer_shown(chat, expected, every_block=True))
            chat.composer.load_text(f"long {sections}")
            chat.composer.submit()
            await h.until(lambda: arrivals.first_content, 60, "the first text")
            typed = ""
            letters = string.ascii_lowercase
            while not done.done():
                if len(typed) >= PROMPT_LENGTH:  # a prompt's length, then a fresh one (not measured)
                    chat.composer.load_text("")
                    typed = ""
                    await h.until(lambda: chat.composer.text == "", 5, "an empty composer")
                char = letters[len(typed) % len(letters)]
                typed += char
                expect = typed
                shown = paints.when(lambda expect=expect: chat.composer.text == expect, quiet=5.0)
                sent = time.perf_counter()
                app.post_message(events.Key(char, char))
                latencies.append(await asyncio.wait_for(shown, 30) - sent)
                await asyncio.sleep(max(0.0, gap - (time.perf_counter() - sent)))
    return {
        "keys": float(len(latencies)), "p50_ms": h.percentile(latencies, 0.5) * 1000,
        "p95_ms": h.percentile(latencies, 0.95) * 1000, "max_ms": max(latencies) * 1000,
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=50_000)
    parser.add_argument("--gap", type=float, default=0.04, help="seconds between keys")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", default="120x40")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        width, height = (int(n) for n in args.child[2].split("x"))
        print(json.dumps(asyncio.run(one_run(int(args.child[0]), float(args.child[1]), (width, height)))))
        return 0
    sections = h.sections_for(args.tokens)
    print(f"keystroke_echo: a key every {args.gap * 1000:g} ms while `long {sections}` streams, {args.runs} runs")
    m = h.medians(h.run_children(__file__, [str(sections), str(args.gap), args.size], args.runs))
    print(
        f"{m['keys']:.0f} keys: key to screen p50 {m['p50_ms']:.1f} ms, p95 {m['p95_ms']:.1f} ms "
        f"(target ≤ 16: {h.verdict(m['p95_ms'], 16)}), max {m['max_ms']:.1f} ms (target ≤ 50: {h.verdict(m['max_ms'], 50)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
