"""Messages (send, list, global history), slash commands, permission answers, notification answers."""

from __future__ import annotations

import asyncio
import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mix_tui.protocol.events import Error
from mix_tui.protocol.models import BackendMessage, NotificationResponseRequest, SendMessageRequest
from mix_tui.server import catalog
from mix_tui.server.agent import TurnRequest
from mix_tui.server.http import ApiError, json_body, not_found, parse, runtime, wire
from mix_tui.server.notifications import InvalidAnswer
from mix_tui.server.routes_sessions import turns
from mix_tui.server.store import SessionRow
from mix_tui.server.tools.base import Answer
from mix_tui.server.turns import MAX_QUEUED, QueueFull
from mix_tui.server.views import backend_message, backend_messages

# a slash command is "/name" as the first word; "/etc/hosts is odd" is a prompt, not a command
_COMMAND = re.compile(r"^/([A-Za-z][\w-]*)(?:\s|$)")

MAX_STEPS = 1_000_000

COMMANDS: dict[str, tuple[str, str]] = {
    "help": ("Show what you can type and the available commands", "/help"),
    "cost": ("Show this session's tokens and cost", "/cost"),
}


async def _session(request: Request) -> SessionRow:
    rt = runtime(request)
    sid = request.path_params["id"]
    row = await rt.store.run(rt.store.get_session, sid)
    if row is None:
        raise not_found("Session", sid)
    return row


def _command_answer(name: str, text: str, session: SessionRow) -> BackendMessage:
    if name == "help":
        lines = ["Commands:"] + [f"  /{n} — {d}" for n, (d, _) in COMMANDS.items()]
        lines += ["", "Anything else you type is sent to the agent."]
        answer = "\n".join(lines)
    else:
        answer = (
            f"Session cost: ${session.cost:.4f}\n"
            f"Context in use: {session.prompt_tokens} prompt tokens, {session.completion_tokens} completion tokens "
            "(last model call)"
        )
    return BackendMessage(
        id=f"cmd-{name}", session_id=session.id, role="assistant", user_input=text, assistant_response=answer
    )


async def send_message(request: Request) -> Response:
    rt = runtime(request)
    session = await _session(request)
    body = parse(SendMessageRequest, await json_body(request))
    if not body.text.strip():
        raise ApiError(400, "Validation error for field 'text': text must not be empty", "validation_error")
    command = _COMMAND.match(body.text.strip())
    if command:
        name = command.group(1).lower()
        if name not in COMMANDS:
            raise ApiError(404, f"Command '/{name}' not found")
        return wire(_command_answer(name, body.text.strip(), session))
    if rt.shutting_down.is_set():
        raise ApiError(503, "The server is shutting down", "internal_error")
    prefs = await rt.store.run(rt.store.get_preferences)
    choice = catalog.choose(session.provider, session.model_id, prefs, rt.config)
    if not await asyncio.to_thread(catalog.has_credentials, choice.provider):
        message = f"No API key configured for provider '{choice.provider}'. Add one with POST /api/auth/api-key."
        rt.publish(session.id, Error(error=message, type="authentication_error"))
        raise ApiError(401, message, "unauthorized")
    # the spec sets no maximum; beyond MAX_STEPS is "unlimited" in practice (and must fit SQLite's integers)
    max_steps = min(body.max_steps, MAX_STEPS) if body.max_steps is not None else None
    request_ = TurnRequest(
        text=body.text, plan_mode=bool(body.plan_mode), thinking_level=body.thinking_level, max_steps=max_steps
    )
    try:
        queued = await turns(request).submit(session.id, request_)
    except QueueFull:
        raise ApiError(400, f"{MAX_QUEUED} prompts already wait in this session's queue", "validation_error") from None
    accepted: dict[str, object] = {"status": "processing", "sessionId": session.id}
    # extension: it waits behind the running turn (withdraw: DELETE …/queue/{id}). It may already have
    # started while its row was stored: then it is simply processing (a 500 here made the SDK, which
    # retries sends on 5xx, run the prompt twice)
    waiting = [q.id for q in turns(request).queued(session.id)] if queued is not None else []
    if queued is not None and queued.id in waiting:
        accepted.update(queued=True, queueId=queued.id, queuePosition=waiting.index(queued.id) + 1)
    return wire(accepted, 202)


