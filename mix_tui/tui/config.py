"""The user's settings: `config.toml` in the user config directory, read into a pydantic model.

The file is the user's: it is read with tomlkit and changes made in the app are written back into the
same document, so comments and order survive. A file that is not TOML gives a message naming the line
and the app runs on defaults, never overwriting it; a value that does not fit (a wrong type, an unknown
key) is named with its line and dropped, the rest of the file still applies. Secrets never go here: API
keys live in the system keyring, the --server token in MIX_TOKEN; a key that looks like one is refused.

Precedence for the server: `--server` / `MIX_SERVER_URL` (cli.py reads both), then `server_url` here.
The first frame is drawn before this module is imported: config_peek.py reads the server and the theme
for it.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import tomlkit
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from tomlkit.exceptions import ParseError
from tomlkit.items import Table

from mix_tui.tui.config_peek import DEFAULT_THEME, default_path

MAX_RECENT = 8
ThinkingLevel = Literal["", "off", "basic", "medium", "maximum"]
THINKING_LEVELS: tuple[str, ...] = ("off", "basic", "medium", "maximum")
_SECRET_WORDS = re.compile(r"(token|secret|password|api[_-]?key|apikey)", re.IGNORECASE)
_KEY_NAME = re.compile(r"^[A-Za-z0-9_+\-]+$")
_MAX_REPAIRS = 50

TEMPLATE = '''\
# mix-tui settings. The app writes changes back into this file and keeps your comments.
# No secrets here: API keys live in the system keyring (or their env variables), the token of
# a --server in MIX_TOKEN.

# a Mix server to use instead of starting the local one ("" = the local one);
# --server and MIX_SERVER_URL win over it
server_url = ""
# a Textual theme (Ctrl+P → "Theme" lists them)
theme = "textual-dark"
# the thinking level sent with each prompt unless /think says otherwise:
# "" (the server decides), "off", "basic", "medium" or "maximum"
thinking = ""
# columns of the session list (it starts hidden below 100 columns; Ctrl+B toggles it)
sidebar_width = 36
# the transcript follows a streaming answer while it is scrolled to the bottom
follow = true
# the one-line footer under each answer (model, tokens, cost)
message_footer = true

[alerts]
# when a turn ends or a tool asks for permission while you look elsewhere
bell = true
desktop = true  # a desktop notification (OSC 9 / OSC 777) where the terminal shows them
toast = true  # a toast naming the session
title = true  # a marker in the terminal title

[models]
# "provider/model" ids shown first in the model picker (Ctrl+F there stars one)
favourites = []
recent = []

[keys]
# rebinding: a binding id = "key" or "key1,key2" (F1 shows the keys, the palette the actions), e.g.
# new_chat = "ctrl+t"
'''


def _key_list(value: Any) -> Any:
    """`["ctrl+t", "f5"]` is `"ctrl+t,f5"`, as Textual's keymap writes it."""
    if isinstance(value, list) and all(isinstance(k, str) for k in value):
        value = ",".join(value)
    if not isinstance(value, str):
        return value
    names = [k.strip() for k in value.split(",") if k.strip()]
    if not names or not all(_KEY_NAME.match(k) for k in names):
        raise ValueError(f'{value!r} is not a key like "ctrl+t" or "f5" (or several, comma-separated)')
    return ",".join(names)


