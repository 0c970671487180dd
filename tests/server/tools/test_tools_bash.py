"""Bash runs real subprocesses: output, exit codes, timeouts, cancellation and process-group kills."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mix_tui.server.tools import ToolContext
from mix_tui.server.tools.bash import DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS, Bash


@pytest.fixture(autouse=True)
def _reap_leftovers(workdir: Path) -> Iterator[None]:
    """If a kill under test fails, do not leave its `sleep 300` behind: SIGKILL it by its recorded pid."""
    yield
    pidfile = workdir / "child.pid"
    text = pidfile.read_text().strip() if pidfile.exists() else ""
    if text and _alive(int(text)):
        with contextlib.suppress(OSError):
            os.kill(int(text), signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # an unreaped zombie still answers kill(0); it is dead for our purposes
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


async def _gone(pid: int, within: float = 3.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        await asyncio.sleep(0.05)
    return False


def _read_pid_text(path: Path) -> str:
    return path.read_text().strip() if path.exists() else ""


async def _pid_from(path: Path, within: float = 5.0) -> int:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if text := _read_pid_text(path):
            return int(text)
        await asyncio.sleep(0.02)
    raise AssertionError(f"{path} never got a pid")


async def test_combined_output_and_success(ctx: ToolContext) -> None:
    out = await Bash().run({"command": "echo out; echo err >&2; pwd"}, ctx)
    assert not out.is_error
    assert out.output == f"out\nerr\n{ctx.workdir}"


async def test_non_zero_exit_is_an_error_with_output(ctx: ToolContext) -> None:
    out = await Bash().run({"command": "echo partial; exit 3"}, ctx)
    assert out.is_error
    assert out.output.startswith("partial")
    assert out.output.endswith("exit code 3")


async def test_no_output_and_killed_by_signal(ctx: ToolContext) -> None:
    assert (await Bash().run({"command": "true"}, ctx)).output == "(no output)"
    out = await Bash().run({"command": "kill -SEGV $$"}, ctx)
    assert out.is_error and "SIGSEGV" in out.output


async def test_runs_in_bash_with_empty_stdin(ctx: ToolContext) -> None:
    out = await Bash().run({"command": "echo ${BASH_VERSION:+bash}; cat; [[ 1 == 1 ]] && echo ok"}, ctx)
    assert out.output == "bash\nok"


async def test_escape_sequences_are_stripped(ctx: ToolContext) -> None:
    out = await Bash().run({"command": r"printf '\033[31mred\033[0m\r\nnext\a\n'"}, ctx)
    assert out.output == "red\nnext"


async def test_timeout_kills_the_whole_process_group(ctx: ToolContext, workdir: Path) -> None:
    pidfile = workdir / "child.pid"
    started = time.monotonic()
    out = await Bash().run(
        {"command": f"sleep 300 & echo $! > {pidfile}; echo started; wait", "timeout": 400}, ctx
    )
    assert time.monotonic() - started < 5
    assert out.is_error
    assert "started" in out.output and "timed out after 0.4 s" in out.output
    assert await _gone(int(pidfile.read_text()))


async def test_child_ignoring_sigterm_gets_sigkill(ctx: ToolContext, workdir: Path) -> None:
    pidfile = workdir / "child.pid"
    command = f"bash -c 'trap \"\" TERM; echo $$ > {pidfile}; while :; do sleep 0.05; done' & wait"
    out = await Bash(kill_grace_s=0.3).run({"command": command, "timeout": 500}, ctx)
    assert out.is_error and "timed out" in out.output
    assert await _gone(await _pid_from(pidfile))


async def test_cancel_event_kills_the_process_group(ctx: ToolContext, workdir: Path) -> None:
    pidfile = workdir / "child.pid"
    task = asyncio.create_task(Bash().run({"command": f"sleep 300 & echo $! > {pidfile}; wait"}, ctx))
    pid = await _pid_from(pidfile)
    started = time.monotonic()
    ctx.cancelled.set()
    out = await asyncio.wait_for(task, 5)
    assert time.monotonic() - started < 3
    assert out.is_error and "cancelled" in out.output
    assert await _gone(pid)


async def test_already_cancelled_turn_runs_nothing(ctx: ToolContext, workdir: Path) -> None:
    ctx.cancelled.set()
    out = await Bash().run({"command": "touch made"}, ctx)
    assert out.is_error
    assert not (workdir / "made").exists()


async def test_task_cancellation_kills_the_process_group(ctx: ToolContext, workdir: Path) -> None:
    pidfile = workdir / "child.pid"
    task = asyncio.create_task(Bash().run({"command": f"sleep 300 & echo $! > {pidfile}; wait"}, ctx))
    pid = await _pid_from(pidfile)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    assert await _gone(pid)


async def test_background_child_holding_the_pipe_does_not_hang(ctx: ToolContext, workdir: Path) -> None:
    pidfile = workdir / "child.pid"
    started = time.monotonic()
    out = await Bash().run({"command": f"sleep 300 & echo $! > {pidfile}; echo done"}, ctx)
    assert time.monotonic() - started < 4
    assert not out.is_error and out.output == "done"
    assert await _gone(int(pidfile.read_text()))


async def test_output_cap_keeps_head_and_tail(ctx: ToolContext) -> None:
    out = await Bash(output_limit=1000).run({"command": "seq 1 5000"}, ctx)
    assert not out.is_error
    assert out.output.startswith("1\n2\n3\n")
    assert out.output.endswith("4999\n5000")
    assert "characters omitted" in out.output
    assert len(out.output) < 1100


async def test_huge_output_is_bounded_and_counts_what_it_dropped(ctx: ToolContext) -> None:
    # 3 MB through a 1000-character cap: memory stays bounded and the note reports roughly 3 MB cut
    out = await Bash(output_limit=1000).run(
        {"command": "head -c 3000000 /dev/zero | tr '\\0' a; echo; echo END"}, ctx
    )
    assert out.output.endswith("END")
    omitted = int(out.output.split("… ")[1].split(" characters")[0])
    assert 2_990_000 < omitted < 3_001_000


async def test_permission_needed_shape(ctx: ToolContext) -> None:
    need = Bash().permission({"command": "rm -rf build", "timeout": 5000}, ctx)
    assert need is not None
    assert need.description == "Execute command: rm -rf build"
    assert need.action == need.description
    assert need.path == str(ctx.workdir)
    assert need.params == {"command": "rm -rf build", "timeout": 5000}
    default = Bash().permission({"command": "make"}, ctx)
    assert default is not None and default.params["timeout"] == DEFAULT_TIMEOUT_MS
    capped = Bash().permission({"command": "make", "timeout": 10**9}, ctx)
    assert capped is not None and capped.params["timeout"] == MAX_TIMEOUT_MS


async def test_allowlisted_command_needs_no_permission(ctx: ToolContext) -> None:
    assert Bash().permission({"command": "git status"}, ctx) is None
    assert Bash().permission({"command": "ls -la; rm x"}, ctx) is not None


async def test_provider_keys_do_not_reach_commands(monkeypatch, tmp_path) -> None:
    from mix_tui.server.tools.base import ToolContext
    from mix_tui.server.tools.bash import Bash

    # an allowlist, not a denylist: names nobody thought of are dropped too
    leaks = {
        "ANTHROPIC_API_KEY": "sk-ant-should-not-leak",
        "ACME_CLOUD_API_KEY": "acme-should-not-leak",
        "GITHUB_TOKEN": "ghp-should-not-leak",
        "SSH_AUTH_SOCK": "/tmp/agent-should-not-leak",
        "MIX_SERVER_TOKEN": "token-should-not-leak",
    }
    for name, value in leaks.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    outcome = await Bash().run({"command": "env"}, ToolContext(workdir=tmp_path, session_id="s"))
    assert "PATH=" in outcome.output and "LC_ALL=C.UTF-8" in outcome.output
    for value in leaks.values():
        assert value not in outcome.output
