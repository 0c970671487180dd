"""Session files under `<data-dir>/sessions/<id>/files`: list, upload (multipart), get, delete.

Multipart is parsed with the standard library's email parser: one small form, no extra dependency.
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
import re
from collections.abc import AsyncIterator
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from email.utils import formatdate
from pathlib import Path
from stat import S_ISREG
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from mix_tui.protocol.models import FileInfo
from mix_tui.server import thumbs
from mix_tui.server.http import ApiError, base_url, not_found, runtime, wire

MAX_UPLOAD = 32 * 1024 * 1024
READ_CHUNK = 256 * 1024
_UNSAFE = re.compile(r"[\x00-\x1f/\\]")


async def _folder(request: Request) -> tuple[str, Path]:
    rt = runtime(request)
    sid = request.path_params["id"]
    if await rt.store.run(rt.store.get_session, sid) is None:
        raise not_found("Session", sid)
    return sid, rt.config.files_dir(sid)


def _info(request: Request, sid: str, path: Path) -> FileInfo:
    stat = path.stat()
    return FileInfo(
        name=path.name,
        size=stat.st_size,
        modified=int(stat.st_mtime),
        is_dir=path.is_dir(),
        url=f"{base_url(request)}/api/sessions/{sid}/files/{quote(path.name)}",
    )


def _safe_name(raw: str) -> str:
    """A plain file name inside the folder: no separators, no dot-names, whitespace as `_` (as Mix)."""
    name = re.sub(r"\s+", "_", Path(raw.replace("\\", "/")).name.strip())
    if not name or name in (".", "..") or name.startswith(".") or _UNSAFE.search(name):
        raise ApiError(400, f"Invalid file name '{raw}'")
    return name


def _target(folder: Path, raw: str) -> Path:
    if "/" in raw or "\\" in raw or raw in (".", "..") or _UNSAFE.search(raw):
        raise ApiError(400, f"Invalid file name '{raw}': the path escapes the session folder")
    path = folder / raw
    if path.resolve().parent != folder.resolve():
        raise ApiError(400, f"Invalid file name '{raw}': the path escapes the session folder")
    return path


async def list_files(request: Request) -> Response:
    sid, folder = await _folder(request)

    def collect() -> list[FileInfo]:
        found: list[FileInfo] = []
        try:
            for path in sorted(folder.iterdir()):
                try:
                    found.append(_info(request, sid, path))
                except FileNotFoundError:
                    continue  # deleted while we listed
        except (FileNotFoundError, NotADirectoryError):
            return []  # no folder yet, or the session is being deleted
        return found

    return wire(await asyncio.to_thread(collect))


def _file_part(content_type: str, body: bytes) -> tuple[str, bytes]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ApiError(400, "Expected a multipart/form-data body with a part named 'file'")
    for part in message.iter_parts():
        assert isinstance(part, Message)
        if part.get_param("name", header="content-disposition") == "file":
            filename = part.get_filename()
            if not filename:
                raise ApiError(400, "The 'file' part has no filename")
            payload = part.get_payload(decode=True)
            return str(filename), payload if isinstance(payload, bytes) else b""
    raise ApiError(400, "No part named 'file' in the upload")


async def upload(request: Request) -> Response:
    sid, folder = await _folder(request)
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise ApiError(400, "Expected multipart/form-data with a part named 'file'")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_UPLOAD + 64 * 1024:
        raise ApiError(413, "File too large (max 32MB)")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_UPLOAD + 64 * 1024:
            raise ApiError(413, "File too large (max 32MB)")
    filename, data = _file_part(content_type, bytes(body))
    if len(data) > MAX_UPLOAD:
        raise ApiError(413, "File too large (max 32MB)")
    name = _safe_name(filename)

    def save() -> FileInfo:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_bytes(data)
        info = _info(request, sid, path)
        if name != filename:
            info.original_name = filename
        return info

    try:
        saved = await asyncio.to_thread(save)
    except FileNotFoundError:  # the session was deleted (its folder removed) while this upload ran
        raise not_found("Session", sid) from None
    return wire(saved, 201)


async def get_file(request: Request) -> Response:
    _, folder = await _folder(request)
    path = _target(folder, request.path_params["filename"])
    if not path.is_file():
        raise ApiError(404, f"File '{path.name}' not found")
    thumb = request.query_params.get("thumb")
    if thumb is not None:
        spec = _thumb_spec(thumb)
        _check_time(request.query_params.get("time"))
        cache = runtime(request).config.sessions_dir / request.path_params["id"] / "thumbs"
        try:
            small, media = await asyncio.to_thread(thumbs.thumbnail, path, spec, cache)
        except thumbs.ThumbError as exc:
            raise ApiError(400, str(exc)) from None
        except (FileNotFoundError, NotADirectoryError):  # no such file, or deleted with its session meanwhile
            raise ApiError(404, f"File '{path.name}' not found") from None
        return await _open_file(small, media, {"Cache-Control": "private, max-age=3600"})
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return await _open_file(path, media)


async def _open_file(path: Path, media: str, headers: dict[str, str] | None = None) -> Response:
    """The file streamed from a handle opened before the answer starts: a delete racing the GET
    (the session's folder removed) is a clean 404, never a response cut off after its headers."""
    try:
        handle = await asyncio.to_thread(path.open, "rb")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        raise ApiError(404, f"File '{path.name}' not found") from None
    stat = os.fstat(handle.fileno())
    if not S_ISREG(stat.st_mode):
        handle.close()
        raise ApiError(404, f"File '{path.name}' not found")

    async def chunks() -> AsyncIterator[bytes]:
        try:
            while data := await asyncio.to_thread(handle.read, READ_CHUNK):
                yield data
        finally:
            handle.close()

    sent = {"content-length": str(stat.st_size), "last-modified": formatdate(stat.st_mtime, usegmt=True), **(headers or {})}
    return StreamingResponse(chunks(), media_type=media, headers=sent)


def _thumb_spec(value: str) -> thumbs.ThumbSpec:
    try:
        return thumbs.parse_spec(value)
    except thumbs.ThumbError as exc:
        raise ApiError(400, str(exc)) from None


def _check_time(value: str | None) -> None:
    """`time` (seconds, 0-86400) picks a video frame; images ignore it, but a bad value is still a 400."""
    if value is None:
        return
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 86400:
        raise ApiError(400, f"Invalid time '{value}': expected seconds between 0 and 86400")


async def delete_file(request: Request) -> Response:
    _, folder = await _folder(request)
    path = _target(folder, request.path_params["filename"])
    if path.is_dir():
        raise ApiError(400, "Directories cannot be deleted")
    try:
        await asyncio.to_thread(path.unlink)
    except (FileNotFoundError, NotADirectoryError):  # never there, or gone with its session meanwhile
        raise ApiError(404, f"File '{path.name}' not found") from None
    return Response(status_code=204)


ROUTES = [
    Route("/api/sessions/{id}/files", list_files, methods=["GET"]),
    Route("/api/sessions/{id}/files/upload", upload, methods=["POST"]),
    Route("/api/sessions/{id}/files/{filename}", get_file, methods=["GET"]),
    Route("/api/sessions/{id}/files/{filename}", delete_file, methods=["DELETE"]),
]
