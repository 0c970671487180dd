"""mix-tui beside the Textual chat apps a user would pick instead, on the same long answer.

One local endpoint (peer_endpoint.py, on 127.0.0.1) streams the demo's `long N` markdown answer
(headings, prose, lists, tables, code fences; N = `--sections`) plus an end-marker line, as fast as
each client reads. Every app runs for real in a terminal of `--size` (tmux), each peer from its own
venv under `--peers-dir` (made and pip-installed on the first run) with a fresh HOME and XDG dirs:
mix-tui (its server with the openai provider pointed at the endpoint), Elia (`elia-chat`), oterm
(Ollama API) and Toad (`batrachian-toad`, through a tiny ACP agent relaying the endpoint). The
prompt is typed as a user types it; then, from the key that sends it until the end marker shows on
the screen:

- wall time (the screen is read every 50 ms; an app that does not keep the end of a streaming
  answer in view, oterm, gets what a user does once the whole answer was sent: the transcript
  focused and End pressed, again every 0.5 s until the end shows),
- CPU seconds of the app's whole process tree (for mix-tui: its app and its server),
- peak RSS of that tree (the app's startup included: it is its memory while it shows the answer).

Medians over `--runs` runs, then the ratios mix-tui / best peer (target: ≤ 0.5 on each). A peer
that does not finish in `--timeout` s is reported with how many sections it showed; one that cannot
be installed or driven is reported with the reason.

    python benchmarks/peers.py [--sections 30] [--runs 3] [--timeout 180] [--size 120x40]
                               [--only mix-tui,elia,oterm,toad] [--skip-install] [--toad-python PATH]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from peer_apps import App, all_apps
from peer_endpoint import Endpoint, answer_tokens, end_marker
from peer_terminal import ProcessTree, Terminal, settle, wait_for

PROMPT = "Please write the long benchmark answer."
SECTION = re.compile(r"\bPart (\d+)\.")
TARGET_RATIO = 0.5


@dataclass
class Run:
    finished: bool
    wall_s: float
    cpu_s: float
    rss_mb: float
    sections_shown: int
    roots_mb: list[float]  # each root process's own peak (mix-tui: the app, then its server)


def one_run(app: App, sections: int, size: tuple[int, int], timeout: float, rate: float) -> Run:
    marker = end_marker(sections)
    with (
        tempfile.TemporaryDirectory(prefix=f"mix-peers-{app.name}-") as tmp,
        Endpoint(sections, rate) as endpoint,
    ):
        run_dir = Path(tmp)
        term = Terminal(run_dir / "tmux.sock", size)
        launch = app.launch(run_dir, endpoint.url)
        tree = ProcessTree([p.pid for p in launch.side])
        try:
            tree.roots.insert(0, term.start(launch.argv, launch.env, launch.cwd))
            wait_for(term, app.ready, 120, f"{app.name} to start")
            app.open_chat(term)
            settle(term)  # the prompt box takes its focus a moment after it shows
            for attempt in range(3):  # keys typed before that are lost: type again, as a user would
                term.type(PROMPT)
                try:
                    wait_for(
                        term, lambda s: PROMPT in s, 5 if attempt < 2 else 20, "the typed prompt to show"
                    )
                    break
                except RuntimeError:
                    if attempt == 2:
                        raise
            tree.mark()
            began = time.perf_counter()
            app.send(term)
            shown, finished, screen, next_end = 0, False, "", 0.0
            while (elapsed := time.perf_counter() - began) < timeout:
                screen = term.screen()
                now = time.perf_counter()
                tree.sample()
                if not app.follows_stream and endpoint.seen.answers_sent and now >= next_end:
                    if not next_end:
                        app.focus_transcript(term)
                    app.scroll_to_end(term)
                    next_end = now + 0.5
                shown = max([shown, *(int(n) for n in SECTION.findall(screen))])
                if marker in screen:
                    finished, elapsed = True, now - began
                    break
                if term.exited():
                    raise RuntimeError(f"{app.name} exited while answering; last screen:\n{screen.rstrip()}")
                time.sleep(0.05)
            if not endpoint.seen.chats:
                raise RuntimeError(
                    f"{app.name} never asked the endpoint for a completion; last screen:\n{screen.rstrip()}"
                )
            return Run(
                finished,
                elapsed,
                tree.cpu_seconds(),
                tree.peak_rss_mb(),
                sections if finished else shown,
                tree.roots_peak_mb(),
            )
        finally:
            tree.sample()
            term.close()
            launch.close()
            tree.end()


def summary(runs: list[Run], timeout: float, sections: int) -> tuple[dict[str, float] | None, str]:
    """(medians of the finished runs, or None; the text for the table's figures)."""
    done = [r for r in runs if r.finished]
    if len(done) < len(runs):
        short = [r for r in runs if not r.finished]
        worst = max(r.sections_shown for r in short)
        note = (f"did not finish in {timeout:.0f} s in {len(short)} of {len(runs)} runs, "
                f"{worst} of {sections} sections shown at most")  # fmt: skip
        if not done:  # what it had used by the timeout: lower bounds of its figures
            cpu = statistics.median(r.cpu_s for r in short)
            rss = statistics.median(r.rss_mb for r in short)
            bounds = {"wall_s": timeout, "cpu_s": cpu, "rss_mb": rss, "lower_bound": 1.0}
            return bounds, f"{note} (by then {cpu:.1f} CPU-s, {rss:.0f} MB)"
    m = {key: statistics.median(getattr(r, key) for r in done) for key in ("wall_s", "cpu_s", "rss_mb")}
    spread = f"{min(r.wall_s for r in done):.2f}–{max(r.wall_s for r in done):.2f} s" if len(done) > 1 else ""
    text = f"{m['wall_s']:7.2f} s  {m['cpu_s']:7.2f} CPU-s  {m['rss_mb']:6.0f} MB" + (
        f"   (wall {spread})" if spread else ""
    )
    if len(done) < len(runs):
        text += f"; {note}"
    return m, text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sections", type=int, default=30, help="sections of the demo's long answer")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds a peer may take per run")
    parser.add_argument("--size", default="120x40", help="terminal size, COLSxROWS")
    parser.add_argument(
        "--rate", type=float, default=0.0, help="tokens/s the endpoint streams; 0: as fast as read"
    )
    parser.add_argument("--only", default="", help="comma-separated apps: mix-tui,elia,oterm,toad")
    parser.add_argument("--peers-dir", type=Path, default=Path(tempfile.gettempdir()) / "mix-peers",
                        help="where each peer's venv lives (default: %(default)s)")  # fmt: skip
    parser.add_argument("--skip-install", action="store_true", help="never pip-install a missing peer")
    parser.add_argument("--toad-python", help="a Python >= 3.14 for Toad's venv")
    args = parser.parse_args(argv)
    if shutil.which("tmux") is None:
        raise SystemExit("peers: tmux is needed (apt-get install tmux)")
    width, height = (int(n) for n in args.size.split("x"))
    apps = all_apps(args.peers_dir, args.toad_python)
    if args.only:
        wanted = set(args.only.split(","))
        apps = [a for a in apps if a.name in wanted]
    tokens = len(answer_tokens(args.sections))
    print(f"peers: the demo's `long {args.sections}` answer + an end marker ({tokens:,} tokens, one a chunk, "
          f"{'unpaced' if not args.rate else f'{args.rate:,.0f} tok/s'}), {args.size}, {args.runs} runs, "
          f"timeout {args.timeout:.0f} s")  # fmt: skip
    results: dict[str, tuple[dict[str, float] | None, str]] = {}
    for app in apps:
        problem = app.install(args.skip_install)
        if problem:
            results[app.name] = (None, f"cannot be driven: {problem}")
            print(f"  {app.name}: {results[app.name][1]}", flush=True)
            continue
        label = f"{app.name} {app.version()}"
        runs: list[Run] = []
        failures: list[str] = []
        for n in range(args.runs):
            try:
                r = one_run(app, args.sections, (width, height), args.timeout, args.rate)
            except RuntimeError as exc:
                failures.append(str(exc))
                print(f"  {label} run {n + 1}/{args.runs} could not be driven: {exc}", flush=True)
                continue
            runs.append(r)
            state = "" if r.finished else f" (unfinished: {r.sections_shown}/{args.sections} sections)"
            if len(r.roots_mb) > 1:
                state += " (peaks: " + " + ".join(f"{mb:.0f}" for mb in r.roots_mb) + " MB: app + server)"
            print(
                f"  {label} run {n + 1}/{args.runs}: {r.wall_s:.2f} s, {r.cpu_s:.2f} CPU-s, {r.rss_mb:.0f} MB{state}",
                flush=True,
            )
        if not runs:
            results[label] = (None, f"could not be driven: {failures[0]}")
            continue
        medians, text = summary(runs, args.timeout, args.sections)
        results[label] = (
            medians,
            text + (f"; {len(failures)} run(s) could not be driven" if failures else ""),
        )
    print_table(results)
    return 0


def print_table(results: dict[str, tuple[dict[str, float] | None, str]]) -> None:
    print(f"\n{'app':<22} {'wall':>9}  {'CPU':>13}  {'peak RSS':>9}")
    for label, (_, text) in results.items():
        print(f"{label:<22} {text.splitlines()[0]}")  # a reason's last screen was printed above
    ours = next((m for label, (m, _) in results.items() if label.startswith("mix-tui")), None)
    peers = {
        label: m for label, (m, _) in results.items() if m is not None and not label.startswith("mix-tui")
    }
    if ours is None or "lower_bound" in ours or not peers:
        print("\nratios: not computed (mix-tui did not finish, or no peer could be driven)")
        return
    print(
        f"\nmix-tui / best peer (target ≤ {TARGET_RATIO}; ≤ where that peer did not finish, its figures by the timeout):"
    )
    for key, what in (("wall_s", "wall time"), ("cpu_s", "CPU seconds"), ("rss_mb", "peak RSS")):
        best_label, best = min(((label, m[key]) for label, m in peers.items()), key=lambda kv: kv[1])
        bound = "lower_bound" in peers[best_label]
        ratio = ours[key] / best
        verdict = "met" if ratio <= TARGET_RATIO else ("not known" if bound else "MISSED")
        print(
            f"  {what:<12} {'≤' if bound else ' '}{ratio:6.3f}  (best peer: {best_label}, {best:.2f}) {verdict}"
        )
    undriven = [label for label, (m, _) in results.items() if m is None and not label.startswith("mix-tui")]
    if undriven:
        print(f"  (not in the ratios: {', '.join(undriven)}: could not be driven)")


if __name__ == "__main__":
    sys.exit(main())
