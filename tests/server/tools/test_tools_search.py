"""Glob and Grep over real directory trees."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from mix_tui.server.tools import ToolContext
from mix_tui.server.tools.search import Glob, Grep
from mix_tui.server.tools.walk import compile_glob, expand_braces


@pytest.fixture
def tree(workdir: Path) -> Path:
    files = {
        "README.md": "# Title\nHello world\n",
        "src/app.py": "import os\n\ndef main():\n    print('hello')\n",
        "src/util.py": "def helper():\n    return 'HELLO'\n",
        "src/web/page.ts": "const hello = 1;\n",
        "tests/test_app.py": "from src.app import main\n",
        ".git/config": "hello = secret\n",
        "data.bin": "",
    }
    for rel, text in files.items():
        path = workdir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (workdir / "data.bin").write_bytes(b"hello\x00\x01")
    # distinct mtimes, newest last in this list
    for age, rel in enumerate(["src/util.py", "tests/test_app.py", "src/app.py"]):
        stamp = 1_700_000_000 + age * 100
        os.utime(workdir / rel, (stamp, stamp))
    return workdir


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        ("*.py", ["a.py"], ["src/a.py", "a.pyc"]),
        ("**/*.py", ["a.py", "src/a.py", "src/deep/b.py"], ["a.ts"]),
        ("src/**", ["src/a", "src/x/y"], ["lib/a"]),
        ("src/*.{py,ts}", ["src/a.py", "src/b.ts"], ["src/c.js", "src/x/a.py"]),
        ("test_?.py", ["test_1.py"], ["test_10.py"]),
        ("[ab]*.txt", ["a1.txt", "b.txt"], ["c.txt"]),
        ("[!ab]*.txt", ["c.txt"], ["a.txt"]),
        ("a+b(1).txt", ["a+b(1).txt"], ["aab1.txt"]),
    ],
)
def test_compile_glob(pattern: str, matches: list[str], misses: list[str]) -> None:
    regex = compile_glob(pattern)
    for path in matches:
        assert regex.fullmatch(path), (pattern, path)
    for path in misses:
        assert not regex.fullmatch(path), (pattern, path)


def test_expand_braces_nested_and_unbalanced() -> None:
    assert expand_braces("a{b,c{d,e}}f") == ["abf", "acdf", "acef"]
    assert expand_braces("a{b") == ["a{b"]


async def test_glob_recursive_newest_first_skipping_git(ctx: ToolContext, tree: Path) -> None:
    out = await Glob().run({"pattern": "**/*.py"}, ctx)
    assert not out.is_error
    assert out.output.splitlines() == ["src/app.py", "tests/test_app.py", "src/util.py"]
    everything = await Glob().run({"pattern": "**/*"}, ctx)
    assert ".git" not in everything.output and "README.md" in everything.output


async def test_glob_top_level_only_and_subpath(ctx: ToolContext, tree: Path) -> None:
    assert (await Glob().run({"pattern": "*.md"}, ctx)).output == "README.md"
    sub = await Glob().run({"pattern": "*.ts", "path": "src/web"}, ctx)
    assert sub.output == "src/web/page.ts"
    none = await Glob().run({"pattern": "*.rs"}, ctx)
    assert not none.is_error and "No files match" in none.output


async def test_glob_caps_results(ctx: ToolContext, workdir: Path) -> None:
    for i in range(230):
        (workdir / f"f{i}.txt").write_text("")
    out = await Glob().run({"pattern": "*.txt"}, ctx)
    lines = out.output.splitlines()
    assert len(lines) == 101 and lines[-1].startswith("(results are truncated: 130 more")
    assert out.metadata == {"number_of_files": 100, "truncated": True}
    few = await Glob().run({"pattern": "f1?.txt"}, ctx)
    assert few.metadata == {"number_of_files": 10, "truncated": False}


async def test_glob_rejects_escaping_patterns(ctx: ToolContext) -> None:
    assert (await Glob().run({"pattern": "../*"}, ctx)).is_error
    assert (await Glob().run({"pattern": "/etc/*"}, ctx)).is_error


async def test_grep_finds_lines_skipping_binary_and_git(ctx: ToolContext, tree: Path) -> None:
    # case-sensitive: README's "Hello" and util's "HELLO" stay out; .git/config and data.bin are skipped
    out = await Grep().run({"pattern": r"hel+o"}, ctx)
    assert not out.is_error
    assert out.output.splitlines() == [
        "src/app.py:4:     print('hello')",
        "src/web/page.ts:1: const hello = 1;",
    ]


async def test_grep_case_insensitive_glob_and_single_file(ctx: ToolContext, tree: Path) -> None:
    out = await Grep().run({"pattern": "hello", "case_insensitive": True, "glob": "*.py"}, ctx)
    assert out.output.splitlines() == [
        "src/app.py:4:     print('hello')",
        "src/util.py:2:     return 'HELLO'",
    ]
    scoped = await Grep().run({"pattern": "hello", "glob": "src/web/*"}, ctx)
    assert scoped.output == "src/web/page.ts:1: const hello = 1;"
    one = await Grep().run({"pattern": "def", "path": "src/util.py"}, ctx)
    assert one.output == "src/util.py:1: def helper():"


async def test_grep_no_match_bad_regex_missing_path(ctx: ToolContext, tree: Path) -> None:
    none = await Grep().run({"pattern": "zebra"}, ctx)
    assert not none.is_error and "No matches" in none.output
    bad = await Grep().run({"pattern": "("}, ctx)
    assert bad.is_error and "Invalid regular expression" in bad.output
    missing = await Grep().run({"pattern": "x", "path": "nowhere"}, ctx)
    assert missing.is_error


async def test_grep_caps_lines_and_cuts_long_ones(ctx: ToolContext, workdir: Path) -> None:
    (workdir / "many.txt").write_text("match\n" * 500)
    (workdir / "wide.txt").write_text("a" * 1000 + "needle" + "b" * 1000 + "\n")
    many = await Grep().run({"pattern": "match"}, ctx)
    assert len(many.output.splitlines()) == 101 and "truncated at 100" in many.output
    assert many.metadata == {"number_of_matches": 100, "truncated": True}
    wide = await Grep().run({"pattern": "needle"}, ctx)
    assert "needle" in wide.output and len(wide.output) < 400


async def test_grep_skips_symlinks_pointing_outside(ctx: ToolContext, workdir: Path, outside: Path) -> None:
    (outside / "secret.txt").write_text("password=hunter2\n")
    (workdir / "leak.txt").symlink_to(outside / "secret.txt")
    (workdir / "real.txt").write_text("password=fine\n")
    (workdir / "alias.txt").symlink_to(workdir / "real.txt")
    out = await Grep().run({"pattern": "password"}, ctx)
    assert "hunter2" not in out.output
    assert out.output.splitlines() == ["alias.txt:1: password=fine", "real.txt:1: password=fine"]


def test_search_permission_outside_workdir(ctx: ToolContext, outside: Path) -> None:
    for tool in (Glob(), Grep()):
        assert tool.permission({"pattern": "x"}, ctx) is None
        assert tool.permission({"pattern": "x", "path": "src"}, ctx) is None
        need = tool.permission({"pattern": "x", "path": str(outside)}, ctx)
        assert need is not None
        assert need.action == "read"
        assert need.description == f"Search outside the working directory: {outside}"
        assert need.params == {"path": str(outside), "pattern": "x"}
        assert tool.permission({"pattern": "x", "path": ".."}, ctx) is not None


async def test_search_outside_runs_once_granted(ctx: ToolContext, outside: Path) -> None:
    (outside / "notes.md").write_text("todo: call\n")
    found = await Glob().run({"pattern": "*.md", "path": str(outside)}, ctx)
    assert found.output == str(outside / "notes.md")
    grep = await Grep().run({"pattern": "todo", "path": str(outside)}, ctx)
    assert grep.output == f"{outside / 'notes.md'}:1: todo: call"


async def test_grep_skips_fifos(ctx: ToolContext, workdir: Path) -> None:
    os.mkfifo(workdir / "pipe")
    (workdir / "a.txt").write_text("findme\n")
    out = await asyncio.wait_for(Grep().run({"pattern": "findme"}, ctx), 2)
    assert out.output == "a.txt:1: findme"


# ---- what is left out by default: .gitignore, virtualenvs, VCS folders ---------------------------


@pytest.fixture
def project(workdir: Path) -> Path:
    files = {
        ".gitignore": "*.log\nbuild/\n/secret.txt\n!keep.log\n",
        "app.py": "needle = 1\n",
        "debug.log": "needle in a log\n",
        "keep.log": "needle kept\n",
        "secret.txt": "needle top-level only\n",
        "sub/secret.txt": "needle nested is not ignored\n",
        "build/out.py": "needle built\n",
        "sub/.gitignore": "*.tmp\n!important.log\n",
        "sub/x.tmp": "needle tmp\n",
        "sub/important.log": "needle re-included deeper\n",
        ".venv/lib/site.py": "needle in site-packages\n",
        ".venv/pyvenv.cfg": "home = /usr/bin\n",
        "env2/pyvenv.cfg": "home = /usr/bin\n",
        "env2/lib/x.py": "needle in an unnamed venv\n",
        ".git/HEAD": "needle in git\n",
        ".git/info/exclude": "excluded.py\n",
        "excluded.py": "needle excluded by info/exclude\n",
    }
    for rel, text in files.items():
        path = workdir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return workdir


EXPECTED_VISIBLE = ["app.py", "keep.log", "sub/important.log", "sub/secret.txt"]


async def test_grep_and_glob_respect_gitignore_venvs_and_git(ctx: ToolContext, project: Path) -> None:
    grep = await Grep().run({"pattern": "needle"}, ctx)
    assert sorted(line.split(":", 1)[0] for line in grep.output.splitlines()) == EXPECTED_VISIBLE
    glob = await Glob().run({"pattern": "**/*"}, ctx)
    names = set(glob.output.splitlines())
    assert set(EXPECTED_VISIBLE) <= names
    assert not names & {"debug.log", "secret.txt", "build/out.py", "sub/x.tmp", "excluded.py"}
    assert not any(n.startswith((".venv/", "env2/", ".git/")) for n in names)


async def test_a_subfolder_search_still_obeys_the_root_gitignore(ctx: ToolContext, project: Path) -> None:
    (project / "build" / "deep").mkdir()
    (project / "sub" / "build").mkdir()
    (project / "sub" / "build" / "x.py").write_text("needle\n")
    out = await Grep().run({"pattern": "needle", "path": "sub"}, ctx)
    assert sorted(line.split(":", 1)[0] for line in out.output.splitlines()) == [
        "sub/important.log",
        "sub/secret.txt",
    ]


async def test_include_ignored_searches_everything_but_vcs(ctx: ToolContext, project: Path) -> None:
    out = await Grep().run({"pattern": "needle", "include_ignored": True}, ctx)
    files = {line.split(":", 1)[0] for line in out.output.splitlines()}
    assert {"debug.log", "build/out.py", ".venv/lib/site.py", "env2/lib/x.py", "excluded.py"} <= files
    assert not any(f.startswith(".git/") for f in files)


async def test_grep_include_and_literal_text_as_the_sdk_names_them(ctx: ToolContext, workdir: Path) -> None:
    (workdir / "a.ts").write_text("x = a.b(c)\n")
    (workdir / "b.tsx").write_text("a.b(c)\n")
    (workdir / "c.py").write_text("a.b(c)\n")
    literal = await Grep().run({"pattern": "a.b(c)", "literal_text": True, "include": "*.{ts,tsx}"}, ctx)
    assert [line.split(":", 1)[0] for line in literal.output.splitlines()] == ["a.ts", "b.tsx"]
    assert literal.metadata == {"number_of_matches": 2, "truncated": False}
    regex = await Grep().run({"pattern": "a.b(c)"}, ctx)
    assert regex.output.startswith("No matches")  # as a regex, the parentheses are a group
