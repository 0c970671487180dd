"""The quirks of real servers (mix-contract.md §2-§4, §8) are read, and our output keeps wire casing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from mix_tui.protocol import events as ev
from mix_tui.protocol import models as m
from mix_tui.protocol.events import encode_event, parse_event
from mix_tui.sdk.sse import SSEDecoder


def j(data: object) -> str:
    return json.dumps(data)


# ---- REST shapes -----------------------------------------------------------------------------------


def test_null_lists_and_maps_read_as_empty() -> None:
    assert m.UpdateCallbacksRequest.model_validate({"callbacks": None}).callbacks == []
    assert m.ExportSession.model_validate({"id": "s", "title": "t", "messages": None}).messages == []
    assert (
        m.McpServer.model_validate(
            {"name": "fs", "connected": True, "status": "connected", "tools": None}
        ).tools
        == []
    )
    assert m.LLMTool.model_validate({"name": "Bash", "required": None}).required == []
    assert m.ToolCategory.model_validate({"display_name": "Search", "tools": None}).tools == []
    assert m.AuthStatus.model_validate({"providers": None}).providers == {}
    assert (
        m.PreferencesResponse.model_validate(
            {"preferences": None, "available_providers": None}
        ).available_providers
        == {}
    )
    assert m.ProviderInfo.model_validate({"display_name": "A", "models": None}).models == []
    assert m.ToolsStatus.model_validate({"categories": None}).categories == {}


def test_fileinfo_without_url_and_with_go_extras() -> None:
    info = m.FileInfo.model_validate(
        {
            "name": "a.png",
            "size": 3,
            "modified": 1700000000,
            "isDir": False,
            "isCommon": True,
            "originalName": "a b.png",
        }
    )
    assert info.url is None and info.is_common and info.original_name == "a b.png"
    assert "url" not in info.to_wire()


@pytest.mark.parametrize(("raw", "ms"), [(12, 12000), (59, 59000), (60, 60), (450, 450), (4500, 4500), (0, 0), (None, None)])
def test_reasoning_duration_in_seconds_or_milliseconds(raw: int | None, ms: int | None) -> None:
    message = m.BackendMessage.model_validate(
        {"id": "a", "role": "assistant", "userInput": "", "reasoningDuration": raw}
    )
    assert message.reasoning_ms == ms
    complete = parse_event("complete", j({"type": "complete", "done": True, "reasoningDuration": raw}))
    assert isinstance(complete, ev.Complete) and complete.reasoning_ms == ms
    assert message.to_wire().get("reasoningDuration") == raw  # the wire value is kept as sent


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (j([{"type": "text", "data": {"text": "Hello there"}}]), "Hello there"),
        (
            j(
                [
                    {"type": "text", "data": {"text": "a"}},
                    {"type": "image", "data": {}},
                    {"type": "text", "text": "b"},
                ]
            ),
            "a\nb",
        ),
        ("Plain first message", "Plain first message"),
        ("[not json", "[not json"),
        ("[1, 2]", "[1, 2]"),
        (None, None),
    ],
)
def test_first_user_message_as_stored_parts_json(raw: str | None, text: str | None) -> None:
    assert m.SessionData.model_validate({"id": "s", "firstUserMessage": raw}).first_user_message == text


def test_system_reminder_suffix_is_hidden_and_roles_render_by_role() -> None:
    user = m.BackendMessage.model_validate(
        {
            "id": "u",
            "role": "user",
            "userInput": "Plan the refactor\n\n<system-reminder>\nPlan mode is active.\n</system-reminder>",
        }
    )
    assistant = m.BackendMessage.model_validate(
        {"id": "a", "role": "assistant", "userInput": "Sure", "assistantResponse": "Sure"}
    )
    tool = m.BackendMessage.model_validate(
        {"id": "t", "role": "tool", "userInput": "", "assistantResponse": ""}
    )
    assert user.text == "Plan the refactor"
    assert "<system-reminder>" in user.user_input  # the stored text itself is untouched
    assert (assistant.text, tool.text) == ("Sure", "")
    assert m.strip_system_reminder("keep <system-reminder> in the middle </system-reminder> text") == (
        "keep <system-reminder> in the middle </system-reminder> text"
    )


def test_go_grant_deny_and_cancel_shapes() -> None:
    go_grant = m.PermissionAnswer.model_validate(
        {"status": "granted", "id": "p", "message": "Permission granted successfully"}
    )
    spec_deny = m.PermissionAnswer.model_validate({"denied": True})
    assert (go_grant.status, go_grant.granted, spec_deny.denied) == ("granted", None, True)
    assert m.CancelResponse.model_validate({"status": "cancelled", "sessionId": "s"}).ok
    assert m.CancelResponse.model_validate({"cancelled": True}).ok
    assert not m.CancelResponse.model_validate({"cancelled": False}).ok
    both = m.PermissionAnswer(granted=True, status="granted", id="p", message="ok").to_wire()
    assert both == {"granted": True, "status": "granted", "id": "p", "message": "ok"}


def test_session_data_from_go_without_browser_mode_and_with_local_offset() -> None:
    session = m.SessionData.model_validate(
        {
            "id": "s",
            "title": "t",
            "createdAt": "2025-10-01T12:34:56+02:00",
            "somethingNew": 1,
            "sessionType": "subagent",
            "parentSessionId": "p",
            "parentToolCallId": "task_1",
            "subagentType": "general-purpose",
        }
    )
    assert session.browser_mode == "local-browser-service"
    assert session.created_at is not None and session.created_at.utcoffset() == timedelta(hours=2)
    assert (session.session_type, session.parent_tool_call_id) == ("subagent", "task_1")
    wire = session.to_wire()
    assert wire["createdAt"] == "2025-10-01T12:34:56+02:00" and "somethingNew" not in wire


def test_go_extras_on_health_commands_validate_and_providers() -> None:
    health = m.Health.model_validate(
        {
            "status": "ok",
            "timestamp": "2025-10-01T10:00:00Z",
            "version": "1",
            "environment": "dev",
            "services": {"backend": "healthy", "database": "connected"},
        }
    )
    assert health.services is not None and health.services.database == "connected"
    command = m.CommandInfo.model_validate({"name": "help", "description": "Show help", "type": "builtin"})
    assert (command.usage, command.type) == (None, "builtin")
    validation = m.AuthValidation.model_validate(
        {"valid": False, "error": "No preferred provider set", "message": "Set one"}
    )
    assert validation.error == "No preferred provider set"
    assert m.ProviderInfo.model_validate({"display_name": "A", "models": {"m1": {}, "m2": {}}}).models == [
        "m1",
        "m2",
    ]
    status = m.AuthStatus.model_validate(
        {
            "providers": {
                "anthropic": {"authenticated": True, "auth_method": "api_key", "display_name": "Anthropic ⭐"}
            }
        }
    )
    assert status.any_authenticated and "anthropic" in status.providers


def test_tool_call_input_is_a_json_string() -> None:
    call = m.ToolCallData.model_validate(
        {"id": "t", "name": "Bash", "input": '{"command":"ls"}', "type": "tool_use", "finished": True}
    )
    assert call.arguments == {"command": "ls"}
    assert m.ToolCallData.model_validate({"id": "t", "input": '{"command": "l'}).arguments == {}
    assert m.ToolCallData.model_validate({"id": "t", "input": "[1]"}).arguments == {}


# ---- wire casing on output -------------------------------------------------------------------------


def test_mixed_casing_is_exact_on_output() -> None:
    message = m.BackendMessage.model_validate(
        {
            "id": "t1",
            "sessionId": "s",
            "role": "tool",
            "userInput": "",
            "callbackResults": [
                {
                    "tool_call_id": "c",
                    "tool_name": "Bash",
                    "callback_type": "bash_script",
                    "success": True,
                    "exit_code": 0,
                }
            ],
            "toolCalls": [
                {
                    "id": "c",
                    "name": "Bash",
                    "input": "{}",
                    "type": "tool_use",
                    "finished": True,
                    "isError": False,
                    "screenshotUrls": [],
                }
            ],
            "cacheReadTokens": 5,
        }
    )
    wire = message.to_wire()
    assert wire["callbackResults"][0] == {
        "tool_call_id": "c",
        "tool_name": "Bash",
        "callback_type": "bash_script",
        "success": True,
        "exit_code": 0,
    }
    assert wire["toolCalls"][0]["isError"] is False and wire["toolCalls"][0]["screenshotUrls"] == []
    assert wire["cacheReadTokens"] == 5 and wire["sessionId"] == "s"
    assert m.SendMessageRequest(text="x", plan_mode=True, thinking_level="basic", max_steps=3).to_wire() == {
        "text": "x",
        "plan_mode": True,
        "thinking_level": "basic",
        "max_steps": 3,
    }
    assert m.RewindRequest(message_id="m").to_wire() == {"messageId": "m", "cleanupMedia": True}
    assert m.CreateSessionRequest(title="t").to_wire() == {
        "title": "t",
        "browserMode": "local-browser-service",
    }
    assert m.StoreApiKeyRequest(provider="openai", api_key="k").to_wire() == {
        "provider": "openai",
        "api_key": "k",
    }


# ---- SSE ---------------------------------------------------------------------------------------------


def test_legacy_and_unofficial_event_names() -> None:
    delta = parse_event(
        "tool_parameter_delta", j({"type": "tool_parameter_delta", "toolCallId": "t", "input": "{"})
    )
    assert isinstance(delta, ev.ToolUseParameterDelta) and delta.input == "{"
    rate = parse_event(
        "rate_limit_error", j({"error": "Rate limited", "retryAfter": 60, "attempt": 1, "maxAttempts": 3})
    )
    assert isinstance(rate, ev.Error) and rate.type == "rate_limit_error" and rate.is_retry_notice
    running = parse_event(
        "tool", j({"type": "tool", "name": "bash", "input": "", "id": "c", "status": "running"})
    )
    done = parse_event(
        "tool",
        j({"type": "tool", "name": "bash", "input": {"command": "ls"}, "id": "c", "status": "completed"}),
    )
    assert isinstance(running, ev.ToolUseStart) and running.name == "bash"
    assert isinstance(done, ev.ToolUseParameterStreamingComplete) and json.loads(done.input) == {
        "command": "ls"
    }
    unknown = parse_event("summarize", j({"type": "summarize", "progress": "x", "done": False}))
    assert isinstance(unknown, ev.Unknown) and unknown.name == "summarize" and unknown.data["progress"] == "x"
    assert isinstance(parse_event("message", "plain text"), ev.Unknown)


def test_go_event_payload_quirks() -> None:
    start = parse_event(
        "tool_execution_start",
        j(
            {
                "type": "tool_execution_start",
                "toolName": "",
                "progress": "Executing Bash tool",
                "toolCallId": "t",
            }
        ),
    )
    assert isinstance(start, ev.ToolExecutionStart) and start.tool_name == ""
    error = parse_event("error", j({"error": "request cancelled by user"}))
    assert isinstance(error, ev.Error) and error.type is None and not error.is_retry_notice
    created = parse_event(
        "session_created",
        j({"type": "session_created", "sessionId": "s", "title": "t", "createdAt": 1700000000}),
    )
    assert isinstance(created, ev.SessionCreated) and created.created_at == 1700000000
    permission = parse_event(
        "permission",
        j(
            {
                "type": "permission",
                "id": "p",
                "sessionId": "s",
                "toolName": "Edit",
                "description": "d",
                "action": "write",
                "path": "",
                "params": {"file_path": "/a", "diff": "--- a\n+++ b"},
                "parentToolCallId": "task",
            }
        ),
    )
    assert isinstance(permission, ev.Permission) and permission.params == {
        "file_path": "/a",
        "diff": "--- a\n+++ b",
    }
    assert permission.is_subagent
    notification = parse_event(
        "notification",
        j(
            {
                "type": "notification",
                "id": "n",
                "sessionId": "s",
                "notificationType": "question",
                "title": "t",
                "message": "m",
                "responseType": "choice",
                "timeout": 30,
                "createdAt": 1,
                "choices": None,
            }
        ),
    )
    assert isinstance(notification, ev.Notification) and not notification.choices
    connected = parse_event("connected", j({"sessionId": "s"}))
    assert isinstance(connected, ev.Connected) and "type" not in connected.to_wire()


def test_a_known_event_with_an_unreadable_payload_raises_a_parse_error() -> None:
    with pytest.raises(ev.EventParseError) as caught:
        parse_event("tool_use_start", j({"type": "tool_use_start", "name": "Bash"}))
    assert caught.value.name == "tool_use_start" and "id" in caught.value.reason
    with pytest.raises(ev.EventParseError):
        parse_event("content", '{"content": "cut')


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("connected", {"sessionId": "s"}),
        ("heartbeat", {"type": "ping"}),
        ("content", {"type": "content", "content": "two\nlines", "assistantMessageId": "a"}),
        (
            "tool_execution_complete",
            {
                "type": "tool_execution_complete",
                "toolName": "Bash",
                "progress": "p",
                "success": False,
                "toolCallId": "t",
                "result": "out",
                "isError": True,
            },
        ),
        (
            "error",
            {"error": "slow", "type": "rate_limit_error", "retryAfter": 1000, "attempt": 1, "maxAttempts": 3},
        ),
        (
            "complete",
            {"type": "complete", "done": True, "content": "x", "messageId": "m", "parentToolCallId": "task"},
        ),
    ],
)
def test_encode_event_round_trips_through_the_decoder(name: str, data: dict[str, object]) -> None:
    event = parse_event(name, j(data))
    raw = encode_event(event, event_id=42, retry=30000)
    assert raw.count(b"\ndata: ") == 1  # one line of compact JSON, even for multi-line text
    decoder = SSEDecoder()
    (frame,) = decoder.feed(raw)
    assert (frame.event, frame.id, decoder.retry_ms) == (name, "42", 30000)
    again = parse_event(frame.event, frame.data)
    assert again == event and json.loads(frame.data) == data
