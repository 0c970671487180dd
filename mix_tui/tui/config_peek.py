"""What the first frame needs from config.toml, read before the settings model exists.

The settings model (config.py: pydantic, tomlkit) takes ~0.15 s to import and build; the first frame
needs two values only: the server (the app connects to it, or starts its own) and the theme (the
colours it is drawn in). Those are read here with the standard library's TOML reader; the whole file
is read, checked and reported on by config.py after the first frame, and what it finds is what applies
from then on. A file that does not parse, or a value of the wrong type, gives the defaults here (as it
does there: a broken file applies nothing).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "mix-tui"
CONFIG_NAME = "config.toml"
DEFAULT_THEME = "textual-dark"


def default_path() -> Path:
    return platformdirs.user_config_path(APP_NAME, appauthor=False) / CONFIG_NAME


@dataclass(frozen=True)
class FirstSettings:
    server_url: str = ""
    theme: str = DEFAULT_THEME


def peek(path: Path) -> FirstSettings:
    """The server and the theme set in the file at `path` (the defaults for what it does not set)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return FirstSettings()
    server_url, theme = data.get("server_url"), data.get("theme")
    return FirstSettings(
        server_url=server_url if isinstance(server_url, str) else "",
        theme=theme if isinstance(theme, str) else DEFAULT_THEME,
    )
