"""The console script and `python -m mix_tui` answer --help and --version without starting anything."""

from __future__ import annotations

import subprocess
import sys

from mix_tui import __version__


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mix_tui", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_version_prints_the_package_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"mix-tui {__version__}"


def test_help_lists_the_launch_options_and_the_serve_command() -> None:
    result = run("--help")
    assert result.returncode == 0
    for option in ("--server", "--token", "--demo", "--session", "--continue", "serve"):
        assert option in result.stdout


def test_serve_help_lists_the_server_options() -> None:
    result = run("serve", "--help")
    assert result.returncode == 0
    for option in ("--host", "--port", "--no-token", "--data-dir", "--workdir", "--permission-timeout"):
        assert option in result.stdout


def test_unknown_option_is_a_usage_error_not_a_traceback() -> None:
    result = run("--no-such-flag")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "usage:" in result.stderr
