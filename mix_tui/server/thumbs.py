"""Thumbnails for `GET /api/sessions/{id}/files/{name}?thumb=`: N (fits an N×N box), wN (width N),
hN (height N); aspect ratio kept, never enlarged, EXIF rotation applied. Made with Pillow and
cached beside the session's files (keyed by the source's size and mtime, so an overwrite is seen).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIDE = 4096
_SPEC = re.compile(r"^(w|h)?(\d{1,5})$")
_KEEP_FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}


class ThumbError(ValueError):
    """A bad `thumb` value or a file that cannot be thumbnailed (-> 400)."""


@dataclass(frozen=True, slots=True)
class ThumbSpec:
    width: int | None
    height: int | None

    @property
    def label(self) -> str:
        if self.width and self.height:
            return str(self.width)
        return f"w{self.width}" if self.width else f"h{self.height}"


def parse_spec(value: str) -> ThumbSpec:
    match = _SPEC.match(value.strip())
    if not match:
        raise ThumbError(f"Invalid thumb '{value}': expected N, wN or hN (pixels), e.g. thumb=200 or thumb=w320")
    kind, number = match.group(1), int(match.group(2))
    if not 1 <= number <= MAX_SIDE:
        raise ThumbError(f"Invalid thumb '{value}': the size must be between 1 and {MAX_SIDE} pixels")
    if kind == "w":
        return ThumbSpec(number, None)
    if kind == "h":
        return ThumbSpec(None, number)
    return ThumbSpec(number, number)


def thumbnail(source: Path, spec: ThumbSpec, cache_dir: Path) -> tuple[Path, str]:
    """(the cached thumbnail file, its media type). Blocking: call through asyncio.to_thread."""
    info = source.stat()
    key = hashlib.sha256(f"{source.name}\0{info.st_size}\0{info.st_mtime_ns}\0{spec.label}".encode()).hexdigest()[:32]
    for ext, media in _KEEP_FORMATS.values():
        cached = cache_dir / f"{key}.{ext}"
        if cached.exists():
            return cached, media
    try:
        with Image.open(source) as image:
            image.load()
            fmt = image.format or ""
            shrunk = _fit(ImageOps.exif_transpose(image), spec)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as exc:
        raise ThumbError(f"Cannot make a thumbnail of '{source.name}': not an image Pillow can read ({exc})") from None
    ext, media = _KEEP_FORMATS.get(fmt, _KEEP_FORMATS["PNG"])
    if ext == "jpg" and shrunk.mode not in ("RGB", "L"):
        shrunk = shrunk.convert("RGB")
    cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = cache_dir / f"{key}.{ext}"
    partial = target.with_suffix(f".{os.getpid()}.part")
    shrunk.save(partial, format="JPEG" if ext == "jpg" else ext.upper())
    os.replace(partial, target)  # concurrent requests for the same thumbnail never see half a file
    return target, media


def _fit(image: Image.Image, spec: ThumbSpec) -> Image.Image:
    width, height = image.size
    box_w = spec.width or width
    box_h = spec.height or height
    if spec.width and not spec.height:
        box_h = max(1, round(height * spec.width / width))
    elif spec.height and not spec.width:
        box_w = max(1, round(width * spec.height / height))
    copy = image.copy()
    copy.thumbnail((box_w, box_h), Image.Resampling.LANCZOS)  # keeps the aspect ratio, never enlarges
    return copy
