"""The REST resource groups on real sockets: wire bodies, both response dialects, errors, retries."""

from __future__ import annotations

import pytest

from mix_tui.protocol.models import BackendMessage, Callback, SendMessageAccepted
from mix_tui.sdk import (
    ConflictError,
    MixClient,
    MixConnectionError,
    MixError,
    NotFoundError,
    ServerError,
    UnauthorizedError,
    UnsupportedError,
    ValidationError,
)
from mix_tui.sdk.errors import ProtocolError
from tests.sdk.sdk_wire import WireServer, drop, empty_response, json_response, slow_response, text_response

SID = "s-1"
SESSION_JSON = {
    "id": SID,
    "title": "Hello",
    "sessionType": "main",
    "browserMode": "local-browser-service",
    "userMessageCount": 1,
    "assistantMessageCount": 2,
    "toolCallCount": 0,
    "promptTokens": 10,
    "completionTokens": 5,
    "cost": 0.01,
    "createdAt": "2025-10-01T12:34:56+02:00",
}


def envelope(code: int, message: str, kind: str) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "type": kind}}


# ---- request bodies and paths -------------------------------------------------------------------


async def test_session_calls_send_the_spec_casing(wire: WireServer, client: MixClient) -> None:
    wire.route("POST", "/api/sessions", json_response(201, SESSION_JSON))
    wire.route("POST", f"/api/sessions/{SID}/rewind", json_response(200, SESSION_JSON))
    wire.route(
        "POST", f"/api/sessions/{SID}/fork", json_response(201, {**SESSION_JSON, "sessionType": "forked"})
    )
    wire.route("PATCH", f"/api/sessions/{SID}/callbacks", json_response(200, SESSION_JSON))
    wire.route("GET", "/api/sessions", json_response(200, [SESSION_JSON]))

    created = await client.sessions.create("Hello")
    await client.sessions.create(
        "Hi", provider="gemini", model_id="gemini-3-flash-preview", custom_system_prompt="Be brief"
    )
    await client.sessions.rewind(SID, "m-3")
    await client.sessions.rewind(SID, "m-3", cleanup_media=False)
    forked = await client.sessions.fork(SID, 2)
    await client.sessions.fork(SID, 0, title="Branch")
    await client.sessions.update_callbacks(
        SID, [Callback(tool_name="Bash", type="bash_script", bash_command="ls")]
    )
    await client.sessions.list()
    await client.sessions.list(include_subagents=True)

    assert created.created_at is not None and created.created_at.utcoffset() is not None
    assert forked.session_type == "forked"
    creates = [r.json() for r in wire.hits("POST", "/api/sessions")]
    assert creates == [
        {"title": "Hello", "browserMode": "local-browser-service"},
        {
            "title": "Hi",
            "browserMode": "local-browser-service",
            "customSystemPrompt": "Be brief",
            "modelId": "gemini-3-flash-preview",
            "provider": "gemini",
        },
    ]
    rewinds = [r.json() for r in wire.hits("POST", f"/api/sessions/{SID}/rewind")]
    assert rewinds == [
        {"messageId": "m-3", "cleanupMedia": True},
        {"messageId": "m-3", "cleanupMedia": False},
    ]
    forks = [r.json() for r in wire.hits("POST", f"/api/sessions/{SID}/fork")]
    assert forks == [{"messageIndex": 2, "title": "Forked Session"}, {"messageIndex": 0, "title": "Branch"}]
    patch = wire.hits("PATCH", f"/api/sessions/{SID}/callbacks")[0].json()
    assert patch == {"callbacks": [{"toolName": "Bash", "type": "bash_script", "bashCommand": "ls"}]}
    assert [r.query for r in wire.hits("GET", "/api/sessions")] == [{}, {"includeSubagents": "true"}]


async def test_send_uses_snake_case_and_only_the_given_options(wire: WireServer, client: MixClient) -> None:
    wire.route(
        "POST",
        f"/api/sessions/{SID}/messages",
        json_response(202, {"status": "processing", "sessionId": SID}),
    )
    accepted = await client.messages.send(SID, "hi")
    await client.messages.send(SID, "plan it", plan_mode=True, thinking_level="medium", max_steps=5)
    assert isinstance(accepted, SendMessageAccepted) and accepted.status == "processing"
    bodies = [r.json() for r in wire.hits("POST", f"/api/sessions/{SID}/messages")]
    assert bodies == [
        {"text": "hi"},
        {"text": "plan it", "plan_mode": True, "thinking_level": "medium", "max_steps": 5},
    ]


