"""Grep and Glob over a 10,000-file project tree, the way the model calls them through the tools.

Builds, in a temporary directory, a source tree of N files (about 40 lines each) plus what real
projects carry and the tools must skip: a `.venv` with a site-packages of N/2 files, a gitignored
`build/` folder and a `.git` folder. Then times, best of `--repeat`:

- Grep for a rare word (the whole tree is read: the worst case), and for a common one (stops at 100);
- Glob `**/*.py` (every path matched, then sorted newest first and cut at 100);
- Grep with include_ignored (the venv and build/ searched too), for comparison.

    python benchmarks/grep_tree.py [--files 10000] [--repeat 3]

Target: a grep over the 10,000-file tree under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from mix_tui.server.tools import ToolContext
from mix_tui.server.tools.search import Glob, Grep

WORDS = "alpha beta gamma delta value result index config parse render buffer stream token".split()


def _source(rng: random.Random, marker: bool) -> str:
    lines = [
        f"def f{n}({rng.choice(WORDS)}):" if n % 8 == 0 else "    " + " ".join(rng.choices(WORDS, k=6))
        for n in range(40)
    ]
    if marker:
        lines.insert(20, "    # zanzibar: the rare word the benchmark greps for")
    return "\n".join(lines) + "\n"


def build_tree(root: Path, files: int) -> None:
    rng = random.Random(7)
    for i in range(files):
        folder = root / "src" / f"pkg{i % 50}" / f"mod{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"file{i}.py").write_text(_source(rng, marker=i % 1000 == 0))
    site = root / ".venv" / "lib" / "python3.11" / "site-packages"
    for i in range(files // 2):
        folder = site / f"dist{i % 40}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"m{i}.py").write_text(_source(rng, marker=i % 100 == 0))
    (root / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (root / "build").mkdir()
    for i in range(200):
        (root / "build" / f"gen{i}.py").write_text(_source(rng, marker=i % 100 == 0))
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main zanzibar\n")
    (root / ".gitignore").write_text("build/\n*.pyc\n")


async def _best(tool: Any, args: dict[str, Any], ctx: ToolContext, repeat: int) -> tuple[float, str]:
    best = float("inf")
    output = ""
    for _ in range(repeat):
        start = time.perf_counter()
        outcome = await tool.run(args, ctx)
        best = min(best, time.perf_counter() - start)
        output = outcome.output
    return best, output


async def measure(root: Path, repeat: int) -> None:
    ctx = ToolContext(workdir=root, session_id="bench")
    cases = [
        ("grep rare word (whole tree read)", Grep(), {"pattern": "zanzibar"}),
        ("grep common word (stops at 100)", Grep(), {"pattern": "gamma"}),
        ("glob **/*.py", Glob(), {"pattern": "**/*.py"}),
        ("grep rare word, include_ignored (+5,200)", Grep(), {"pattern": "zanzibar", "include_ignored": True}),
    ]
    for label, tool, tool_args in cases:
        seconds, output = await _best(tool, tool_args, ctx, repeat)
        lines = [ln for ln in output.splitlines() if not ln.startswith("(")]
        print(f"{label:42s} {seconds * 1000:8.1f} ms   {len(lines)} results")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp).resolve()
        started = time.perf_counter()
        build_tree(root, args.files)
        print(
            f"tree: {args.files} source files + {args.files // 2} in .venv + 200 in build/ "
            f"(built in {time.perf_counter() - started:.1f} s)"
        )
        asyncio.run(measure(root, args.repeat))


if __name__ == "__main__":
    main()
