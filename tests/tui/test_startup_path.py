"""What runs before the first frame: only Textual and the app's own startup module (the SDK, the
protocol models, the settings model, the chat and textual-image come after it), and config.toml's
server and theme read ahead for it (config_peek) — the same values the full read finds; the app's
own server is spawned before the app's modules import, and the app adopts it."""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mix_tui.tui.app import AppConfig, MixApp
from mix_tui.tui.app_config import spawn_early
from mix_tui.tui.config import ConfigFile
from mix_tui.tui.config_peek import FirstSettings, peek
from tests.tui.conftest import ready_chat, wait_for
from tests.tui.scripted import BASE_URL, ScriptedMix

NOT_BEFORE_THE_FIRST_FRAME = (
    "pydantic", "tomlkit", "httpx", "keyring", "markdown_it", "pygments", "PIL", "textual_image",
    "mix_tui.protocol", "mix_tui.sdk", "mix_tui.tui.config", "mix_tui.tui.screens", "mix_tui.tui.session",
)  # fmt: skip


def test_the_first_frame_imports_neither_the_sdk_nor_the_models_nor_the_chat() -> None:
    script = (
        "import sys\n"
        "import mix_tui.cli, mix_tui.tui.app, mix_tui.tui.widgets.graphics\n"
        f"print(sorted(m for m in {NOT_BEFORE_THE_FIRST_FRAME!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"


def args(tmp_path: Path, *argv: str) -> argparse.Namespace:
    from mix_tui.cli import build_parser

    return build_parser().parse_args(["--config", str(tmp_path / "config.toml"), *argv])


def test_the_server_and_theme_of_the_file_are_read_ahead_and_match_the_full_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('server_url = "http://127.0.0.1:9/"\ntheme = "nord"\nsidebar_width = "wide"\n')
    assert peek(path) == FirstSettings(server_url="http://127.0.0.1:9/", theme="nord")
    full = ConfigFile(path).load()
    assert (full.server_url, full.theme) == ("http://127.0.0.1:9/", "nord")
    config = AppConfig.from_args(args(tmp_path))
    assert config.server_url == "http://127.0.0.1:9"
    assert config.first_theme == "nord" and config.settings_file == path and config.settings is None
    assert AppConfig.from_args(args(tmp_path, "--server", "http://127.0.0.1:7")).server_url == "http://127.0.0.1:7"


@pytest.mark.parametrize(
    "text",
    [b'theme = "nord"\nsidebar_width = = 1\n', b"theme = 5\nserver_url = true\n", b'theme = "\xff"\n'],
)
def test_a_file_the_full_read_rejects_gives_the_defaults_ahead_too(tmp_path: Path, text: bytes) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(text)
    assert peek(path) == FirstSettings()
    full = ConfigFile(path).load()
    assert (full.server_url, full.theme) == ("", FirstSettings().theme)
    assert peek(tmp_path / "missing.toml") == FirstSettings()


async def test_the_file_is_read_after_the_first_frame_and_its_problems_still_reach_the_transcript(
    tmp_path: Path,
) -> None:
    from mix_tui.tui.widgets.message import NoteMessage

    path = tmp_path / "config.toml"
    path.write_text('theme = "nord"\nsidebar_width = "wide"\n')
    mix = ScriptedMix()
    config = AppConfig(
        server_url=BASE_URL, transport=mix.transport, demo=True, settings_file=path, first_theme="nord"
    )
    app = MixApp(config)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.theme == "nord"  # the first frame's colours, before the settings model exists
        chat = await ready_chat(pilot)
        assert app.settings is not None and app.settings.file is not None and app.settings.file.path == path
        await wait_for(pilot, lambda: chat.transcript.query(NoteMessage), what="the note")
        assert "sidebar_width" in str(chat.transcript.query_one(NoteMessage).render())
        app.theme = "gruvbox"  # still written back: the store read after the first frame is the file's
        await pilot.pause()
    assert 'theme = "gruvbox"' in path.read_text()


def test_the_local_server_is_spawned_before_the_app_which_adopts_and_stops_it(tmp_path: Path) -> None:
    """As cli.py does it: spawned on a loop, the app run on that loop."""
    config = AppConfig(demo=True, data_dir=tmp_path / "data", workdir=tmp_path)
    with asyncio.Runner() as runner:
        early = spawn_early(config, runner)
        server = early.early_server
        assert server is not None and server.pid is not None and not server.url  # spawned, not waited for
        app = MixApp(early)

        async def drive() -> None:
            async with app.run_test(size=(100, 30)) as pilot:
                await ready_chat(pilot)
                assert app.local_server is server and server.url.startswith("http://127.0.0.1:")

        runner.run(drive())
    assert server.pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(server.pid, 0)  # stopped and reaped on the way out


def test_no_early_server_for_a_remote_one_and_a_failed_spawn_is_left_to_the_app(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    with asyncio.Runner() as runner:
        remote = AppConfig(server_url="http://127.0.0.1:9")
        assert spawn_early(remote, runner) is remote
        unwritable = AppConfig(data_dir=tmp_path / "a-file", workdir=tmp_path)
        assert spawn_early(unwritable, runner) is unwritable  # the app tries again and shows why
