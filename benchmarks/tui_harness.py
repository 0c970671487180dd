"""What the TUI benchmarks share: a real `mix-tui serve` process, the real app run headless against
it, and the instruments (paints, event-loop stalls, memory).

The app runs through Textual's headless driver with one change: the driver claims to be a terminal,
so every frame is turned into its escape sequences as in a real terminal (the headless driver skips
that work) and the bytes are counted, with the time each frame was written. "Painted" means: a
frame was written after the app's state showed the thing measured.

Each benchmark runs its measurement in a fresh child process per run (`run_children`): memory
figures are not skewed by an earlier run, and the medians are over independent runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import secrets
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
READY = "mix-tui server listening on "
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")


# ---- figures ------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))] if ordered else float("nan")


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory now (Linux /proc)."""
    return _status_kb(pid, "VmRSS") / 1024


def peak_rss_mb(pid: int | str = "self") -> float:
    """The most resident memory so far."""
    return _status_kb(pid, "VmHWM") / 1024


def _status_kb(pid: int | str, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return float(line.split()[1])
    return float("nan")


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time of a process."""
    parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def run_children(script: str, args: list[str], runs: int) -> list[dict[str, Any]]:
    """Run `script --child ARGS` `runs` times, each printing one JSON line of figures last."""
    results = []
    for n in range(runs):
        done = subprocess.run(
            [sys.executable, script, "--child", *args], capture_output=True, text=True, cwd=ROOT,
            env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"},
        )  # fmt: skip
        if done.returncode != 0:
            sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
            raise SystemExit(f"run {n + 1} failed ({done.returncode})")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"  run {n + 1}/{runs}: " + ", ".join(f"{k} {_short(v)}" for k, v in results[-1].items()), flush=True)
    return results


def medians(results: list[dict[str, Any]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def _short(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def verdict(value: float, target: float, *, at_least: bool = False) -> str:
    ok = value >= target if at_least else value <= target
    return "met" if ok else "MISSED"


@contextlib.contextmanager
def profiled() -> Iterator[None]:
    """With MIX_BENCH_PROFILE=FILE set (and pyinstrument installed), profile the block into FILE
    (text; .html for the browser view)."""
    target = os.environ.get("MIX_BENCH_PROFILE")
    if not target:
        yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(async_mode="disabled")
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        session = profiler.last_session
        text = profiler.output_html() if target.endswith(".html") else _inclusive(session.root_frame(), 80)
        Path(target).write_text(text)


def _inclusive(root: Any, top: int) -> str:
    """Each function's share of the time, callees included (recursion counted once)."""
    totals: dict[str, float] = {}

    def walk(frame: Any, active: frozenset[str]) -> None:
        key = f"{frame.function} {frame.file_path_short}:{frame.line_no}"
        if key not in active:
            totals[key] = totals.get(key, 0.0) + frame.time
            active = active | {key}
        for child in frame.children:
            walk(child, active)

    if root is None:
        return "(no samples)"
    walk(root, frozenset())
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])[:top]
    return "\n".join(f"{100 * t / root.time:5.1f}%  {key}" for key, t in ranked)


# ---- the server ---------------------------------------------------------------------------------


@dataclass
class Server:
    data_dir: Path
    workdir: Path
    token: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    extra: list[str] = field(default_factory=list)
    url: str = ""
    proc: subprocess.Popen[str] | None = None

    def start(self) -> Server:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
        env["MIX_SERVER_TOKEN"] = self.token
        argv = [
            sys.executable, "-m", "mix_tui", "serve", "--port", "0", "--provider", "demo", "--demo-rate", "max",
            "--data-dir", str(self.data_dir), "--workdir", str(self.workdir), *self.extra,
        ]  # fmt: skip
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith(READY):
            self.proc.kill()
            raise SystemExit(f"the server did not start: {line!r}")
        self.url = line.strip().rsplit(" ", 1)[1].rstrip("/")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@contextlib.contextmanager
def server(root: Path, extra: list[str] | None = None) -> Iterator[Server]:
    running = Server(root / "data", root / "work", extra=list(extra or [])).start()
    try:
        yield running
    finally:
        running.stop()


# ---- the app, headless, painting as into a terminal ---------------------------------------------