KeyList = Annotated[str, BeforeValidator(_key_list)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Alerts(_Section):
    """What an alert does (screens/alerts.py's AlertSettings takes these fields)."""

    bell: bool = True
    desktop: bool = True
    toast: bool = True
    title: bool = True


class ModelLists(_Section):
    favourites: list[str] = Field(default_factory=list)
    recent: list[str] = Field(default_factory=list)


class Settings(_Section):
    server_url: str = ""
    theme: str = DEFAULT_THEME
    thinking: ThinkingLevel = ""
    sidebar_width: int = Field(default=36, ge=16, le=120)
    follow: bool = True
    message_footer: bool = True
    alerts: Alerts = Field(default_factory=Alerts)
    models: ModelLists = Field(default_factory=ModelLists)
    keys: dict[str, KeyList] = Field(default_factory=dict)  # binding id -> "key1,key2"

    def remember_model(self, key: str) -> Settings:
        """`key` ("provider/model") first in the recent list."""
        recent = [key, *(k for k in self.models.recent if k != key)][:MAX_RECENT]
        return self.model_copy(update={"models": self.models.model_copy(update={"recent": recent})})

    def toggle_favourite(self, key: str) -> Settings:
        favourites = list(self.models.favourites)
        if key in favourites:
            favourites.remove(key)
        else:
            favourites.append(key)
        return self.model_copy(update={"models": self.models.model_copy(update={"favourites": favourites})})


class ConfigError(Exception):
    """The file could not be written (or may not be: it did not parse)."""


@dataclass
class ConfigFile:
    """One config file: `load()` it, then `save(settings)` changes back into the same document."""

    path: Path = field(default_factory=default_path)
    problems: list[str] = field(default_factory=list)  # what was wrong with the file, line by line
    writable: bool = True  # False when the file did not parse: it is never overwritten then
    _document: tomlkit.TOMLDocument | None = None
    _saved: Settings = field(default_factory=Settings)

    def load(self) -> Settings:
        self.problems = []
        self.writable = True
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self._document = None
            self._saved = Settings()
            return self._saved
        except (OSError, UnicodeDecodeError) as exc:
            self.writable = False
            self.problems.append(f"{self.path}: cannot be read ({exc}); using the defaults")
            self._saved = Settings()
            return self._saved
        try:
            document = tomlkit.parse(text)
        except ParseError as exc:
            self.writable = False
            self.problems.append(
                f"{self.path}, line {exc.line}: not valid TOML ({_parse_reason(exc)}); using the defaults, "
                "and changes made in the app are not saved until the file is fixed"
            )
            self._saved = Settings()
            return self._saved
        self._document = document
        self._saved = self._validate(document.unwrap(), text)
        return self._saved

    def _validate(self, data: dict[str, Any], text: str) -> Settings:
        """Settings from `data`; every value that does not fit is named (with its line) and dropped."""
        for _ in range(_MAX_REPAIRS):
            try:
                return Settings.model_validate(data)
            except ValidationError as exc:
                for error in exc.errors():
                    loc = tuple(str(part) for part in error["loc"])
                    if not loc:
                        self.problems.append(f"{self.path}: {error['msg']}; using the defaults")
                        return Settings()
                    self.problems.append(self._describe(loc, error, text))
                    _drop(data, loc)
        self.problems.append(f"{self.path}: too many problems; using the defaults")
        return Settings()

    def _describe(self, loc: tuple[str, ...], error: Any, text: str) -> str:
        key = loc[0] if len(loc) == 1 or loc[0] not in ("alerts", "models", "keys") else ".".join(loc[:2])
        line = line_of(text, loc)
        where = f"{self.path}, line {line}" if line else str(self.path)
        if error["type"] == "extra_forbidden":
            if _SECRET_WORDS.search(loc[-1]):
                return (
                    f"{where}: {key} is ignored: secrets never belong in this file "
                    "(API keys go in the system keyring through the app, a server token in MIX_TOKEN)"
                )
            return f"{where}: unknown setting {key} (ignored)"
        message = str(error["msg"]).removeprefix("Value error, ")
        return f"{where}: {key}: {message}; using the default"

    def save(self, settings: Settings) -> None:
        """Write what changed since the last load or save into the document, atomically."""
        if not self.writable:
            raise ConfigError(f"{self.path} is not valid TOML: fix it first, changes are not saved")
        document = self._document if self._document is not None else tomlkit.parse(TEMPLATE)
        _merge(document, settings.model_dump(), self._saved.model_dump())
        _write_atomically(self.path, tomlkit.dumps(document))
        self._document = document
        self._saved = settings


def _parse_reason(exc: ParseError) -> str:
    return re.sub(r"\s+at line \d+ col \d+$", "", str(exc))


def _drop(data: dict[str, Any], loc: tuple[str, ...]) -> None:
    """Remove the value at `loc` (or the nearest key above it that holds it)."""
    node: Any = data
    for depth, part in enumerate(loc):
        if not isinstance(node, dict) or part not in node:
            return
        if depth == len(loc) - 1 or not isinstance(node[part], dict):
            del node[part]
            return
        node = node[part]


def line_of(text: str, loc: tuple[str, ...]) -> int | None:
    """The 1-based line where the key at `loc` is set (`("alerts", "bell")` in `[alerts]`)."""
    table, key = (loc[0], loc[1]) if len(loc) > 1 else (None, loc[0])
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.match(r"^\[\s*([^\]\s]+)\s*\]", line)
        if header:
            current = header.group(1).strip('"')
            continue
        assign = re.match(r'^"?([^"=\s]+)"?\s*=', line)
        if assign is None:
            continue
        name = assign.group(1)
        if current == table and name == key:
            return number
        if table is not None and current is None and name in (table, f"{table}.{key}"):
            return number  # an inline table or a dotted key at the top
    return None


def _merge(document: Any, new: dict[str, Any], old: dict[str, Any]) -> None:
    """Set the keys whose value changed, in place (tables stay tables, comments stay)."""
    for key, value in new.items():
        before = old.get(key)
        if isinstance(value, dict) and key != "keys":
            if key not in document or not isinstance(document[key], dict | Table):
                document[key] = tomlkit.table()
            _merge(document[key], value, before if isinstance(before, dict) else {})
        elif key == "keys":
            if value == before:
                continue
            if key not in document:
                document[key] = tomlkit.table()
            table = document[key]
            for gone in [k for k in table if k not in value]:
                del table[gone]
            for binding_id, keys in value.items():
                if table.get(binding_id) != keys:
                    table[binding_id] = keys
        elif value != before:
            document[key] = value


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        with contextlib.suppress(OSError):
            if path.exists():
                os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


Listener = Callable[[Settings], None]


class SettingsStore:
    """The settings of this run: screens read `current` and `update()` it; the file (when there is
    one) is written on every change, and listeners (the app: theme, keymap ...) apply it."""

    def __init__(self, settings: Settings | None = None, file: ConfigFile | None = None) -> None:
        self.current = settings if settings is not None else Settings()
        self.file = file
        self._listeners: list[Listener] = []

    @classmethod
    def open(cls, path: Path | None = None) -> SettingsStore:
        file = ConfigFile(path or default_path())
        return cls(file.load(), file)

    @property
    def problems(self) -> list[str]:
        return list(self.file.problems) if self.file is not None else []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def update(self, settings: Settings) -> str | None:
        """Apply and save; the reason when it could not be saved (it still applies to this run)."""
        if settings == self.current:
            return None
        self.current = settings
        problem = None
        if self.file is not None:
            try:
                self.file.save(settings)
            except (ConfigError, OSError) as exc:
                problem = f"not saved: {exc}"
        for listener in list(self._listeners):
            listener(settings)
        return problem

    def change(self, **fields: Any) -> str | None:
        """`update` with some fields changed (validated: a bad value raises `ValidationError`)."""
        return self.update(Settings.model_validate({**self.current.model_dump(), **fields}))
