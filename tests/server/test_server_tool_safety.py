"""Tool safety through the real agent loop: paths outside the workdir ask first and reveal nothing."""

from __future__ import annotations

from pathlib import Path

from tests.server.conftest import Harness


async def test_outside_edit_asks_and_a_denial_reveals_nothing(mix: Harness, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    target = outside / "passwd"
    target.write_text("root:x:0:0\n" * 24)
    missing = outside / "nothing-here"
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, f"edit {target}\nroot -> toor\nedit {missing}\nroot -> toor")
    prompts = [await stream.event("permission"), await stream.event("permission")]
    # the event names the resolved file, so a client can tell inside from outside (issue 8.6)
    assert {p.data["path"] for p in prompts} == {str(target.resolve()), str(missing.resolve())}
    for prompt in prompts:
        assert "outside the working directory" in prompt.data["description"]
        assert "diff" not in prompt.data["params"]
        await mix.client.post(f"/api/permissions/{prompt.data['id']}/deny")
    await stream.turn()
    results = [m for m in await mix.messages(sid) if m["role"] == "assistant" and m.get("toolCalls")]
    outputs = [c["result"] for c in results[0]["toolCalls"]]
    assert len(outputs) == 2
    for output in outputs:
        assert "declined" in output
        assert "24" not in output and "not found" not in output.lower()
    assert target.read_text() == "root:x:0:0\n" * 24


async def test_granted_outside_edit_runs(mix: Harness, tmp_path: Path) -> None:
    target = tmp_path / "conf.ini"
    target.write_text("a=1\n")
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, f"edit {target}\na=1 -> a=2")
    prompt = await stream.event("permission")
    await mix.client.post(f"/api/permissions/{prompt.data['id']}/grant")
    await stream.turn()
    assert target.read_text() == "a=2\n"
