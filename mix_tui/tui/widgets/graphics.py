"""Which picture widget this terminal gets: Sixel or Kitty's graphics protocol where the terminal
answered that it speaks them, coloured half blocks elsewhere (and always in tests and headless runs).

The terminal is asked once, before the app starts (`detect_graphics`): once Textual reads stdin, the
answers would be read as keys. This module is imported before the first frame, so it holds nothing
else: textual-image is imported only when asked.
"""

from __future__ import annotations

import os
import threading
from typing import Any

GRAPHICS_ENV = "MIX_TUI_GRAPHICS"  # auto (default) | sixel | kitty | halfcell
_mode: str | None = None  # sixel | kitty | halfcell, once the terminal was asked
_detection: threading.Thread | None = None
DETECTION_WAIT = 2.0  # seconds at most; each of textual-image's questions gives up after 0.1 s


def _cell_size_known() -> None:
    """textual-image measures a cell once, on import; a terminal that reports 0 columns (a fresh
    pty) makes that divide by zero, so a failed measure becomes the usual 10×20 pixels."""
    from textual_image import _terminal

    try:
        _terminal.get_cell_size()
    except Exception:
        _terminal.get_cell_size._result = _terminal.CellSize(10, 20)  # type: ignore[attr-defined]


def detect_graphics() -> None:
    """Ask the terminal (Sixel? Kitty?) and remember the answer; call it before the app starts: once
    Textual reads stdin, the terminal's answer would be read as keys. Whatever goes wrong while
    asking, pictures fall back to half blocks. Imports no Textual module (it may run in a thread
    while the app's modules import)."""
    global _mode
    try:
        _cell_size_known()
        from textual_image import renderable  # asks the terminal, once, on import

        asked = os.environ.get(GRAPHICS_ENV, "auto").lower()
        if asked in ("sixel", "kitty", "tgp", "halfcell"):
            _mode = "kitty" if asked == "tgp" else asked
        elif renderable.Image is renderable.SixelImage:
            _mode = "sixel"
        elif renderable.Image is renderable.TGPImage:
            _mode = "kitty"
        else:
            _mode = "halfcell"
    except Exception:
        _mode = None


def image_class() -> Any:
    """The textual-image widget class for this terminal (never detected — tests, headless runs:
    half blocks, the same everywhere)."""
    if _mode is None:
        _cell_size_known()
    from textual_image import widget

    return {"sixel": widget.SixelImage, "kitty": widget.TGPImage}.get(_mode or "", widget.HalfcellImage)


def start_detecting() -> None:
    """Ask the terminal in a thread while the app's modules import: the questions mostly wait for
    answers (a terminal that does not speak Kitty's protocol never answers that one), the imports
    are work; together they take the longer of the two, not the sum."""
    global _detection
    if _detection is None:
        import rich.console  # noqa: F401  # what both threads import, imported by one (no import race)

        _detection = threading.Thread(target=detect_graphics, name="graphics-detection", daemon=True)
        _detection.start()


def finish_detecting() -> None:
    """Before the app reads stdin: the terminal's answers must not reach it as keys."""
    if _detection is None:
        detect_graphics()
    else:
        _detection.join(DETECTION_WAIT)
