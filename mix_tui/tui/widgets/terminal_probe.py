"""One round trip to the terminal before the app reads stdin: the size of a cell in pixels, and
whether the terminal speaks Sixel or Kitty's graphics protocol.

The questions go out together, the primary device attributes (DA1) last: every terminal answers DA1,
and answers in order, so once that answer is in, a question still unanswered was not understood (how
Kitty's documentation says to detect its protocol). A terminal that answers nothing at all (a pty
driven by a script) costs one wait of `ANSWER_WAIT`. textual-image asks the same questions one after
another on import, each with its own 0.1 s wait: a terminal without Kitty's protocol always cost
0.1 s, a silent one 0.3 s — before the first frame, since the asking must end before Textual reads
stdin. Only the standard library here: this runs in a thread while the app's modules import.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import termios
import time
import tty
from dataclasses import dataclass, replace

ANSWER_WAIT = 0.1  # seconds for the whole round trip
KITTY_QUERY_ID = 31
# a 1×1 RGB picture, "query" only: a terminal with the protocol answers OK and shows nothing
KITTY_QUERY = f"\x1b_Gi={KITTY_QUERY_ID},s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"
CELL_QUERY = "\x1b[16t"  # answered with ESC [ 6 ; height ; width t
DA1_QUERY = "\x1b[c"  # answered with ESC [ ? 62 ; 4 ; ... c  (4: Sixel)

_DA1_ANSWER = re.compile(r"\x1b\[\?([\d;]*)c")
_CELL_ANSWER = re.compile(r"\x1b\[6;(\d+);(\d+)t")
_KITTY_ANSWER = re.compile(r"\x1b_G([^\x1b]*)\x1b\\")


@dataclass(frozen=True)
class TerminalAnswers:
    answered: bool = False  # the terminal answered DA1 (so every answer it gives is in)
    sixel: bool = False
    kitty: bool = False
    cell: tuple[int, int] | None = None  # (width, height) of a cell in pixels


def read_answers(text: str) -> TerminalAnswers:
    """What the terminal's answers in `text` say."""
    da1 = _DA1_ANSWER.search(text)
    cell = _CELL_ANSWER.search(text)
    height, width = (int(cell.group(1)), int(cell.group(2))) if cell else (0, 0)
    return TerminalAnswers(
        answered=da1 is not None,
        sixel=da1 is not None and "4" in da1.group(1).split(";"),
        kitty=any(_kitty_ok(message) for message in _KITTY_ANSWER.findall(text)),
        cell=(width, height) if width and height else None,
    )


def _kitty_ok(message: str) -> bool:
    """`i=31;OK` answers our query; an error (`i=31;ENOTSUPPORTED:…`) or another id does not."""
    keys, _, status = message.partition(";")
    return f"i={KITTY_QUERY_ID}" in keys.split(",") and status == "OK"


def window_cell_size(fd: int) -> tuple[int, int] | None:
    """The cell size the terminal reports with its window size (most do), None when it does not."""
    try:
        rows, columns, width, height = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))
    except OSError:
        return None
    if not (rows and columns and width and height):
        return None
    return width // columns, height // rows


def ask(in_fd: int, out_fd: int, *, graphics: bool = True, wait: float = ANSWER_WAIT) -> TerminalAnswers:
    """Ask the terminal on `out_fd` and read its answers from `in_fd` (the cell size only when its
    window size does not tell it; Sixel and Kitty's protocol when `graphics`). Nothing is asked when
    either is not a terminal. Reads one byte at a time and stops at the end of the DA1 answer, so
    what is typed after it is left for the app."""
    if not (os.isatty(in_fd) and os.isatty(out_fd)):
        return TerminalAnswers()
    cell = window_cell_size(out_fd)
    if cell is not None and not graphics:
        return TerminalAnswers(cell=cell)
    questions = ("" if cell is not None else CELL_QUERY) + (KITTY_QUERY if graphics else "") + DA1_QUERY
    try:
        mode = termios.tcgetattr(in_fd)
        tty.setcbreak(in_fd, termios.TCSANOW)  # answers arrive unechoed and without waiting for a newline
    except termios.error:
        return TerminalAnswers(cell=cell)
    try:
        os.write(out_fd, questions.encode())
        text = _read_until_da1(in_fd, time.monotonic() + wait)
    finally:
        termios.tcsetattr(in_fd, termios.TCSANOW, mode)
    answers = read_answers(text)
    return replace(answers, cell=cell or answers.cell)


def _read_until_da1(fd: int, deadline: float) -> str:
    seen = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        byte = os.read(fd, 1)
        if not byte:
            break
        seen += byte
        if byte == b"c" and _DA1_ANSWER.search(seen.decode(errors="replace")):
            break
    return seen.decode(errors="replace")
