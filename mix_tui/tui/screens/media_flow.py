"""What the chat screen does for files: uploads `@path` attachments, fetches pictures, `/files`.

Pictures are thumbnails from the files API (`?thumb=w640`), fetched and decoded off the UI loop and
kept (a few dozen) so a preview mounted again is not fetched again. `/files` lists the open session's
files in a note; `/files NAME` opens one: a picture in a dialog, a text file's first lines in a note.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

from PIL.Image import Image as PILImage

from mix_tui.sdk.errors import MixError
from mix_tui.tui.session import SessionModel
from mix_tui.tui.session.attachments import mentions, upload, with_attachments
from mix_tui.tui.widgets.media import THUMB, MediaPreview, MediaRef, decode

if TYPE_CHECKING:
    from mix_tui.tui.screens.chat_host import ChatHost

CACHE_SIZE = 48
TEXT_PREVIEW_BYTES = 16 * 1024
TEXT_PREVIEW_LINES = 60
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp")


class MediaFlow:
    def __init__(self, chat: ChatHost, workdir: Path) -> None:
        self.chat = chat
        self.workdir = workdir
        self._pictures: OrderedDict[tuple[str, str, str], PILImage] = OrderedDict()

    async def picture(self, ref: MediaRef, thumb: str = THUMB) -> PILImage:
        """The picture (raises `MixError`, or `OSError`/`ValueError` for bytes that are none)."""
        key = (ref.session_id, ref.name, thumb)
        cached = self._pictures.get(key)
        if cached is not None:
            self._pictures.move_to_end(key)
            return cached
        data = await self.chat.client.files.get(ref.session_id, ref.name, thumb=thumb)
        image = await asyncio.to_thread(decode, data)
        self._pictures[key] = image
        while len(self._pictures) > CACHE_SIZE:
            self._pictures.popitem(last=False)
        return image

    async def show(self, preview: MediaPreview, thumb: str = THUMB) -> None:
        try:
            image = await self.picture(preview.ref, thumb)
        except MixError as exc:
            preview.failed(exc.message)
            return
        except (OSError, ValueError):
            preview.failed("not a picture this client can read")
            return
        await preview.show(image)

    async def attach(self, model: SessionModel, text: str) -> str | None:
        """The prompt with its `@path` files uploaded and listed; None when an upload failed (the
        text goes back to the composer)."""
        paths = mentions(text, self.workdir)
        if not paths:
            return text
        try:
            attached = await upload(self.chat.client, model.session_id, self.workdir, paths)
        except (MixError, OSError, ValueError) as exc:
            reason = exc.message if isinstance(exc, MixError) else str(exc)
            self.chat.composer.put_back(text)
            self.chat.notify(f"not sent: could not attach a file ({reason})", severity="error", markup=False)
            return None
        return with_attachments(text, attached)

    async def files(self, args: str) -> None:
        chat = self.chat
        model = chat.open_model()
        if model is None:
            chat.show_note("No session is open: its files appear once a prompt was sent.", title="/files")
            return
        try:
            listed = [f for f in await chat.client.files.list(model.session_id) if not f.is_dir]
        except MixError as exc:
            chat.show_note(f"could not list the files: {exc.message}", title="/files")
            return
        name = args.strip()
        if not name:
            if not listed:
                chat.show_note("This session has no files yet. Attach one with @path in a prompt.", title="/files")
                return
            width = max(len(f.name) for f in listed)
            lines = [f"{f.name.ljust(width)}  {f.size:>10,} bytes" for f in sorted(listed, key=lambda f: f.name)]
            chat.show_note("\n".join(lines) + "\n\n/files NAME opens one.", title=f"Session files ({len(listed)})")
            return
        match = next((f for f in listed if f.name == name), None)
        if match is None:
            chat.show_note(f"No file {name!r} in this session: /files lists them.", title="/files")
            return
        if match.name.lower().endswith(IMAGE_SUFFIXES):
            from mix_tui.tui.screens.picture import PictureScreen

            chat.app.push_screen(PictureScreen(MediaRef(model.session_id, match.name, match.name), self.show))
            return
        try:
            data = await chat.client.files.get(model.session_id, match.name)
        except MixError as exc:
            chat.show_note(f"could not read {match.name}: {exc.message}", title="/files")
            return
        head = data[:TEXT_PREVIEW_BYTES]
        if b"\0" in head:
            chat.show_note(f"{match.name} is a binary file of {match.size:,} bytes.", title=match.name)
            return
        lines = head.decode("utf-8", "replace").splitlines()
        more = len(lines) > TEXT_PREVIEW_LINES or len(data) > TEXT_PREVIEW_BYTES
        body = "\n".join(lines[:TEXT_PREVIEW_LINES]) + ("\n…" if more else "")
        chat.show_note(body, title=match.name)
