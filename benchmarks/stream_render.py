"""One long markdown answer streamed into the real app as fast as the demo model goes.

A `mix-tui serve` process streams the demo's `long N` answer (headings, prose, lists, tables and
code fences; N picked for `--tokens`, 50,000 by default) at its maximum rate; the app, headless but
painting every frame as into a terminal, renders it. Reported, as the median of `--runs` runs:

- content tokens/s rendered: answer tokens / (first content event → the first frame after every
  block of the answer was rendered to lines); and when the end of the answer first showed (blocks
  that scrolled past unseen may still render in the background then);
- event-loop stalls: a 10 ms heartbeat on the app's loop, p95 and max lateness while it streams;
- final lag: the last event's arrival → the first frame that shows the answer's end;
- RSS before and after the answer (and the peak), and how fast the server sent it.

    python benchmarks/stream_render.py [--tokens 50000] [--runs 3] [--size 120x40]

Targets (issue 12): ≥ 10,000 tok/s, p95 stall ≤ 50 ms, final lag ≤ 100 ms, RSS growth ≤ 50 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import tui_harness as h

TARGETS = {"tok_s": 10_000.0, "stall_p95_ms": 50.0, "final_lag_ms": 100.0, "rss_growth_mb": 50.0}


class Arrivals:
    """When the app's session model received the turn's events (wraps its one entry point)."""

    def __init__(self) -> None:
        self.first_content = 0.0
        self.last_event = 0.0
        self.events = 0

    def install(self) -> None:
        from mix_tui.protocol.events import Content
        from mix_tui.tui.session.model import SessionModel

        plain = SessionModel._turn_event
        arrivals = self

        async def noted(model: SessionModel, event: object) -> None:
            now = time.perf_counter()
            arrivals.events += 1
            arrivals.last_event = now
            if isinstance(event, Content) and not arrivals.first_content:
                arrivals.first_content = now
            await plain(model, event)

        SessionModel._turn_event = noted  # type: ignore[method-assign]


def answer_shown(chat: Any, expected: str, *, every_block: bool = False) -> bool:
    """The last answer holds all of `expected` and a frame now shows its end (or, `every_block`:
    and every block of it is rendered, so every height is exact), whether or not the turn's end
    was handled yet. Cheap: it runs at every frame."""
    from mix_tui.tui.widgets.message import AnswerMarkdown, AssistantMessage

    message = next((w for w in reversed(chat.transcript.children) if isinstance(w, AssistantMessage)), None)
    if message is None:
        return False
    answers = [w for w in message.children if isinstance(w, AnswerMarkdown)]
    done = (lambda a: a.settled) if every_block else (lambda a: a.caught_up)
    return bool(answers) and message.markdown_source() == expected and all(done(a) for a in answers)


async def one_run(sections: int, size: tuple[int, int]) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="mix-bench-stream-") as tmp, h.server(Path(tmp)) as running:
        async with h.app_on(running, size) as (app, _pilot, paints):
            return await stream_into(app.screen, paints, sections, profile=True)


async def stream_into(chat: Any, paints: h.Paints, sections: int, *, profile: bool = False) -> dict[str, float]:
    """Send `long {sections}` from `chat` (the chat screen of a running app) and measure the answer
    as it streams in: the figures of this benchmark (also used at the end of long_session.py)."""
    from mix_tui.tui.screens.chat import ChatScreen

    assert isinstance(chat, ChatScreen)
    expected, tokens = h.answer_tokens(sections)
    arrivals = Arrivals()
    arrivals.install()
    stalls = h.Stalls()
    gc.collect()
    rss_before = h.rss_mb()
    stalls.start()
    shown = paints.when(lambda: answer_shown(chat, expected))
    rendered = paints.when(lambda: answer_shown(chat, expected, every_block=True))
    with h.profiled() if profile else contextlib.nullcontext(), h.GcPauses() as gc_pauses:
        chat.composer.load_text(f"long {sections}")
        chat.composer.submit()
        painted = await asyncio.wait_for(shown, 900)
        all_rendered = await asyncio.wait_for(rendered, 900)
    await stalls.stop()
    gc.collect()
    rss_after = h.rss_mb()
    seconds = all_rendered - arrivals.first_content
    if os.environ.get("MIX_BENCH_GC"):
        sys.stderr.write(gc_pauses.by_generation() + f"; objects {len(gc.get_objects())}, frozen {gc.get_freeze_count()} {gc.get_stats()}\n")
    return {
        "tokens": float(tokens), "tok_s": tokens / seconds, "seconds": seconds,
        "shown_s": painted - arrivals.first_content,
        "stall_p95_ms": stalls.p95_ms(), "stall_max_ms": stalls.max_ms(),
        "final_lag_ms": (painted - arrivals.last_event) * 1000,
        "served_s": arrivals.last_event - arrivals.first_content, "events": float(arrivals.events),
        "rss_before_mb": rss_before, "rss_after_mb": rss_after, "rss_growth_mb": rss_after - rss_before,
        "rss_peak_mb": h.peak_rss_mb(), "gc_max_ms": gc_pauses.max_ms(), "gc_total_ms": gc_pauses.total_ms(),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=50_000, help="answer size in tokens (the demo's `long N`)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", default="120x40", help="terminal size, COLSxROWS")
    parser.add_argument("--child", nargs=2, metavar=("SECTIONS", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        width, height = (int(n) for n in args.child[1].split("x"))
        print(json.dumps(asyncio.run(one_run(int(args.child[0]), (width, height)))))
        return 0
    sections = h.sections_for(args.tokens)
    print(f"stream_render: the demo's `long {sections}` answer ({h.answer_tokens(sections)[1]:,} tokens), "
          f"{args.size}, {args.runs} runs")  # fmt: skip
    m = h.medians(h.run_children(__file__, [str(sections), args.size], args.runs))
    print(
        f"rendered {m['tokens']:,.0f} tokens in {m['seconds']:.2f} s = {m['tok_s']:,.0f} tok/s, every block "
        f"of them (the end showed after {m['shown_s']:.2f} s) "
        f"(target ≥ {TARGETS['tok_s']:,.0f}: {h.verdict(m['tok_s'], TARGETS['tok_s'], at_least=True)}); "
        f"the server sent them in {m['served_s']:.2f} s as {m['events']:,.0f} events\n"
        f"event-loop stall p95 {m['stall_p95_ms']:.0f} ms (target ≤ 50: {h.verdict(m['stall_p95_ms'], 50)}), "
        f"max {m['stall_max_ms']:.0f} ms\n"
        f"final lag {m['final_lag_ms']:.0f} ms (target ≤ 100: {h.verdict(m['final_lag_ms'], 100)})\n"
        f"RSS {m['rss_before_mb']:.0f} → {m['rss_after_mb']:.0f} MB, growth {m['rss_growth_mb']:.0f} MB "
        f"(target ≤ 50: {h.verdict(m['rss_growth_mb'], 50)}), peak {m['rss_peak_mb']:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
