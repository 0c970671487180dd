"""Code fences drawn by `CodeLines` (widgets/code_lines.py): what Rich's `Syntax` would draw for
lines that fit, an exact height before any highlighting, rows made only as they are asked for."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.syntax import Syntax

from mix_tui.tui.widgets.code_lines import CodeLines, count_rows
from mix_tui.tui.widgets.markdown_blocks import BlockPainter, Palette

BASE = Style(color="#e0e0e0", bgcolor="#121212")
PANEL = "#1e1e1e"
PYTHON = "def handler(event):\n    '''A docstring\n    on two lines'''\n    if event:\n\treturn {'ok': True}  # done\n"


def _rich_fence(code: str, language: str, width: int) -> list[list[Segment]]:
    """The same fence through Rich's Markdown + Syntax (what the painter drew before)."""
    palette = Palette({"markdown.code_block": f"on {PANEL}"}, "monokai", PANEL)
    painter = BlockPainter(palette, "truecolor")
    console = painter._console
    options = console.options.update(width=width, min_width=width, max_width=width, height=None)
    syntax = Syntax(code.rstrip(), language, theme="monokai", word_wrap=True, padding=(1, 2), background_color=PANEL)
    return console.render_lines(syntax, options, style=BASE, pad=True)


def _simple(lines: object) -> list[list[tuple[str, Style | None]]]:
    return [[(s.text, s.style) for s in Segment.simplify(line)] for line in lines]  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", ["python", "javascript", "text", "no-such-language"])
def test_a_fence_that_fits_looks_as_rich_draws_it(language: str) -> None:
    code = PYTHON if language == "python" else "const a = `multi\nline`;\n  call(a)\n"
    mine = CodeLines(code, language, 60, "monokai", PANEL, BASE)
    assert _simple(mine) == _simple(_rich_fence(code, language, 60))


def test_the_height_is_exact_before_anything_is_highlighted_and_rows_come_as_asked() -> None:
    code = "\n".join(f"value_{n} = compute({n})" for n in range(500))
    lines = CodeLines(code, "python", 80, "monokai", PANEL, BASE)
    assert len(lines) == 502 == count_rows(code, 80)  # the rows of the code and a padding row above and below
    assert lines.made == 1  # nothing highlighted yet
    first_screen = [lines[row] for row in range(40)]
    assert lines.made <= 41, "the whole fence was highlighted for its first screen"
    assert "value_0" in "".join(s.text for s in first_screen[1])
    assert "value_499" in "".join(s.text for s in lines[-2])
    assert lines.made == 501


def test_long_lines_wrap_at_words_as_rich_does_and_every_row_is_the_full_width() -> None:
    prose = "a JSON result: " + " ".join(f"word{n}" for n in range(40)) + "\n"
    mine = CodeLines(prose, "text", 50, "monokai", PANEL, BASE)
    assert _simple(mine) == _simple(_rich_fence(prose, "text", 50))  # words are never cut
    assert len(mine) == count_rows(prose, 50) > 3


def test_long_lines_fold_words_longer_than_the_width() -> None:
    code = "x = '" + "y" * 130 + "'\nshort = 1\nwide = '" + "字" * 40 + "'\n"
    lines = CodeLines(code, "python", 50, "monokai", PANEL, BASE)
    rows = list(lines)
    assert len(rows) == len(lines) == count_rows(code, 50)
    assert all(sum(cell_len(s.text) for s in row) == 50 for row in rows)
    text = "".join(s.text.strip() for row in rows for s in row)
    assert "y" * 130 in text and "字" * 40 in text and "short=1" in text.replace(" ", "")


def test_blank_lines_and_tabs_keep_their_place() -> None:
    lines = CodeLines("\n\nfirst\n\tindented", "python", 40, "monokai", PANEL, BASE)
    rows = ["".join(s.text for s in row) for row in lines]
    assert len(rows) == 6
    assert rows[1].strip() == "" and rows[2].strip() == "" and rows[3].strip() == "first"
    assert rows[4].startswith("  " + "    indented")  # padding, then the tab as four spaces


def test_a_fence_inside_a_list_is_drawn_the_same_way() -> None:
    painter = BlockPainter(Palette({"markdown.code_block": f"on {PANEL}"}, "monokai", PANEL), "truecolor")
    nested = painter.render("- an item\n\n  ```python\n  total = 1\n  ```\n", 40, BASE)
    alone = CodeLines("total = 1", "python", 40 - 2, "monokai", PANEL, BASE)  # the list indents by 2
    row = next(line for line in nested if "total" in "".join(s.text for s in line))
    code = [s for s in row if s.text.strip() and s.text.strip() != "•"]
    assert [(s.text, s.style) for s in code] == [(s.text, s.style) for s in alone[1] if s.text.strip()]
