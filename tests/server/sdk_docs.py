"""What the tests of the official mix-python-sdk documentation share: the server they run against,
the shims the documentation forces, and waits for the turns the SDK's `send` only starts.

The documentation is the SDK 0.8.1 repository's README.md, STREAMING.md, docs/sdks/*/README.md and
examples/*.py. Its examples expect a Mix server without auth on a URL (`Mix(server_url=...)`), so the
server here is a real `mix-tui serve --provider demo --no-token` process. Every shim is a function
below whose docstring says which documented line cannot run as written and why.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from mix_python_sdk import Mix, models

from tests.server.proc import Served

# what the docs read from OPENROUTER_API_KEY: well-formed, so it is stored; never valid anywhere
DOCS_KEY = "sk-or-v1-" + "d0c5" * 16
BROWSER_MODE = "local-browser-service"
# a turn's last message carries one of these once the turn is over (tool_use: more steps follow)
FINAL_REASONS = frozenset({"end_turn", "max_tokens", "canceled", "error", "permission_denied"})
TURN_TIMEOUT = 30.0  # generous: 2 cores, another process hogging one


def serve_for_docs(tmp: Path) -> Iterator[Served]:
    """One server per test module, as a user would start it to try the docs offline. Whatever the
    documented calls sent, it must never have failed inside (a 5xx, which the SDK also retries)."""
    log = tmp / "server.log"
    with log.open("w") as sink:
        served = Served(tmp, "--no-token", "--demo-rate", "max", "--permission-timeout", "20", stderr=sink)
        try:
            yield served
        finally:
            assert served.stop() == 0
    errors = log.read_text()
    assert "Traceback" not in errors and "unhandled error" not in errors, errors


def forget_everything(url: str) -> None:
    """Between tests: no sessions, default preferences, no stored keys (the docs' examples each
    assume a server of their own; they share one here to stay fast)."""
    with httpx.Client(base_url=url, timeout=10) as http:
        for session in http.get("/api/sessions", params={"includeSubagents": "true"}).json():
            assert http.delete(f"/api/sessions/{session['id']}").status_code in (200, 204, 404)
        assert http.post("/api/preferences/reset").status_code == 200
        for provider in ("openrouter", "brave"):
            assert http.delete(f"/api/auth/{provider}").status_code == 200


# ---- shims: only what the documentation forces ---------------------------------------------------


def supply_browser_mode(mix: Mix) -> Mix:
    """SDK 0.8.1 made `browser_mode` a required keyword of `sessions.create`, yet the README, STREAMING.md,
    most examples and the SDK's own `StreamingSession` helper call `create(title=...)` without it
    (TypeError). This gives the argument the value the other examples pass; callers that name it win."""
    sessions = mix.sessions
    for name in ("create", "create_async"):
        setattr(sessions, name, functools.partial(getattr(sessions, name), browser_mode=BROWSER_MODE))
    return mix


def fork(mix: Mix, *, id: str, message_index: int, title: str) -> models.SessionData:
    """examples/sessions_example.py calls `mix.sessions.fork(...)`, which SDK 0.8.1 no longer has (spec
    0.8.0 dropped the route as deprecated; our server keeps it, DESIGN.md §2 decision 4). The same
    request through the SDK's own HTTP client, parsed with the SDK's own model."""
    client = mix.sdk_configuration.client
    assert client is not None
    base, _ = mix.sdk_configuration.get_server_details()
    response = client.post(
        f"{base}/api/sessions/{id}/fork", json={"messageIndex": message_index, "title": title}
    )
    assert response.status_code == 201, response.text
    return models.SessionData.model_validate(response.json())


def answers(mix: Mix, session_id: str, users: int) -> list[str]:
    """The examples print `send(...).assistant_response`, from the synchronous send of SDKs before 0.7;
    0.8.1's send answers 202 with `{sessionId, status}` only (AttributeError). The answers are in the
    session's history once its `users` prompts have been answered: every assistant response, oldest first."""
    settled(mix, session_id, users)
    return [
        m.assistant_response or "" for m in mix.messages.list_session(id=session_id) if m.role == "assistant"
    ]


# ---- waits ----------------------------------------------------------------------------------------


def _get(mix: Mix, path: str) -> httpx.Response:
    client = mix.sdk_configuration.client
    assert client is not None
    base, _ = mix.sdk_configuration.get_server_details()
    return client.get(f"{base}{path}")


def settled(mix: Mix, session_id: str, users: int) -> models.ExportSession:
    """The session once its first `users` prompts are all answered and nothing waits in its queue
    (`send` only starts a turn: the 202 can come before the prompt is even stored). Polls the export,
    the one read path with finish reasons."""
    deadline = time.monotonic() + TURN_TIMEOUT
    while True:
        exported = mix.sessions.export_session(id=session_id).result
        waiting = _get(mix, f"/api/sessions/{session_id}/queue").json()
        sent = sum(1 for m in exported.messages if m.role == "user")
        # the last step ended the turn (a cancelled step's tool results may follow it)
        tail = [m for m in exported.messages if m.role in ("user", "assistant")][-1:]
        over = bool(tail) and tail[0].role == "assistant" and tail[0].finish_reason in FINAL_REASONS
        if over and not waiting and sent >= users:
            return exported
        assert time.monotonic() < deadline, f"turns of {session_id} still running: {exported.messages[-3:]}"
        time.sleep(0.02)