async def test_slash_command_answered_with_200_is_a_backend_message(
    wire: WireServer, client: MixClient
) -> None:
    answer = {
        "id": "cmd-help",
        "role": "assistant",
        "userInput": "/help",
        "assistantResponse": "Commands: ...",
    }
    wire.route("POST", f"/api/sessions/{SID}/messages", json_response(200, answer))
    result = await client.messages.send(SID, "/help")
    assert isinstance(result, BackendMessage)
    assert (result.id, result.text) == ("cmd-help", "Commands: ...")


async def test_settings_bodies_are_snake_case(wire: WireServer, client: MixClient) -> None:
    wire.route(
        "POST",
        "/api/auth/api-key",
        json_response(200, {"status": "success", "provider": "openai", "message": "ok"}),
    )
    wire.route(
        "POST",
        "/api/preferences",
        json_response(200, {"main_agent_model": "gpt-5", "preferred_provider": "openai"}),
    )
    wire.route("POST", "/api/notifications/n-1/respond", empty_response(204))
    stored = await client.auth.store_api_key("openai", "sk-test")
    prefs = await client.preferences.update(preferred_provider="openai", main_agent_model="gpt-5")
    assert await client.notifications.respond("n-1", "choice", "yes") is None
    await client.notifications.respond("n-1", "acknowledge")
    with pytest.raises(TypeError, match="mainAgentModel"):
        await client.preferences.update(mainAgentModel="x")
    assert stored.status == "success" and prefs.main_agent_model == "gpt-5"
    assert wire.hits("POST", "/api/auth/api-key")[0].json() == {"provider": "openai", "api_key": "sk-test"}
    assert wire.hits("POST", "/api/preferences")[0].json() == {
        "preferred_provider": "openai",
        "main_agent_model": "gpt-5",
    }
    responds = [r.json() for r in wire.hits("POST", "/api/notifications/n-1/respond")]
    assert responds == [{"type": "choice", "value": "yes"}, {"type": "acknowledge"}]


async def test_bearer_token_only_when_given(wire: WireServer) -> None:
    wire.route("GET", "/health", json_response(200, {"status": "ok"}))
    async with MixClient(wire.url, token="s3cret") as mix:
        await mix.system.health()
    async with MixClient(wire.url + "/") as mix:
        health = await mix.system.health()
    first, second = wire.hits("GET", "/health")
    assert first.headers["authorization"] == "Bearer s3cret"
    assert "authorization" not in second.headers
    assert health.status == "ok"


# ---- response dialects ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [{"granted": True}, {"status": "granted", "id": "p-1", "message": "Permission granted successfully"}],
    ids=["spec", "go"],
)
async def test_grant_accepts_both_answers(
    wire: WireServer, client: MixClient, body: dict[str, object]
) -> None:
    wire.route("POST", "/api/permissions/p-1/grant", json_response(200, body))
    answer = await client.permissions.grant("p-1")
    assert answer.granted is True or answer.status == "granted"


@pytest.mark.parametrize(
    "body",
    [{"denied": True}, {"status": "denied", "id": "p-1", "message": "Permission denied successfully"}],
    ids=["spec", "go"],
)
async def test_deny_accepts_both_answers(
    wire: WireServer, client: MixClient, body: dict[str, object]
) -> None:
    wire.route("POST", "/api/permissions/p-1/deny", json_response(200, body))
    answer = await client.permissions.deny("p-1")
    assert answer.denied is True or answer.status == "denied"


@pytest.mark.parametrize(
    "body", [{"cancelled": True}, {"status": "cancelled", "sessionId": SID}], ids=["spec", "go"]
)
async def test_cancel_accepts_both_answers(
    wire: WireServer, client: MixClient, body: dict[str, object]
) -> None:
    wire.route("POST", f"/api/sessions/{SID}/cancel", json_response(200, body))
    assert (await client.sessions.cancel(SID)).ok


async def test_null_lists_read_as_empty(wire: WireServer, client: MixClient) -> None:
    for path in (
        "/api/sessions",
        f"/api/sessions/{SID}/messages",
        "/api/messages/history",
        "/api/commands",
        "/api/mcp",
    ):
        wire.route("GET", path, json_response(200, None))
    wire.route("GET", f"/api/sessions/{SID}/files", json_response(200, None))
    assert await client.sessions.list() == []
    assert await client.messages.list(SID) == []
    assert await client.messages.history(limit=10, offset=20) == []
    assert await client.system.commands() == []
    assert await client.system.mcp() == []
    assert await client.files.list(SID) == []
    assert wire.hits("GET", "/api/messages/history")[0].query == {"limit": "10", "offset": "20"}


