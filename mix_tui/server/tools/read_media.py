"""ReadMedia: the session's model looks at an image or PDF pages and answers a prompt about them.

Parameters and answer are the SDK's `ReadMediaParams` / `ReadMediaResponse`
(`{"results": [{file_path, media_type, analysis, error?}], "summary"}` as JSON text). Images are
checked and shrunk with Pillow (a 4000-pixel photo costs the model far more than it shows);
`pdf_pages` ("5", "1-3,7,10-12") is cut out with pypdf. Audio and video are refused with a clear
error: no provider this server speaks to takes them in a chat message.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError

from ..providers.base import Attachment
from . import web
from .base import MediaReadError, PermissionNeed, ToolContext, ToolOutcome
from .paths import is_inside, outside_read_need, resolve_path

MAX_MEDIA_BYTES = 20 * 1024 * 1024
MAX_IMAGE_SIDE = 1568  # what Anthropic and OpenAI resize to anyway; larger only costs tokens
MAX_PDF_PAGES = 100
_SENT_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
_PAGES = re.compile(r"^\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*$")


class MediaError(Exception):
    """The file cannot be sent as asked; the message is for the model."""


def parse_pages(spec: str, count: int) -> list[int]:
    """0-based page indexes for "5" / "1-3,7,10-12" (1-based, inclusive), in the order given."""
    if not _PAGES.match(spec):
        raise MediaError(f"Invalid pdf_pages '{spec}': expected pages like '5' or '1-3,7,10-12'")
    pages: list[int] = []
    for part in spec.split(","):
        first, _, last = part.partition("-")
        start, end = int(first), int(last or first)
        if start < 1 or end < start or end > count:
            raise MediaError(f"Invalid pdf_pages '{spec}': the document has pages 1-{count}")
        pages.extend(p - 1 for p in range(start, end + 1) if p - 1 not in pages)
    if len(pages) > MAX_PDF_PAGES:
        raise MediaError(f"{len(pages)} pages asked for; at most {MAX_PDF_PAGES} at a time")
    return pages


def prepare_image(data: bytes, name: str) -> Attachment:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            fmt = image.format or ""
            if max(image.size) <= MAX_IMAGE_SIDE and fmt in _SENT_FORMATS:
                return Attachment(_SENT_FORMATS[fmt], data, name)
            shrunk = image.copy()
            shrunk.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE), Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as exc:
        raise MediaError(f"{name} is not an image that can be read ({exc})") from None
    out = io.BytesIO()
    if fmt == "JPEG":
        shrunk.convert("RGB").save(out, format="JPEG", quality=90)
        return Attachment("image/jpeg", out.getvalue(), name)
    shrunk.save(out, format="PNG")
    return Attachment("image/png", out.getvalue(), name)


def prepare_pdf(data: bytes, name: str, pages: str | None) -> Attachment:
    try:
        reader = PdfReader(io.BytesIO(data))
        count = len(reader.pages)
    except (PdfReadError, ValueError, OSError) as exc:
        raise MediaError(f"{name} is not a PDF that can be read ({exc})") from None
    if not pages:
        if count > MAX_PDF_PAGES:
            raise MediaError(f"{name} has {count} pages; pick at most {MAX_PDF_PAGES} with pdf_pages")
        return Attachment("application/pdf", data, name)
    writer = PdfWriter()
    for index in parse_pages(pages, count):
        writer.add_page(reader.pages[index])
    out = io.BytesIO()
    writer.write(out)
    return Attachment("application/pdf", out.getvalue(), name)


class ReadMedia:
    name = "ReadMedia"
    description = (
        "Look at an image or a PDF (a file path or an http(s) URL) and answer `prompt` about it; "
        "the answer comes from the session's own model.\n"
        "- media_type: image or pdf (audio and video are not supported here).\n"
        "- pdf_pages picks pages, 1-based: '5' or '1-3,7,10-12' (at most 100 pages).\n"
        '- Returns JSON: {"results": [{"file_path", "media_type", "analysis", "error"?}], "summary"}.'
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "file_path": {"type": "string", "minLength": 1, "description": "Path or http(s) URL of the media."},
            "media_type": {"type": "string", "enum": ["image", "audio", "video", "pdf"]},
            "prompt": {"type": "string", "minLength": 1, "description": "What to find out about the media."},
            "pdf_pages": {"type": "string", "description": "PDF only: pages like '5' or '1-3,7,10-12'."},
            "video_interval": {"type": "string", "description": "Video only: e.g. '00:20:50-00:26:10'."},
        },
        "required": ["file_path", "media_type", "prompt"],
        "additionalProperties": False,
    }

    def permission(self, args: dict[str, Any], ctx: ToolContext) -> PermissionNeed | None:
        raw = str(args.get("file_path", ""))
        if web.is_url(raw):
            return PermissionNeed(description=f"Fetch URL: {raw}", action="fetch", path="", params={"url": raw})
        path = resolve_path(raw, ctx.workdir)
        return None if is_inside(path, ctx.workdir) else outside_read_need(path, "Read media", {"file_path": str(path)})

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        raw, kind = str(args["file_path"]).strip(), str(args["media_type"])
        try:
            if kind in ("audio", "video"):
                raise MediaError(f"{kind} is not supported by this server: ReadMedia reads images and PDF pages")
            if ctx.media_reader is None:
                raise MediaError("the session's model cannot look at media; switch to a multimodal model")
            data, name = await self._load(raw, ctx)
            if kind == "image":
                attachment = await asyncio.to_thread(prepare_image, data, name)
            else:
                attachment = await asyncio.to_thread(prepare_pdf, data, name, args.get("pdf_pages"))
            analysis = await ctx.media_reader(str(args["prompt"]), [attachment])
        except (MediaError, MediaReadError) as exc:
            return _answer(raw, kind, "", str(exc))
        return _answer(raw, kind, analysis, None)

    async def _load(self, raw: str, ctx: ToolContext) -> tuple[bytes, str]:
        if web.is_url(raw):
            try:
                fetched = await web.fetch(raw, max_bytes=MAX_MEDIA_BYTES)
            except web.FetchError as exc:
                raise MediaError(str(exc)) from None
            return fetched.data, raw.rsplit("/", 1)[-1] or "download"
        path = resolve_path(raw, ctx.workdir)
        return await asyncio.to_thread(_read_file, path), path.name


def _read_file(path: Path) -> bytes:
    try:
        if not path.is_file():
            raise MediaError(f"File not found: {path}")
        size = path.stat().st_size
        if size > MAX_MEDIA_BYTES:
            raise MediaError(f"{path} is {size} bytes, over the {MAX_MEDIA_BYTES}-byte limit")
        return path.read_bytes()
    except OSError as exc:
        raise MediaError(f"Cannot read {path}: {exc.strerror or exc}") from None


def _answer(file_path: str, kind: str, analysis: str, error: str | None) -> ToolOutcome:
    result: dict[str, Any] = {"file_path": file_path, "media_type": kind, "analysis": analysis}
    if error:
        result["error"] = error
    summary = f"Could not analyse the {kind}: {error}" if error else f"Analysed 1 {kind}."
    body = {"results": [result], "summary": summary}
    return ToolOutcome(json.dumps(body, ensure_ascii=False), is_error=error is not None)
