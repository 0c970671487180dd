"""A code fence's lines, highlighted only as far as they are drawn.

Rich's `Syntax` renders a whole fence at once through `Text` wrapping: a 200-line fence took
~60 ms on two cores (six times the Pygments lexing under it), and a transcript showing one stalled
for that long. Here the height is known before anything is rendered (a long line wraps at words
as in Rich, and where it wraps is found from its plain text alone), and lines are produced in
order as they are first asked for, the lexer advanced only that far: the top of a long fence costs
its first screen of lines, and a fence below the view costs nothing until it is scrolled to.

The look is Rich's `Syntax` with `padding=(1, 2)` on the code background: one blank row above and
below, two cells left and right, each token in its Pygments style over the background.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, overload

from pygments.lexers import get_lexer_by_name
from pygments.token import Token
from pygments.util import ClassNotFound
from rich._wrap import divide_line  # Rich's word wrap (what its Syntax uses)
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.syntax import PygmentsSyntaxTheme

if TYPE_CHECKING:
    from pygments.lexer import Lexer

PAD_X = 2  # cells left and right of the code
TAB_SIZE = 4


@functools.lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer | None:
    if not language:
        return None
    try:
        return get_lexer_by_name(language, stripnl=False)  # leading blank lines count as rows
    except ClassNotFound:
        return None


@functools.lru_cache(maxsize=16)
def _theme(name: str) -> PygmentsSyntaxTheme:
    return PygmentsSyntaxTheme(name)


class CodeLines(Sequence[list[Segment]]):
    """The rows of one fence at one width: `len()` is exact at once, rows are made on demand."""

    def __init__(self, code: str, language: str, width: int, theme: str, background: str, base: Style) -> None:
        self._width = max(PAD_X * 2 + 2, width)
        self._inner = self._width - 2 * PAD_X
        theme_style = _theme(theme)
        self._panel = Style(bgcolor=background or None)  # over every token's own background
        self._background = base + theme_style.get_background_style() + self._panel
        self._token_style = theme_style.get_style_for_token
        code = code.rstrip().expandtabs(TAB_SIZE)
        self._source_lines = code.split("\n")
        self._count = 2 + sum(self._rows_of(line) for line in self._source_lines)
        lexer = _lexer(language)
        self._tokens: Iterator[tuple[object, str]] = (
            iter(lexer.get_tokens(code)) if lexer is not None else iter([(Token.Text, code)])
        )
        self._blank = [Segment(" " * self._width, self._background)]
        self._rows: list[list[Segment]] = [self._blank]  # the top padding row
        self._pending: list[tuple[object, str]] = []  # the current source line's tokens so far
        self._styles: dict[object, Style] = {}

    def _rows_of(self, line: str) -> int:
        return len(_breaks(line, self._inner)) + 1

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, row: int) -> list[Segment]: ...
    @overload
    def __getitem__(self, row: slice) -> Sequence[list[Segment]]: ...
    def __getitem__(self, row: int | slice) -> list[Segment] | Sequence[list[Segment]]:
        if isinstance(row, slice):
            return [self[index] for index in range(*row.indices(self._count))]
        if row < 0:
            row += self._count
        if not 0 <= row < self._count:
            raise IndexError(row)
        if row == self._count - 1:
            return self._blank  # the bottom padding row
        while len(self._rows) <= row:
            self._advance()
        return self._rows[row]

    def __iter__(self) -> Iterator[list[Segment]]:
        return (self[index] for index in range(self._count))

    @property
    def made(self) -> int:
        """Rows made so far (the rest cost nothing yet)."""
        return len(self._rows)

    def _advance(self) -> None:
        """Lex until one more source line is complete, and make its rows."""
        made = len(self._rows)
        for token_type, text in self._tokens:
            *complete, text = text.split("\n")  # each piece before a newline ends a line
            for head in complete:
                if head:
                    self._pending.append((token_type, head))
                self._finish_line()
            if text:
                self._pending.append((token_type, text))
            if len(self._rows) > made:
                return
        if self._pending:
            self._finish_line()  # no newline after the last line
        while len(self._rows) < self._count - 1:  # rows the lexer did not account for: blank
            self._rows.append(self._blank)

    def _finish_line(self) -> None:
        if len(self._rows) >= self._count - 1:
            return
        segments = [Segment(text, self._style(token_type)) for token_type, text in self._pending]
        self._pending = []
        self._rows.extend(self._wrap(segments, _breaks("".join(s.text for s in segments), self._inner)))

    def _style(self, token_type: object) -> Style:
        style = self._styles.get(token_type)
        if style is None:
            style = self._styles[token_type] = self._background + self._token_style(token_type) + self._panel  # type: ignore[arg-type]
        return style

    def _wrap(self, segments: list[Segment], breaks: list[int]) -> list[list[Segment]]:
        """One source line as rows of `width` cells: padding, the code cut at `breaks` (character
        offsets), each row filled to the inner width."""
        pad = Segment(" " * PAD_X, self._background)
        pieces: list[list[Segment]] = [[]]
        cuts = iter(breaks)
        cut = next(cuts, None)
        offset = 0  # characters of the line before the current segment
        for segment in segments:
            text, style = segment.text, segment.style
            while cut is not None and cut < offset + len(text):
                head, text = text[: cut - offset], text[cut - offset :]
                if head:
                    pieces[-1].append(Segment(head, style))
                offset = cut
                pieces.append([])
                cut = next(cuts, None)
            if text:
                pieces[-1].append(Segment(text, style))
                offset += len(text)
        rows = []
        for piece in pieces:
            used = sum(s.cell_length for s in piece)
            rows.append([pad, *piece, Segment(" " * max(0, self._inner - used), self._background), pad])
        return rows


def _breaks(line: str, width: int) -> list[int]:
    """Where a line too long for `width` cells is cut: at words, as Rich's `Syntax` wraps (a word
    longer than the width is cut inside)."""
    if cell_len(line) <= width:
        return []
    return divide_line(line, width, fold=True)


def count_rows(code: str, width: int) -> int:
    """The rows a fence takes at `width` (padding included), without highlighting it."""
    inner = max(PAD_X * 2 + 2, width) - 2 * PAD_X
    lines = code.rstrip().expandtabs(TAB_SIZE).split("\n")
    return 2 + sum(len(_breaks(line, inner)) + 1 for line in lines)
