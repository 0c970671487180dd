"""The conversation resource groups: sessions, messages, permissions, notifications, files, search.

Bodies are built from the protocol models so the wire casing is the spec's (camelCase for sessions,
rewind and fork; snake_case for send). Only documented keys are sent: Go rejects unknown ones.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Sequence

from mix_tui.protocol.models import (
    BackendMessage,
    Callback,
    CancelResponse,
    CreateSessionRequest,
    ExportSession,
    FileInfo,
    ForkRequest,
    GrantScope,
    NotificationResponseRequest,
    PermissionAnswer,
    RewindRequest,
    SearchResults,
    SendMessageAccepted,
    SendMessageRequest,
    SessionData,
    UpdateCallbacksRequest,
    UpdateSessionModelRequest,
    UpdateSessionRequest,
)
from mix_tui.sdk.errors import MixError, UnsupportedError
from mix_tui.sdk.transport import Transport, parse, parse_list
from mix_tui.sdk.transport import path_part as q


class _Group:
    def __init__(self, transport: Transport) -> None:
        self._t = transport


class Sessions(_Group):
    async def list(self, include_subagents: bool = False) -> list[SessionData]:
        """Newest first (the server's order)."""
        params = {"includeSubagents": "true"} if include_subagents else None
        return parse_list(SessionData, await self._t.request("GET", "/api/sessions", params=params))

    async def create(
        self,
        title: str,
        *,
        provider: str | None = None,
        model_id: str | None = None,
        custom_system_prompt: str | None = None,
        prompt_mode: str | None = None,
        callbacks: Sequence[Callback] | None = None,
    ) -> SessionData:
        body = CreateSessionRequest(
            title=title,
            provider=provider,
            model_id=model_id,
            custom_system_prompt=custom_system_prompt,
            prompt_mode=prompt_mode,
            callbacks=list(callbacks) if callbacks is not None else None,
        )
        return parse(SessionData, await self._t.request("POST", "/api/sessions", json=body.to_wire()))

    async def get(self, session_id: str) -> SessionData:
        return parse(SessionData, await self._t.request("GET", f"/api/sessions/{q(session_id)}"))

    async def delete(self, session_id: str) -> None:
        await self._t.request("DELETE", f"/api/sessions/{q(session_id)}")

    async def rename(self, session_id: str, title: str) -> SessionData:
        """Set the title (an extension of ours: `PATCH /api/sessions/{id}`).

        Raises `UnsupportedError` when the server has no such route (404 or 405)."""
        body = UpdateSessionRequest(title=title).to_wire()
        try:
            # the body sets the whole title, so repeating it is harmless: retryable
            response = await self._t.request("PATCH", f"/api/sessions/{q(session_id)}", json=body, idempotent=True)
        except MixError as exc:
            unsupported = _unsupported("renaming sessions", exc)
            if unsupported is None:
                raise
            raise unsupported from exc
        return parse(SessionData, response)

    async def export(self, session_id: str) -> ExportSession:
        return parse(ExportSession, await self._t.request("GET", f"/api/sessions/{q(session_id)}/export"))

    async def export_json(self, session_id: str) -> bytes:
        """The export exactly as the server sent it (fields this SDK does not model included)."""
        return (await self._t.request("GET", f"/api/sessions/{q(session_id)}/export")).content

    async def rewind(self, session_id: str, message_id: str, cleanup_media: bool = True) -> SessionData:
        """Delete every message after `message_id` (which is kept). `cleanupMedia` is always sent."""
        body = RewindRequest(message_id=message_id, cleanup_media=cleanup_media).to_wire()
        response = await self._t.request("POST", f"/api/sessions/{q(session_id)}/rewind", json=body)
        return parse(SessionData, response)

    async def fork(self, session_id: str, message_index: int, title: str | None = None) -> SessionData:
        """A new session holding the first `message_index` messages (an extension; spec 0.8 dropped it).

        Raises `UnsupportedError` when the server has no such route (404 or 405).
        """
        request = (
            ForkRequest(message_index=message_index)
            if title is None
            else ForkRequest(message_index=message_index, title=title)
        )
        try:
            response = await self._t.request(
                "POST", f"/api/sessions/{q(session_id)}/fork", json=request.to_wire()
            )
        except MixError as exc:
            unsupported = _unsupported("fork", exc, verb="is")
            if unsupported is None:
                raise
            raise unsupported from exc
        return parse(SessionData, response)

    async def cancel(self, session_id: str) -> CancelResponse:
        """Stop the running turn; `.ok` reads both `{cancelled}` and Go's `{status:"cancelled"}`."""
        return parse(CancelResponse, await self._t.request("POST", f"/api/sessions/{q(session_id)}/cancel"))

    async def set_model(self, session_id: str, provider: str | None, model_id: str | None) -> SessionData:
        """The provider and model of the session's next turns (an extension of our server: Mix fixes
        them at create, or has only global preferences). None clears one (the preferences apply).

        Raises `UnsupportedError` when the server has no such route (404 or 405).
        """
        body = UpdateSessionModelRequest(provider=provider, model_id=model_id).model_dump(mode="json", by_alias=True)
        try:
            # the body sets both fields, so repeating it is harmless: retryable
            response = await self._t.request(
                "PATCH", f"/api/sessions/{q(session_id)}/model", json=body, idempotent=True
            )
        except MixError as exc:
            if exc.status in (404, 405):
                raise UnsupportedError(
                    f"this server cannot switch a session's model (HTTP {exc.status}: {exc.message})",
                    status=exc.status,
                    body=exc.body,
                ) from exc
            raise
        return parse(SessionData, response)

    async def update_callbacks(self, session_id: str, callbacks: Sequence[Callback]) -> SessionData:
        body = UpdateCallbacksRequest(callbacks=list(callbacks)).to_wire()
        # the body replaces the whole list, so repeating it is harmless: retryable
        response = await self._t.request(
            "PATCH", f"/api/sessions/{q(session_id)}/callbacks", json=body, idempotent=True
        )
        return parse(SessionData, response)


class Messages(_Group):
    async def send(
        self,
        session_id: str,
        text: str,
        *,
        plan_mode: bool | None = None,
        thinking_level: str | None = None,
        max_steps: int | None = None,
    ) -> SendMessageAccepted | BackendMessage:
        """Start a turn (202); a slash command is answered at once with 200 and a `BackendMessage`.

        Never retried. 409 → `ConflictError` (a turn is running); 401 → `UnauthorizedError`.
        """
        body = SendMessageRequest.model_validate(
            {"text": text, "plan_mode": plan_mode, "thinking_level": thinking_level, "max_steps": max_steps}
        ).to_wire()
        response = await self._t.request("POST", f"/api/sessions/{q(session_id)}/messages", json=body)
        if response.status_code == 200 and _looks_like_message(response.content):
            return parse(BackendMessage, response)
        return parse(SendMessageAccepted, response)

    async def list(self, session_id: str) -> list[BackendMessage]:
        """The stored messages, oldest first."""
        response = await self._t.request("GET", f"/api/sessions/{q(session_id)}/messages")
        return parse_list(BackendMessage, response)

    async def history(self, limit: int = 50, offset: int = 0) -> builtins.list[BackendMessage]:
        """User prompts across all sessions, newest first."""
        params = {"limit": limit, "offset": offset}
        return parse_list(
            BackendMessage, await self._t.request("GET", "/api/messages/history", params=params)
        )


class Search(_Group):
    async def messages(self, query: str, limit: int = 50) -> SearchResults:
        """Stored prompts and answers of every session that match `query`, best first (an extension
        of ours, SQLite FTS5). Raises `UnsupportedError` when the server has no search (404/405)."""
        params = {"q": query, "limit": limit}
        try:
            response = await self._t.request("GET", "/api/search", params=params)
        except MixError as exc:
            unsupported = _unsupported("search", exc, verb="is")
            if unsupported is None:
                raise
            raise unsupported from exc
        return parse(SearchResults, response)


def _unsupported(what: str, exc: MixError, verb: str = "are") -> UnsupportedError | None:
    """404/405 from an extension route: the server lacks it. None for any other error."""
    if exc.status not in (404, 405):
        return None
    return UnsupportedError(
        f"{what} {verb} not supported by this server (HTTP {exc.status}: {exc.message})",
        status=exc.status,
        body=exc.body,
    )


def _looks_like_message(content: bytes) -> bool:
    try:
        payload = json.loads(content) if content else None
    except ValueError:
        return False
    return isinstance(payload, dict) and "role" in payload and "id" in payload


class Permissions(_Group):
    async def grant(self, permission_id: str, scope: GrantScope | None = None) -> PermissionAnswer:
        """`NotFoundError` on 404: the prompt was already resolved or expired. `scope` (extension,
        ignored by spec servers) tells our server what the answer covers, so history can say it."""
        params = {"scope": scope} if scope else None
        response = await self._t.request("POST", f"/api/permissions/{q(permission_id)}/grant", params=params)
        return parse(PermissionAnswer, response)

    async def deny(self, permission_id: str) -> PermissionAnswer:
        response = await self._t.request("POST", f"/api/permissions/{q(permission_id)}/deny")
        return parse(PermissionAnswer, response)


class Notifications(_Group):
    async def respond(self, notification_id: str, type: str, value: str | None = None) -> None:
        body = NotificationResponseRequest.model_validate({"type": type, "value": value}).to_wire()
        await self._t.request("POST", f"/api/notifications/{q(notification_id)}/respond", json=body)


class Files(_Group):
    def _url(self, session_id: str, name: str) -> str:
        return f"{self._t.base_url}/api/sessions/{q(session_id)}/files/{q(name)}"

    def _with_url(self, session_id: str, info: FileInfo) -> FileInfo:
        # the spec requires `url`, some Go versions omit it: build the documented path ourselves
        if not info.url:
            info.url = self._url(session_id, info.name)
        return info

    async def list(self, session_id: str) -> list[FileInfo]:
        response = await self._t.request("GET", f"/api/sessions/{q(session_id)}/files")
        return [self._with_url(session_id, info) for info in parse_list(FileInfo, response)]

    async def upload(self, session_id: str, filename: str, data: bytes) -> FileInfo:
        response = await self._t.request(
            "POST", f"/api/sessions/{q(session_id)}/files/upload", files={"file": (filename, data)}
        )
        return self._with_url(session_id, parse(FileInfo, response))

    async def get(self, session_id: str, name: str, *, thumb: str | None = None) -> bytes:
        params = {"thumb": thumb} if thumb else None
        response = await self._t.request(
            "GET", f"/api/sessions/{q(session_id)}/files/{q(name)}", params=params
        )
        return response.content

    async def delete(self, session_id: str, name: str) -> None:
        await self._t.request("DELETE", f"/api/sessions/{q(session_id)}/files/{q(name)}")
