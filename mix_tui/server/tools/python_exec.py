"""python_execution: a piece of Python run in its own process, in a fresh temporary directory.

Limits: wall-clock time, CPU seconds, address space and file size (rlimits), output per stream; the
environment is the allowlisted one (no keys, no token). The limits are set by a small bootstrap
inside the child before the model's code starts, not by a preexec hook: forking a threaded server
and running Python between fork and exec can deadlock. It asks for permission like Bash: the code
can do anything the user can, within those limits.

The result is the SDK's `PythonExecutionResult`:
`{"type": "code_execution_result", "stdout", "stderr", "return_code"}` as JSON text.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

from .base import PermissionNeed, ToolContext, ToolOutcome
from .child_env import child_env
from .process import ProcessSpec, run_process, signal_name

WALL_SECONDS = 60.0
CPU_SECONDS = 30
MEMORY_MB = 2048
FILE_MB = 100
OUTPUT_LIMIT_CHARS = 30_000
SCRIPT_NAME = "main.py"
_ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# argv: cpu seconds, memory bytes, file bytes, script. Runs as `python -I -c BOOTSTRAP ...`.
_BOOTSTRAP = """\
import resource, runpy, sys
cpu, memory, fsize, script = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
# CPU: SIGXCPU at the soft limit, SIGKILL one second later if the code catches it
for limit, soft, hard in ((resource.RLIMIT_CPU, cpu, cpu + 1), (resource.RLIMIT_AS, memory, memory),
                          (resource.RLIMIT_FSIZE, fsize, fsize), (resource.RLIMIT_CORE, 0, 0)):
    try:
        resource.setrlimit(limit, (soft, hard))
    except (ValueError, OSError):  # macOS refuses RLIMIT_AS; the wall clock still holds
        pass
sys.argv = [script]
sys.path.insert(0, "")
runpy.run_path(script, run_name="__main__")
"""


def python_interpreter() -> str:
    """The user's python3 (their libraries: numpy, pandas...), else the one running the server."""
    return shutil.which("python3", path=child_env().get("PATH")) or sys.executable


class PythonExecution:
    name = "python_execution"
    description = (
        "Run Python 3 code in a sandboxed process and return its stdout, stderr and exit code as JSON "
        '(`{"type": "code_execution_result", "stdout", "stderr", "return_code"}`).\n'
        "- Each call is a fresh process in a new empty temporary directory (deleted afterwards); "
        "nothing carries over between calls. Print what you need to see.\n"
        f"- Limits: {WALL_SECONDS:g} s wall time, {CPU_SECONDS} s CPU, {MEMORY_MB} MB memory, "
        f"{FILE_MB} MB per written file, {OUTPUT_LIMIT_CHARS} characters of output per stream.\n"
        "- No API keys or other secrets are in its environment. The user is asked for permission."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {"code": {"type": "string", "minLength": 1, "description": "The Python code to execute."}},
        "required": ["code"],
        "additionalProperties": False,
    }

    def __init__(
        self,
        *,
        wall_seconds: float = WALL_SECONDS,
        cpu_seconds: int = CPU_SECONDS,
        memory_mb: int = MEMORY_MB,
        file_mb: int = FILE_MB,
        output_limit: int = OUTPUT_LIMIT_CHARS,
        interpreter: str | None = None,
    ) -> None:
        self.wall_seconds = wall_seconds
        self.cpu_seconds = cpu_seconds
        self.memory_mb = memory_mb
        self.file_mb = file_mb
        self.output_limit = output_limit
        self.interpreter = interpreter

    def permission(self, args: dict[str, Any], ctx: ToolContext) -> PermissionNeed | None:
        code = str(args.get("code", ""))
        first = next((line for line in code.splitlines() if line.strip()), "")
        return PermissionNeed(
            description=f"Run Python code: {first[:80]}{'…' if len(first) > 80 or code.count(chr(10)) > 1 else ''}",
            action="execute",
            path=str(ctx.workdir),
            params={"code": code},
        )

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        code = str(args.get("code", ""))
        if ctx.cancelled.is_set():
            return ToolOutcome("Code not run: the turn was cancelled.", is_error=True)
        with tempfile.TemporaryDirectory(prefix="mix-python-") as tmp:
            folder = Path(tmp)
            await asyncio.to_thread((folder / SCRIPT_NAME).write_text, code, "utf-8")
            spec = ProcessSpec(
                cwd=folder,
                # one BLAS/OpenMP thread: per-thread arenas would eat the address-space limit
                env=child_env({"HOME": str(folder), "TMPDIR": str(folder), **_ONE_THREAD}),
                argv=[
                    self.interpreter or python_interpreter(), "-I", "-X", "utf8", "-c", _BOOTSTRAP,
                    str(self.cpu_seconds), str(self.memory_mb * 1024 * 1024), str(self.file_mb * 1024 * 1024),
                    SCRIPT_NAME,
                ],
                merge_stderr=False,
                output_limit=self.output_limit,
            )  # fmt: skip
            try:
                result = await run_process(spec, self.wall_seconds, ctx.cancelled)
            except OSError as exc:
                return ToolOutcome(f"Could not start Python: {exc}", is_error=True)
        stderr = result.stderr
        code_out = result.returncode if result.returncode is not None else -1
        note = ""
        if result.reason == "timeout":
            note = f"Timed out after {self.wall_seconds:g} s of wall time; the process was killed."
        elif result.reason == "cancelled":
            note = "Cancelled by the user; the process was killed."
        elif code_out == -signal.SIGXCPU:
            note = f"Stopped: the CPU time limit ({self.cpu_seconds} s) was exceeded."
        elif code_out < 0:
            note = f"Killed by {signal_name(code_out)}."
        if note:
            stderr = f"{stderr}\n{note}".lstrip("\n")
        payload = {"type": "code_execution_result", "stdout": result.stdout, "stderr": stderr, "return_code": code_out}
        return ToolOutcome(json.dumps(payload, ensure_ascii=False), is_error=code_out != 0)
