"""The apps the peers benchmark compares: how each is installed (its own venv), configured (a fresh
HOME and XDG dirs, pointed at the benchmark's endpoint), started in the terminal, brought to a chat
and made to send the typed prompt. Their configuration follows their own docs and installed files.

- mix-tui: `mix-tui serve --provider openai --base-url ENDPOINT/v1` plus `mix-tui --server URL` in
  the terminal; both processes are measured.
- Elia (`elia-chat`): a model in `$XDG_CONFIG_HOME/elia/config.toml` (litellm's `openai/` prefix,
  `api_base` the endpoint); the prompt is sent with Ctrl+J.
- oterm: `OLLAMA_URL` names the endpoint (it lists models with the Ollama API and chats through its
  OpenAI-compatible `/v1`); the splash screen is off in its `config.json`; a chat is made with
  Ctrl+N, picking the model by typing its name, and Save.
- Toad (`batrachian-toad`): `toad acp "COMMAND" DIR` runs our ACP agent (peer_acp_agent.py), which
  relays the endpoint's stream.
"""

from __future__ import annotations

import re
import secrets
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from peer_terminal import Terminal, settle, wait_for

HERE = Path(__file__).resolve().parent
READY = "mix-tui server listening on "
BASE_PYTHON: str = getattr(sys, "_base_executable", sys.executable)  # the one this venv was made from
SAVE_FOCUSED = re.compile(r"\x1b\[[0-9;]*7m(?:\x1b\[[0-9;]*m)* Save ")


@dataclass
class Launch:
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    side: list[subprocess.Popen[str]] = field(
        default_factory=list
    )  # the app's processes outside the terminal

    def close(self) -> None:
        for proc in self.side:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def fresh_home(run_dir: Path) -> dict[str, str]:
    """The environment of a user who never ran anything: nothing of the real user's is read or written."""
    home = run_dir / "home"
    env = {
        "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_CACHE_HOME": str(home / ".cache"), "XDG_STATE_HOME": str(home / ".local/state"),
        "TERM": "xterm-256color", "COLORTERM": "truecolor", "LANG": "C.UTF-8", "PATH": "/usr/local/bin:/usr/bin:/bin",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }  # fmt: skip
    for key in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        Path(env[key]).mkdir(parents=True, exist_ok=True)
    return env


class App:
    name = ""
    package = ""  # on PyPI; "" for mix-tui itself
    entry = ""  # its console script
    module = ""  # imported to check that the install works

    def __init__(self, peers_dir: Path) -> None:
        self.venv = peers_dir / self.name

    # ---- install ----

    def python(self) -> str | None:
        """The interpreter its venv is made with (None: none fits; `unavailable` says why)."""
        return BASE_PYTHON

    def installed(self) -> str | None:
        """Why the installed copy cannot run (None: it can)."""
        if not (self.venv / "bin" / self.entry).exists():
            return f"not installed in {self.venv}"
        check = subprocess.run(
            [str(self.venv / "bin/python"), "-c", f"import {self.module}"], capture_output=True, text=True
        )
        if check.returncode != 0:
            lines = check.stderr.strip().splitlines()
            return f"installed in {self.venv} but `import {self.module}` fails: {lines[-1] if lines else check.returncode}"
        return None

    def install(self, skip_install: bool) -> str | None:
        """Make its venv and pip-install it unless there already; why it cannot run, or None."""
        problem = self.installed()
        if problem is None:
            return None
        python = self.python()
        if python is None:
            return self.unavailable()
        if skip_install:
            return f"{problem} (run without --skip-install to install it)"
        print(f"  installing {self.package} into {self.venv} (first run only) ...", flush=True)
        shutil.rmtree(self.venv, ignore_errors=True)
        subprocess.run([python, "-m", "venv", str(self.venv)], check=True)
        pip = subprocess.run(
            [str(self.venv / "bin/pip"), "install", "-q", self.package], capture_output=True, text=True
        )
        if pip.returncode != 0:
            errors = [line for line in pip.stderr.splitlines() if line.startswith("ERROR")]
            return f"`pip install {self.package}` failed: " + " | ".join(e[:300] for e in errors[-2:])
        return self.installed()

    def unavailable(self) -> str:
        return "no Python to install it with"

    def version(self) -> str:
        code = f"import importlib.metadata as m; print(m.version({self.package!r}))"
        done = subprocess.run([str(self.venv / "bin/python"), "-c", code], capture_output=True, text=True)
        return done.stdout.strip() or "?"

    # ---- driving ----

    def launch(self, run_dir: Path, endpoint: str) -> Launch:
        raise NotImplementedError

    def ready(self, screen: str) -> bool:
        raise NotImplementedError

    def open_chat(self, term: Terminal) -> None:
        """From the first screen to a prompt box with the cursor in it."""

    def send(self, term: Terminal) -> None:
        term.press("Enter")

    # An app that keeps the end of a streaming answer in view needs nothing more; one that does not
    # gets, once the whole answer was sent, what a user does: the transcript focused, then End.
    follows_stream = True

    def focus_transcript(self, term: Terminal) -> None:
        pass

    def scroll_to_end(self, term: Terminal) -> None:
        term.press("End")


