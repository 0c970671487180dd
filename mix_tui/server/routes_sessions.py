"""`/api/sessions…`: create, list, get, rename (extension), delete, callbacks, export, rewind, fork
(extension), cancel."""

from __future__ import annotations

import asyncio
import shutil
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mix_tui.protocol.events import SessionCreated, SessionDeleted, SessionUpdated
from mix_tui.protocol.models import Callback, UpdateCallbacksRequest
from mix_tui.server import catalog
from mix_tui.server.http import ApiError, LargeJSON, json_body, not_found, parse, runtime, wire
from mix_tui.server.store import SessionRow, new_id
from mix_tui.server.turns import TurnManager
from mix_tui.server.views import callbacks_json, export_session, session_data

BROWSER_MODES = ("electron-embedded-browser", "local-browser-service", "remote-cdp-websocket")
PROMPT_LIMITS = {"append": 50 * 1024, "replace": 100 * 1024}
TITLE_LIMIT = 500  # characters
DELETE_WAIT = 5.0


def turns(request: Request) -> TurnManager:
    manager: TurnManager = request.app.state.turns
    return manager


async def _session_or_404(request: Request) -> SessionRow:
    rt = runtime(request)
    sid = request.path_params["id"]
    row = await rt.store.run(rt.store.get_session, sid)
    if row is None:
        raise not_found("Session", sid)
    return row


def _str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"Validation error for field '{key}': {key} must be a string", "validation_error")
    return value


CALLBACK_TYPES = ("bash_script", "sub_agent", "send_message")


def _callbacks(data: dict[str, Any]) -> list[Callback] | None:
    if data.get("callbacks") is None:
        return None
    callbacks = parse(UpdateCallbacksRequest, {"callbacks": data["callbacks"]}).callbacks
    for n, callback in enumerate(callbacks):
        if callback.type not in CALLBACK_TYPES:
            raise ApiError(
                400, f"Validation error for field 'callbacks.{n}.type': type must be one of {', '.join(CALLBACK_TYPES)}",
                "validation_error",
            )
    return callbacks


def _validate_create(data: dict[str, Any], known_providers: list[str]) -> SessionRow:
    title = _str(data, "title")
    if title is None:
        raise ApiError(400, "title is required", "validation_error")
    browser_mode = _str(data, "browserMode") or "local-browser-service"
    if browser_mode not in BROWSER_MODES:
        raise ApiError(400, f"browserMode must be one of {', '.join(BROWSER_MODES)}", "validation_error")
    cdp_url = _str(data, "cdpUrl") or None
    if browser_mode == "remote-cdp-websocket" and not (cdp_url or "").startswith(("ws://", "wss://")):
        raise ApiError(400, "cdpUrl is required for remote-cdp-websocket and must start with ws:// or wss://", "validation_error")
    mode = _str(data, "promptMode") or "default"
    if mode not in ("default", "append", "replace"):
        raise ApiError(400, "promptMode must be 'default', 'append', or 'replace'", "validation_error")
    custom = _str(data, "customSystemPrompt")
    if custom and mode in PROMPT_LIMITS and len(custom.encode()) > PROMPT_LIMITS[mode]:
        size, limit = len(custom.encode()) // 1024, PROMPT_LIMITS[mode] // 1024
        raise ApiError(400, f"Custom prompt size ({size}KB) exceeds {mode} mode limit of {limit}KB", "validation_error")
    if (_str(data, "sessionType") or "main") != "main":
        raise ApiError(400, "API can only create main sessions. Subagent sessions are created automatically.", "validation_error")
    if _str(data, "subagentType"):
        raise ApiError(400, "subagentType cannot be set for API-created sessions.", "validation_error")
    provider, model = _str(data, "provider") or None, _str(data, "modelId") or None
    if provider is not None and provider not in known_providers:
        raise ApiError(400, f"unknown provider '{provider}'; expected one of: {', '.join(known_providers)}", "validation_error")
    now = time.time()
    return SessionRow(
        id=new_id(), title=title, session_type="main", browser_mode=browser_mode, created_at=now, updated_at=now,
        cdp_url=cdp_url, custom_system_prompt=custom, prompt_mode=mode,
        callbacks=callbacks_json(_callbacks(data)), provider=provider, model_id=model,
    )


async def list_sessions(request: Request) -> Response:
    rt = runtime(request)
    include = request.query_params.get("includeSubagents", "false").lower() in ("1", "true", "yes")
    return LargeJSON(await rt.store.run(rt.sessions.json, include))


async def create_session(request: Request) -> Response:
    rt = runtime(request)
    row = _validate_create(await json_body(request), catalog.known_providers(rt.config))
    created = await rt.store.run(rt.store.create_session, row)
    rt.broker.publish_everywhere(SessionCreated(session_id=created.id, title=created.title, created_at=int(created.created_at)))
    return wire(session_data(created), 201)


async def get_session(request: Request) -> Response:
    return wire(session_data(await _session_or_404(request)))


