"""`mix-tui serve` as a real child process for the stream reliability tests (small, fast settings)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from mix_tui import secrets

READY = "mix-tui server listening on "


class ServerProcess:
    """One `python -m mix_tui serve` on 127.0.0.1; `restart()` keeps its port and data dir."""

    def __init__(self, tmp: Path, *flags: str, token: str = "reliability-token-0123") -> None:
        self.data_dir = tmp / "data"
        self.workdir = tmp / "work"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.token = token
        self.flags = list(flags)
        self.port = 0
        self.url = ""
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> ServerProcess:
        argv = [
            sys.executable, "-m", "mix_tui", "serve", "--port", str(self.port), "--provider", "demo",
            "--data-dir", str(self.data_dir), "--workdir", str(self.workdir), *self.flags,
        ]  # fmt: skip
        env = dict(os.environ)
        for names in secrets.PROVIDER_ENV_VARS.values():
            for name in names:
                env.pop(name, None)
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
        env["MIX_SERVER_TOKEN"] = self.token  # never in argv
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # the launcher prints exactly this line once it listens
        if not line.startswith(READY):
            self.proc.kill()
            _, err = self.proc.communicate(timeout=10)
            raise RuntimeError(f"the server did not start: {line!r} {err[-2000:]}")
        self.url = line.strip().rsplit(" ", 1)[1]
        self.port = int(self.url.rsplit(":", 1)[1])
        return self

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()
        self.proc = None

    def restart(self, *, token: str | None = None) -> ServerProcess:
        """Stop and start again on the same port and data dir (optionally with another token)."""
        self.stop()
        if token is not None:
            self.token = token
        return self.start()
