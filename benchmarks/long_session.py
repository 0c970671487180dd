"""A session of 1,000 stored messages: opening it, paging to the top and back, a resize.

A data dir gets one session of `--turns` turns (a prompt and an answer each: a third of the answers
call a tool, every tenth carries a 200-line code block), a `mix-tui serve` process serves it, and the
real app (headless, painting as into a terminal) opens it from the session list. Measured, the
median of `--runs` runs:

- first paint: the session is picked → the first frame that shows its last answer;
- RSS once it is open;
- Page Up until the top, then Page Down until the bottom: each key → the first frame showing the
  new place (p50/p95/max per page, and the pages it took);
- a resize (120x40 → 100x40): → the first frame laid out at the new width;
- then, back at the bottom, the demo's long answer (`--stream-tokens`, 50,000) streamed at its end:
  the figures of stream_render.py.

    python benchmarks/long_session.py [--turns 500] [--runs 3] [--stream-tokens 50000]

Targets (issue 12): first paint ≤ 300 ms, RSS ≤ 150 MB, ≤ 50 ms a page, a resize ≤ 100 ms; the
stream at its end as stream_render.py's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import stream_render
import tui_harness as h

CODE = "\n".join(f"    value_{n} = compute({n}, factor={n % 7})  # line {n}" for n in range(200))


def fill(data_dir: Path, turns: int) -> str:
    """One session of `turns` turns; returns its id."""
    from mix_tui.server.rows import MessageRow, SessionRow, ToolCallRow, ToolResultRow, new_id
    from mix_tui.server.store import Store, insert_message

    data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(data_dir / "mix.db")
    session_id = new_id()
    start = time.time() - turns * 60

    def work(db: object) -> None:
        row = SessionRow(
            id=session_id, title="A long session", session_type="main", browser_mode="local-browser-service",
            created_at=start, updated_at=start + turns * 60,
        )  # fmt: skip
        store._insert_session(db, row)  # type: ignore[arg-type]
        for turn in range(turns):
            at = start + turn * 60
            answer = f"## Step {turn}\n\nHere is what I found about **part {turn}**: it works, with `one` caveat.\n"
            if turn % 10 == 0:
                answer += f"\n```python\ndef step_{turn}():\n{CODE}\n```\n"
            messages = [MessageRow(new_id(), session_id, "user", f"question {turn}: what about part {turn}?",
                                   turn_status="complete")]  # fmt: skip
            if turn % 3 == 0:
                call = f"call-{turn}"
                messages.append(MessageRow(new_id(), session_id, "assistant", "Let me look.",
                                           tool_calls=[ToolCallRow(call, "Bash", '{"command": "ls src"}')]))  # fmt: skip
                messages.append(MessageRow(new_id(), session_id, "tool", tool_results=[
                    ToolResultRow(call, "Bash", "a.py\nb.py\n", status="ok", duration_ms=4)]))  # fmt: skip
            messages.append(MessageRow(new_id(), session_id, "assistant", answer))
            for message in messages:
                message.created_at = message.updated_at = at
                insert_message(db, message)  # type: ignore[arg-type]

    store.transaction(work)
    store.close()
    return session_id


async def one_run(data: Path, session_id: str, size: tuple[int, int], stream_sections: int) -> dict[str, float]:
    from textual import events

    from mix_tui.tui.screens.chat import ChatScreen
    from mix_tui.tui.widgets.message import AnswerMarkdown

    with tempfile.TemporaryDirectory(prefix="mix-bench-long-") as tmp:
        # a copy per run: the answer streamed at the end is stored, and the next run must open
        # the same 1,000 messages
        copy = Path(tmp) / "data"
        shutil.copytree(data, copy)
        running = h.Server(copy, Path(tmp) / "work").start()
        try:
            async with h.app_on(running, size) as (app, _pilot, paints):
                chat = app.screen
                assert isinstance(chat, ChatScreen)
                transcript = chat.transcript

                def last_answer_shown() -> bool:
                    model = chat.open_model()
                    if model is None or not model.timeline.loaded or not transcript.items:
                        return False
                    widget = transcript.widget_for(transcript.items[-1].key)
                    return widget is not None and widget.is_mounted and bool(widget.region)

                opened = paints.when(last_answer_shown, quiet=2.0)
                picked = time.perf_counter()
                chat.post_message(chat.sidebar.SessionSelected(session_id))
                first_paint = await asyncio.wait_for(opened, 60) - picked
                await asyncio.sleep(0.5)
                rss = h.rss_mb()
                transcript.focus()
                await asyncio.sleep(0.1)

                def place() -> tuple[str, int]:
                    """What the view shows: the message at its top and how far up it starts (scroll_y
                    alone can stay the same while the window changes around the view)."""
                    top = transcript.region.y
                    for key, widget in transcript._widgets.items():
                        region = widget.region
                        if region and region.y <= top < region.bottom + 1:
                            return key, region.y
                    return "", int(transcript.scroll_y)

                async def page(key: str) -> float:
                    before = place()
                    moved = paints.when(lambda: place() != before, quiet=1.0)
                    sent = time.perf_counter()
                    app.post_message(events.Key(key, None))
                    try:
                        return await asyncio.wait_for(moved, 30) - sent
                    except TimeoutError:
                        sys.__stderr__.write(
                            f"{key} did not move: scroll_y {transcript.scroll_y} of {transcript.max_scroll_y}, "
                            f"first {transcript._first}, cut {transcript._cut}, focused {app.focused}, window locked {transcript._window.locked()}, workers {list(app.workers)}\n"
                        )
                        raise

                ups: list[float] = []
                while (transcript.scroll_y > 0 or transcript._first > 0) and len(ups) < 5000:
                    ups.append(await page("pageup"))
                    if os.environ.get("MIX_BENCH_TRACE"):
                        sys.__stderr__.write(
                            f"up {ups[-1] * 1000:.0f}ms y {transcript.scroll_y} / {transcript.max_scroll_y} first {transcript._first} mounted {transcript.mounted_count}\n"
                        )
                downs: list[float] = []
                while (transcript.scroll_y < transcript.max_scroll_y or transcript._cut is not None) and len(
                    downs
                ) < 5000:
                    downs.append(await page("pagedown"))
                pages = ups + downs
                mounted = float(transcript.mounted_count)
                widgets = float(len(app.screen.query("*")))
                await asyncio.sleep(0.3)
                width_before = transcript.size.width
                resized = paints.when(
                    lambda: transcript.size.width < width_before
                    and all(a.caught_up for a in transcript.query(AnswerMarkdown)),
                    quiet=1.0,
                )  # fmt: skip
                sent = time.perf_counter()
                new_size = _size(size[0] - 20, size[1])
                app._driver._size = new_size
                app.post_message(events.Resize(new_size, new_size))
                resize = await asyncio.wait_for(resized, 30) - sent
                rss_after = h.rss_mb()
                streamed: dict[str, float] = {}
                if stream_sections:  # then the long answer at the end of this session
                    transcript.follow()
                    await h.until(lambda: transcript._cut is None and transcript.following, 30, "the bottom")
                    figures = await stream_render.stream_into(chat, paints, stream_sections, profile=True)
                    streamed = {f"stream_{key}": value for key, value in figures.items()}
        finally:
            running.stop()
    return {**streamed,
        "first_paint_ms": first_paint * 1000, "rss_mb": rss, "rss_after_mb": rss_after,
        "pages_up": float(len(ups)), "pages_down": float(len(downs)),
        "page_p50_ms": h.percentile(pages, 0.5) * 1000, "page_p95_ms": h.percentile(pages, 0.95) * 1000,
        "page_max_ms": max(pages) * 1000, "resize_ms": resize * 1000, "mounted_items": mounted, "widgets": widgets,
    }  # fmt: skip


def _size(width: int, height: int) -> object:
    from textual.geometry import Size

    return Size(width, height)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--turns", type=int, default=500, help="turns (a prompt and its answer: 1,000 messages)"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", default="120x40")
    parser.add_argument("--stream-tokens", type=int, default=50_000, help="then an answer this long at its end (0: none)")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--fill", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.fill:
        print(fill(Path(args.fill[0]), int(args.fill[1])))
        return 0
    if args.child:
        data, session_id, size, sections = args.child
        width, height = (int(n) for n in size.split("x"))
        print(json.dumps(asyncio.run(one_run(Path(data), session_id, (width, height), int(sections)))))
        return 0
    with tempfile.TemporaryDirectory(prefix="mix-bench-long-data-") as tmp:
        data = Path(tmp) / "data"
        session_id = fill(data, args.turns)
        print(f"long_session: {args.turns} turns ({args.turns * 2:,} messages and {args.turns // 3 + 1} tool results), "
              f"{args.size}, {args.runs} runs")  # fmt: skip
        sections = h.sections_for(args.stream_tokens) if args.stream_tokens else 0
        m = h.medians(h.run_children(__file__, [str(data), session_id, args.size, str(sections)], args.runs))
    print(
        f"first paint {m['first_paint_ms']:.0f} ms (target ≤ 300: {h.verdict(m['first_paint_ms'], 300)}); "
        f"RSS {m['rss_mb']:.0f} MB open (target ≤ 150: {h.verdict(m['rss_mb'], 150)}), {m['rss_after_mb']:.0f} MB "
        f"after paging through all of it\n"
        f"{m['pages_up']:.0f} pages up to the top and {m['pages_down']:.0f} down: p50 {m['page_p50_ms']:.1f} ms, "
        f"p95 {m['page_p95_ms']:.1f} ms a page (target ≤ 50: {h.verdict(m['page_p95_ms'], 50)}), max "
        f"{m['page_max_ms']:.0f} ms; {m['mounted_items']:.0f} items mounted at the end ({m['widgets']:.0f} widgets)\n"
        f"resize {m['resize_ms']:.0f} ms (target ≤ 100: {h.verdict(m['resize_ms'], 100)})"
    )
    if "stream_tok_s" in m:
        t = stream_render.TARGETS
        print(
            f"then {m['stream_tokens']:,.0f} tokens streamed at its end: {m['stream_tok_s']:,.0f} tok/s "
            f"(target ≥ {t['tok_s']:,.0f}: {h.verdict(m['stream_tok_s'], t['tok_s'], at_least=True)}), stall p95 "
            f"{m['stream_stall_p95_ms']:.0f} ms (target ≤ 50: {h.verdict(m['stream_stall_p95_ms'], 50)}), max "
            f"{m['stream_stall_max_ms']:.0f} ms, final lag {m['stream_final_lag_ms']:.0f} ms (target ≤ 100: "
            f"{h.verdict(m['stream_final_lag_ms'], 100)}), RSS +{m['stream_rss_growth_mb']:.0f} MB (target ≤ 50: "
            f"{h.verdict(m['stream_rss_growth_mb'], 50)})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
