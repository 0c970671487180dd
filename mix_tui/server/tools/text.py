"""Shaping text that goes back to the model: no terminal escapes, bounded size."""

from __future__ import annotations

import re

# CSI / OSC / other ESC sequences, then remaining C0 (except tab, newline), DEL and C1 controls.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_output(text: str) -> str:
    """Drop terminal escape sequences and control characters; normalise line endings.

    Tool output is data: it must not be able to drive the user's terminal, and colour codes
    only waste the model's context.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ANSI.sub("", text)
    return _CONTROL.sub("", text)


def omitted_note(count: int) -> str:
    return f"\n\n… {count} characters omitted …\n\n"


def cap_text(text: str, limit: int) -> str:
    """Keep the head and the tail of `text` when it is longer than `limit` characters.

    The tail matters as much as the head for command output (errors and summaries come last).
    """
    if len(text) <= limit:
        return text
    half = limit // 2
    omitted = len(text) - 2 * half
    return text[:half] + omitted_note(omitted) + text[len(text) - half :]


def is_binary(sample: bytes) -> bool:
    """A NUL byte in the first block is the classic (and git's) binary heuristic."""
    return b"\x00" in sample
