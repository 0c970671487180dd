"""`GET /api/search?q=…&limit=…` (extension of ours): stored prompts and answers that match, best
first, from the FTS5 index (search.py). Clients feature-detect it: other servers answer 404."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mix_tui.server import search
from mix_tui.server.http import ApiError, runtime, wire

QUERY_LIMIT = 1000  # characters


async def search_messages(request: Request) -> Response:
    rt = runtime(request)
    text = request.query_params.get("q", "")
    if not text.strip():
        raise ApiError(400, "Validation error for field 'q': q is required", "validation_error")
    if len(text) > QUERY_LIMIT:
        raise ApiError(400, f"Validation error for field 'q': at most {QUERY_LIMIT} characters", "validation_error")
    raw_limit = request.query_params.get("limit", str(search.DEFAULT_LIMIT))
    try:
        limit = int(raw_limit)
    except ValueError:
        raise ApiError(400, "Validation error for field 'limit': limit must be an integer", "validation_error") from None
    if not 1 <= limit <= search.MAX_LIMIT:
        raise ApiError(400, f"Validation error for field 'limit': between 1 and {search.MAX_LIMIT}", "validation_error")
    return wire(await rt.store.run(rt.store.read, search.search, text, limit))


ROUTES = [Route("/api/search", search_messages, methods=["GET"])]
