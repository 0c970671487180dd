"""The Textual app. Importing it applies the work-arounds for Textual bugs (textual_fixes.py)."""

from mix_tui.tui import textual_fixes as _textual_fixes  # noqa: F401
