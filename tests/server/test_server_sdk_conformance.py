"""The official mix-python-sdk drives our server: every response must pass its generated validators."""

from __future__ import annotations

from typing import Any

import httpx
from mix_python_sdk import Mix

from tests.server.conftest import Harness


async def test_official_sdk_full_session(mix: Harness) -> None:
    headers = {"Authorization": f"Bearer {mix.srv.config.token}"}
    async with httpx.AsyncClient(headers=headers, timeout=30) as http:
        sdk = Mix(server_url=mix.url, async_client=http)
        session = await sdk.sessions.create_async(title="New session", browser_mode="local-browser-service")
        assert session.session_type == "main"

        response = await sdk.streaming.stream_events_async(session_id=session.id)
        stream = response.result
        first = await stream.__anext__()
        assert first.event == "connected"
        accepted = await sdk.messages.send_async(id=session.id, text="via the SDK\n$ echo sdk > sdk.txt")
        assert accepted.status == "processing"

        seen: list[Any] = []
        async for event in stream:  # the SDK's own discriminated-union parser validates every frame
            seen.append(event)
            if event.event == "permission":
                granted = await sdk.permissions.grant_async(id=event.data.id)
                assert granted.granted is True
            if event.event in ("complete", "error"):
                break
        await stream.response.aclose()
        kinds = [e.event for e in seen]
        assert kinds[0] == "user_message_created" and kinds[-1] == "complete"
        assert {"thinking", "content", "tool_use_start", "tool_execution_complete"} <= set(kinds)
        assert (mix.srv.config.workdir / "sdk.txt").read_text() == "sdk\n"

        messages = await sdk.messages.list_session_async(id=session.id)
        assert [m.role for m in messages] == ["user", "assistant", "tool", "assistant"]
        history = await sdk.messages.get_history_async(limit=10)
        assert history[0].user_input.startswith("via the SDK")
        listed = await sdk.sessions.list_async()
        assert listed[0].title == "via the SDK" and listed[0].first_user_message

        exported = await sdk.sessions.export_session_async(id=session.id)
        assert [m.finish_reason for m in exported.result.messages][-1] == "end_turn"
        rewound = await sdk.sessions.rewind_session_async(id=session.id, message_id=messages[0].id)
        assert rewound.user_message_count == 1 and rewound.assistant_message_count == 0
        updated = await sdk.sessions.update_session_callbacks_async(id=session.id, callbacks=[])
        assert updated.id == session.id
        cancelled = await sdk.sessions.cancel_processing_async(id=session.id)
        assert cancelled.cancelled is False

        await sdk.sessions.delete_async(id=session.id)
        assert await sdk.sessions.list_async() == []


async def test_official_sdk_reads_every_other_endpoint(mix: Harness) -> None:
    headers = {"Authorization": f"Bearer {mix.srv.config.token}"}
    async with httpx.AsyncClient(headers=headers, timeout=30) as http:
        sdk = Mix(server_url=mix.url, async_client=http)
        assert (await sdk.system.get_health_async()).status == "ok"
        assert (await sdk.system.get_system_info_async()).storage_base_path
        assert {c.name for c in await sdk.system.list_commands_async()} == {"help", "cost"}
        assert (await sdk.system.get_command_async(name="help")).usage == "/help"
        assert await sdk.system.list_mcp_servers_async() == []
        assert (await sdk.tools.list_llm_tools_async()).tools
        assert (await sdk.tools.get_tools_status_async()).categories
        await sdk.tools.get_tool_credentials_status_async()
        status = await sdk.authentication.get_auth_status_async()
        assert status.providers is not None and status.providers["demo"].authenticated is True
        assert (await sdk.authentication.validate_preferred_provider_async()).valid is True
        assert (await sdk.authentication.get_o_auth_health_async()).status == "healthy"
        prefs = await sdk.preferences.get_preferences_async()
        assert prefs.preferences is None and "demo" in prefs.available_providers
        await sdk.preferences.update_preferences_async(preferred_provider="demo", main_agent_model="demo")
        assert "anthropic" in await sdk.preferences.get_available_providers_async()
        assert (await sdk.preferences.reset_preferences_async()).preferred_provider == "demo"
        session = await sdk.sessions.create_async(title="Files", browser_mode="local-browser-service")
        uploaded = await sdk.files.upload_session_file_async(
            id=session.id, file={"file_name": "a.txt", "content": b"abc", "content_type": "text/plain"}
        )
        assert uploaded.url.endswith("/files/a.txt")
        assert [f.name for f in await sdk.files.list_session_files_async(id=session.id)] == ["a.txt"]
        await sdk.files.delete_session_file_async(id=session.id, filename="a.txt")
        assert (await sdk.sessions.get_async(id=session.id)).title == "Files"
