"""The one round trip that asks the terminal, before the app starts, for its cell size and its graphics:
against a terminal played on a real pty (it answers like Kitty, like a Sixel terminal, or not at all),
and textual-image, imported after it, never asks the terminal again."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from mix_tui.tui.widgets import terminal_probe
from mix_tui.tui.widgets.terminal_probe import DA1_QUERY, KITTY_QUERY, TerminalAnswers, ask, read_answers

Answerer = Callable[[str], str]  # what the terminal answers to the questions it read


def kitty(questions: str) -> str:
    answer = "\x1b_Gi=31;OK\x1b\\" if "\x1b_G" in questions else ""
    if "\x1b[16t" in questions:
        answer += "\x1b[6;18;9t"
    return answer + "\x1b[?62;22c"


def sixel_terminal(questions: str) -> str:
    return "\x1b[?62;4;22c"  # understands neither Kitty's query nor the cell-size one


@contextmanager
def played_terminal(answer: Answerer | None, pixels: tuple[int, int] = (0, 0)) -> Iterator[tuple[int, list[str]]]:
    """A pty whose far end plays a terminal: it reads the questions up to DA1 and writes `answer`'s
    reply (or nothing: `answer` None). Yields the app side's fd and the questions seen."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, *pixels))
    seen: list[str] = []

    def play() -> None:
        questions = ""
        deadline = time.monotonic() + 10
        while not questions.endswith(DA1_QUERY) and time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                questions += os.read(master, 1024).decode()
        seen.append(questions)
        if answer is not None:
            os.write(master, answer(questions).encode())

    player = threading.Thread(target=play, daemon=True)
    player.start()
    try:
        yield slave, seen
    finally:
        player.join(10)
        os.close(master)
        os.close(slave)


def test_a_kitty_terminal_is_found_with_its_cell_size_in_one_round_trip() -> None:
    with played_terminal(kitty) as (fd, seen):
        answers = ask(fd, fd, wait=10)
    assert answers == TerminalAnswers(answered=True, sixel=False, kitty=True, cell=(9, 18))
    assert seen[0].endswith(KITTY_QUERY + DA1_QUERY)  # all questions at once, DA1 last


def test_a_sixel_terminal_that_ignores_the_other_questions_needs_no_wait() -> None:
    with played_terminal(sixel_terminal) as (fd, _seen):
        began = time.monotonic()
        answers = ask(fd, fd, wait=10)
        took = time.monotonic() - began
    assert answers == TerminalAnswers(answered=True, sixel=True, kitty=False, cell=None)
    assert took < 5  # the DA1 answer ended it, long before the 10 s wait


def test_the_window_size_gives_the_cell_size_without_asking() -> None:
    with played_terminal(kitty, pixels=(800, 480)) as (fd, seen):
        answers = ask(fd, fd, wait=10)
    assert answers.cell == (10, 20)
    assert "\x1b[16t" not in seen[0]


def test_a_silent_terminal_costs_one_short_wait_and_means_no_graphics() -> None:
    with played_terminal(None) as (fd, _seen):
        began = time.monotonic()
        answers = ask(fd, fd, wait=0.2)
        took = time.monotonic() - began
    assert answers == TerminalAnswers()
    assert 0.2 <= took < 3


def test_what_is_typed_after_the_answer_is_left_for_the_app() -> None:
    with played_terminal(lambda questions: sixel_terminal(questions) + "hello") as (fd, _seen):
        answers = ask(fd, fd, wait=10)
        assert answers.sixel
        assert select.select([fd], [], [], 5)[0]
        assert os.read(fd, 100) == b"hello"


def test_nothing_is_asked_when_stdin_is_not_a_terminal() -> None:
    read, write = os.pipe()
    try:
        assert ask(read, write, wait=10) == TerminalAnswers()
        assert not select.select([read], [], [], 0)[0]  # not a byte was written
    finally:
        os.close(read)
        os.close(write)


def test_answers_are_read_the_way_the_protocols_write_them() -> None:
    assert read_answers("\x1b[?65;1;4;6c").sixel
    assert not read_answers("\x1b[?65;14;6c").sixel  # 14 is not 4
    assert read_answers("\x1b_Gi=31;OK\x1b\\\x1b[?62c").kitty
    assert not read_answers("\x1b_Gi=31;ENOTSUPPORTED:no\x1b\\\x1b[?62c").kitty
    assert not read_answers("\x1b_Gi=7;OK\x1b\\\x1b[?62c").kitty  # another program's query
    assert read_answers("\x1b[6;0;0t\x1b[?62c").cell is None
    assert not read_answers("").answered


def test_textual_image_imported_after_the_detection_never_asks_the_terminal() -> None:
    """In a fresh interpreter on a pty: the detection asks once; textual-image, imported as the app
    does after its first frame, writes nothing more to the terminal (its answers would reach the app
    as keys)."""
    script = (
        "import sys\n"
        "from mix_tui.tui.widgets import graphics\n"
        "graphics.start_detecting(); graphics.finish_detecting()\n"
        "sys.stdout.write('<detected>'); sys.stdout.flush()\n"
        "name = graphics.image_class().__name__\n"
        "sys.stdout.write(f'<imported {name}>'); sys.stdout.flush()\n"
    )
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdin=slave, stdout=slave, stderr=subprocess.PIPE,
        env={**os.environ, "MIX_TUI_GRAPHICS": "auto"},
    )  # fmt: skip
    os.close(slave)
    output = b""
    try:
        deadline = time.monotonic() + 60
        while b"<imported" not in output or not output.endswith(b">"):
            assert time.monotonic() < deadline, output
            if select.select([master], [], [], 0.1)[0]:
                try:
                    output += os.read(master, 4096)
                except OSError:
                    break
    finally:
        child.wait(30)
        os.close(master)
    assert child.returncode == 0, child.stderr.read() if child.stderr else b""
    asked, _, after = output.partition(b"<detected>")
    assert asked.count(b"\x1b[c") == 1 and b"\x1b_G" in asked  # one round trip
    assert after.startswith(b"<imported HalfcellImage>")  # a silent terminal: half blocks
    assert b"\x1b" not in after


def test_the_answer_wait_is_short() -> None:
    assert terminal_probe.ANSWER_WAIT <= 0.2
