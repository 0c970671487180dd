"""mix-tui: a terminal client for Mix, the AI agent backend."""

__version__ = "0.1.0"
