"""The one local model endpoint the peers benchmark points every app at.

Whatever is asked, it streams the same answer: the demo's `long N` markdown answer followed by an
end marker line, cut into the demo's tokens, one token per chunk, as fast as the client reads (or
at `rate` tokens/s). It speaks two wire formats on one port, 127.0.0.1 only:

- OpenAI-compatible: `GET /v1/models`, `POST /v1/chat/completions` (SSE `chat.completion.chunk`s
  ending in `data: [DONE]`; a usage chunk when `stream_options.include_usage`; a whole
  `chat.completion` without `stream`) — for mix-tui's openai provider, Elia (litellm) and oterm's
  chat (pydantic-ai's Ollama provider talks OpenAI-compatible under `/v1`);
- Ollama-compatible: `POST /api/chat` (NDJSON chunks ending with `"done": true`), `GET /api/tags`,
  `POST /api/show`, `GET /api/ps`, `GET /api/version` — what oterm asks to list and describe models.

    python benchmarks/peer_endpoint.py --sections 30   # serve until Ctrl+C, print the URL
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

MODEL = "bench"
OLLAMA_MODEL = f"{MODEL}:latest"


def end_marker(sections: int) -> str:
    return f"End of the benchmark answer: {sections} of {sections} sections."


def answer_text(sections: int) -> str:
    """The demo's `long N` answer (the one the other benchmarks render) plus a last line that shows
    on screen when an app has rendered everything."""
    from mix_tui.server.providers.demo_text import long_answer

    return long_answer(sections) + "\n" + end_marker(sections) + "\n"


def answer_tokens(sections: int) -> list[str]:
    from mix_tui.server.providers.demo import tokens

    return list(tokens(answer_text(sections)))


@dataclass
class Requests:
    """What the endpoint was asked, for the benchmark's report and the tests."""

    chats: int = 0
    paths: list[str] = field(default_factory=list)
    answers_sent: int = 0  # streams whose last byte was handed to the socket
    last_sent_at: float = 0.0  # time.perf_counter() then


