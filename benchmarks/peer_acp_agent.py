"""A tiny ACP agent (Agent Client Protocol, JSON-RPC 2.0 as one JSON object a line over stdio) for
the peers benchmark: Toad drives agents, not model endpoints, so this agent stands between Toad and
the benchmark's OpenAI-compatible endpoint. Each prompt becomes one streaming chat completion whose
content deltas are relayed as `agent_message_chunk` session updates, one per delta, as a real
agent relays its model's stream.

Standard library only, so it runs under whatever Python the client starts it with.

    python peer_acp_agent.py http://127.0.0.1:PORT      # the endpoint's base URL (no /v1)
"""

from __future__ import annotations

import http.client
import itertools
import json
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from typing import Any

PROTOCOL_VERSION = 1
METHOD_NOT_FOUND = -32601


class Agent:
    def __init__(self, endpoint: str, out: Any = None) -> None:
        self.endpoint = urllib.parse.urlsplit(endpoint)
        self.out = out or sys.stdout
        self.lock = threading.Lock()
        self.sessions = itertools.count(1)
        self.cancelled: set[str] = set()

    def send(self, message: dict[str, Any]) -> None:
        line = json.dumps({"jsonrpc": "2.0", **message}) + "\n"
        with self.lock:
            self.out.write(line)
            self.out.flush()

    def handle(self, message: dict[str, Any]) -> None:
        method, params, ident = message.get("method"), message.get("params") or {}, message.get("id")
        if method is None:
            return  # a response to a request of ours: we send none
        if method == "initialize":
            self.send({"id": ident, "result": {
                "protocolVersion": PROTOCOL_VERSION,
                "agentCapabilities": {"loadSession": False, "promptCapabilities": {
                    "image": False, "audio": False, "embeddedContext": False}},
                "authMethods": [], "agentInfo": {"name": "mix-bench-agent", "version": "1"},
            }})  # fmt: skip
        elif method == "authenticate":
            self.send({"id": ident, "result": {}})
        elif method == "session/new":
            self.send({"id": ident, "result": {"sessionId": f"bench-{next(self.sessions)}"}})
        elif method == "session/cancel":
            self.cancelled.add(str(params.get("sessionId")))
        elif method == "session/prompt":
            threading.Thread(target=self.prompt, args=(ident, params), daemon=True).start()
        elif ident is not None:
            self.send({"id": ident, "error": {"code": METHOD_NOT_FOUND, "message": f"no method {method}"}})

    def prompt(self, ident: object, params: dict[str, Any]) -> None:
        session = str(params.get("sessionId"))
        self.cancelled.discard(session)
        text = " ".join(b.get("text", "") for b in params.get("prompt") or [] if isinstance(b, dict))
        try:
            for delta in self.completion(text):
                if session in self.cancelled:
                    self.send({"id": ident, "result": {"stopReason": "cancelled"}})
                    return
                self.send({"method": "session/update", "params": {"sessionId": session, "update": {
                    "sessionUpdate": "agent_message_chunk", "content": {"type": "text", "text": delta}}}})  # fmt: skip
        except OSError as exc:
            self.send({"id": ident, "error": {"code": -32000, "message": f"the endpoint failed: {exc}"}})
            return
        self.send({"id": ident, "result": {"stopReason": "end_turn"}})

    def completion(self, prompt: str) -> Iterator[str]:
        """The content deltas of one streamed chat completion (SSE `data:` lines)."""
        connection = http.client.HTTPConnection(
            self.endpoint.hostname or "127.0.0.1", self.endpoint.port, timeout=600
        )
        body = {"model": "bench", "stream": True, "messages": [{"role": "user", "content": prompt}]}
        try:
            connection.request("POST", self.endpoint.path.rstrip("/") + "/v1/chat/completions",
                               json.dumps(body), {"Content-Type": "application/json"})  # fmt: skip
            response = connection.getresponse()
            if response.status != 200:
                raise OSError(f"HTTP {response.status}")
            for raw in response:
                line = raw.decode("utf-8").strip()
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                for choice in json.loads(data).get("choices") or []:
                    content = (choice.get("delta") or {}).get("content")
                    if content:
                        yield content
        finally:
            connection.close()


def main() -> None:
    agent = Agent(sys.argv[1])
    for line in sys.stdin:
        if line.strip():
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(message, dict):
                agent.handle(message)


if __name__ == "__main__":
    main()
