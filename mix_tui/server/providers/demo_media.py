"""What the offline demo "sees" in media: facts a program can read, stated plainly.

No AI is involved: an image is described by its size, format and average colour (Pillow), a PDF by
its page count and the first words of each page's text (pypdf). Deterministic, so tests and
first-time users get the same answer every time.
"""

from __future__ import annotations

import io

from PIL import Image, ImageStat, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from mix_tui.server.providers.base import Attachment

_COLOURS = {
    "black": (0, 0, 0), "white": (255, 255, 255), "grey": (128, 128, 128), "red": (220, 30, 30),
    "green": (30, 160, 60), "blue": (30, 60, 200), "yellow": (230, 210, 40), "orange": (240, 140, 20),
    "purple": (130, 50, 160), "brown": (120, 80, 40), "pink": (240, 150, 190), "cyan": (40, 200, 210),
}  # fmt: skip
PAGE_WORDS = 12


def _colour_name(rgb: tuple[float, ...]) -> str:
    return min(_COLOURS, key=lambda n: sum((a - b) ** 2 for a, b in zip(rgb, _COLOURS[n], strict=False)))


def describe_image(attachment: Attachment) -> str:
    try:
        with Image.open(io.BytesIO(attachment.data)) as image:
            width, height = image.size
            mean = ImageStat.Stat(image.convert("RGB")).mean
            fmt = image.format or attachment.media_type
    except (UnidentifiedImageError, OSError) as exc:
        return f"{attachment.name or 'The image'} could not be opened ({exc})."
    shape = "square" if width == height else "landscape" if width > height else "portrait"
    return (
        f"{attachment.name or 'The image'} is a {width}×{height} pixel {fmt} image ({shape}); "
        f"its average colour is closest to {_colour_name(tuple(mean))}."
    )


def describe_pdf(attachment: Attachment) -> str:
    try:
        reader = PdfReader(io.BytesIO(attachment.data))
        pages = reader.pages
        lines = [f"{attachment.name or 'The PDF'} has {len(pages)} page{'s' if len(pages) != 1 else ''}."]
        for number, page in enumerate(pages, start=1):
            words = (page.extract_text() or "").split()
            shown = " ".join(words[:PAGE_WORDS]) + (" …" if len(words) > PAGE_WORDS else "")
            lines.append(f"- page {number}: {shown or '(no text)'}")
    except (PdfReadError, ValueError, OSError) as exc:
        return f"{attachment.name or 'The PDF'} could not be read ({exc})."
    return "\n".join(lines)


def describe(attachments: list[Attachment], prompt: str) -> str:
    parts = [describe_image(a) if a.is_image else describe_pdf(a) for a in attachments]
    return (
        "\n\n".join(parts)
        + f"\n\n(The offline demo cannot really see; it reports what a program can read. You asked: {prompt.strip()})"
    )
