"""Full-text search over every stored prompt and answer (the FTS5 index of migration 7).

The words a user types become an FTS5 query of quoted prefix terms, all of which must match
("pars err" finds "parser error"); FTS5 syntax typed by the user is never interpreted (a `"`, `-`
or `NEAR` is just text). Best matches come first (bm25), each with a short snippet whose matched words
are given as offsets, so a client highlights them without guessing. Subagent sessions stay out, as
they do in the session list. Runs on the store's thread (`Store.read`).
"""

from __future__ import annotations

import re
import sqlite3
import time
import unicodedata
from datetime import UTC, datetime

from mix_tui.protocol.models import SearchHit, SearchResults, strip_system_reminder

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
SNIPPET_CHARS = 160
_TOKEN = re.compile(r"[^\W_]+")  # what unicode61 keeps as a token: letters and digits


def fts_query(text: str) -> str | None:
    """`text` as an FTS5 query: each word a quoted prefix term; None when no word is left."""
    terms = []
    for word in text.split():
        if any(ch.isalnum() for ch in word):
            terms.append('"' + word.replace('"', '""') + '"*')
    return " ".join(terms) if terms else None


_MATCHES = """
    FROM messages_fts
    JOIN messages m ON m.seq = messages_fts.rowid
    JOIN sessions s ON s.id = m.session_id
    WHERE messages_fts MATCH ? AND s.session_type != 'subagent'
"""


def search(db: sqlite3.Connection, text: str, limit: int = DEFAULT_LIMIT) -> SearchResults:
    started = time.perf_counter()
    query = fts_query(text)
    if query is None:
        return SearchResults(query=text, took_ms=0.0)
    limit = max(1, min(limit, MAX_LIMIT))
    # FTS5's snippet() would be computed for every match before the sort (twice the time for a common
    # word): the best rows come first, and their snippets are cut here
    rows = db.execute(
        f"SELECT m.id, m.session_id, m.role, m.created_at, m.content, s.title {_MATCHES} ORDER BY rank, m.seq DESC LIMIT ?",
        (query, limit),
    ).fetchall()
    total = len(rows) if len(rows) < limit else db.execute(f"SELECT count(*) {_MATCHES}", (query,)).fetchone()[0]
    terms = [_fold(token) for token in _TOKEN.findall(text)]
    hits = []
    for row in rows:
        snippet, highlights = snippet_of(strip_system_reminder(row["content"]), terms)
        hits.append(
            SearchHit(
                session_id=row["session_id"], session_title=row["title"], message_id=row["id"], role=row["role"],
                snippet=snippet, highlights=highlights, created_at=datetime.fromtimestamp(row["created_at"], tz=UTC),
            )
        )
    took = (time.perf_counter() - started) * 1000
    return SearchResults(query=text, results=hits, total=total, took_ms=round(took, 3))


def _fold(word: str) -> str:
    """As the index compares words: case and diacritics removed (remove_diacritics 2)."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _matched_words(flat: str, terms: list[str]) -> list[tuple[int, int]]:
    """Where the words of `flat` that start with one of the folded `terms` are."""
    if not terms:
        return []
    if flat.isascii():  # the common case, in one regex pass (lower() keeps every offset)
        pattern = re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, terms)) + r")[^\W_]*")
        return [(m.start(), m.end()) for m in pattern.finditer(flat.lower())]
    return [(m.start(), m.end()) for m in _TOKEN.finditer(flat) if any(_fold(m.group()).startswith(t) for t in terms)]


def snippet_of(content: str, terms: list[str], width: int = SNIPPET_CHARS) -> tuple[str, list[tuple[int, int]]]:
    """One line of `content` around its first matching word, and where the matching words are in
    it: a word matches when it starts with one of the (folded) query `terms`."""
    flat = " ".join(content.split())
    words = _matched_words(flat, terms)
    first = words[0][0] if words else 0
    start = max(0, first - width // 4)
    if start:  # begin at a word
        space = flat.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(flat), start + width)
    prefix = "…" if start else ""
    suffix = "…" if end < len(flat) else ""
    shift = len(prefix) - start
    highlights = [(a + shift, b + shift) for a, b in words if a >= start and b <= end]
    return f"{prefix}{flat[start:end]}{suffix}", highlights
