"""Fetching an http(s) URL for a tool, bounded in size and time: ReadText's text, ReadMedia's bytes.

HTML pages become Markdown (BeautifulSoup + markdownify: scripts, styles and the head dropped), so
the model reads the page, not its markup. The body is streamed and cut off at the size limit, and
the whole exchange, redirects included, must finish within the time limit.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from bs4 import BeautifulSoup
from markdownify import MarkdownConverter

MAX_FETCH_BYTES = 5 * 1024 * 1024
FETCH_SECONDS = 30.0
MAX_REDIRECTS = 5
USER_AGENT = "mix-tui (+https://github.com/recreate-run/mix)"
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/xhtml", "application/javascript")
_DROPPED_TAGS = ["script", "style", "noscript", "template", "head", "svg", "iframe"]


class FetchError(Exception):
    """The URL could not be read within the limits; the message is for the model."""


@dataclass(slots=True)
class Fetched:
    url: str  # after redirects
    content_type: str  # without parameters, lower case
    data: bytes

    @property
    def is_text(self) -> bool:
        return self.content_type.startswith(_TEXT_TYPES) or self.content_type.endswith(("+json", "+xml"))

    def text(self) -> str:
        """The body as text; HTML as Markdown."""
        raw = self.data.decode("utf-8", "replace")
        if self.content_type in ("text/html", "application/xhtml+xml"):
            return html_to_markdown(raw)
        return raw


def is_url(value: str) -> bool:
    return value.strip().lower().startswith(("http://", "https://"))


def check_url(url: str) -> str | None:
    """An error for the model, or None when `url` is a fetchable http(s) URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"Not an http(s) URL: {url}"
    return None


def html_to_markdown(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(_DROPPED_TAGS):
        tag.decompose()
    text = MarkdownConverter(heading_style="ATX", bullets="-").convert_soup(soup)
    # markdownify keeps the page's blank-line runs; three in a row carry nothing more than two
    lines: list[str] = []
    for line in text.splitlines():
        if line.strip() or (lines and lines[-1].strip()):
            lines.append(line.rstrip())
    return "\n".join(lines).strip() + "\n"


async def fetch(url: str, *, max_bytes: int | None = None, seconds: float | None = None) -> Fetched:
    """GET `url` (following up to 5 redirects). Raises FetchError with a readable reason."""
    max_bytes = MAX_FETCH_BYTES if max_bytes is None else max_bytes
    seconds = FETCH_SECONDS if seconds is None else seconds
    problem = check_url(url)
    if problem:
        raise FetchError(problem)
    try:
        async with asyncio.timeout(seconds):
            return await _get(url.strip(), max_bytes)
    except TimeoutError:
        raise FetchError(f"Timed out after {seconds:g} s fetching {url}") from None
    except httpx.TooManyRedirects:
        raise FetchError(f"Too many redirects (more than {MAX_REDIRECTS}) fetching {url}") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"Could not fetch {url}: {type(exc).__name__}: {exc}") from None


async def _get(url: str, max_bytes: int) -> Fetched:
    headers = {"User-Agent": USER_AGENT, "Accept": "text/html, text/markdown, text/plain, */*;q=0.5"}
    async with (
        httpx.AsyncClient(follow_redirects=True, max_redirects=MAX_REDIRECTS, headers=headers) as client,
        client.stream("GET", url) as response,
    ):
        if response.status_code >= 400:
            raise FetchError(f"{url} answered HTTP {response.status_code} {response.reason_phrase}")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(f"{url} is {int(declared)} bytes, over the {max_bytes}-byte limit")
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > max_bytes:
                raise FetchError(f"{url} is over the {max_bytes}-byte limit; stopped reading")
        content_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        return Fetched(str(response.url), content_type or "application/octet-stream", bytes(body))
