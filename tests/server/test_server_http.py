"""The REST surface: envelopes, guards, sessions, rewind, fork, export, history, files, auth, preferences."""

from __future__ import annotations

from typing import Any

import httpx

from mix_tui.protocol.models import ExportSession, SessionData
from tests.server.conftest import TOKEN, Harness, ServerFactory


def envelope(response: httpx.Response, code: int, type_: str | None = None) -> dict[str, Any]:
    assert response.status_code == code, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code and isinstance(error["message"], str) and error["message"]
    if type_ is not None:
        assert error["type"] == type_
    return error


async def run_turn(mix: Harness, sid: str, text: str) -> None:
    stream = await mix.connected(sid)
    assert (await mix.send(sid, text)).status_code == 202
    assert (await stream.turn())[-1].event == "complete"
    await stream.close()


async def test_error_envelope_everywhere(mix: Harness) -> None:
    envelope(await mix.client.get("/api/nothing-here"), 404, "not_found")
    not_allowed = await mix.client.put("/api/sessions")
    envelope(not_allowed, 405)
    # every method of the path, though each has its own route
    assert not_allowed.headers["Allow"] == "GET, HEAD, POST"
    assert (await mix.client.post("/api/sessions/x/messages/y")).status_code == 404
    assert (await mix.client.put("/api/sessions/x/messages")).headers["Allow"] == "GET, HEAD, POST"
    assert (await mix.client.get("/api/sessions/x/rewind")).headers["Allow"] == "POST"
    # a concrete path is not the templated one beside it (OpenAPI's matching rule)
    status = await mix.client.delete("/api/auth/status")
    assert (status.status_code, status.headers["Allow"]) == (405, "GET, HEAD")
    assert (await mix.client.get("/api/auth/anthropic")).headers["Allow"] == "DELETE"
    upload = await mix.client.get("/api/sessions/x/files/upload")
    assert (upload.status_code, upload.headers["Allow"]) == (405, "POST")
    envelope(await mix.client.get("/api/sessions/missing"), 404, "not_found")
    bad_json = await mix.client.post("/api/sessions", content=b"{nope", headers={"Content-Type": "application/json"})
    envelope(bad_json, 400, "bad_request")
    envelope(await mix.client.post("/api/sessions", json={}), 400, "validation_error")
    envelope(await mix.client.post("/api/sessions", json={"title": "x", "promptMode": "weird"}), 400, "validation_error")
    envelope(await mix.client.post("/api/sessions", json={"title": "x", "sessionType": "subagent"}), 400)
    sid = await mix.create_session()
    envelope(await mix.send(sid, ""), 400, "validation_error")
    envelope(await mix.client.post(f"/api/sessions/{sid}/messages", json={"plan_mode": True}), 400, "validation_error")
    envelope(await mix.send(sid, "x", thinking_level="extreme"), 400, "validation_error")
    envelope(await mix.send(sid, "x", max_steps=0), 400, "validation_error")
    envelope(await mix.client.post("/api/permissions/unknown/grant"), 404, "not_found")
    envelope(await mix.client.post("/api/permissions/unknown/deny"), 404, "not_found")
    # the spec documents 204/404 only: an unknown id is a 404 whatever the body, none included
    envelope(await mix.client.post("/api/notifications/n1/respond", json={"type": "acknowledge"}), 404)
    envelope(await mix.client.post("/api/notifications/n1/respond", json={"type": "shout"}), 404)
    envelope(await mix.client.post("/api/notifications/n1/respond"), 404)
    envelope(await mix.client.get("/stream"), 400)
    # a lone surrogate escape is valid JSON but no text: refused by name, never a 500
    raw = {"Content-Type": "application/json"}
    for path, body, field in [
        ("/api/sessions", b'{"title": "a\\ud800b"}', "title"),
        (f"/api/sessions/{sid}/messages", b'{"text": "hi \\udc00"}', "text"),
        (f"/api/sessions/{sid}/fork", b'{"messageIndex": 0, "title": "\\ud800"}', "title"),
        ("/api/sessions", b'{"title": "x", "callbacks": [{"toolName": "\\udfff", "type": "bash_script"}]}',
         "callbacks.0.toolName"),
    ]:
        refused = envelope(await mix.client.post(path, content=body, headers=raw), 400, "validation_error")
        assert f"'{field}'" in refused["message"] and "surrogate" in refused["message"]
    paired = await mix.client.post("/api/sessions", content=b'{"title": "\\ud83d\\ude00"}', headers=raw)
    assert paired.status_code == 201 and paired.json()["title"] == "\U0001f600"
    deep = await mix.client.post("/api/sessions", content=b"[" * 100_000 + b"]" * 100_000, headers=raw)
    envelope(deep, 400, "bad_request")
    bad_callback = {"title": "x", "callbacks": [{"toolName": "*", "type": "AAA"}]}
    envelope(await mix.client.post("/api/sessions", json=bad_callback), 400, "validation_error")
    envelope(await mix.client.get("/stream", params={"sessionId": "missing"}), 404, "not_found")


