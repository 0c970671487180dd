"""A scripted Mix server in-process: REST answers from memory and real SSE bytes, through the SDK's
`transport=` seam (`httpx.MockTransport`), so TUI flows run in milliseconds with no process.

It speaks what our local server speaks (wire names from the protocol models, per-session event ids,
`connected` first, the extension fields that store how turns and tools ended). A turn is run by a
script: an async function that gets a `ScriptedTurn` and emits events through it (thinking, text,
tool calls that may wait for a permission answer, the end) while the stored messages are kept the way
our server keeps them. Tests can also emit events by hand, cut the streams (a lost connection), take
the server away (every request fails to connect) or refuse chosen requests with a status.

Like our server it forks, rewinds, exports, renames (with a `session_updated` event to the streams
that ask for it) and searches; `extensions = False` makes it a server without those extensions
(fork, rename and search answer 404, as on a Go server).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from mix_tui.protocol.events import (
    Complete,
    Connected,
    Content,
    Error,
    MixEvent,
    Permission,
    SessionCreated,
    SessionUpdated,
    Thinking,
    ToolExecutionComplete,
    ToolExecutionStart,
    ToolUseParameterStreamingComplete,
    ToolUseStart,
    UserMessageCreated,
    encode_event,
)
from mix_tui.protocol.models import BackendMessage, SessionData, ToolCallData
from mix_tui.sdk.client import MixClient

BASE_URL = "http://scripted.test"
_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


Script = Callable[["ScriptedTurn"], Awaitable[None]]


async def echo(turn: ScriptedTurn) -> None:
    """The default turn, like the demo model's: a short thinking, then the prompt echoed back; a
    prompt `$ CMD` runs a Bash call that asks for permission; `hold` waits for `mix.release()`."""
    await turn.think("Let me see.")
    text = turn.text
    if text.startswith("$ "):
        command = text[2:]
        await turn.say(f"I'll run {command}.")
        outcome = await turn.tool(
            "Bash", {"command": command}, result=f"{command}: output\n", ask=True,
            description=f"Execute command: {command}",
        )  # fmt: skip
        await turn.say(f" The call ended: {outcome}.")
    elif text.startswith("long "):
        for section in range(1, int(text.split()[1]) + 1):
            body = " ".join(f"Sentence {n} of part {section} says a little more." for n in range(1, 7))
            points = "".join(f"- point {n} of part {section}\n" for n in range(1, 7))
            await turn.say(f"## {section}. Part {section}\n\n{body}\n\n{points}\n")
    elif text.startswith("hold"):
        await turn.say("Part 1 is here.")
        await turn.mix.held.wait()
        await turn.say(" Part 2 follows.")
    else:
        await turn.say(f"You said: {text}")
    turn.complete()


async def idle(turn: ScriptedTurn) -> None:
    """A turn that only stores the prompt; the test emits the rest by hand."""


@dataclass
class _Stream:
    session_id: str
    queue: asyncio.Queue[bytes | None] = field(default_factory=asyncio.Queue)
    extensions: frozenset[str] = frozenset()


class ScriptedMix:
    def __init__(self, script: Script = echo, *, workdir: str | None = "/work") -> None:
        self.script = script
        self.workdir = workdir
        self.sessions: dict[str, SessionData] = {}
        self.messages: dict[str, list[BackendMessage]] = {}
        self.requests: list[httpx.Request] = []
        self.answers: dict[str, tuple[bool, str | None]] = {}  # permission id -> (granted, scope)
        self.down = False  # every request fails to connect (the server is away)
        self.refuse: dict[tuple[str, str], tuple[int, str]] = {}  # (method, path) -> (status, message)
        self.running: dict[str, asyncio.Task[None]] = {}
        self.turns: list[ScriptedTurn] = []
        self._streams: list[_Stream] = []
        self._event_ids: dict[str, itertools.count[int]] = {}
        self._waiting: dict[str, asyncio.Future[bool]] = {}  # permission id -> granted?
        self.held = asyncio.Event()  # `hold` turns wait for it
        self.queue_sends = False  # a send while a turn runs: 409 (older servers) or queued (ours)
        self.extensions = True  # fork, rename and search, as our server has them
        self.commands: list[dict[str, Any]] = []  # GET /api/commands: the server's slash commands
        # models and defaults (GET /api/preferences/providers, /api/preferences, /api/auth/status)
        self.providers: dict[str, dict[str, Any]] = {
            "demo": {"display_name": "Offline demo", "models": ["demo"]},
            "openai": {
                "display_name": "OpenAI", "models": ["gpt-5", "gpt-4.1"],
                "model_details": {"gpt-4.1": {"context_window": 1047576, "input_price": 2.0, "output_price": 8.0}},
            },
        }  # fmt: skip
        self.keys: set[str] = {"openai"}  # providers with a stored key
        self.preferences: dict[str, Any] | None = {"preferred_provider": "demo", "main_agent_model": "demo"}
        self.has_preferences = True  # False: /api/preferences* answer 404 (the newest Mix spec)
        self.session_models = True  # False: no PATCH /api/sessions/{id}/model (any Mix server)

    def release(self) -> None:
        self.held.set()

    # ---- wiring ------------------------------------------------------------------------------

    @property
    def transport(self) -> httpx.MockTransport:
        # looked up per request, so a test can wrap `handle` after the app was made
        return httpx.MockTransport(lambda request: self.handle(request))

    def client(self, **options: Any) -> MixClient:
        return MixClient(BASE_URL, transport=self.transport, **options)

    def add_session(self, title: str = "A session", **fields: Any) -> SessionData:
        session = SessionData(id=new_id("s"), title=title, created_at=None, **fields)
        self.sessions[session.id] = session
        self.messages[session.id] = []
        return session

    def store(self, session_id: str, message: BackendMessage) -> None:
        self.messages[session_id].append(message)
        session = self.sessions[session_id]
        if message.role == "user":
            session.user_message_count += 1
        elif message.role == "assistant":
            session.assistant_message_count += 1

    # ---- events ------------------------------------------------------------------------------

    def emit(self, session_id: str, event: MixEvent) -> None:
        counter = self._event_ids.setdefault(session_id, itertools.count(1))
        frame = encode_event(event, next(counter))
        for stream in self._streams:
            if stream.session_id == session_id and (
                not isinstance(event, SessionUpdated) or event.event_name in stream.extensions
            ):
                stream.queue.put_nowait(frame)

    def emit_everywhere(self, event: MixEvent) -> None:
        """session_created / session_updated: into every session's stream."""
        for session_id in {stream.session_id for stream in self._streams}:
            self.emit(session_id, event)

    def subscribers(self, session_id: str) -> int:
        return sum(1 for s in self._streams if s.session_id == session_id)

    def cut_streams(self) -> None:
        """End every open stream (the client sees the server close it, and reconnects)."""
        for stream in self._streams:
            stream.queue.put_nowait(None)
        self._streams.clear()

    def crash(self) -> None:
        """The server dies (kill -9) and comes back: running turns stop without a word, their
        prompts read "interrupted" as a restarted server of ours marks them, and the streams drop."""
        for session_id, task in self.running.items():
            if not task.done():
                task.cancel()
                for turn in self.turns:
                    if turn.session_id == session_id and not turn.ended:
                        turn.ended = True
                        turn.prompt.turn_status = "interrupted"
                        turn.prompt.turn_error = "interrupted: the server stopped while this turn ran"
        self.cut_streams()

    def waiting_permissions(self) -> list[str]:
        return [pid for pid, future in self._waiting.items() if not future.done()]

    def expire(self, permission_id: str) -> None:
        """Nobody answered in time: the server denies it on its own."""
        future = self._waiting.get(permission_id)
        if future is not None and not future.done():
            future.set_exception(TimeoutError())

    # ---- the HTTP side -----------------------------------------------------------------------

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        method, path = request.method, request.url.path
        refused = self.refuse.get((method, path))
        if refused is not None:
            status, message = refused
            return _error(status, message)
        parts = path.strip("/").split("/")
        if path == "/health":
            return _json({"status": "ok"})
        if path == "/stream":
            return self._stream(request)
        if parts[:2] == ["api", "sessions"]:
            return await self._sessions(request, parts[2:])
        if parts[:2] == ["api", "permissions"] and len(parts) == 4:
            return self._answer(parts[2], parts[3] == "grant", request.url.params.get("scope"))
        if path == "/api/messages/history":
            prompts = [m for ms in self.messages.values() for m in ms if m.role == "user"]
            return _json([m.to_wire() for m in reversed(prompts)])
        if path == "/api/auth/api-key" and method == "POST":
            body = json.loads(request.content)
            if len(body.get("api_key", "")) < 20:
                return _error(400, "API key too short (check its length)")
            self.keys.add(body["provider"])
            return _json({"status": "success", "provider": body["provider"], "message": "API key stored"})
        if parts[:2] == ["api", "auth"] and method == "DELETE" and len(parts) == 3:
            self.keys.discard(parts[2])
            return _json({"status": "success", "provider": parts[2], "message": f"Credentials for {parts[2]} deleted"})
        if path == "/api/auth/status":
            return _json({"providers": {
                name: {"authenticated": name == "demo" or name in self.keys, "display_name": info["display_name"],
                       "auth_method": "api_key" if name in self.keys else "none"}
                for name, info in self.providers.items()
            }})  # fmt: skip
        if path.startswith("/api/preferences") and not self.has_preferences:
            return _error(404, "404 page not found")
        if path == "/api/preferences" and method == "POST":
            self.preferences = {**(self.preferences or {}), **json.loads(request.content)}
            return _json(self.preferences)
        if path == "/api/preferences":
            return _json({"preferences": self.preferences, "available_providers": self.providers})
        if path == "/api/preferences/providers":
            return _json(self.providers)
        if path == "/api/commands":
            return _json(self.commands)
        if path == "/api/system/info":
            return _json({"storageBasePath": "/data", "workingDirectory": self.workdir})
        if path == "/api/search" and self.extensions:
            return self._search(request.url.params.get("q", ""), int(request.url.params.get("limit", "50")))
        return _error(404, f"no route {method} {path}")

    def _search(self, query: str, limit: int) -> httpx.Response:
        words = [w.casefold() for w in query.split()]
        hits = []
        for sid, messages in self.messages.items():
            for m in messages:
                if m.role in ("user", "assistant") and words and all(w in m.text.casefold() for w in words):
                    at = m.text.casefold().find(words[0])
                    hits.append({
                        "sessionId": sid, "sessionTitle": self.sessions[sid].title, "messageId": m.id, "role": m.role,
                        "snippet": m.text, "highlights": [[at, at + len(words[0])]],
                    })  # fmt: skip
        return _json({"query": query, "results": hits[:limit], "total": len(hits), "tookMs": 0.5})

    async def _sessions(self, request: httpx.Request, rest: list[str]) -> httpx.Response:
        method = request.method
        if not rest:
            if method == "POST":
                body = json.loads(request.content or b"{}")
                session = self.add_session(body.get("title") or "New session")
                session.provider, session.model_id = body.get("provider"), body.get("modelId")
                return _json(session.to_wire())
            return _json([s.to_wire() for s in reversed(self.sessions.values())])
        session = self.sessions.get(rest[0])
        if session is None:
            return _error(404, f"Session with ID '{rest[0]}' not found")
        sid = session.id
        action = rest[1] if len(rest) > 1 else ""
        if action == "" and method == "DELETE":
            del self.sessions[sid]
            return httpx.Response(204)
        if action == "" and method == "PATCH":
            if not self.extensions:
                return _error(405, "Method not allowed")
            session.title = json.loads(request.content)["title"]
            self.emit_everywhere(SessionUpdated(session_id=sid, title=session.title))
            return _json(session.to_wire())
        if action == "":
            return _json(session.to_wire())
        if action == "model" and method == "PATCH" and self.session_models:
            body = json.loads(request.content)
            session.provider, session.model_id = body.get("provider"), body.get("modelId")
            return _json(session.to_wire())
        if action == "messages" and method == "GET":
            return _json([m.to_wire() for m in self.messages[sid]])
        if action == "messages":
            return self._send(sid, json.loads(request.content)["text"])
        if action == "fork" and method == "POST":
            if not self.extensions:
                return _error(404, "404 page not found")
            body = json.loads(request.content)
            return self._fork(sid, body["messageIndex"], body.get("title") or "Forked Session")
        if action == "rewind" and method == "POST":
            return self._rewind(sid, json.loads(request.content)["messageId"])
        if action == "export" and method == "GET":
            exported = [
                {"id": m.id, "role": m.role, "content": m.text, "createdAt": "2026-03-10T12:00:00Z",
                 "updatedAt": "2026-03-10T12:00:00Z", "model": m.model}
                for m in self.messages[sid]
            ]  # fmt: skip
            return _json({"id": sid, "title": session.title, "messages": exported, "cost": session.cost,
                          "thinkingBlocks": []})  # fmt: skip
        if action == "cancel":
            task = self.running.get(sid)
            if task is not None and not task.done():
                task.cancel()
            return _json({"cancelled": task is not None, "status": "cancelled", "sessionId": sid})
        return _error(404, f"no route {method} {request.url.path}")

    def _fork(self, source_id: str, count: int, title: str) -> httpx.Response:
        fork = self.add_session(title, parent_session_id=source_id)
        for message in self.messages[source_id][:count]:
            self.store(fork.id, message.model_copy(update={"id": new_id("f"), "session_id": fork.id}))
        self.emit_everywhere(SessionCreated(session_id=fork.id, title=title))
        return _json(fork.to_wire(), 201)

    def _rewind(self, session_id: str, keep: str) -> httpx.Response:
        messages = self.messages[session_id]
        position = next((n for n, m in enumerate(messages) if m.id == keep), None)
        if position is None:
            return _error(404, f"Message with ID '{keep}' not found")
        running = self.running.get(session_id)
        if running is not None and not running.done():
            return _error(400, "A turn is running in this session; cancel it before rewinding")
        for gone in messages[position + 1 :]:
            session = self.sessions[session_id]
            if gone.role == "user":
                session.user_message_count -= 1
            elif gone.role == "assistant":
                session.assistant_message_count -= 1
        del messages[position + 1 :]
        return _json(self.sessions[session_id].to_wire())

    def _send(self, session_id: str, text: str) -> httpx.Response:
        running = self.running.get(session_id)
        if running is not None and not running.done():
            if not self.queue_sends:
                return _error(409, "A turn is already running in this session")
            # like our server: accepted, run after the running turn
            turn = ScriptedTurn(self, session_id, text)
            self.turns.append(turn)

            async def after(previous: asyncio.Task[None] = running) -> None:
                await asyncio.wait({previous})
                await turn.run()

            self.running[session_id] = asyncio.get_running_loop().create_task(after())
            body = {"status": "processing", "sessionId": session_id, "queued": True, "queueId": "q1"}
            return httpx.Response(202, json=body)
        turn = ScriptedTurn(self, session_id, text)
        self.turns.append(turn)
        self.running[session_id] = asyncio.get_running_loop().create_task(turn.run())
        return httpx.Response(202, json={"status": "processing", "sessionId": session_id})

    def _answer(self, permission_id: str, granted: bool, scope: str | None) -> httpx.Response:
        future = self._waiting.get(permission_id)
        if future is None or future.done():
            return _error(404, f"Permission {permission_id} not found")
        self.answers[permission_id] = (granted, scope)
        future.set_result(granted)
        key = "granted" if granted else "denied"
        return _json({key: True, "status": key, "id": permission_id})

    def _stream(self, request: httpx.Request) -> httpx.Response:
        sid = request.url.params.get("sessionId", "")
        if sid not in self.sessions:
            return _error(404, f"Session with ID '{sid}' not found")
        asked = frozenset(request.url.params.get("extensions", "").split(",")) if self.extensions else frozenset()
        stream = _Stream(sid, extensions=asked)
        self._streams.append(stream)
        counter = self._event_ids.setdefault(sid, itertools.count(1))
        stream.queue.put_nowait(encode_event(Connected(session_id=sid), next(counter)))

        async def body() -> AsyncIterator[bytes]:
            try:
                while (chunk := await stream.queue.get()) is not None:
                    yield chunk
            finally:
                if stream in self._streams:
                    self._streams.remove(stream)

        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body())