async def test_files_build_missing_urls_and_escape_names(wire: WireServer, client: MixClient) -> None:
    listing = [{"name": "a b.png", "size": 3, "modified": 1700000000, "isDir": False}]
    wire.route("GET", f"/api/sessions/{SID}/files", json_response(200, listing))
    wire.route(
        "POST", f"/api/sessions/{SID}/files/upload", json_response(201, {**listing[0], "url": "http://x/y"})
    )
    wire.route("GET", f"/api/sessions/{SID}/files/a%20b.png", text_response(200, b"\x89PNG", "image/png"))
    wire.route("DELETE", f"/api/sessions/{SID}/files/a%20b.png", empty_response(204))
    files = await client.files.list(SID)
    uploaded = await client.files.upload(SID, "a b.png", b"\x89PNG")
    data = await client.files.get(SID, "a b.png")
    await client.files.delete(SID, "a b.png")
    assert files[0].url == f"{wire.url}/api/sessions/{SID}/files/a%20b.png"
    assert uploaded.url == "http://x/y" and data == b"\x89PNG"
    upload = wire.hits("POST", f"/api/sessions/{SID}/files/upload")[0]
    assert upload.headers["content-type"].startswith("multipart/form-data")
    assert b'name="file"; filename="a b.png"' in upload.body and b"\x89PNG" in upload.body


# ---- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind", "error"),
    [
        (400, "validation_error", ValidationError),
        (401, "unauthorized", UnauthorizedError),
        (404, "not_found", NotFoundError),
        (409, "bad_request", ConflictError),
        (500, "internal_error", ServerError),
    ],
)
async def test_envelope_errors_become_typed_errors(
    wire: WireServer, client: MixClient, status: int, kind: str, error: type[MixError]
) -> None:
    message = f"Validation error for field 'text': the server says {status}"
    wire.route(
        "POST", f"/api/sessions/{SID}/messages", json_response(status, envelope(status, message, kind))
    )
    with pytest.raises(error) as caught:
        await client.messages.send(SID, "hi")
    assert (caught.value.status, caught.value.message, caught.value.error_type) == (status, message, kind)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("handler", "message", "kind"),
    [
        (text_response(404, "404 page not found\n"), "404 page not found", None),
        (
            json_response(404, {"error": "INVALID_PROVIDER", "message": "Provider 'x' is not supported"}),
            "Provider 'x' is not supported",
            "INVALID_PROVIDER",
        ),
        (json_response(404, {"code": "INVALID_JSON", "message": "bad json"}), "bad json", "INVALID_JSON"),
        (json_response(404, {"error": "something broke"}), "something broke", None),
        (json_response(404, ["not", "an", "object"]), '["not","an","object"]', None),
        (empty_response(404), "HTTP 404 Not Found", None),
        (text_response(404, "<html>" + "x" * 2000, "text/html"), "<html>" + "x" * 494 + "…", None),
    ],
    ids=[
        "plain-text",
        "go-string-code",
        "code-and-message",
        "error-string",
        "json-array",
        "empty",
        "long-html",
    ],
)
async def test_non_envelope_error_bodies_keep_the_servers_words(
    wire: WireServer, client: MixClient, handler: object, message: str, kind: str | None
) -> None:
    wire.route("GET", f"/api/sessions/{SID}", handler)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError) as caught:
        await client.sessions.get(SID)
    assert (caught.value.message, caught.value.error_type, caught.value.status) == (message, kind, 404)


@pytest.mark.parametrize("status", [404, 405])
async def test_fork_on_a_server_without_it_is_unsupported(
    wire: WireServer, client: MixClient, status: int
) -> None:
    wire.route("POST", f"/api/sessions/{SID}/fork", text_response(status, "404 page not found"))
    with pytest.raises(UnsupportedError) as caught:
        await client.sessions.fork(SID, 1)
    assert caught.value.status == status


async def test_grant_of_an_expired_prompt_is_not_found(wire: WireServer, client: MixClient) -> None:
    wire.route(
        "POST",
        "/api/permissions/p-9/grant",
        json_response(404, envelope(404, "Permission request not found", "not_found")),
    )
    with pytest.raises(NotFoundError, match="Permission request not found"):
        await client.permissions.grant("p-9")


async def test_a_2xx_body_off_contract_is_a_protocol_error(wire: WireServer, client: MixClient) -> None:
    wire.route("GET", f"/api/sessions/{SID}", json_response(200, {"title": "no id"}))
    with pytest.raises(ProtocolError, match=r"SessionData.*id"):
        await client.sessions.get(SID)


# ---- retries ------------------------------------------------------------------------------------


BUSY = json_response(503, envelope(503, "busy", "internal_error"))


async def test_idempotent_requests_retry_on_502_503_504_and_dropped_connections(
    wire: WireServer, client: MixClient
) -> None:
    wire.route(
        "GET", f"/api/sessions/{SID}", BUSY, json_response(504, None), json_response(200, SESSION_JSON)
    )
    wire.route("DELETE", f"/api/sessions/{SID}", drop, empty_response(204))
    wire.route(
        "PATCH", f"/api/sessions/{SID}/callbacks", json_response(502, None), json_response(200, SESSION_JSON)
    )
    assert (await client.sessions.get(SID)).id == SID
    await client.sessions.delete(SID)
    await client.sessions.update_callbacks(SID, [])
    assert len(wire.hits("GET", f"/api/sessions/{SID}")) == 3
    assert len(wire.hits("DELETE", f"/api/sessions/{SID}")) == 2
    assert len(wire.hits("PATCH", f"/api/sessions/{SID}/callbacks")) == 2


