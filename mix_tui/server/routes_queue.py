"""The send queue of a session (extension, DESIGN.md §2 decision 6): what waits behind the running
turn, and taking prompts back out before they run.

    GET    /api/sessions/{id}/queue            the waiting prompts, in the order they will run
    DELETE /api/sessions/{id}/queue/{queueId}  withdraw one (404 once it started or was withdrawn)
    DELETE /api/sessions/{id}/queue            withdraw all
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mix_tui.server.http import ApiError, not_found, runtime, wire
from mix_tui.server.routes_sessions import turns


async def _session_id(request: Request) -> str:
    rt = runtime(request)
    sid: str = request.path_params["id"]
    if await rt.store.run(rt.store.get_session, sid) is None:
        raise not_found("Session", sid)
    return sid


async def list_queue(request: Request) -> Response:
    sid = await _session_id(request)
    return wire(
        [
            {"id": q.id, "text": q.text, "position": n, "createdAt": int(q.created_at)}
            for n, q in enumerate(turns(request).queued(sid), start=1)
        ]
    )


async def withdraw_one(request: Request) -> Response:
    sid = await _session_id(request)
    queue_id = request.path_params["queue_id"]
    if not await turns(request).withdraw(sid, [queue_id]):
        raise ApiError(404, f"Queued prompt with ID '{queue_id}' not found (it started, or was withdrawn)")
    return Response(status_code=204)


async def withdraw_all(request: Request) -> Response:
    sid = await _session_id(request)
    withdrawn = await turns(request).withdraw(sid)
    return wire({"withdrawn": len(withdrawn), "ids": withdrawn})


ROUTES = [
    Route("/api/sessions/{id}/queue", list_queue, methods=["GET"]),
    Route("/api/sessions/{id}/queue", withdraw_all, methods=["DELETE"]),
    Route("/api/sessions/{id}/queue/{queue_id}", withdraw_one, methods=["DELETE"]),
]
