"""Export the open session to a file: JSON (the server's own export, as it sent it) or Markdown (the
transcript, session/export_md.py). The path is the user's: typed after the command, or confirmed in
a box that proposes the working directory and a name made from the title. An existing file is
replaced only after a yes; files are written off the UI thread."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from rich.text import Text

from mix_tui.sdk.errors import MixError
from mix_tui.tui.screens.ask import AskScreen
from mix_tui.tui.screens.confirm import ConfirmScreen
from mix_tui.tui.session import SessionModel
from mix_tui.tui.session.export_md import file_stem, session_markdown

if TYPE_CHECKING:
    from mix_tui.tui.screens.chat_host import ChatHost

Format = Literal["md", "json"]
_FORMATS: dict[str, Format] = {"md": "md", "markdown": "md", "json": "json"}
_NAMES = {"md": "Markdown", "json": "JSON"}
USAGE = "Usage: /export md [PATH] or /export json [PATH] (without a path, a box proposes one)."


def write_file(path: Path, data: bytes, *, replace: bool) -> None:
    """Blocking. Without `replace`, an existing file raises FileExistsError (checked by the OS at
    creation, so a file made meanwhile is not overwritten either)."""
    with path.open("wb" if replace else "xb") as out:
        out.write(data)


def _size(count: int) -> str:
    return f"{count} bytes" if count < 1024 else f"{count / 1024:.1f} KB"


class ExportFlow:
    def __init__(self, chat: ChatHost, directory: Path) -> None:
        self.chat = chat
        self.directory = directory

    async def command(self, args: str) -> None:
        """`/export md [PATH]`, `/export json [PATH]`."""
        words = args.strip().split(maxsplit=1)
        fmt = _FORMATS.get(words[0].lower()) if words else None
        if fmt is None:
            self.chat.show_note(USAGE, title="/export")
            return
        await self.start(fmt, words[1].strip() if len(words) > 1 else "")

    async def start(self, fmt: Format, path: str = "") -> None:
        model = self.chat.open_model()
        if model is None or not model.history:
            self.chat.show_note("Nothing to export yet: this chat has no stored messages.", title="Export")
            return
        default = self.directory / f"{file_stem(model.session.title if model.session else '')}.{fmt}"
        if path:
            await self._checked(model, fmt, self._resolve(path, default.name))
            return

        def answered(typed: str | None) -> None:
            if typed:
                self.chat.run_worker(self._checked(model, fmt, self._resolve(typed, default.name)), exit_on_error=False)

        question = f"Save the transcript as {_NAMES[fmt]} to:"
        self.chat.app.push_screen(AskScreen(f"Export as {_NAMES[fmt]}", question, str(default)), answered)

    def _resolve(self, typed: str, name: str) -> Path:
        path = Path(typed).expanduser()
        if not path.is_absolute():
            path = self.directory / path
        return path / name if path.is_dir() else path

    async def _checked(self, model: SessionModel, fmt: Format, path: Path) -> None:
        if not await asyncio.to_thread(path.exists):
            await self._write(model, fmt, path, replace=False)
            return

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self.chat.run_worker(self._write(model, fmt, path, replace=True), exit_on_error=False)
            else:
                model.add_note(f"Not exported: {path} exists and was kept.", title="Export")

        question = Text("The file ")
        question.append(str(path), "bold")
        question.append(" exists. Replace it?")
        self.chat.app.push_screen(ConfirmScreen(question, confirm_label="Replace"), answered)

    async def _write(self, model: SessionModel, fmt: Format, path: Path, *, replace: bool) -> None:
        try:
            data = await self._content(model, fmt)
        except MixError as exc:
            model.add_note(f"Not exported: the server's export failed ({exc.message}).", title="Export")
            return
        try:
            await asyncio.to_thread(write_file, path, data, replace=replace)
        except FileExistsError:
            await self._checked(model, fmt, path)  # made meanwhile: ask about it
            return
        except OSError as exc:
            model.add_note(f"Not exported: could not write {path} ({exc.strerror or exc}).", title="Export")
            return
        running = " A turn was still running: the file holds its answer as stored so far." if model.running else ""
        model.add_note(f"Exported as {_NAMES[fmt]} to {path} ({_size(len(data))}).{running}", title="Export")
        self.chat.notify(f"Saved {path.name}", title="Export")

    async def _content(self, model: SessionModel, fmt: Format) -> bytes:
        if fmt == "json":
            raw = await self.chat.client.sessions.export_json(model.session_id)
            try:  # indented for reading; every field the server sent is kept
                return (json.dumps(json.loads(raw), indent=2, ensure_ascii=False) + "\n").encode()
            except ValueError:
                return raw
        now = datetime.now(UTC).astimezone()
        return session_markdown(model.session, model.history, now, model.timeline.observed).encode()
