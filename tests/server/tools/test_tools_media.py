"""ReadMedia: images and PDF pages prepared with Pillow/pypdf and handed to the session's model."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from mix_tui.server.media_reader import media_reader
from mix_tui.server.providers.base import Attachment
from mix_tui.server.providers.demo import DemoProvider
from mix_tui.server.tools import ToolContext
from mix_tui.server.tools.base import MediaReadError
from mix_tui.server.tools.read_media import MAX_IMAGE_SIDE, ReadMedia, parse_pages


def make_pdf(path: Path, pages: int) -> None:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    with path.open("wb") as handle:
        writer.write(handle)


class Recorder:
    def __init__(self, answer: str = "a red square") -> None:
        self.calls: list[tuple[str, list[Attachment]]] = []
        self.answer = answer

    async def __call__(self, prompt: str, media: list[Attachment]) -> str:
        self.calls.append((prompt, media))
        return self.answer


def ctx_with(workdir: Path, reader: object) -> ToolContext:
    return ToolContext(workdir=workdir, session_id="s", media_reader=reader)  # type: ignore[arg-type]


async def test_an_image_goes_to_the_model_shrunk_and_the_answer_comes_back(workdir: Path) -> None:
    Image.new("RGB", (4000, 1000), "red").save(workdir / "wide.png")
    reader = Recorder()
    outcome = await ReadMedia().run(
        {"file_path": "wide.png", "media_type": "image", "prompt": "What colour?"}, ctx_with(workdir, reader)
    )
    body = json.loads(outcome.output)
    assert not outcome.is_error
    assert body == {
        "results": [{"file_path": "wide.png", "media_type": "image", "analysis": "a red square"}],
        "summary": "Analysed 1 image.",
    }
    prompt, (sent,) = reader.calls[0]
    assert prompt == "What colour?" and sent.media_type == "image/png"
    with Image.open(io.BytesIO(sent.data)) as image:
        assert image.size == (MAX_IMAGE_SIDE, MAX_IMAGE_SIDE // 4)


async def test_pdf_pages_are_cut_out(workdir: Path) -> None:
    make_pdf(workdir / "doc.pdf", 12)
    reader = Recorder("pages read")
    args = {"file_path": "doc.pdf", "media_type": "pdf", "prompt": "Summarise", "pdf_pages": "1-3,7,10-12"}
    outcome = await ReadMedia().run(args, ctx_with(workdir, reader))
    assert not outcome.is_error
    sent = reader.calls[0][1][0]
    assert sent.media_type == "application/pdf" and len(PdfReader(io.BytesIO(sent.data)).pages) == 7


def test_parse_pages() -> None:
    assert parse_pages("5", 9) == [4]
    assert parse_pages(" 1-3, 7 ,2", 9) == [0, 1, 2, 6]
    for bad in ("0", "3-1", "1-10", "a", "1,,2", ""):
        with pytest.raises(Exception, match="pdf_pages"):
            parse_pages(bad, 9)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"file_path": "clip.mp4", "media_type": "video", "prompt": "x"}, "video is not supported"),
        ({"file_path": "nope.png", "media_type": "image", "prompt": "x"}, "File not found"),
        ({"file_path": "notes.txt", "media_type": "image", "prompt": "x"}, "not an image"),
        ({"file_path": "notes.txt", "media_type": "pdf", "prompt": "x"}, "not a PDF"),
        ({"file_path": "doc.pdf", "media_type": "pdf", "prompt": "x", "pdf_pages": "9"}, "pages 1-2"),
    ],
)
async def test_clear_errors(workdir: Path, args: dict[str, str], expected: str) -> None:
    (workdir / "notes.txt").write_text("hello")
    make_pdf(workdir / "doc.pdf", 2)
    outcome = await ReadMedia().run(args, ctx_with(workdir, Recorder()))
    assert outcome.is_error
    result = json.loads(outcome.output)["results"][0]
    assert expected in result["error"] and result["analysis"] == ""


async def test_no_multimodal_model_is_a_clear_error(workdir: Path) -> None:
    Image.new("RGB", (10, 10)).save(workdir / "a.png")
    outcome = await ReadMedia().run({"file_path": "a.png", "media_type": "image", "prompt": "x"}, ctx_with(workdir, None))
    assert outcome.is_error and "cannot look at media" in outcome.output


async def test_the_demo_reads_what_a_program_can_read(workdir: Path) -> None:
    reader = media_reader(DemoProvider(rate=float("inf")), "demo")
    assert reader is not None
    Image.new("RGB", (300, 200), (30, 60, 200)).save(workdir / "b.png")
    outcome = await ReadMedia().run({"file_path": "b.png", "media_type": "image", "prompt": "what?"}, ctx_with(workdir, reader))
    analysis = json.loads(outcome.output)["results"][0]["analysis"]
    assert "300×200 pixel PNG image (landscape)" in analysis and "closest to blue" in analysis


async def test_provider_errors_become_media_errors() -> None:
    from mix_tui.server.providers.base import CallOptions, ProviderError

    class Blind:
        name = "openai"

        async def stream(self, options: CallOptions):  # type: ignore[no-untyped-def]
            raise ProviderError("this model does not support image input", kind="bad_request")
            yield  # pragma: no cover

    reader = media_reader(Blind(), "gpt-3.5-turbo")  # type: ignore[arg-type]
    assert reader is not None
    with pytest.raises(MediaReadError, match="does not support image input"):
        await reader("x", [Attachment("image/png", b"")])


async def test_the_media_call_is_charged_to_the_session() -> None:
    from mix_tui.server.providers.base import CallOptions, TextDelta, UsageReport

    class Priced:
        name = "openrouter"

        async def stream(self, options: CallOptions):  # type: ignore[no-untyped-def]
            assert options.tools == [] and options.messages[0].attachments
            yield TextDelta("a chart")
            yield UsageReport(input_tokens=1000, output_tokens=10, cost=0.0125)

    charged: list[float] = []

    async def charge(cost: float) -> None:
        charged.append(cost)

    reader = media_reader(Priced(), "x/y", charge)  # type: ignore[arg-type]
    assert reader is not None
    assert await reader("what?", [Attachment("image/png", b"")]) == "a chart"
    assert charged == [0.0125]