class ScriptedTurn:
    """One turn on the scripted server; the script calls these to emit events and store messages."""

    def __init__(self, mix: ScriptedMix, session_id: str, text: str) -> None:
        self.mix = mix
        self.session_id = session_id
        self.text = text
        self.prompt = BackendMessage(
            id=new_id("u"), session_id=session_id, role="user", user_input=text, turn_status="running"
        )
        self.answer: BackendMessage | None = None
        self.ended = False

    def emit(self, event: MixEvent) -> None:
        self.mix.emit(self.session_id, event)

    async def run(self) -> None:
        self.mix.store(self.session_id, self.prompt)
        self.emit(UserMessageCreated(message_id=self.prompt.id, content=self.text))
        try:
            await self.mix.script(self)
        except asyncio.CancelledError:
            self.end_with("cancelled", "request cancelled by user")  # no word when it crashed
            return
        if not self.ended:
            self.complete()

    def _message(self) -> BackendMessage:
        if self.answer is None:
            self.answer = BackendMessage(
                id=new_id("a"), session_id=self.session_id, role="assistant", assistant_response="",
                model="scripted",
            )  # fmt: skip
            self.mix.store(self.session_id, self.answer)
        return self.answer

    async def think(self, text: str, seconds: float = 0.0) -> None:
        message = self._message()
        self.emit(Thinking(content=text, assistant_message_id=message.id))
        message.reasoning = (message.reasoning or "") + text
        message.reasoning_duration = 250  # ms, as our server stores it
        await asyncio.sleep(seconds)

    async def say(self, text: str) -> None:
        message = self._message()
        self.emit(Content(content=text, assistant_message_id=message.id))
        message.assistant_response = (message.assistant_response or "") + text
        await asyncio.sleep(0)

    async def tool(
        self,
        name: str,
        arguments: dict[str, Any],
        result: str = "done",
        *,
        ask: bool = False,
        description: str = "",
        path: str | None = None,
    ) -> str:
        """A tool call; with `ask`, it waits for the permission answer. Returns its ToolOutcome."""
        message = self._message()
        call_id = new_id("call")
        encoded = json.dumps(arguments)
        self.emit(ToolUseStart(id=call_id, name=name, assistant_message_id=message.id))
        self.emit(ToolUseParameterStreamingComplete(id=call_id, name=name, input=encoded))
        call = ToolCallData(id=call_id, name=name, input=encoded)
        message.tool_calls = [*(message.tool_calls or []), call]
        self.emit(ToolExecutionStart(tool_call_id=call_id, tool_name=name, progress=f"Running {name}"))
        if ask:
            permission_id = new_id("perm")
            future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            self.mix._waiting[permission_id] = future
            self.emit(Permission(
                id=permission_id, session_id=self.session_id, tool_name=name,
                description=description or f"{name} wants to run", action=name.lower(),
                path=path, params=arguments,
            ))  # fmt: skip
            try:
                granted = await future
            except TimeoutError:
                return self._refused(call, "timed_out", "permission denied (no answer in time)")
            if not granted:
                return self._refused(call, "denied", "permission denied")
            call.permission = self.mix.answers[permission_id][1] or "once"
        started = time.monotonic()
        await asyncio.sleep(0)
        call.result, call.is_error, call.status = result, False, "ok"
        call.duration_ms = int((time.monotonic() - started) * 1000)
        self.emit(ToolExecutionComplete(
            tool_call_id=call_id, tool_name=name, progress=f"{name} finished", success=True, result=result,
            is_error=False,
        ))  # fmt: skip
        return "ok"

    def _refused(self, call: ToolCallData, status: str, progress: str) -> str:
        call.result = "The user did not allow this tool call."
        call.is_error, call.status, call.permission = False, status, status
        self.emit(ToolExecutionComplete(
            tool_call_id=call.id, tool_name=call.name, progress=f"{call.name} {progress}", success=False,
            result=call.result,
        ))  # fmt: skip
        return status

    def complete(self) -> None:
        if not self.ended:
            self.ended = True
            self.prompt.turn_status = "complete"
            if self.answer is not None:  # usage and times, as our server stores them
                words = len((self.answer.assistant_response or "").split())
                self.answer.input_tokens, self.answer.output_tokens = 1200, max(1, words)
                self.answer.cache_read_tokens, self.answer.cache_creation_tokens = 300, 0
                self.answer.cost = 0.0042
                self.prompt.created_at = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)
                self.answer.created_at = datetime(2026, 3, 10, 12, 0, 0, 500_000, tzinfo=UTC)
                self.answer.updated_at = datetime(2026, 3, 10, 12, 0, 2, 500_000, tzinfo=UTC)
                session = self.mix.sessions[self.session_id]
                session.cost += self.answer.cost
                session.prompt_tokens = 1500
            self.emit(Complete(message_id=self.answer.id if self.answer else None))

    def end_with(self, status: str, error: str) -> None:
        """A terminal `error` (cancelled, failed); stored on the prompt like our server does."""
        if not self.ended:
            self.ended = True
            self.prompt.turn_status, self.prompt.turn_error = status, error
            self.emit(Error(error=error))


def _json(payload: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=payload)


def _error(status: int, message: str) -> httpx.Response:
    kinds = {400: "bad_request", 401: "unauthorized", 404: "not_found", 409: "bad_request"}
    return _json({"error": {"code": status, "message": message, "type": kinds.get(status, "internal_error")}}, status)
