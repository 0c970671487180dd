"""The new tools through the real agent loop: the demo model's directives, real HTTP, real files."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from mix_tui.server.tools.web_search import Search
from tests.server.conftest import Harness
from tests.server.providers.wire_server import Reply, WireServer
from tests.server.sse import Frame


async def run_turn(mix: Harness, text: str, *, grant: bool = False) -> list[Frame]:
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, text)
    if grant:
        prompt = await stream.event("permission")
        await mix.client.post(f"/api/permissions/{prompt.data['id']}/grant")
    frames = await stream.turn()
    assert frames[-1].event == "complete", frames[-1]
    return frames


def tool_result(frames: list[Frame]) -> Frame:
    return next(f for f in frames if f.event == "tool_execution_complete")


async def test_python_directive_runs_sandboxed_code(mix: Harness) -> None:
    frames = await run_turn(mix, "python\n```\nimport os\nprint(sum(range(10)), 'OPENAI_API_KEY' in os.environ)\n```", grant=True)
    done = tool_result(frames)
    assert done.data["toolName"] == "python_execution" and done.data["success"] is True
    assert json.loads(done.data["result"]) == {
        "type": "code_execution_result", "stdout": "45 False", "stderr": "", "return_code": 0,
    }  # fmt: skip
    assert "45 False" in frames[-1].data["content"]  # the demo's summary quotes the output


async def test_fetch_directive_reads_a_page(mix: Harness) -> None:
    page = Reply(200, [b"<html><body><h1>Hello page</h1><p>Body text</p></body></html>"], {"content-type": "text/html"})
    async with WireServer(page) as site:
        frames = await run_turn(mix, f"fetch {site.url}/p", grant=True)
    result = tool_result(frames).data["result"]
    assert "# Hello page" in result and "Body text" in result


async def test_look_directive_reads_an_image_through_the_session_model(mix: Harness) -> None:
    Image.new("RGB", (120, 80), (220, 30, 30)).save(mix.srv.config.workdir / "red.png")
    frames = await run_turn(mix, "look red.png")  # inside the workdir: no prompt
    body = json.loads(tool_result(frames).data["result"])
    analysis = body["results"][0]["analysis"]
    assert "120×80 pixel PNG image" in analysis and "closest to red" in analysis


async def test_search_directive_uses_the_brave_key(mix: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    answer = {"type": "search", "web": {"type": "search", "results": [
        {"title": "Textual", "url": "https://textual.textualize.io/", "description": "TUI framework"}]}}  # fmt: skip
    async with WireServer(Reply.json(200, answer)) as brave:
        mix.srv.runtime.tools["Search"] = Search(base_url=brave.url)
        stored = await mix.client.post("/api/auth/api-key", json={"provider": "brave", "api_key": "BSA" + "z" * 28})
        assert stored.status_code == 200
        frames = await run_turn(mix, "search textual tui")
    body = json.loads(tool_result(frames).data["result"])
    assert body["web"]["results"][0]["title"] == "Textual"
    assert brave.requests[0].headers["x-subscription-token"] == "BSA" + "z" * 28


async def test_show_directive_publishes_the_file_for_every_client(mix: Harness) -> None:
    Image.new("RGB", (64, 32), "blue").save(mix.srv.config.workdir / "plot.png")
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "show plot.png")
    frames = await stream.turn()
    assert tool_result(frames).data["success"] is True
    files = (await mix.client.get(f"/api/sessions/{sid}/files")).json()
    assert [f["name"] for f in files] == ["plot.png"]
    thumb = await mix.client.get(f"/api/sessions/{sid}/files/plot.png", params={"thumb": "w16"})
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/png"


async def test_tool_metadata_reaches_the_event_history_and_export(mix: Harness) -> None:
    for name in ("a.py", "b.py"):
        (mix.srv.config.workdir / name).write_text("x = 1\n")
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "glob *.py")
    frames = await stream.turn()
    expected = {"number_of_files": 2, "truncated": False}
    assert tool_result(frames).data["metadata"] == expected
    history = await mix.messages(sid)
    call = next(m for m in history if m.get("toolCalls"))["toolCalls"][0]
    assert call["metadata"] == expected
    exported = (await mix.client.get(f"/api/sessions/{sid}/export")).json()
    calls = [c for m in exported["messages"] for c in (m.get("toolCalls") or [])]
    assert calls[0]["metadata"] == expected
