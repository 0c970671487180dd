"""The SDK's calls to our server's extensions (rename, search, the raw export, session_updated):
exact wire names, and `UnsupportedError` where another server lacks the route."""

from __future__ import annotations

import pytest

from mix_tui.protocol import events as ev
from mix_tui.sdk import MixClient, UnsupportedError
from mix_tui.sdk.errors import NotFoundError
from tests.sdk.sdk_wire import WireServer, json_response, text_response
from tests.sdk.test_sdk_rest import SESSION_JSON, SID, envelope

HIT = {
    "sessionId": SID, "sessionTitle": "Hello", "messageId": "m-1", "role": "assistant",
    "snippet": "the parser fails", "highlights": [[4, 10]], "createdAt": "2026-03-10T12:00:00.250000+00:00",
}  # fmt: skip


async def test_rename_patches_the_title(wire: WireServer, client: MixClient) -> None:
    wire.route("PATCH", f"/api/sessions/{SID}", json_response(200, {**SESSION_JSON, "title": "Renamed"}))
    renamed = await client.sessions.rename(SID, "Renamed")
    assert renamed.title == "Renamed"
    assert [r.json() for r in wire.hits("PATCH", f"/api/sessions/{SID}")] == [{"title": "Renamed"}]


async def test_search_reads_hits_with_their_highlights(wire: WireServer, client: MixClient) -> None:
    wire.route("GET", "/api/search", json_response(200, {"query": "pars", "results": [HIT], "total": 7, "tookMs": 1.5}))
    found = await client.search.messages("pars", limit=10)
    assert wire.hits("GET", "/api/search")[0].query == {"q": "pars", "limit": "10"}
    assert found.total == 7 and found.took_ms == 1.5
    hit = found.results[0]
    assert (hit.session_id, hit.message_id, hit.snippet[4:10]) == (SID, "m-1", "parser")
    assert hit.highlights == [(4, 10)] and hit.created_at is not None


@pytest.mark.parametrize("status", [404, 405])
async def test_servers_without_the_extensions_say_unsupported(
    wire: WireServer, client: MixClient, status: int
) -> None:
    wire.route("PATCH", f"/api/sessions/{SID}", text_response(status, "404 page not found"))
    wire.route("GET", "/api/search", text_response(status, "404 page not found"))
    with pytest.raises(UnsupportedError, match="renaming sessions are not supported"):
        await client.sessions.rename(SID, "x")
    with pytest.raises(UnsupportedError, match="search is not supported"):
        await client.search.messages("x")


async def test_other_errors_stay_what_they_are(wire: WireServer, client: MixClient) -> None:
    wire.route("GET", "/api/search", json_response(400, envelope(400, "q is required", "validation_error")))
    with pytest.raises(Exception) as caught:
        await client.search.messages(" ")
    assert not isinstance(caught.value, UnsupportedError | NotFoundError)
    assert caught.value.status == 400  # type: ignore[attr-defined]


async def test_the_raw_export_keeps_fields_the_models_do_not_know(wire: WireServer, client: MixClient) -> None:
    raw = b'{"id":"s-1","title":"Hello","messages":[],"thinkingBlocks":[]}'
    wire.route("GET", f"/api/sessions/{SID}/export", text_response(200, raw, "application/json"))
    assert await client.sessions.export_json(SID) == raw


def test_session_updated_is_read_as_an_extension_event() -> None:
    event = ev.parse_event("session_updated", '{"type":"session_updated","sessionId":"s","title":"New"}')
    assert isinstance(event, ev.SessionUpdated) and (event.session_id, event.title) == ("s", "New")
    assert "session_updated" not in ev.EVENT_TYPES  # not one of the spec's names