class MixTui(App):
    name, entry, module = "mix-tui", "mix-tui", "mix_tui"

    def __init__(self, peers_dir: Path) -> None:
        super().__init__(peers_dir)
        self.venv = Path(sys.executable).parent.parent  # this checkout's own venv

    def install(self, skip_install: bool) -> str | None:
        return (
            None
            if (self.venv / "bin/mix-tui").exists()
            else f"no mix-tui script in {self.venv}/bin (pip install -e .)"
        )

    def version(self) -> str:
        import mix_tui

        return mix_tui.__version__

    def launch(self, run_dir: Path, endpoint: str) -> Launch:
        env = fresh_home(run_dir)
        work, data = run_dir / "work", run_dir / "data"
        work.mkdir()
        token = secrets.token_urlsafe(16)
        server_argv = [
            str(self.venv / "bin/mix-tui"), "serve", "--port", "0", "--provider", "openai", "--model", "bench",
            "--base-url", f"{endpoint}/v1", "--data-dir", str(data), "--workdir", str(work),
        ]  # fmt: skip
        server = subprocess.Popen(
            server_argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=work,
            env={**env, "MIX_SERVER_TOKEN": token, "OPENAI_API_KEY": "not-a-real-key"},
        )  # fmt: skip
        assert server.stdout is not None
        line = server.stdout.readline()
        if not line.startswith(READY):
            server.kill()
            raise RuntimeError(f"mix-tui serve did not start: {line!r}")
        url = line.strip().rsplit(" ", 1)[1]
        argv = [str(self.venv / "bin/mix-tui"), "--server", url]
        return Launch(argv, {**env, "MIX_TOKEN": token}, work, side=[server])

    def ready(self, screen: str) -> bool:
        return "connected" in screen and "Ask anything" in screen


class Elia(App):
    name, package, entry, module = "elia", "elia-chat", "elia", "elia_chat"

    def launch(self, run_dir: Path, endpoint: str) -> Launch:
        env = fresh_home(run_dir)
        config = Path(env["XDG_CONFIG_HOME"]) / "elia" / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text(
            'default_model = "bench"\n\n[[models]]\nid = "bench"\nname = "openai/bench"\ndisplay_name = "Bench"\n'
            f'provider = "bench"\napi_base = "{endpoint}/v1"\napi_key = "not-a-real-key"\n'
        )
        # litellm would fetch its model price list from the internet at import
        env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
        return Launch([str(self.venv / "bin/elia")], env, run_dir)

    def ready(self, screen: str) -> bool:
        return "Enter your message" in screen and "Bench" in screen

    def send(self, term: Terminal) -> None:
        term.press("C-j")  # Enter adds a line in Elia's prompt


