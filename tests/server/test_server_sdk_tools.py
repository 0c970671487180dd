"""The official mix-python-sdk reads what the new tools, callbacks and thumbnails produce."""

from __future__ import annotations

import io

import httpx
from mix_python_sdk import Mix, models
from PIL import Image

from tests.server.conftest import Harness


async def test_sdk_callbacks_thumbnails_and_new_tool_calls(mix: Harness) -> None:
    headers = {"Authorization": f"Bearer {mix.srv.config.token}"}
    async with httpx.AsyncClient(headers=headers, timeout=30) as http:
        sdk = Mix(server_url=mix.url, async_client=http)
        session = await sdk.sessions.create_async(title="tools", browser_mode="local-browser-service")
        await sdk.sessions.update_session_callbacks_async(
            id=session.id,
            callbacks=[models.Callback(tool_name="*", type="bash_script", name="where",
                                       bash_command="pwd")],
        )  # fmt: skip
        Image.new("RGB", (640, 480), "red").save(mix.srv.config.workdir / "red.png")
        stream = await mix.connected(session.id)
        await sdk.messages.send_async(id=session.id, text="show red.png\nlook red.png\nglob *.png")
        await stream.turn()
        messages = await sdk.messages.list_session_async(id=session.id)
        names = [c.name for m in messages for c in (m.tool_calls or [])]
        assert sorted(names) == ["Glob", "ReadMedia", "Show"]
        results = [r for m in messages for r in (m.callback_results or [])]
        assert len(results) == 3 and all(r.success and r.stdout == str(mix.srv.config.workdir) for r in results)
        assert {r.callback_type for r in results} == {"bash_script"}
        response = await sdk.files.get_session_file_async(id=session.id, filename="red.png", thumb="100")
        with Image.open(io.BytesIO(await response.aread())) as thumb:
            assert thumb.size == (100, 75)
        info = await sdk.system.get_system_info_async()
        assert info.storage_base_path
        tools = {t.name for t in (await sdk.tools.list_llm_tools_async()).tools}
        assert {"python_execution", "ReadMedia", "Search", "Show", "Task", "ExitPlanMode"} <= tools