async def rename_session(request: Request) -> Response:
    """Extension: `PATCH /api/sessions/{id}` with `{"title": …}`; every stream that asked for
    `session_updated` hears of it."""
    rt = runtime(request)
    row = await _session_or_404(request)
    title = (_str(await json_body(request), "title") or "").strip()
    if not title:
        raise ApiError(400, "Validation error for field 'title': title is required", "validation_error")
    if len(title) > TITLE_LIMIT:
        raise ApiError(400, f"Validation error for field 'title': at most {TITLE_LIMIT} characters", "validation_error")
    updated = await rt.store.run(rt.store.update_session, row.id, title=title)
    if updated is None:  # deleted while this request was on its way
        raise not_found("Session", row.id)
    rt.broker.publish_everywhere(SessionUpdated(session_id=row.id, title=title), extension=True)
    return wire(session_data(updated))


async def delete_session(request: Request) -> Response:
    rt = runtime(request)
    row = await _session_or_404(request)
    manager = turns(request)
    await manager.withdraw(row.id)
    if manager.cancel(row.id):
        await manager.wait(row.id, DELETE_WAIT)
    rt.permissions.deny_all(row.id)
    await rt.store.run(rt.store.delete_session, row.id)
    await asyncio.to_thread(shutil.rmtree, rt.config.sessions_dir / row.id, True)
    rt.tool_state.pop(row.id, None)
    rt.broker.publish_everywhere(SessionDeleted(session_id=row.id))
    rt.broker.close_session(row.id)
    return Response(status_code=204)


async def update_callbacks(request: Request) -> Response:
    rt = runtime(request)
    row = await _session_or_404(request)
    data = await json_body(request)
    if "callbacks" not in data:
        raise ApiError(400, "Validation error for field 'callbacks': callbacks is required", "validation_error")
    callbacks = _callbacks(data) or []
    updated = await rt.store.run(rt.store.update_session, row.id, callbacks=callbacks_json(callbacks))
    if updated is None:  # deleted while this request was on its way
        raise not_found("Session", row.id)
    return wire(session_data(updated))


async def export(request: Request) -> Response:
    rt = runtime(request)
    row = await _session_or_404(request)
    messages = await rt.store.run(rt.store.list_messages, row.id)
    headers = {"Content-Disposition": f"attachment; filename=session_{row.id}_transcript.json"}
    return wire(export_session(row, messages), headers=headers)


async def rewind(request: Request) -> Response:
    rt = runtime(request)
    row = await _session_or_404(request)
    data = await json_body(request)
    message_id = _str(data, "messageId")
    if not message_id:
        raise ApiError(400, "messageId is required", "validation_error")
    if turns(request).is_running(row.id):  # 400: the spec documents no 409 here
        raise ApiError(400, "A turn is running in this session; cancel it before rewinding")
    kept_at = await rt.store.run(rt.store.rewind, row.id, message_id)
    if kept_at is None:
        raise not_found("Message", message_id)
    if data.get("cleanupMedia", True) is not False:
        await asyncio.to_thread(_remove_files_newer_than, rt.config.files_dir(row.id), kept_at)
    updated = await rt.store.run(rt.store.get_session, row.id)
    if updated is None:
        raise not_found("Session", row.id)
    return wire(session_data(updated))


def _remove_files_newer_than(folder: Any, moment: float) -> None:
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime > moment:
                path.unlink()
        except OSError:
            pass  # best effort, as in Mix


async def fork(request: Request) -> Response:
    rt = runtime(request)
    source = await _session_or_404(request)
    data = await json_body(request)
    index = data.get("messageIndex")
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise ApiError(400, "messageIndex is required and must be an integer >= 0", "validation_error")
    title = _str(data, "title") or "Forked Session"
    now = time.time()
    row = SessionRow(
        id=new_id(), title=title, session_type="main", browser_mode=source.browser_mode, created_at=now,
        updated_at=now, cdp_url=source.cdp_url, custom_system_prompt=source.custom_system_prompt,
        prompt_mode=source.prompt_mode, parent_session_id=source.id, forked=True,
        callbacks=source.callbacks, provider=source.provider, model_id=source.model_id,
    )
    created = await rt.store.run(rt.store.fork, source.id, index, row)
    if created is None:
        raise not_found("Session", source.id)
    rt.broker.publish_everywhere(SessionCreated(session_id=created.id, title=created.title, created_at=int(now)))
    return wire(session_data(created), 201)


async def cancel(request: Request) -> Response:
    """Stops the running turn only: queued prompts then run, unless `?queue=true` (extension) also
    withdraws them."""
    row = await _session_or_404(request)
    manager = turns(request)
    answer: dict[str, object] = {}
    if request.query_params.get("queue", "").lower() in ("1", "true", "yes"):
        answer["withdrawn"] = len(await manager.withdraw(row.id))
    was_running = manager.cancel(row.id)
    return wire({"cancelled": was_running, "status": "cancelled", "sessionId": row.id, **answer})


ROUTES = [
    Route("/api/sessions", list_sessions, methods=["GET"]),
    Route("/api/sessions", create_session, methods=["POST"]),
    Route("/api/sessions/{id}", get_session, methods=["GET"]),
    Route("/api/sessions/{id}", rename_session, methods=["PATCH"]),
    Route("/api/sessions/{id}", delete_session, methods=["DELETE"]),
    Route("/api/sessions/{id}/callbacks", update_callbacks, methods=["PATCH"]),
    Route("/api/sessions/{id}/export", export, methods=["GET"]),
    Route("/api/sessions/{id}/rewind", rewind, methods=["POST"]),
    Route("/api/sessions/{id}/fork", fork, methods=["POST"]),
    Route("/api/sessions/{id}/cancel", cancel, methods=["POST"]),
]