def make_app(sections: int, rate: float = 0.0, seen: Requests | None = None) -> Starlette:
    chunks = answer_tokens(sections)
    seen = seen if seen is not None else Requests()
    interval = 1.0 / rate if rate > 0 else 0.0

    async def paced() -> AsyncIterator[tuple[int, str]]:
        began = time.perf_counter()
        for n, token in enumerate(chunks):
            if interval:
                delay = began + n * interval - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            elif n % 64 == 0:
                await asyncio.sleep(0)  # let other requests be served
            yield n, token

    def sent() -> None:  # runs when the server asks a stream for more after its last chunk
        seen.answers_sent += 1
        seen.last_sent_at = time.perf_counter()

    async def body_of(request: Request) -> dict[str, object]:
        seen.paths.append(request.url.path)
        try:
            data = json.loads(await request.body() or b"{}")
        except json.JSONDecodeError:
            data = None
        return data if isinstance(data, dict) else {}

    # ---- OpenAI-compatible ----

    async def models(request: Request) -> Response:
        seen.paths.append(request.url.path)
        return JSONResponse(
            {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": "bench"}]}
        )

    async def chat_completions(request: Request) -> Response:
        body = await body_of(request)
        seen.chats += 1
        model = str(body.get("model") or MODEL)
        created = int(time.time())
        usage = {"prompt_tokens": 10, "completion_tokens": len(chunks), "total_tokens": 10 + len(chunks)}
        if not body.get("stream"):
            message = {"role": "assistant", "content": "".join(chunks)}
            return JSONResponse({
                "id": "chatcmpl-bench", "object": "chat.completion", "created": created, "model": model,
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}], "usage": usage,
            })  # fmt: skip
        options = body.get("stream_options")
        with_usage = isinstance(options, dict) and bool(options.get("include_usage"))

        def chunk(delta: dict[str, str], finish: str | None = None) -> str:
            data = {
                "id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }  # fmt: skip
            return f"data: {json.dumps(data)}\n\n"

        async def events() -> AsyncIterator[str]:
            yield chunk({"role": "assistant", "content": ""})
            async for _, token in paced():
                yield chunk({"content": token})
            yield chunk({}, "stop")
            if with_usage:
                data = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": created,
                        "model": model, "choices": [], "usage": usage}  # fmt: skip
                yield f"data: {json.dumps(data)}\n\n"
            yield "data: [DONE]\n\n"
            sent()

        return StreamingResponse(
            events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    # ---- Ollama-compatible ----

    details = {"format": "gguf", "family": "bench", "families": ["bench"], "parameter_size": "1B",
               "quantization_level": "Q4_0", "parent_model": ""}  # fmt: skip

    async def tags(request: Request) -> Response:
        seen.paths.append(request.url.path)
        return JSONResponse({"models": [{
            "name": OLLAMA_MODEL, "model": OLLAMA_MODEL, "modified_at": "2026-01-01T00:00:00Z",
            "size": 1_000_000_000, "digest": "0" * 64, "details": details,
        }]})  # fmt: skip

    async def show(request: Request) -> Response:
        await body_of(request)
        return JSONResponse({
            "modelfile": f"FROM {OLLAMA_MODEL}\n", "parameters": "", "template": "{{ .Prompt }}",
            "details": details, "model_info": {"general.architecture": "bench", "bench.context_length": 131072},
            "capabilities": ["completion"], "modified_at": "2026-01-01T00:00:00Z",
        })  # fmt: skip

    async def ps(request: Request) -> Response:
        seen.paths.append(request.url.path)
        return JSONResponse({"models": []})

    async def version(request: Request) -> Response:
        seen.paths.append(request.url.path)
        return JSONResponse({"version": "0.12.0"})

    async def ollama_chat(request: Request) -> Response:
        body = await body_of(request)
        seen.chats += 1
        model = str(body.get("model") or OLLAMA_MODEL)

        def line(data: dict[str, object]) -> str:
            return json.dumps({"model": model, "created_at": "2026-01-01T00:00:00Z", **data}) + "\n"

        final = {"done": True, "done_reason": "stop", "total_duration": 1, "load_duration": 0,
                 "prompt_eval_count": 10, "prompt_eval_duration": 1, "eval_count": len(chunks), "eval_duration": 1}  # fmt: skip
        if body.get("stream") is False:
            return Response(line({"message": {"role": "assistant", "content": "".join(chunks)}, **final}),
                            media_type="application/json")  # fmt: skip

        async def lines() -> AsyncIterator[str]:
            async for _, token in paced():
                yield line({"message": {"role": "assistant", "content": token}, "done": False})
            yield line({"message": {"role": "assistant", "content": ""}, **final})
            sent()

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    return Starlette(routes=[
        Route("/v1/models", models), Route("/v1/chat/completions", chat_completions, methods=["POST"]),
        Route("/api/tags", tags), Route("/api/show", show, methods=["POST"]), Route("/api/ps", ps),
        Route("/api/version", version), Route("/api/chat", ollama_chat, methods=["POST"]),
    ])  # fmt: skip


class Endpoint:
    """The app served by uvicorn on a free 127.0.0.1 port in a thread of this process."""

    def __init__(self, sections: int, rate: float = 0.0) -> None:
        self.seen = Requests()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(make_app(sections, rate, self.seen), log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> Endpoint:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the benchmark endpoint did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self.sock.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sections", type=int, default=30)
    parser.add_argument("--rate", type=float, default=0.0, help="tokens/s; 0: as fast as the client reads")
    args = parser.parse_args()
    with Endpoint(args.sections, args.rate) as endpoint:
        print(f"serving {len(answer_tokens(args.sections)):,} tokens at {endpoint.url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
