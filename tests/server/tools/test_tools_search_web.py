"""Search against a local server speaking the Brave Search API's documented wire format."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from mix_tui import secrets
from mix_tui.server.tools import ToolContext, all_tools
from mix_tui.server.tools.web_search import Search
from tests.server.providers.wire_server import Reply, WireServer

KEY = "BSAtest0123456789abcdefghijkl"

WEB = {
    "type": "search",
    "query": {"original": "textual tui", "more_results_available": True},
    "web": {
        "type": "search",
        "family_friendly": True,
        "results": [
            {"title": "Textual", "url": "https://textual.textualize.io/", "description": "A TUI framework",
             "is_source_local": False, "meta_url": {"scheme": "https", "netloc": "textual.textualize.io",
             "hostname": "textual.textualize.io", "favicon": "https://x/f.png", "path": ""}},
            {"title": "Spam", "url": "https://www.spam.example/x", "description": "buy"},
            {"title": "Docs", "url": "https://docs.textualize.io/guide", "description": "Guide"},
        ],
    },
}  # fmt: skip

IMAGES = {
    "type": "images",
    "query": {"original": "cat"},
    "results": [
        {"type": "image_result", "title": "A cat", "url": "https://pics.example/cat", "source": "pics.example",
         "page_fetched": "2025-01-01T00:00:00Z", "thumbnail": {"src": "https://imgs.search.brave.com/t.jpg",
         "width": 500}, "properties": {"url": "https://pics.example/cat.jpg", "placeholder": "https://p/ph.jpg",
         "width": 1200}, "confidence": "high"},
    ],
}  # fmt: skip

VIDEOS = {
    "type": "videos",
    "results": [
        {"type": "video_result", "url": "https://video.example/v1", "title": "Talk", "description": "LLMs",
         "age": "March 1, 2024", "page_age": "2024-03-01T00:00:00", "video": {"duration": "1:02:03",
         "views": 1234, "creator": "K", "publisher": "Video"}, "thumbnail": {"src": "https://t/v.jpg",
         "original": "https://o/v.jpg"}, "meta_url": {"scheme": "https", "netloc": "video.example",
         "hostname": "video.example", "favicon": "", "path": "› v1"}},
    ],
}  # fmt: skip


@pytest.fixture
def brave_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("BRAVE_API_KEY", KEY)
    yield


def query_of(seen: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(seen.path).query)


async def test_web_search_wire_and_documented_shape(ctx: ToolContext, brave_key: None) -> None:
    async with WireServer(Reply.json(200, WEB)) as brave:
        outcome = await Search(base_url=f"{brave.url}/res/v1").run(
            {"query": "textual tui", "blocked_domains": ["spam.example"]}, ctx
        )
    assert not outcome.is_error, outcome.output
    seen = brave.requests[0]
    assert urlsplit(seen.path).path == "/res/v1/web/search"
    assert seen.headers["x-subscription-token"] == KEY and seen.headers["accept"] == "application/json"
    params = query_of(seen)
    assert params["q"] == ["textual tui -site:spam.example"]
    assert params["safesearch"] == ["strict"] and params["spellcheck"] == ["1"] and params["count"] == ["10"]
    body = json.loads(outcome.output)
    assert body["type"] == "search" and body["web"]["type"] == "search"
    assert [r["title"] for r in body["web"]["results"]] == ["Textual", "Docs"]
    assert set(body["web"]["results"][0]) == {"title", "url", "description"}
    assert outcome.metadata == {"search_type": "web", "results": 2}


async def test_allowed_domains_are_asked_for_and_enforced(ctx: ToolContext, brave_key: None) -> None:
    async with WireServer(Reply.json(200, WEB)) as brave:
        outcome = await Search(base_url=brave.url).run(
            {"query": "textual", "allowed_domains": ["textualize.io"], "spellcheck": False, "safesearch": "off"}, ctx
        )
    params = query_of(brave.requests[0])
    assert params["q"] == ["textual (site:textualize.io)"] and params["spellcheck"] == ["0"]
    assert params["safesearch"] == ["off"]
    urls = [r["url"] for r in json.loads(outcome.output)["web"]["results"]]
    assert urls == ["https://textual.textualize.io/", "https://docs.textualize.io/guide"]


async def test_image_and_video_search(ctx: ToolContext, brave_key: None) -> None:
    async with WireServer(Reply.json(200, IMAGES), Reply.json(200, VIDEOS)) as brave:
        tool = Search(base_url=brave.url)
        images = json.loads((await tool.run({"query": "cat", "search_type": "images", "safesearch": "moderate"}, ctx)).output)
        videos = json.loads((await tool.run({"query": "llm talk", "search_type": "videos"}, ctx)).output)
    assert [urlsplit(r.path).path for r in brave.requests] == ["/images/search", "/videos/search"]
    assert query_of(brave.requests[0])["safesearch"] == ["strict"]  # images know only strict/off
    image = images["results"][0]
    assert images["type"] == "images" and image["type"] == "image_result"
    assert image["thumbnail"] == {"src": "https://imgs.search.brave.com/t.jpg"}
    assert image["properties"] == {"url": "https://pics.example/cat.jpg", "placeholder": "https://p/ph.jpg"}
    assert image["source"] == "pics.example" and image["confidence"] == "high"
    video = videos["results"][0]
    assert videos["type"] == "videos" and video["properties"]["duration"] == "1:02:03"
    assert video["properties"]["views"] == "1234" and video["meta_url"]["hostname"] == "video.example"


async def test_missing_and_rejected_keys(ctx: ToolContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRAVE_API_KEY", raising=False)
    monkeypatch.setattr(secrets, "get_api_key", lambda provider: None)
    missing = await Search(base_url="http://127.0.0.1:9").run({"query": "x y"}, ctx)
    assert missing.is_error and "Brave Search API key" in missing.output
    monkeypatch.setattr(secrets, "get_api_key", lambda provider: KEY if provider == "brave" else None)
    async with WireServer(Reply.json(401, {"error": "bad token"}), Reply.json(429, {})) as brave:
        rejected = await Search(base_url=brave.url).run({"query": "x y"}, ctx)
        limited = await Search(base_url=brave.url).run({"query": "x y"}, ctx)
    assert rejected.is_error and "rejected the API key" in rejected.output and KEY not in rejected.output
    assert limited.is_error and "rate limit" in limited.output


def test_registered_without_a_permission_prompt(ctx: ToolContext) -> None:
    assert "Search" in all_tools()
    assert Search().permission({"query": "anything"}, ctx) is None
