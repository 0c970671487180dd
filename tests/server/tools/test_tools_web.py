"""ReadText on http(s) URLs, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import pytest

from mix_tui.server.tools import ToolContext, web
from mix_tui.server.tools.read_text import ReadText
from tests.server.providers.wire_server import Reply, WireServer

PAGE = b"""<!doctype html><html><head><title>T</title><style>body{color:red}</style>
<script>steal()</script></head><body><h1>Release notes</h1><p>Version <b>2.0</b> adds
<a href="/docs">docs</a>.</p><ul><li>one</li><li>two</li></ul></body></html>"""


def html(body: bytes, status: int = 200) -> Reply:
    return Reply(status, [body], {"content-type": "text/html; charset=utf-8"})


async def test_a_web_page_reads_as_numbered_markdown(ctx: ToolContext) -> None:
    async with WireServer(html(PAGE)) as site:
        outcome = await ReadText().run({"file_path": f"{site.url}/notes"}, ctx)
    assert not outcome.is_error, outcome.output
    assert "# Release notes" in outcome.output and "[docs](/docs)" in outcome.output
    assert "steal()" not in outcome.output and "color:red" not in outcome.output
    assert outcome.output.splitlines()[0] == "     1\t# Release notes"
    assert outcome.metadata is not None and outcome.metadata["file_path"] == f"{site.url}/notes"
    assert outcome.metadata["content"].startswith("# Release notes")
    assert site.requests[0].headers["user-agent"].startswith("mix-tui")


async def test_offset_limit_redirects_and_plain_text(ctx: ToolContext) -> None:
    text = "".join(f"line {n}\n" for n in range(1, 51)).encode()
    async with WireServer(
        Reply(302, [b""], {"location": "/moved"}), Reply(200, [text], {"content-type": "text/plain"})
    ) as site:
        outcome = await ReadText().run({"file_path": f"{site.url}/old", "offset": 10, "limit": 2}, ctx)
    assert outcome.output.splitlines()[:2] == ["    10\tline 10", "    11\tline 11"]
    assert "continue with offset=12" in outcome.output
    assert [r.path for r in site.requests] == ["/old", "/moved"]


async def test_size_limit_stops_reading(ctx: ToolContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web, "MAX_FETCH_BYTES", 1000)
    async with WireServer(Reply(200, [b"x" * 600] * 5, {"content-type": "text/plain"})) as site:
        outcome = await ReadText().run({"file_path": site.url}, ctx)
    assert outcome.is_error and "over the 1000-byte limit" in outcome.output


async def test_time_limit(ctx: ToolContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web, "FETCH_SECONDS", 0.5)
    async with WireServer(Reply(200, [b"partial"], {"content-type": "text/plain"}, hold_open=True)) as site:
        outcome = await ReadText().run({"file_path": site.url}, ctx)
    assert outcome.is_error and "Timed out after 0.5 s" in outcome.output


async def test_errors_and_binary_content(ctx: ToolContext) -> None:
    async with WireServer(
        Reply.json(404, {"error": "nope"}), Reply(200, [b"\x89PNG..."], {"content-type": "image/png"})
    ) as site:
        missing = await ReadText().run({"file_path": f"{site.url}/gone"}, ctx)
        image = await ReadText().run({"file_path": f"{site.url}/a.png"}, ctx)
    assert missing.is_error and "HTTP 404" in missing.output
    assert image.is_error and "ReadMedia" in image.output


def test_every_fetch_asks(ctx: ToolContext) -> None:
    need = ReadText().permission({"file_path": "https://example.com/x"}, ctx)
    assert need is not None and need.action == "fetch" and need.params == {"url": "https://example.com/x"}