async def list_messages(request: Request) -> Response:
    rt = runtime(request)
    session = await _session(request)
    rows = await rt.store.run(rt.store.list_messages, session.id)
    return wire(backend_messages(rows))


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    """The spec documents no 400 here (as Go, which never refuses): a value that is not an integer
    reads as the default, one out of range is clamped."""
    try:
        value = int(request.query_params.get(name) or default)
    except ValueError:
        return default
    return min(max(value, low), high)


async def history(request: Request) -> Response:
    rt = runtime(request)
    limit = _int_param(request, "limit", 50, 1, 1000)
    offset = _int_param(request, "offset", 0, 0, 2**62)
    rows = await rt.store.run(rt.store.user_history, limit, offset)
    return wire([backend_message(r) for r in rows])


async def grant(request: Request) -> Response:
    return _answer(request, granted=True)


async def deny(request: Request) -> Response:
    return _answer(request, granted=False)


GRANT_SCOPES = ("once", "session", "rule")


def _answer(request: Request, *, granted: bool) -> Response:
    rt = runtime(request)
    pid = request.path_params["id"]
    # extension: what the grant covers, recorded as the call's `permission` (spec clients send none)
    scope = request.query_params.get("scope") or "once"
    if granted and scope not in GRANT_SCOPES:
        raise ApiError(400, f"scope must be one of {', '.join(GRANT_SCOPES)}", "validation_error")
    if not rt.permissions.answer(pid, granted, scope):
        raise ApiError(404, f"Permission request with ID '{pid}' not found (already answered or expired)")
    # the spec's key and Go's keys together (DESIGN.md §2.5)
    verb = "granted" if granted else "denied"
    return wire({verb: True, "status": verb, "id": pid, "message": f"Permission {verb} successfully"})


async def respond_notification(request: Request) -> Response:
    rt = runtime(request)
    nid = request.path_params["id"]
    if not rt.notifications.pending_for_id(nid):
        # checked first: an unknown id is 404 whatever the body (the spec's answer for it)
        raise ApiError(404, f"Notification with ID '{nid}' not found or already answered")
    body = parse(NotificationResponseRequest, await json_body(request))
    try:
        answered = rt.notifications.respond(nid, Answer(body.type, body.value))
    except InvalidAnswer as exc:
        raise ApiError(400, f"Validation error for field 'value': {exc}", "validation_error") from None
    if not answered:
        raise ApiError(404, f"Notification with ID '{nid}' not found or already answered")
    return Response(status_code=204)


async def list_commands(request: Request) -> Response:
    return wire([{"name": n, "description": d, "type": "builtin"} for n, (d, _) in COMMANDS.items()])


async def get_command(request: Request) -> Response:
    name = request.path_params["name"].lstrip("/").lower()
    if name not in COMMANDS:
        raise ApiError(404, f"Command '{name}' not found")
    description, usage = COMMANDS[name]
    return wire({"name": name, "description": description, "usage": usage, "type": "builtin"})


ROUTES = [
    Route("/api/sessions/{id}/messages", send_message, methods=["POST"]),
    Route("/api/sessions/{id}/messages", list_messages, methods=["GET"]),
    Route("/api/messages/history", history, methods=["GET"]),
    Route("/api/permissions/{id}/grant", grant, methods=["POST"]),
    Route("/api/permissions/{id}/deny", deny, methods=["POST"]),
    Route("/api/notifications/{id}/respond", respond_notification, methods=["POST"]),
    Route("/api/commands", list_commands, methods=["GET"]),
    Route("/api/commands/{name}", get_command, methods=["GET"]),
]
