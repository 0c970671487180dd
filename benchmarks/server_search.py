"""Search across sessions: `GET /api/search?q=` through HTTP from a real `mix-tui serve` process.

Fills a data dir with sessions of prompts and answers of realistic length (words drawn from a
vocabulary with a Zipf-like spread, so some words are everywhere and some are rare), starts the
server on it and times queries of every kind: a rare word, a common one (thousands of matches, the
best 50 ranked), a prefix as one types it, several words, a word that matches nothing. Each is the
median of `--repeat` HTTP round trips (a lean client), beside the server's own `tookMs`.

    python benchmarks/server_search.py [--messages 10000,100000] [--repeat 15]

Target (issue 9): under 100 ms over 10,000 stored messages.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from mix_tui.server.rows import MessageRow, SessionRow, new_id
from mix_tui.server.store import Store, insert_message

TARGET_MS = 100.0
READY = "mix-tui server listening on "
PER_SESSION = 20  # messages: 10 prompts and 10 answers
QUERIES = {
    "rare word": "zanzibar",
    "most common word": "the",
    "common word": "parser",
    "prefix, as typed": "tokeni",
    "three words": "parser error config",
    "no match": "xylophonequartz",
}
VOCABULARY = (
    "the a to of and in is it for that this with on as be function test error file config parser "
    "token tokenizer module import class return value string list dict python rust build cache "
    "request response server client session stream event handler thread lock queue retry timeout "
    "database index query table row column migration schema commit branch merge rebase diff patch"
).split()


def sentence(rng: random.Random, words: int) -> str:
    # Zipf-like: early words of the vocabulary are far more common than late ones
    picked = [VOCABULARY[min(len(VOCABULARY) - 1, int(rng.paretovariate(1.1)) - 1)] for _ in range(words)]
    return " ".join(picked).capitalize() + "."


def fill(data_dir: Path, messages: int, seed: int = 9) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(data_dir / "mix.db")
    rng = random.Random(seed)
    start = time.time() - messages * 30

    def work(db: object) -> None:
        for i in range(messages // PER_SESSION):
            at = start + i * PER_SESSION * 30
            row = SessionRow(id=new_id(), title=f"Session {i}", session_type="main", browser_mode="local-browser-service",
                             created_at=at, updated_at=at)  # fmt: skip
            store._insert_session(db, row)  # type: ignore[arg-type]
            for turn in range(PER_SESSION // 2):
                prompt = sentence(rng, rng.randint(8, 40))
                if rng.random() < 0.002:
                    prompt += " Zanzibar is rare."
                answer = " ".join(sentence(rng, rng.randint(10, 30)) for _ in range(rng.randint(3, 12)))
                for message in (
                    MessageRow(new_id(), row.id, "user", prompt, turn_status="complete"),
                    MessageRow(new_id(), row.id, "assistant", answer, model="demo", input_tokens=900, output_tokens=120),
                ):
                    message.created_at = message.updated_at = at + turn
                    insert_message(db, message)  # type: ignore[arg-type]

    store.transaction(work)
    store.close()


def serve(data_dir: Path, work: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    command = [
        sys.executable, "-m", "mix_tui", "serve", "--port", "0", "--provider", "demo", "--no-token",
        "--data-dir", str(data_dir), "--workdir", str(work),
    ]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith(READY):
        proc.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    return proc, line.strip().rsplit(" ", 1)[1]


def timed_search(conn: http.client.HTTPConnection, query: str) -> tuple[float, float, int]:
    """(round trip ms, the server's tookMs, total matches)."""
    began = time.perf_counter()
    conn.request("GET", "/api/search?" + urllib.parse.urlencode({"q": query}))
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - began) * 1000
    assert response.status == 200, (response.status, body[:200])
    answer = json.loads(body)
    return elapsed, float(answer["tookMs"]), int(answer["total"])


def measure(messages: int, repeat: int, root: Path) -> dict[str, tuple[float, float, int]]:
    data_dir, work = root / f"data-{messages}", root / "work"
    work.mkdir(exist_ok=True)
    subprocess.run([sys.executable, __file__, "--fill", str(data_dir), str(messages)], check=True)
    proc, url = serve(data_dir, work)
    host, port = url.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    results = {}
    try:
        for name, query in QUERIES.items():
            timed_search(conn, query)  # warm the page cache
            runs = [timed_search(conn, query) for _ in range(repeat)]
            results[name] = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), runs[0][2])
    finally:
        conn.close()
        proc.terminate()
        proc.wait(30)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", default="10000,100000", help="comma-separated message counts")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--fill", nargs=2, metavar=("DIR", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.fill:
        fill(Path(args.fill[0]), int(args.fill[1]))
        return 0
    met = True
    with tempfile.TemporaryDirectory(prefix="mix-bench-search-") as tmp:
        for count in (int(s) for s in args.messages.split(",") if s.strip()):
            print(f"{count:>7,} stored messages ({count // PER_SESSION:,} sessions)")
            for name, (trip, took, total) in measure(count, args.repeat, Path(tmp)).items():
                print(f"  {name:<18} {QUERIES[name]!r:<24} {total:>7,} matches  {trip:>6.1f} ms (server {took:.1f} ms)")
                if count <= 10_000:
                    met = met and trip <= TARGET_MS
            if count <= 10_000:
                print(f"  target: every query ≤ {TARGET_MS:.0f} ms at 10,000 messages: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
