"""Full-text search over every stored prompt and answer (the FTS5 index of migration 7).

The words a user types become an FTS5 query of quoted prefix terms, all of which must match
("pars err" finds "parser error"); FTS5 syntax typed by the user is never interpreted (a `"`, `-`
or `NEAR` is just text). Best matches come first (bm25), each with a short snippet whose matched words
are given as offsets, so a client highlights them without guessing. Subagent sessions stay out, as
they do in the session list. Runs on the store's thread (`Store.read`).
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime

from mix_tui.protocol.models import SearchHit, SearchResults, strip_system_reminder

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
SNIPPET_TOKENS = 24
_OPEN, _CLOSE = "\x01", "\x02"  # snippet markers, turned into offsets (never sent)


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
    rows = db.execute(
        f"""SELECT m.id, m.session_id, m.role, m.created_at, s.title,
                   snippet(messages_fts, 0, '{_OPEN}', '{_CLOSE}', '…', {SNIPPET_TOKENS}) AS snippet
            {_MATCHES} ORDER BY rank, m.seq DESC LIMIT ?""",
        (query, limit),
    ).fetchall()
    total = len(rows) if len(rows) < limit else db.execute(f"SELECT count(*) {_MATCHES}", (query,)).fetchone()[0]
    hits = []
    for row in rows:
        snippet, highlights = _marked(row["snippet"] or "")
        hits.append(
            SearchHit(
                session_id=row["session_id"], session_title=row["title"], message_id=row["id"], role=row["role"],
                snippet=snippet, highlights=highlights, created_at=datetime.fromtimestamp(row["created_at"], tz=UTC),
            )
        )
    took = (time.perf_counter() - started) * 1000
    return SearchResults(query=text, results=hits, total=total, took_ms=round(took, 3))


def _marked(snippet: str) -> tuple[str, list[tuple[int, int]]]:
    """The snippet as one line without its markers, and where the marked words are in it."""
    snippet = strip_system_reminder(snippet)
    out: list[str] = []
    highlights: list[tuple[int, int]] = []
    length = 0
    start: int | None = None
    for ch in snippet:
        if ch == _OPEN:
            start = length
        elif ch == _CLOSE:
            if start is not None and length > start:
                highlights.append((start, length))
            start = None
        else:
            ch = " " if ch in "\r\n\t" else ch
            out.append(ch)
            length += 1
    return "".join(out), highlights
