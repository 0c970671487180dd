"""Text from a model, a tool, a file or a server is data: `clean` makes it safe to show.

No control character but newline and tab may reach the terminal: ESC starts the sequences that write
the clipboard (OSC 52), retitle the window (OSC 0), plant links (OSC 8), clear the screen or ask the
terminal to answer (`ESC[6n`), and C1 characters such as U+009B do the same in one byte. Each is shown
instead as a visible stand-in (␛, ␇, `\\x9b` …), so a user can tell something was there. Bidirectional
overrides, which can make text read differently from what it is, are shown the same way. Every widget
that shows such text passes it through here first; markdown is cleaned before the parser sees it.
"""

from __future__ import annotations

_TAB = "    "


def _table() -> dict[int, str]:
    table: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20)}  # ␀ … ␟ (␛ for ESC)
    del table[0x0A]  # newline stays
    table[0x09] = _TAB  # a tab is allowed; four spaces keep columns the same in every widget
    table[0x0D] = "␍"  # (CRLF is folded to LF before the table applies)
    table[0x7F] = "␡"
    for code in range(0x80, 0xA0):  # C1 controls have no pictures: spell them
        table[code] = f"\\x{code:02x}"
    for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)):  # bidi embeddings, overrides, isolates
        table[code] = f"⟨U+{code:04X}⟩"
    return table


_VISIBLE = _table()


def clean(text: str) -> str:
    """`text` with every control character replaced by a visible stand-in (newline kept)."""
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    return text.translate(_VISIBLE)
