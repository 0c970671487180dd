"""python_execution: a real child interpreter with real rlimits, a temp dir and a scrubbed environment."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from mix_tui.server.tools import ToolContext, all_tools
from mix_tui.server.tools.python_exec import PythonExecution


async def run(code: str, ctx: ToolContext, **limits: Any) -> tuple[dict[str, Any], bool]:
    outcome = await PythonExecution(interpreter=sys.executable, **limits).run({"code": code}, ctx)
    return json.loads(outcome.output), outcome.is_error


async def test_stdout_stderr_and_exit_code_as_the_sdk_documents(ctx: ToolContext) -> None:
    result, is_error = await run("import sys\nprint('out', 6 * 7)\nprint('err', file=sys.stderr)\n", ctx)
    assert result == {"type": "code_execution_result", "stdout": "out 42", "stderr": "err", "return_code": 0}
    assert not is_error
    failed, is_error = await run("raise SystemExit(3)", ctx)
    assert failed["return_code"] == 3 and is_error
    crash, _ = await run("1 / 0", ctx)
    assert crash["return_code"] == 1 and "ZeroDivisionError" in crash["stderr"]


async def test_runs_in_a_fresh_temp_dir_that_is_removed(ctx: ToolContext, workdir: Path) -> None:
    result, _ = await run("import os\nopen('made.txt', 'w').write('x')\nprint(os.getcwd())", ctx)
    where = Path(result["stdout"])
    assert where != workdir and where.name.startswith("mix-python-")
    assert not where.exists()  # noqa: ASYNC240 - a stat in a test
    assert not (workdir / "made.txt").exists()


async def test_no_secret_reaches_the_code(ctx: ToolContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-leak-0123456789")
    monkeypatch.setenv("MIX_SERVER_TOKEN", "token-should-not-leak")
    monkeypatch.setenv("PYTHONSTARTUP", "/nonexistent/evil.py")
    result, _ = await run("import os, json\nprint(json.dumps(dict(os.environ)))", ctx)
    env = json.loads(result["stdout"])
    assert "OPENAI_API_KEY" not in env and "MIX_SERVER_TOKEN" not in env and "PYTHONSTARTUP" not in env
    assert env["PATH"]


async def test_memory_limit(ctx: ToolContext) -> None:
    result, is_error = await run("x = bytearray(800 * 1024 * 1024)\nprint('allocated')", ctx, memory_mb=300)
    assert is_error and "MemoryError" in result["stderr"] and "allocated" not in result["stdout"]


async def test_cpu_limit_kills_a_busy_loop(ctx: ToolContext) -> None:
    result, is_error = await run("while True:\n    pass", ctx, cpu_seconds=1, wall_seconds=60)
    assert is_error and result["return_code"] < 0 and "CPU time limit (1 s)" in result["stderr"]


async def test_wall_clock_timeout(ctx: ToolContext) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    result, is_error = await run("import time\nprint('started', flush=True)\ntime.sleep(60)", ctx, wall_seconds=1)
    assert is_error and "Timed out after 1 s" in result["stderr"] and result["stdout"] == "started"
    assert loop.time() - started < 30


async def test_output_is_capped(ctx: ToolContext) -> None:
    result, _ = await run("print('a' * 1_000_000)\nprint('THE END')", ctx, output_limit=1000)
    assert len(result["stdout"]) < 1200 and result["stdout"].endswith("THE END")
    assert "characters omitted" in result["stdout"]


async def test_cancel_stops_the_code(ctx: ToolContext) -> None:
    task = asyncio.create_task(run("import time\ntime.sleep(60)", ctx, wall_seconds=60))
    await asyncio.sleep(0)  # the task passes its "cancelled before start" check; from here on a cancel kills
    ctx.cancelled.set()
    result, is_error = await asyncio.wait_for(task, 20)
    assert is_error and "Cancelled by the user" in result["stderr"]


def test_always_asks_and_is_registered(ctx: ToolContext) -> None:
    need = PythonExecution().permission({"code": "print(1)\nprint(2)"}, ctx)
    assert need is not None and need.action == "execute" and need.params == {"code": "print(1)\nprint(2)"}
    assert need.description.startswith("Run Python code: print(1)")
    assert "python_execution" in all_tools()
