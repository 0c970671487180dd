"""Markdown as a column of blocks: split into top-level blocks, each rendered on its own to lines.

`split_blocks` finds where each top-level block (a paragraph, a heading, a list, a table, a fence …)
starts and ends in the source, with the parser Rich's Markdown uses. `BlockPainter` renders one
block's markdown to lines of segments with Rich's Markdown, in the colours of the app's theme. A
block is rendered once per width; a streamed answer only ever re-renders its last, growing block.
No widget per block: a block costs its lines, not a subtree of styled widgets (12 ms a block with
Textual's `Markdown` on these machines, ~0.7 ms here).

Links are shown as text with their address, never as terminal hyperlinks: model text is data.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from markdown_it import MarkdownIt
from rich.console import Console, ConsoleOptions, RenderResult
from rich.markdown import CodeBlock, Heading, Markdown, MarkdownElement
from rich.segment import Segment
from rich.style import Style
from rich.theme import Theme
from textual.color import Color

from mix_tui.tui.widgets.code_lines import CodeLines

if TYPE_CHECKING:
    from collections.abc import Sequence

    from markdown_it.token import Token
    from textual.app import App

_PARSER = MarkdownIt().enable("strikethrough").enable("table")  # what rich.markdown parses with
BLOCK_GAP = 1  # blank lines between two blocks


def split_blocks(text: str, first_line: int = 0) -> list[tuple[int, int, list[Token]]]:
    """Each top-level block of `text`: its [start, end) source lines (counted from `first_line`)
    and its tokens (which render it without parsing it again)."""
    blocks: list[tuple[int, int, list[Token]]] = []
    for token in _PARSER.parse(text):
        if token.level == 0 and token.nesting >= 0 and token.map is not None:
            blocks.append((token.map[0] + first_line, token.map[1] + first_line, []))
        if blocks:
            blocks[-1][2].append(token)
    return blocks


def estimate_height(source: str, width: int) -> int:
    """Roughly how many lines a block takes at `width`, without rendering it (fences and tables
    take about one line per source line, prose wraps)."""
    width = max(1, width)
    return sum(1 + max(0, len(line) - 1) // width for line in source.rstrip("\n").splitlines()) or 1


# ---- rendering ----------------------------------------------------------------------------------


class _Heading(Heading):
    LEVEL_ALIGN: ClassVar = dict.fromkeys(("h1", "h2", "h3", "h4", "h5", "h6"), "left")


class _CodeBlock(CodeBlock):
    """A fence inside another block (a list item, a quote): drawn by `CodeLines` too, so every
    fence looks the same (a top-level fence is its own block and skips Rich's Markdown)."""

    background = ""

    @classmethod
    def create(cls, markdown: Markdown, token: Token) -> CodeBlock:
        block = super().create(markdown, token)
        if isinstance(block, _CodeBlock):
            block.background = getattr(markdown, "code_background", "")
        return block

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for row in CodeLines(str(self.text), self.lexer_name, options.max_width, self.theme, self.background, Style()):
            yield from row
            yield Segment.line()


class _Markdown(Markdown):
    elements: ClassVar[dict[str, type[MarkdownElement]]] = {
        **Markdown.elements, "heading_open": _Heading, "fence": _CodeBlock, "code_block": _CodeBlock,
    }  # fmt: skip

    def __init__(self, markup: str, tokens: list[Token] | None, code_theme: str, code_background: str) -> None:
        # Markdown.__init__ builds a parser per document (~1 ms); blocks come parsed, or share one
        self.markup = markup
        self.parsed = tokens if tokens is not None else _PARSER.parse(markup)
        self.code_theme = code_theme
        self.justify = None
        self.style = "none"
        self.hyperlinks = False
        self.inline_code_lexer = None
        self.inline_code_theme = code_theme
        self.code_background = code_background


@dataclass(frozen=True, slots=True)
class Palette:
    """The markdown styles of one app theme."""

    styles: dict[str, str]
    code_theme: str
    code_background: str

    @classmethod
    def of(cls, app: App[object]) -> Palette:
        variables = app.theme_variables
        dark = app.current_theme.dark
        background = Color.parse(variables.get("background", "#000000"))

        def color(name: str, fallback: str = "#808080") -> str:
            value = variables.get(name, fallback)
            try:
                parsed = Color.parse(value)
            except Exception:  # "auto 60%" and the like
                parsed = Color.parse(fallback)
            return (background + parsed).hex

        def heading(level: int) -> str:
            style = variables.get(f"markdown-h{level}-text-style", "bold")
            style = "" if style in ("none", "") else style
            return f"{style} {color(f'markdown-h{level}-color', variables.get('foreground', '#ffffff'))}".strip()

        warning = Color.parse(variables.get("warning", "#ffa62b"))
        inline_code_bg = (background + warning.with_alpha(0.1)).hex
        code_bg = (background + Color(0, 0, 0, 0.25 if dark else 0.06)).hex
        styles = {
            **{f"markdown.h{level}": heading(level) for level in range(1, 7)},
            "markdown.h1.border": color("primary"),
            "markdown.code": f"{color('text-warning', '#ffc473')} on {inline_code_bg}",
            "markdown.code_block": f"on {code_bg}",
            "markdown.block_quote": color("text-primary"),
            "markdown.list": "",
            "markdown.item.bullet": f"bold {color('text-accent', '#ffc473')}",
            "markdown.item.number": color("text-accent", "#ffc473"),
            "markdown.hr": color("secondary"),
            "markdown.link": f"underline {color('text-accent', '#ffc473')}",
            "markdown.link_url": color("text-secondary", "#808080"),
            "markdown.table.border": color("secondary"),
            "markdown.table.header": f"bold {color('text-primary')}",
        }
        return cls(styles, "monokai" if dark else "friendly", code_bg)


class BlockPainter:
    """Renders blocks of markdown to strips with one palette (one per app theme)."""

    def __init__(self, palette: Palette, color_system: str | None) -> None:
        self.palette = palette
        self._console = Console(
            file=io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), force_terminal=True, color_system=color_system,  # type: ignore[arg-type]
            theme=Theme(palette.styles, inherit=True), legacy_windows=False, emoji=False, highlight=False,
            markup=False, width=80,
        )  # fmt: skip

    def render(
        self, source: str, width: int, base: Style, tokens: list[Token] | None = None
    ) -> Sequence[list[Segment]]:
        """The lines of one block, each `width` cells of segments (plain lists: a `Strip` carries
        seven caches, and thousands of kept lines of them kept the garbage collector busy). A
        code fence comes back as `CodeLines`: its rows are highlighted as they are drawn."""
        width = max(4, width)
        parsed = tokens if tokens is not None else _PARSER.parse(source)
        if len(parsed) == 1 and parsed[0].type in ("fence", "code_block"):
            language = (parsed[0].info or "").partition(" ")[0] or "text"
            palette = self.palette
            return CodeLines(parsed[0].content, language, width, palette.code_theme, palette.code_background, base)
        options = self._console.options.update(width=width, min_width=width, max_width=width, height=None)
        markdown = _Markdown(source, parsed, self.palette.code_theme, self.palette.code_background)
        return _trimmed(self._console.render_lines(markdown, options, style=base, pad=True), base)


def _trimmed(lines: list[list[Segment]], base: Style) -> list[list[Segment]]:
    """Without blank lines at the top and bottom (Rich adds some around a few elements; the gap
    between blocks is the column's)."""

    def blank(line: list[Segment]) -> bool:
        return all(not seg.text.strip() and (seg.style is None or seg.style.bgcolor == base.bgcolor) for seg in line)

    start, end = 0, len(lines)
    while start < end and blank(lines[start]):
        start += 1
    while end > start and blank(lines[end - 1]):
        end -= 1
    return lines[start:end]


_painters: dict[tuple[str, bool, str | None], BlockPainter] = {}


def painter_for(app: App[object]) -> BlockPainter:
    """The painter of the app's current theme (made once per theme)."""
    color_system = app.console.color_system
    key = (app.theme, app.current_theme.dark, color_system)
    painter = _painters.get(key)
    if painter is None:
        painter = _painters[key] = BlockPainter(Palette.of(app), color_system)
    return painter