async def test_retries_give_up_after_a_couple(wire: WireServer, client: MixClient) -> None:
    wire.route("GET", "/api/sessions", BUSY)
    with pytest.raises(ServerError, match="busy"):
        await client.sessions.list()
    assert len(wire.hits("GET", "/api/sessions")) == 3


async def test_500_is_not_retried(wire: WireServer, client: MixClient) -> None:
    wire.route("GET", "/api/sessions", json_response(500, envelope(500, "db down", "internal_error")))
    with pytest.raises(ServerError, match="db down"):
        await client.sessions.list()
    assert len(wire.hits("GET", "/api/sessions")) == 1


@pytest.mark.parametrize("handler", [BUSY, drop], ids=["503", "dropped"])
async def test_posts_are_never_retried(wire: WireServer, client: MixClient, handler: object) -> None:
    for path in (
        f"/api/sessions/{SID}/messages",
        f"/api/sessions/{SID}/cancel",
        "/api/permissions/p/grant",
        "/api/sessions",
    ):
        wire.route("POST", path, handler)  # type: ignore[arg-type]
    calls = [
        client.messages.send(SID, "hi"),
        client.sessions.cancel(SID),
        client.permissions.grant("p"),
        client.sessions.create("t"),
    ]
    for call in calls:
        with pytest.raises((ServerError, MixConnectionError)):
            await call
    posts = [r.path for r in wire.requests if r.method == "POST"]
    assert sorted(posts) == sorted(
        [
            f"/api/sessions/{SID}/messages",
            f"/api/sessions/{SID}/cancel",
            "/api/permissions/p/grant",
            "/api/sessions",
        ]
    )


async def test_read_timeout_is_a_connection_error(wire: WireServer) -> None:
    wire.route("GET", "/health", slow_response(1.0, json_response(200, {"status": "ok"})))
    async with MixClient(wire.url, read_timeout=0.1, retries=1, retry_backoff=0.01) as mix:
        with pytest.raises(MixConnectionError, match="timed out"):
            await mix.system.health()
    assert len(wire.hits("GET", "/health")) == 2


async def test_nothing_listening_is_a_connection_error() -> None:
    probe = WireServer()
    await probe.start()
    await probe.stop()
    async with MixClient(probe.url, retries=0) as mix:
        with pytest.raises(MixConnectionError) as caught:
            await mix.sessions.list()
    assert caught.value.status is None and "GET" in caught.value.message


async def test_set_model_sends_both_fields_and_reads_the_session(wire: WireServer, client: MixClient) -> None:
    answer = {**SESSION_JSON, "provider": "openai", "modelId": "gpt-4.1"}
    wire.route("PATCH", f"/api/sessions/{SID}/model", json_response(200, answer))
    session = await client.sessions.set_model(SID, "openai", "gpt-4.1")
    await client.sessions.set_model(SID, None, None)
    assert (session.provider, session.model_id) == ("openai", "gpt-4.1")
    bodies = [r.json() for r in wire.hits("PATCH", f"/api/sessions/{SID}/model")]
    assert bodies == [{"provider": "openai", "modelId": "gpt-4.1"}, {"provider": None, "modelId": None}]


@pytest.mark.parametrize("status", [404, 405])
async def test_set_model_on_a_server_without_it_is_unsupported(
    wire: WireServer, client: MixClient, status: int
) -> None:
    wire.route("PATCH", f"/api/sessions/{SID}/model", text_response(status, "404 page not found"))
    with pytest.raises(UnsupportedError) as caught:
        await client.sessions.set_model(SID, "openai", "gpt-5")
    assert caught.value.status == status


async def test_providers_read_the_model_details_extension(wire: WireServer, client: MixClient) -> None:
    payload = {
        "openai": {"display_name": "OpenAI", "models": ["gpt-4.1", "gpt-x"],
                   "model_details": {"gpt-4.1": {"context_window": 1047576, "input_price": 2.0, "output_price": 8.0}}},
        "gemini": {"display_name": "Gemini", "models": ["gemini-2.5-pro"]},
    }  # fmt: skip
    wire.route("GET", "/api/preferences/providers", json_response(200, payload))
    providers = await client.preferences.providers()
    details = providers["openai"].model_details or {}
    assert details["gpt-4.1"].context_window == 1047576 and details["gpt-4.1"].output_price == 8.0
    assert providers["gemini"].model_details is None
