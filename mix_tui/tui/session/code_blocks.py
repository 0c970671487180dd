"""The code blocks of a markdown answer, as the markdown parser sees them (markdown-it-py, which
Textual renders with): fenced blocks with their language, and indented ones. No widgets."""

from __future__ import annotations

from dataclasses import dataclass

from markdown_it import MarkdownIt

_PARSER = MarkdownIt("gfm-like")


@dataclass(frozen=True, slots=True)
class CodeBlock:
    language: str  # the fence's info word ("python"), "" when none
    code: str  # the raw text, without the fence; ends without a trailing newline

    @property
    def first_line(self) -> str:
        return next((line for line in self.code.splitlines() if line.strip()), "")

    @property
    def line_count(self) -> int:
        return len(self.code.splitlines()) or 1


def code_blocks(markdown: str) -> list[CodeBlock]:
    """Every code block, in reading order (nested in lists and quotes too)."""
    blocks: list[CodeBlock] = []
    for token in _PARSER.parse(markdown):
        if token.type in ("fence", "code_block"):
            language = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
            blocks.append(CodeBlock(language, token.content.removesuffix("\n")))
    return blocks
