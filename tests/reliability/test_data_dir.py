"""The data dir (issue 8, item 13): private to its owner, and a clear error naming it when unusable."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.conftest import client
from tests.server.proc import server_env


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_data_dir_is_0700_and_database_files_0600(servers: Any, tmp_path: Path) -> None:
    server = servers()
    async with client(server) as http:  # a write, so the WAL and its index exist
        assert (await http.post("/api/sessions", json={"title": "private"})).status_code == 201
        data = tmp_path / "data"
        assert _mode(data) == 0o700
        files = [data / name for name in ("mix.db", "mix.db-wal", "mix.db-shm")]
        assert all(f.exists() for f in files), sorted(p.name for p in data.iterdir())
        assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
    assert server.stop() == 0


def test_an_older_world_readable_database_is_tightened(servers: Any, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    sqlite3.connect(data / "mix.db").close()
    (data / "mix.db").chmod(0o644)
    server = servers()
    assert _mode(data / "mix.db") == 0o600
    assert server.stop() == 0


def _serve(data_dir: Path, tmp_path: Path, prefix: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    command = [
        *(prefix or []), sys.executable, "-m", "mix_tui", "serve", "--port", "0", "--provider", "demo",
        "--no-token", "--data-dir", str(data_dir), "--workdir", str(work),
    ]
    return subprocess.run(command, capture_output=True, text=True, env=server_env(), timeout=60)


def _assert_names_the_data_dir(result: subprocess.CompletedProcess[str], data_dir: Path) -> None:
    assert result.returncode == 1 and result.stdout == ""  # never the "listening" line
    assert f"cannot use the data dir {data_dir.resolve()}" in result.stderr, result.stderr
    assert "cannot listen" not in result.stderr and "Traceback" not in result.stderr


def test_a_read_only_data_dir_is_reported_as_such(tmp_path: Path) -> None:
    data = tmp_path / "readonly"
    data.mkdir()
    data.chmod(0o500)
    prefix: list[str] = []
    if os.geteuid() == 0:  # root writes anywhere; drop the capabilities that let it ignore modes
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: a read-only directory cannot be simulated")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    try:
        result = _serve(data, tmp_path, prefix)
    finally:
        data.chmod(0o700)
    _assert_names_the_data_dir(result, data)
    assert "Permission denied" in result.stderr


def test_a_data_dir_that_is_a_file_is_reported_as_such(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    result = _serve(blocker / "data", tmp_path)
    _assert_names_the_data_dir(result, blocker / "data")