class Oterm(App):
    name, package, entry, module = "oterm", "oterm", "oterm", "oterm"
    model = "bench:latest"
    follows_stream = False  # the view stays where the answer began (0.26: seen here)

    def focus_transcript(self, term: Terminal) -> None:
        term.press("BTab")  # from the prompt to the chat's messages

    def launch(self, run_dir: Path, endpoint: str) -> Launch:
        env = fresh_home(run_dir)
        config = Path(env["XDG_DATA_HOME"]) / "oterm" / "config.json"
        config.parent.mkdir(parents=True)
        config.write_text('{"splash-screen": false, "theme": "textual-dark"}')
        env["OLLAMA_URL"] = endpoint
        return Launch([str(self.venv / "bin/oterm")], env, run_dir)

    def ready(self, screen: str) -> bool:
        return "to start a new chat" in screen

    def open_chat(self, term: Terminal) -> None:
        """Ctrl+N, the model name typed and picked from the list, Save. The dialog's first focus
        comes a moment after it shows, so a step that went astray is retried from a new dialog."""
        reason = ""
        for _ in range(3):
            try:
                self._new_chat_dialog(term)
                break
            except RuntimeError as exc:
                reason = str(exc).splitlines()[0]
                term.press("Escape")
                wait_for(term, self.ready, 10, "oterm's dialog to close")
        else:
            raise RuntimeError(f"could not make a chat in oterm: {reason}")
        for _ in range(30):  # back through the dialog to its Save button
            if SAVE_FOCUSED.search(term.styled_screen()):
                break
            term.press("BTab")
            time.sleep(0.2)
        else:
            raise RuntimeError("could not reach the Save button of oterm's new-chat dialog")
        term.press("Enter")
        wait_for(term, lambda s: f"model: {self.model}" in s and "❯" in s, 30, "the new chat")

    def _new_chat_dialog(self, term: Terminal) -> None:
        term.press("C-n")
        wait_for(
            term, lambda s: "Type model name" in s and self.model in s, 30, "the dialog with the model list"
        )
        settle(term)
        term.press("Tab")  # from the provider select to the model name field
        term.type(self.model)
        # the field shows it (two spaces in, where the list's row has one)
        wait_for(term, lambda s: f"│ │  {self.model}" in s, 3, "the model name in its field")
        term.press("Down")  # into the filtered list
        term.press("Down")  # its cursor onto the one model
        term.press("Enter")  # picked: oterm loads the model's details
        wait_for(term, lambda s: f"Model: {self.model}" in s, 10, "the model's details")


class Toad(App):
    name, package, entry, module = "toad", "batrachian-toad", "toad", "toad"
    needs = (3, 14)  # every release of batrachian-toad on PyPI says Requires-Python >=3.14

    def __init__(self, peers_dir: Path, python: str | None = None) -> None:
        super().__init__(peers_dir)
        self.wanted_python = python

    def python(self) -> str | None:
        for candidate in [self.wanted_python, BASE_PYTHON, "python3.14", "python3.15", "python3.16"]:
            path = shutil.which(candidate) if candidate else None
            if path and _version_of(path) >= self.needs:
                return path
        return None

    def unavailable(self) -> str:
        found = f"Python {'.'.join(map(str, sys.version_info[:3]))}"
        if self.wanted_python:
            found = (
                f"{self.wanted_python} (Python {'.'.join(map(str, _version_of(self.wanted_python))) or '?'})"
            )
        return (f"batrachian-toad needs Python >= {'.'.join(map(str, self.needs))} (every release on PyPI "
                f"says so, and it uses the new syntax: on 3.11 `import toad` is a SyntaxError); found {found} "
                "and no python3.14 on PATH: pass --toad-python /path/to/python3.14")  # fmt: skip

    def launch(self, run_dir: Path, endpoint: str) -> Launch:
        env = fresh_home(run_dir)
        work = run_dir / "work"
        work.mkdir()
        agent = shlex.join([str(self.venv / "bin/python"), str(HERE / "peer_acp_agent.py"), endpoint])
        return Launch([str(self.venv / "bin/toad"), "acp", agent, str(work)], env, work)

    def ready(self, screen: str) -> bool:
        # Never seen on this machine (no Python 3.14 here), so nothing more specific than a screen
        # with text; the benchmark then waits for it to settle before typing.
        return bool(screen.strip())


def _version_of(python: str) -> tuple[int, ...]:
    try:
        done = subprocess.run(
            [python, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except OSError:
        return ()
    return tuple(int(n) for n in done.stdout.split()) if done.returncode == 0 else ()


def all_apps(peers_dir: Path, toad_python: str | None = None) -> list[App]:
    return [MixTui(peers_dir), Elia(peers_dir), Oterm(peers_dir), Toad(peers_dir, toad_python)]