class Paints:
    """Every frame the app writes, with its time; `when(predicate)` waits for the first frame
    written while `predicate()` held."""

    def __init__(self) -> None:
        self.frames: list[float] = []
        self.bytes = 0
        self.app: Any = None  # the app painting (app_on sets it before the app starts)
        self._waiters: list[tuple[Callable[[], bool], asyncio.Future[float]]] = []

    def wrote(self, data: str) -> None:
        now = time.perf_counter()
        self.frames.append(now)
        self.bytes += len(data)
        for waiter in list(self._waiters):
            check, future = waiter
            if future.done():
                self._waiters.remove(waiter)
                continue
            if _holds(check):
                future.set_result(now)
                self._waiters.remove(waiter)

    def when(self, predicate: Callable[[], bool], quiet: float = 0.5) -> asyncio.Future[float]:
        """The time of the first frame written while `predicate()` held. When it comes true and no
        frame follows within `quiet` seconds, nothing new was left to paint: the last frame is it."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiters.append((predicate, future))

        async def watch() -> None:
            while not future.done():
                await asyncio.sleep(0.01)
                if future.done() or not _holds(predicate):
                    continue
                seen = len(self.frames)
                await asyncio.sleep(quiet)
                if not future.done() and len(self.frames) == seen and self.frames:
                    future.set_result(self.frames[-1])

        self._watch = asyncio.get_running_loop().create_task(watch())
        return future


def _holds(predicate: Callable[[], bool]) -> bool:
    try:
        return bool(predicate())
    except Exception:  # not mounted yet, and the like
        return False


def paint_like_a_terminal(paints: Paints) -> None:
    """Make Textual's headless driver render every frame to escape sequences (as for a terminal)
    and report it to `paints`."""
    from textual.drivers.headless_driver import HeadlessDriver

    def write(self: HeadlessDriver, data: str) -> None:
        if data and not data.startswith("\x1b[?2026"):  # the sync markers are not frames
            paints.wrote(data)

    HeadlessDriver.is_headless = property(lambda self: False)  # type: ignore[assignment,method-assign]
    HeadlessDriver.write = write  # type: ignore[method-assign]


class Stalls:
    """A 10 ms heartbeat on the app's event loop: how late each beat came is how long the loop was
    blocked."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.late: list[float] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.late.clear()
        self._task = asyncio.get_running_loop().create_task(self._beat())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _beat(self) -> None:
        while True:
            began = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.late.append(max(0.0, time.perf_counter() - began - self.interval))

    def p95_ms(self) -> float:
        return percentile(self.late, 0.95) * 1000

    def max_ms(self) -> float:
        return max(self.late, default=0.0) * 1000


class GcPauses:
    """How long the cyclic garbage collector held the loop (its pauses are stalls too)."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []  # (generation, seconds)
        self._began = 0.0

    def __enter__(self) -> GcPauses:
        import gc

        gc.callbacks.append(self._noted)
        return self

    def __exit__(self, *exc: object) -> None:
        import gc

        gc.callbacks.remove(self._noted)

    def _noted(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.pauses.append((info["generation"], time.perf_counter() - self._began))

    def max_ms(self) -> float:
        return max((p for _, p in self.pauses), default=0.0) * 1000

    def total_ms(self) -> float:
        return sum(p for _, p in self.pauses) * 1000

    def by_generation(self) -> str:
        out = []
        for gen in (0, 1, 2):
            mine = [p for g, p in self.pauses if g == gen]
            if mine:
                out.append(f"gen{gen}: {len(mine)} passes, {sum(mine) * 1000:.0f} ms, max {max(mine) * 1000:.0f} ms")
        return "; ".join(out)


@contextlib.asynccontextmanager
async def app_on(
    running: Server, size: tuple[int, int], paints: Paints | None = None, **config: Any
) -> AsyncIterator[tuple[Any, Any, Paints]]:
    """The real app connected to `running` (like `mix-tui --server URL --token T --demo`), headless;
    yields (app, pilot, paints) once the chat screen is up. Pass `paints` to wait for a frame that
    may come before then (its `when` set up before the app starts; `paints.app` is the app)."""
    from mix_tui.tui.app import AppConfig, MixApp
    from mix_tui.tui.screens.chat import ChatScreen

    paints = paints or Paints()
    paint_like_a_terminal(paints)
    config.setdefault("freeze_startup_objects", True)  # as `mix-tui` runs
    app = paints.app = MixApp(AppConfig(server_url=running.url, token=running.token, demo=True, **config))
    async with app.run_test(size=size) as pilot:
        await until(lambda: isinstance(app.screen, ChatScreen) and bool(app.screen.query("#composer")), 60)
        await pilot.pause()
        yield app, pilot, paints


async def until(predicate: Callable[[], object], within: float, what: str = "") -> None:
    deadline = time.perf_counter() + within
    while True:
        try:
            if predicate():
                return
        except Exception:
            pass
        if time.perf_counter() > deadline:
            raise TimeoutError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.005)


def answer_tokens(sections: int) -> tuple[str, int]:
    """The demo's `long N` answer and its token count (as the demo streams it)."""
    from mix_tui.server.providers.demo import tokens
    from mix_tui.server.providers.demo_text import long_answer

    answer = long_answer(sections)
    return answer, sum(1 for _ in tokens(answer))


def sections_for(target_tokens: int) -> int:
    """The smallest `long N` with at least `target_tokens` tokens."""
    low, high = 1, 1000
    while low < high:
        mid = (low + high) // 2
        if answer_tokens(mid)[1] >= target_tokens:
            high = mid
        else:
            low = mid + 1
    return low
