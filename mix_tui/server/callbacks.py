"""Session callbacks: what runs after each successful tool call whose name matches (contract §3.5, §5.12).

- `bash_script` runs `bashCommand` like the Bash tool would: the same permission rule (allowlisted
  read-only commands run, anything else asks), the same allowlisted environment, plus
  CALLBACK_TOOL_RESULT / _NAME / _ID and CALLBACK_SESSION_ID; `bashTimeout` ms (default 120000).
- `sub_agent` runs a sub-agent with `subAgentPrompt` and the tool call's context appended.
- `send_message` injects `messageContent` as a user message; the model answers it in this turn.

The results (the spec's CallbackResultData) are stored as one tool-role message per step; they reach
the model unless `excludeFromContext` is set (callback_text.py).
"""

from __future__ import annotations

from typing import Any

from mix_tui.protocol.events import UserMessageCreated
from mix_tui.server.runtime import Runtime
from mix_tui.server.store import MessageRow, new_id
from mix_tui.server.tool_exec import ToolEnv, ToolRun
from mix_tui.server.tools.base import PermissionNeed, SubagentRequest
from mix_tui.server.tools.bash import MAX_TIMEOUT_MS, bash_permission, run_command

DEFAULT_TIMEOUT_MS = 120_000
RESULT_ENV_LIMIT = 100_000  # one environment string may not exceed 128 KiB on Linux
CONTEXT_LIMIT = 20_000
# names Mix used for the same tools in other versions (callbacks written for them still match)
_ALIASES = {"showmedia": "show", "websearch": "search", "view": "readtext"}


def _canonical(name: str) -> str:
    flat = name.strip().lower().replace("_", "")
    return _ALIASES.get(flat, flat)


def matches(pattern: str, tool_name: str) -> bool:
    """`*` matches every tool; otherwise names match ignoring case and underscores (bash = Bash)."""
    return pattern.strip() == "*" or _canonical(pattern) == _canonical(tool_name)


async def run_callbacks(rt: Runtime, session_id: str, runs: list[ToolRun], env: ToolEnv) -> None:
    """Run the session's callbacks for this step's successful tool calls and store what they did."""
    if env.context.cancelled.is_set():
        return
    session = await rt.store.run(rt.store.get_session, session_id)
    callbacks = [c for c in (session.callbacks or []) if isinstance(c, dict)] if session else []
    if not callbacks:
        return
    results: list[dict[str, Any]] = []
    injected: list[str] = []
    for run in runs:
        if run.is_error:
            continue  # callbacks follow successful tool calls only
        for number, callback in enumerate(callbacks, start=1):
            if not matches(str(callback.get("toolName", "")), run.call.name) or env.context.cancelled.is_set():
                continue
            result = await _run_one(callback, number, run, env)
            results.append(result)
            if callback.get("type") == "send_message" and result["success"]:
                injected.append(str(callback["messageContent"]))
    store = rt.store
    if results:
        await store.run(store.add_message, MessageRow(id=new_id(), session_id=session_id, role="tool",
                                                       callback_results=results))  # fmt: skip
    for text in injected:
        message = MessageRow(id=new_id(), session_id=session_id, role="user", content=text)
        await store.run(store.add_message, message)
        env.publish(UserMessageCreated(message_id=message.id, content=text))


async def _run_one(callback: dict[str, Any], number: int, run: ToolRun, env: ToolEnv) -> dict[str, Any]:
    kind = str(callback.get("type", ""))
    result: dict[str, Any] = {
        "tool_call_id": run.call.id,
        "tool_name": run.call.name,
        "callback_type": kind,
        "callback_name": str(callback.get("name") or f"Callback #{number}"),
        "success": False,
    }
    if callback.get("excludeFromContext"):
        result["exclude_from_context"] = True
    if kind == "bash_script":
        return await _bash_script(callback, run, env, result)
    if kind == "sub_agent":
        return await _sub_agent(callback, run, env, result)
    if kind == "send_message":
        if not str(callback.get("messageContent") or "").strip():
            return {**result, "error": "messageContent is required for send_message callbacks"}
        return {**result, "success": True}
    return {**result, "error": f"unknown callback type {kind!r}"}


async def _bash_script(callback: dict[str, Any], run: ToolRun, env: ToolEnv, result: dict[str, Any]) -> dict[str, Any]:
    command = str(callback.get("bashCommand") or "")
    if not command.strip():
        return {**result, "error": "bashCommand is required for bash_script callbacks"}
    raw_timeout = callback.get("bashTimeout")
    timeout_ms = raw_timeout if isinstance(raw_timeout, int) and raw_timeout > 0 else DEFAULT_TIMEOUT_MS
    timeout_ms = min(timeout_ms, MAX_TIMEOUT_MS)
    need = bash_permission(command, env.context, timeout_ms, who=f"Callback {result['callback_name']!r}: ")
    if need is not None:
        answer = await _ask(need, env)
        if answer != "granted":
            return {**result, "error": f"permission {'denied' if answer == 'denied' else answer}"}
    extra = {
        "CALLBACK_TOOL_RESULT": run.output[:RESULT_ENV_LIMIT].replace("\0", ""),
        "CALLBACK_TOOL_NAME": run.call.name,
        "CALLBACK_TOOL_ID": run.call.id,
        "CALLBACK_SESSION_ID": env.session_id,
    }
    try:
        done = await run_command(command, env.context, timeout_ms / 1000, extra_env=extra, merge_stderr=False)
    except OSError as exc:
        return {**result, "error": f"could not start bash: {exc}"}
    out = {**result, "stdout": done.stdout, "stderr": done.stderr}
    if done.returncode is not None:
        out["exit_code"] = done.returncode
    if done.reason:
        out["error"] = "timed out" if done.reason == "timeout" else "cancelled"
    out["success"] = done.returncode == 0 and not done.reason
    return out


async def _sub_agent(callback: dict[str, Any], run: ToolRun, env: ToolEnv, result: dict[str, Any]) -> dict[str, Any]:
    prompt = str(callback.get("subAgentPrompt") or "")
    if not prompt.strip():
        return {**result, "error": "subAgentPrompt is required for sub_agent callbacks"}
    if env.context.run_subagent is None:
        return {**result, "error": "sub-agents are not available here"}
    context = (
        f"{prompt}\n\nTool execution context:\nTool: {run.call.name}\nInput: {run.call.arguments}\n"
        f"Result:\n{run.output[:CONTEXT_LIMIT]}"
    )
    done = await env.context.run_subagent(
        SubagentRequest(
            prompt=context, tool_call_id=run.call.id, description=str(result["callback_name"]),
            subagent_type=str(callback.get("subAgentType") or "general-purpose"),
        )
    )  # fmt: skip
    out = {**result, "success": done.ok, "subagent_result": done.text}
    if done.session_id:
        out["subagent_id"] = done.session_id
    if not done.ok:
        out["error"] = done.text
    return out


async def _ask(need: PermissionNeed, env: ToolEnv) -> str:
    """The same prompt the Bash tool would raise; "granted", "denied", "timeout" or "cancelled"."""
    request = env.permissions.create(
        env.session_id,
        {"tool_name": "Bash", "description": need.description, "action": need.action, "path": need.path,
         "params": need.params},
    )  # fmt: skip
    request.frame_id = env.publish(request.event)
    return await env.permissions.wait(request, env.context.cancelled)
