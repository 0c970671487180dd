"""`PATCH /api/sessions/{id}/model` (extension): the provider and model of a session's next turns.

Mix fixes a session's `provider`/`modelId` at create ([ts-sdk] 0.11.4) or has only the global
preferences (Go); our server also lets a client switch one session's model between turns, the way
the app's model picker does. Body (camelCase, like create): `{"provider": str|null, "modelId":
str|null}`; a key left out stays as it is, `null` clears it (the session then follows the
preferences). Answers the updated `SessionData`; clients feature-detect 404/405.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mix_tui.server import catalog
from mix_tui.server.http import ApiError, json_body, not_found, runtime, wire
from mix_tui.server.views import session_data

MODEL_ID_LIMIT = 200


async def update_session_model(request: Request) -> Response:
    rt = runtime(request)
    sid = request.path_params["id"]
    data = await json_body(request)
    if not isinstance(data, dict) or not ({"provider", "modelId"} & data.keys()):
        raise ApiError(400, "send provider and/or modelId (null clears one)", "validation_error")
    values: dict[str, str | None] = {}
    if "provider" in data:
        provider = data["provider"]
        if provider is not None and not isinstance(provider, str):
            raise ApiError(400, "provider must be a string or null", "validation_error")
        provider = (provider or "").strip().lower() or None
        known = catalog.known_providers(rt.config)
        if provider is not None and provider not in known:
            raise ApiError(400, f"unknown provider '{provider}'; expected one of: {', '.join(known)}", "validation_error")
        values["provider"] = provider
    if "modelId" in data:
        model = data["modelId"]
        if model is not None and not isinstance(model, str):
            raise ApiError(400, "modelId must be a string or null", "validation_error")
        model = (model or "").strip() or None
        if model is not None and len(model) > MODEL_ID_LIMIT:
            raise ApiError(400, f"modelId is longer than {MODEL_ID_LIMIT} characters", "validation_error")
        values["model_id"] = model
    row = await rt.store.run(rt.store.get_session, sid)
    if row is None:
        raise not_found("Session", sid)
    updated = await rt.store.run(rt.store.update_session, sid, **values)
    if updated is None:  # deleted while this request was on its way
        raise not_found("Session", sid)
    return wire(session_data(updated))


ROUTES = [Route("/api/sessions/{id}/model", update_session_model, methods=["PATCH"])]
