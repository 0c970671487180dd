"""Which picture widget this terminal gets: Sixel or Kitty's graphics protocol where the terminal
answered that it speaks them, coloured half blocks elsewhere (and always in tests and headless runs).

The terminal is asked once, before the app starts (`detect_graphics`, in one round trip:
terminal_probe.py): once Textual reads stdin, the answers would be read as keys. textual-image, which
draws the pictures, would ask again when it is imported; it is imported after the first frame
(`image_class`, `preload`) with its asking replaced by "no answer", and told the cell size the
terminal gave. This module is imported before the first frame, so it holds nothing else.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

GRAPHICS_ENV = "MIX_TUI_GRAPHICS"  # auto (default) | sixel | kitty | halfcell
_mode: str | None = None  # sixel | kitty | halfcell, once the terminal was asked
_cell: tuple[int, int] | None = None  # (width, height) in pixels, when the terminal said
_detection: threading.Thread | None = None
DETECTION_WAIT = 2.0  # seconds at most (the round trip gives up after terminal_probe.ANSWER_WAIT)
_import_lock = threading.Lock()  # `preload` (a thread) and `image_class` (the app) may race


def _forced_mode() -> str | None:
    asked = os.environ.get(GRAPHICS_ENV, "auto").lower()
    if asked in ("sixel", "kitty", "tgp", "halfcell"):
        return "kitty" if asked == "tgp" else asked
    return None


def detect_graphics() -> None:
    """Ask the terminal (its cell size; Sixel? Kitty?) and remember the answer; call it before the
    app starts: once Textual reads stdin, the terminal's answer would be read as keys. Whatever goes
    wrong while asking, pictures fall back to half blocks. Imports no Textual module (it may run in
    a thread while the app's modules import)."""
    global _mode, _cell
    forced = _forced_mode()
    try:
        from mix_tui.tui.widgets import terminal_probe
    except ImportError:  # no termios (Windows): textual-image asks, its own way
        _detect_with_textual_image(forced)
        return
    stdin, stdout = sys.__stdin__, sys.__stdout__
    try:
        if stdin is None or stdout is None:
            raise ValueError("no stdin or stdout")
        answers = terminal_probe.ask(stdin.fileno(), stdout.fileno(), graphics=forced is None)
    except (OSError, ValueError):  # a closed or odd stdin/stdout: half blocks
        _mode = None
        return
    _cell = answers.cell
    _mode = forced or ("sixel" if answers.sixel else "kitty" if answers.kitty else "halfcell")


def _detect_with_textual_image(forced: str | None) -> None:
    global _mode
    try:
        _seed_cell_size()
        from textual_image import renderable  # asks the terminal, once, on import

        if forced is not None:
            _mode = forced
        elif renderable.Image is renderable.SixelImage:
            _mode = "sixel"
        elif renderable.Image is renderable.TGPImage:
            _mode = "kitty"
        else:
            _mode = "halfcell"
    except Exception:
        _mode = None


def _seed_cell_size() -> None:
    """textual-image measures a cell once; what the terminal told us is that measure. Without it,
    its own measure; a terminal that reports 0 columns (a fresh pty) makes that divide by zero, so a
    failed measure becomes the usual 10×20 pixels."""
    from textual_image import _terminal

    if _cell is not None:
        _terminal.get_cell_size._result = _terminal.CellSize(*_cell)  # type: ignore[attr-defined]
        return
    try:
        _terminal.get_cell_size()
    except Exception:
        _terminal.get_cell_size._result = _terminal.CellSize(10, 20)  # type: ignore[attr-defined]


@contextlib.contextmanager
def _no_answer(*_args: Any, **_kwargs: Any) -> Iterator[Any]:
    """textual-image's `capture_terminal_response` once the app runs: the terminal was asked before
    (and Textual reads stdin now), so every question of textual-image gets "no answer"."""
    from textual_image._terminal import TerminalError

    raise TerminalError("the terminal was asked before the app started")
    yield  # a generator, as contextmanager wants


def _textual_image_widgets() -> Any:
    with _import_lock:
        if "textual_image.widget" not in sys.modules:
            from textual_image import _terminal

            _terminal.capture_terminal_response = _no_answer  # before renderable's modules bind it
            _seed_cell_size()
        from textual_image import widget

        return widget


def image_class() -> Any:
    """The textual-image widget class for this terminal (never detected — tests, headless runs:
    half blocks, the same everywhere)."""
    widget = _textual_image_widgets()
    return {"sixel": widget.SixelImage, "kitty": widget.TGPImage}.get(_mode or "", widget.HalfcellImage)


def preload() -> None:
    """Import textual-image (and Pillow) ahead of the first picture; a thread may do it."""
    _textual_image_widgets()


def start_detecting() -> None:
    """Ask the terminal in a thread while the app's modules import: the round trip mostly waits for
    answers, the imports are work; together they take the longer of the two, not the sum."""
    global _detection
    if _detection is None:
        try:  # imported here, not in the thread
            from mix_tui.tui.widgets import terminal_probe  # noqa: F401
        except ImportError:  # Windows: textual-image asks, and imports what the app imports too
            import rich.console  # noqa: F401  # by one thread (no import race)
        _detection = threading.Thread(target=detect_graphics, name="graphics-detection", daemon=True)
        _detection.start()


def finish_detecting() -> None:
    """Before the app reads stdin: the terminal's answers must not reach it as keys."""
    if _detection is None:
        detect_graphics()
    else:
        _detection.join(DETECTION_WAIT)