async def test_token_and_host_guards(mix: Harness) -> None:
    async with httpx.AsyncClient(base_url=mix.url) as anonymous:
        assert (await anonymous.get("/health")).json()["status"] == "ok"
        denied = await anonymous.get("/api/sessions")
        envelope(denied, 401, "unauthorized")
        assert denied.headers["www-authenticate"] == "Bearer"
        envelope(await anonymous.get("/api/sessions", headers={"Authorization": "Bearer wrong"}), 401)
        envelope(await anonymous.get("/api/sessions", headers={"Authorization": TOKEN}), 401)
        ok = await anonymous.get("/api/sessions", headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200
        # DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends its own Host header
        for host in ("evil.example", "evil.example:8088", "127.0.0.1.evil.example"):
            rebound = await anonymous.get("/health", headers={"Host": host})
            envelope(rebound, 403)
        for host in ("localhost", f"localhost:{mix.srv.port}", "127.0.0.1", "[::1]:9"):
            assert (await anonymous.get("/health", headers={"Host": host})).status_code == 200
        # a web page's cross-site request (no preflight for a "simple" POST) is refused
        forged = await anonymous.post("/api/sessions", content=b'{"title": "x"}', headers={"Origin": "https://evil.example"})
        envelope(forged, 403)
        local = {"Origin": f"http://localhost:{mix.srv.port}", "Authorization": f"Bearer {TOKEN}"}
        assert (await anonymous.get("/api/sessions", headers=local)).status_code == 200


async def test_no_token_mode(make_server: ServerFactory) -> None:
    mix = await make_server(token=None)
    async with httpx.AsyncClient(base_url=mix.url) as anonymous:
        assert (await anonymous.get("/api/sessions")).status_code == 200


async def test_session_crud_with_sdk_default_bodies(mix: Harness) -> None:
    # the official SDK always sends its defaults; unknown fields are ignored
    body = {
        "title": "Mine", "browserMode": "local-browser-service", "promptMode": "default", "sessionType": "main",
        "callbacks": [{"toolName": "Bash", "type": "bash_script", "bashCommand": "true"}], "somethingNew": 1,
    }
    created = await mix.client.post("/api/sessions", json=body)
    assert created.status_code == 201
    session = SessionData.model_validate(created.json())
    assert session.title == "Mine" and session.session_type == "main"
    assert session.callbacks is not None and session.callbacks[0].bash_command == "true"
    listed = (await mix.client.get("/api/sessions")).json()
    assert [s["id"] for s in listed] == [session.id]
    patched = await mix.client.patch(f"/api/sessions/{session.id}/callbacks", json={"callbacks": []})
    assert patched.status_code == 200 and patched.json()["callbacks"] == []
    envelope(await mix.client.patch(f"/api/sessions/{session.id}/callbacks", json={}), 400)
    assert (await mix.client.delete(f"/api/sessions/{session.id}")).status_code == 204
    envelope(await mix.client.get(f"/api/sessions/{session.id}"), 404)
    envelope(await mix.client.delete(f"/api/sessions/{session.id}"), 404)
    envelope(await mix.client.post(f"/api/sessions/{session.id}/cancel"), 404)


async def test_list_is_newest_first_with_counts_and_first_message(mix: Harness) -> None:
    older = await mix.create_session("Older")
    newer = await mix.create_session()
    await run_turn(mix, newer, "first prompt here\nsecond line")
    listed = (await mix.client.get("/api/sessions", params={"includeSubagents": "true"})).json()
    assert [s["id"] for s in listed] == [newer, older]
    assert listed[0]["firstUserMessage"] == "first prompt here\nsecond line"
    assert listed[0]["title"] == "first prompt here"  # from the first prompt
    assert listed[1]["title"] == "Older"  # a real title is kept
    assert listed[0]["userMessageCount"] == 1 and listed[0]["assistantMessageCount"] == 1


async def test_export_rewind_and_fork(mix: Harness) -> None:
    sid = await mix.create_session()
    await run_turn(mix, sid, "$ pwd")
    await run_turn(mix, sid, "second prompt")
    history = await mix.messages(sid)
    assert [m["role"] for m in history] == ["user", "assistant", "tool", "assistant", "user", "assistant"]

    exported = await mix.client.get(f"/api/sessions/{sid}/export")
    assert exported.headers["content-disposition"] == f"attachment; filename=session_{sid}_transcript.json"
    transcript = ExportSession.model_validate(exported.json())
    assert [m.finish_reason for m in transcript.messages] == [None, "tool_use", None, "end_turn", None, "end_turn"]
    call = transcript.messages[1].tool_calls[0]  # type: ignore[index]
    assert call.input_json == {"command": "pwd"} and call.result

    # fork: messageIndex counts leading messages; the dangling tool result comes along
    forked = await mix.client.post(f"/api/sessions/{sid}/fork", json={"messageIndex": 2, "title": "Branch"})
    assert forked.status_code == 201
    branch = forked.json()
    assert branch["sessionType"] == "main" and branch["parentSessionId"] == sid and branch["title"] == "Branch"
    copied = await mix.messages(branch["id"])
    assert [m["role"] for m in copied] == ["user", "assistant", "tool"]
    assert {m["id"] for m in copied}.isdisjoint({m["id"] for m in history})
    assert copied[1]["toolCalls"][0]["result"] == history[1]["toolCalls"][0]["result"]
    # a fork costs nothing, and its context is what its last copied model call saw
    def context_of(message: dict[str, int]) -> tuple[int, int]:
        return (message["inputTokens"] + message.get("cacheCreationTokens", 0),
                message["outputTokens"] + message.get("cacheReadTokens", 0))
    assert copied[1]["inputTokens"] > 0 and branch["cost"] == 0
    assert (branch["promptTokens"], branch["completionTokens"]) == context_of(copied[1])
    envelope(await mix.client.post(f"/api/sessions/{sid}/fork", json={"messageIndex": -1}), 400)
    envelope(await mix.client.post("/api/sessions/nope/fork", json={"messageIndex": 1}), 404)

    # rewind keeps messageId itself and drops everything after it
    rewound = await mix.client.post(f"/api/sessions/{sid}/rewind", json={"messageId": history[3]["id"], "cleanupMedia": True})
    assert rewound.status_code == 200 and rewound.json()["userMessageCount"] == 1
    # the context shrinks back to the last kept call's, not the dropped second prompt's
    assert (rewound.json()["promptTokens"], rewound.json()["completionTokens"]) == context_of(history[3])
    assert rewound.json()["promptTokens"] < context_of(history[5])[0]
    assert [m["id"] for m in await mix.messages(sid)] == [m["id"] for m in history[:4]]
    envelope(await mix.client.post(f"/api/sessions/{sid}/rewind", json={"messageId": "nope"}), 404)
    envelope(await mix.client.post(f"/api/sessions/{sid}/rewind", json={}), 400)
    # the original is untouched by the fork
    assert len(await mix.messages(branch["id"])) == 3


async def test_global_history_is_user_prompts_newest_first(mix: Harness) -> None:
    a = await mix.create_session()
    b = await mix.create_session()
    await run_turn(mix, a, "one")
    await run_turn(mix, b, "two")
    await run_turn(mix, a, "three")
    prompts = (await mix.client.get("/api/messages/history")).json()
    assert [p["userInput"] for p in prompts] == ["three", "two", "one"]
    assert all(p["role"] == "user" for p in prompts)
    page = (await mix.client.get("/api/messages/history", params={"limit": 1, "offset": 1})).json()
    assert [p["userInput"] for p in page] == ["two"]
    # the spec documents no 400 here: out-of-range values are clamped, junk reads as the default
    for params, expected in [
        ({"limit": 0}, ["three"]),
        ({"limit": 5000}, ["three", "two", "one"]),
        ({"limit": "many"}, ["three", "two", "one"]),
        ({"offset": -3}, ["three", "two", "one"]),
        ({"offset": 10**30}, []),
        ({"offset": "null"}, ["three", "two", "one"]),
    ]:
        answer = await mix.client.get("/api/messages/history", params=params)
        assert answer.status_code == 200, (params, answer.text)
        assert [p["userInput"] for p in answer.json()] == expected, params


async def test_files(mix: Harness) -> None:
    sid = await mix.create_session()
    assert (await mix.client.get(f"/api/sessions/{sid}/files")).json() == []
    uploaded = await mix.client.post(
        f"/api/sessions/{sid}/files/upload", files={"file": ("my notes.txt", b"hello files", "text/plain")}
    )
    assert uploaded.status_code == 201, uploaded.text
    info = uploaded.json()
    assert info["name"] == "my_notes.txt" and info["size"] == 11 and info["isDir"] is False
    assert info["url"] == f"{mix.url}/api/sessions/{sid}/files/my_notes.txt"
    assert info["originalName"] == "my notes.txt"
    listed = (await mix.client.get(f"/api/sessions/{sid}/files")).json()
    assert [f["name"] for f in listed] == ["my_notes.txt"]
    got = await mix.client.get(f"/api/sessions/{sid}/files/my_notes.txt")
    assert got.content == b"hello files" and got.headers["content-type"].startswith("text/plain")
    # nothing outside the session folder is reachable: a slash never matches the route, dot-names are refused
    envelope(await mix.client.get(f"/api/sessions/{sid}/files/..%2F..%2Fmix.db"), 404)
    envelope(await mix.client.get(f"/api/sessions/{sid}/files/%2E%2E"), 400)
    envelope(await mix.client.get(f"/api/sessions/{sid}/files/missing.txt"), 404)
    bad = await mix.client.post(f"/api/sessions/{sid}/files/upload", files={"other": ("a.txt", b"x")})
    envelope(bad, 400)
    assert (await mix.client.delete(f"/api/sessions/{sid}/files/my_notes.txt")).status_code == 204
    envelope(await mix.client.delete(f"/api/sessions/{sid}/files/my_notes.txt"), 404)
    envelope(await mix.client.get("/api/sessions/nope/files"), 404)


async def test_auth_endpoints(mix: Harness) -> None:
    status = (await mix.client.get("/api/auth/status")).json()["providers"]
    assert status["demo"]["authenticated"] is True and status["demo"]["auth_method"] == "none"
    assert status["anthropic"]["authenticated"] is False
    envelope(await mix.client.post("/api/auth/api-key", json={"provider": "anthropic", "api_key": "sk-nope"}), 400)
    envelope(await mix.client.post("/api/auth/api-key", json={"provider": "acme", "api_key": "sk-ant-" + "a" * 30}), 400)
    stored = await mix.client.post("/api/auth/api-key", json={"provider": "anthropic", "api_key": "sk-ant-" + "a" * 30})
    assert stored.status_code == 200 and stored.json()["status"] == "success"
    assert "aaaa" not in stored.text  # the key is never echoed
    status = (await mix.client.get("/api/auth/status")).json()["providers"]
    # the first real key moves the server off the offline demo (issue 10.1)
    assert status["anthropic"] == {"authenticated": True, "auth_method": "api_key", "display_name": "Anthropic ⭐"}
    validate = (await mix.client.get("/api/auth/validate")).json()
    assert validate["valid"] is True and validate["provider"] == "anthropic"
    deleted = await mix.client.delete("/api/auth/anthropic")
    assert deleted.status_code == 200 and deleted.json()["provider"] == "anthropic"
    envelope(await mix.client.delete("/api/auth/acme"), 400)
    for path in ("/api/auth/oauth/anthropic", "/api/auth/oauth-callback"):
        error = envelope(await mix.client.post(path, json={"provider": "anthropic", "code": "c", "state": "s"}), 400)
        assert error["message"] == "OAuth is not supported by this server"
    health = (await mix.client.get("/health/auth")).json()
    assert health["status"] == "healthy" and health["providers"] == {}


async def test_integers_too_large_for_sqlite_are_refused_or_clamped(mix: Harness) -> None:
    huge = 2**70
    for key in ("main_agent_max_tokens", "sub_agent_max_tokens"):
        envelope(await mix.client.post("/api/preferences", json={key: huge}), 400, "validation_error")
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    # no maximum in the spec: a huge max_steps means "unlimited", also when it has to wait in the queue
    assert (await mix.send(sid, "long 2", max_steps=huge)).status_code == 202
    assert (await mix.send(sid, "hi", max_steps=huge)).status_code == 202
    assert (await stream.turn())[-1].event == "complete"
    assert (await stream.turn())[-1].event == "complete"


async def test_preferences(mix: Harness) -> None:
    first = (await mix.client.get("/api/preferences")).json()
    assert first["preferences"] is None and "demo" in first["available_providers"]
    providers = (await mix.client.get("/api/preferences/providers")).json()
    assert providers["anthropic"]["models"] and providers["demo"]["display_name"]
    updated = await mix.client.post("/api/preferences", json={"preferred_provider": "openai", "main_agent_model": "gpt-5"})
    assert updated.status_code == 200
    assert updated.json()["preferred_provider"] == "openai" and updated.json()["main_agent_model"] == "gpt-5"
    envelope(await mix.client.post("/api/preferences", json={"preferred_provider": "acme"}), 400)
    # a session without its own provider now uses the preferred one, which has no key here
    sid = await mix.create_session()
    envelope(await mix.send(sid, "hi"), 401, "unauthorized")
    reset = (await mix.client.post("/api/preferences/reset")).json()
    assert reset["preferred_provider"] == "demo" and reset["main_agent_max_tokens"] > 0


async def test_system_endpoints(mix: Harness) -> None:
    health = (await mix.client.get("/health")).json()
    assert health["status"] == "ok" and health["version"] and health["services"]["database"] == "connected"
    info = (await mix.client.get("/api/system/info")).json()
    assert info["storageBasePath"].endswith("sessions")
    assert info["workingDirectory"] == str(mix.srv.config.workdir.resolve())
    assert (await mix.client.get("/api/mcp")).json() == []
    commands = (await mix.client.get("/api/commands")).json()
    assert {c["name"] for c in commands} == {"help", "cost"}
    assert (await mix.client.get("/api/commands/help")).json()["usage"] == "/help"
    envelope(await mix.client.get("/api/commands/nope"), 404)
    tools = (await mix.client.get("/api/tools")).json()["tools"]
    bash = next(t for t in tools if t["name"] == "Bash")
    assert bash["parameters"]["type"] == "object" and "command" in bash["required"]
    status = (await mix.client.get("/api/tools/status")).json()["categories"]
    assert any(t["provider"] == "Bash" for t in status["core"]["tools"])
    search = next(t for t in status["core"]["tools"] if t["display_name"] == "Search")
    assert search["provider"] == "brave"  # the service behind it, as for credentials-status
    assert search["api_key_required"] is True and search["authenticated"] is False
    credentials = (await mix.client.get("/api/tools/credentials-status")).json()["categories"]
    assert credentials["search"]["tools"][0]["provider"] == "brave"
    assert credentials["search"]["tools"][0]["authenticated"] is False
    await mix.client.post("/api/auth/api-key", json={"provider": "brave", "api_key": "BSA" + "k" * 28})
    credentials = (await mix.client.get("/api/tools/credentials-status")).json()["categories"]
    assert credentials["search"]["tools"][0]["authenticated"] is True
