"""Text selection on widgets drawn line by line: the selected cells of one line, highlighted."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip


def highlighted(line: Strip, span: tuple[int, int] | None, style: Style) -> Strip:
    """`line` with the cells of `span` (start, end; end -1: to the end) in the selection style."""
    if span is None:
        return line
    length = line.cell_length
    start = min(max(0, span[0]), length)
    end = length if span[1] == -1 else min(max(start, span[1]), length)
    if start == end:
        return line
    parts = line.divide([start, end, length])
    if len(parts) != 3:
        return line
    before, chosen, after = parts
    marked = [Segment(text, (s + style) if s else style, c) for text, s, c in chosen]
    return Strip.join([before, Strip(marked, chosen.cell_length), after])
