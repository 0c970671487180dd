"""Search: web, image and video search through the Brave Search API (key `brave`, keyring or env).

The answer is JSON in the shapes the Mix SDK documents (`BraveSearchResponse`,
`ImageSearchResponse`, `VideoSearchResponse`), trimmed to what a model can use. Domain filters are
applied twice: as `site:` terms in the query (so Brave returns matching pages) and on the results
(so nothing outside them slips through).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit

import httpx

from mix_tui import secrets

from .base import PermissionNeed, ToolContext, ToolOutcome

BRAVE_API = "https://api.search.brave.com/res/v1"
RESULT_COUNT = 10
SEARCH_SECONDS = 20.0
_ENDPOINTS = {"web": "web/search", "images": "images/search", "videos": "videos/search"}
NO_KEY = (
    "Web search needs a Brave Search API key: store one with POST /api/auth/api-key "
    '{"provider": "brave", "api_key": ...} (or the app\'s key settings), or set BRAVE_API_KEY.'
)


def _domain_list(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(d).strip().lower().removeprefix("www.") for d in value if str(d).strip()]


def _host_in(url: str, domains: list[str]) -> bool:
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    return any(host == d or host.endswith("." + d) for d in domains)


class Search:
    name = "Search"
    description = (
        "Search the web (or images, or videos) with Brave Search. Returns JSON: for web "
        '{"type", "web": {"type", "results": [{title, url, description}]}}, for images and videos '
        '{"type", "results": [...]} with thumbnails and source pages.\n'
        "- allowed_domains keeps only results from those sites; blocked_domains drops them.\n"
        "- Read a result with ReadText (pages) or ReadMedia (images)."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "query": {"type": "string", "minLength": 2, "description": "The search query."},
            "search_type": {"type": "string", "enum": ["web", "images", "videos"], "description": "Default web."},
            "allowed_domains": {"type": "array", "items": {"type": "string"}, "description": "Only these sites."},
            "blocked_domains": {"type": "array", "items": {"type": "string"}, "description": "Never these sites."},
            "safesearch": {"type": "string", "enum": ["strict", "moderate", "off"], "description": "Default strict."},
            "spellcheck": {"type": "boolean", "description": "Let Brave correct the query (default true)."},
        },
        "required": ["query"],
        "additionalProperties": False,
    }

    def __init__(self, *, base_url: str = BRAVE_API, timeout_s: float = SEARCH_SECONDS) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s

    def permission(self, args: dict[str, Any], ctx: ToolContext) -> PermissionNeed | None:
        return None  # reads public search results; the query goes only to the service the user keyed

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        key = await asyncio.to_thread(secrets.get_api_key, "brave")
        if not key:
            return ToolOutcome(NO_KEY, is_error=True)
        kind = str(args.get("search_type") or "web")
        allowed = _domain_list(args.get("allowed_domains"))
        blocked = _domain_list(args.get("blocked_domains"))
        try:
            body = await self._get(kind, self._params(args, kind, allowed, blocked), key)
        except SearchError as exc:
            return ToolOutcome(secrets.redact(str(exc), key), is_error=True)
        results = [r for r in _results(body, kind) if _keep(r.get("url", ""), allowed, blocked)]
        shaped = _shape(kind, results)
        count = len(shaped["web"]["results"]) if kind == "web" else len(shaped["results"])
        return ToolOutcome(json.dumps(shaped, ensure_ascii=False), metadata={"search_type": kind, "results": count})

    def _params(self, args: dict[str, Any], kind: str, allowed: list[str], blocked: list[str]) -> dict[str, str]:
        query = str(args["query"]).strip()
        if allowed:
            query += " (" + " OR ".join(f"site:{d}" for d in allowed) + ")"
        query += "".join(f" -site:{d}" for d in blocked)
        safesearch = str(args.get("safesearch") or "strict")
        if kind == "images" and safesearch == "moderate":
            safesearch = "strict"  # the image endpoint knows only strict and off
        spellcheck = args.get("spellcheck")
        return {
            "q": query,
            "count": str(RESULT_COUNT),
            "safesearch": safesearch,
            "spellcheck": "0" if spellcheck is False else "1",
        }

    async def _get(self, kind: str, params: dict[str, str], key: str) -> dict[str, Any]:
        headers = {"X-Subscription-Token": key, "Accept": "application/json", "Accept-Encoding": "gzip"}
        url = f"{self.base_url}/{_ENDPOINTS[kind]}"
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                response = await client.get(url, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise SearchError(f"Brave Search could not be reached: {type(exc).__name__}: {exc}") from None
        if response.status_code in (401, 403):
            raise SearchError(f"Brave Search rejected the API key (HTTP {response.status_code}).")
        if response.status_code == 429:
            raise SearchError("Brave Search rate limit reached; try again later.")
        if response.status_code >= 400:
            raise SearchError(f"Brave Search answered HTTP {response.status_code}: {response.text[:300]}")
        try:
            body = response.json()
        except ValueError:
            raise SearchError("Brave Search sent an answer that is not JSON.") from None
        if not isinstance(body, dict):
            raise SearchError("Brave Search sent an unexpected answer.")
        return body


class SearchError(Exception):
    pass


def _keep(url: str, allowed: list[str], blocked: list[str]) -> bool:
    if allowed and not _host_in(url, allowed):
        return False
    return not (blocked and _host_in(url, blocked))


def _results(body: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    container = body.get("web") if kind == "web" else body
    raw = container.get("results") if isinstance(container, dict) else None
    return [r for r in raw if isinstance(r, dict)] if isinstance(raw, list) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _sub(value: Any, key: str) -> str:
    return _text(value.get(key)) if isinstance(value, dict) else ""


def _meta_url(r: dict[str, Any]) -> dict[str, str] | None:
    meta = r.get("meta_url")
    if not isinstance(meta, dict):
        return None
    return {k: _text(meta.get(k)) for k in ("scheme", "netloc", "hostname", "favicon", "path")}


def _shape(kind: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    if kind == "web":
        items = [{"title": _text(r.get("title")), "url": _text(r.get("url")),
                  "description": _text(r.get("description"))} for r in results]  # fmt: skip
        return {"type": "search", "web": {"type": "search", "results": items}}
    shaped: list[dict[str, Any]] = []
    for r in results:
        item: dict[str, Any] = {
            "type": _text(r.get("type")) or ("image_result" if kind == "images" else "video_result"),
            "title": _text(r.get("title")),
            "url": _text(r.get("url")),
            "source": _text(r.get("source")) or (urlsplit(_text(r.get("url"))).hostname or ""),
            "page_fetched": _text(r.get("page_fetched")) or _text(r.get("page_age")) or _text(r.get("age")),
            "thumbnail": {"src": _sub(r.get("thumbnail"), "src")},
            "confidence": _text(r.get("confidence")),
        }
        if kind == "images":
            item["properties"] = {k: _sub(r.get("properties"), k) for k in ("url", "placeholder")}
        else:
            video = r.get("video") if isinstance(r.get("video"), dict) else {}
            item["description"] = _text(r.get("description"))
            item["properties"] = {
                "url": _sub(r.get("properties"), "url") or _text(r.get("url")),
                "duration": _sub(video, "duration"),
                "views": str(video.get("views", "")) if isinstance(video, dict) else "",
                "upload_date": _text(r.get("page_age")) or _text(r.get("age")),
                "placeholder": _sub(r.get("thumbnail"), "original"),
            }
        meta = _meta_url(r)
        if meta is not None:
            item["meta_url"] = meta
        shaped.append(item)
    return {"type": kind, "results": shaped}
