"""A real `python -m mix_tui serve` process for tests: started on port 0, stopped by signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from mix_tui import secrets

READY = "mix-tui server listening on http://127.0.0.1:"


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    for names in secrets.PROVIDER_ENV_VARS.values():
        for name in names:
            env.pop(name, None)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    return env


class Served:
    def __init__(self, tmp_path: Path, *extra: str, **popen: Any) -> None:
        work = tmp_path / "work"
        work.mkdir(exist_ok=True)
        self.workdir = work
        self.args = [
            sys.executable, "-m", "mix_tui", "serve", "--port", "0", "--provider", "demo",
            "--data-dir", str(tmp_path / "data"), "--workdir", str(work), *extra,
        ]
        popen.setdefault("stderr", subprocess.PIPE)  # or a file, for a server that lives long
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, text=True, env=server_env(), **popen)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # the launcher contract: exactly this one line when ready
        assert line.startswith(READY), (line, self._stderr())
        self.url = line.strip().rsplit(" ", 1)[1]

    def _stderr(self) -> str:
        if self.proc.poll() is None or self.proc.stderr is None:
            return ""
        return self.proc.stderr.read()

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind, as when the machine loses power."""
        self.proc.kill()
        self.proc.wait(10)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout)
