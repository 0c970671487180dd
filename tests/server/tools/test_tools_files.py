"""ReadText, Write and Edit on real files: numbering, errors, diffs, ambiguity, permissions."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from mix_tui.server.tools import ToolContext, unified_diff
from mix_tui.server.tools.files import Edit, Write
from mix_tui.server.tools.read_text import ReadText


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# ---- ReadText -------------------------------------------------------------------------------------


async def test_read_numbers_lines_like_cat_n(ctx: ToolContext, workdir: Path) -> None:
    (workdir / "a.txt").write_text("alpha\nbeta\ngamma\n")
    out = await ReadText().run({"file_path": "a.txt"}, ctx)
    assert not out.is_error
    assert out.output == "     1\talpha\n     2\tbeta\n     3\tgamma"


async def test_read_offset_limit_and_continuation_hint(ctx: ToolContext, workdir: Path) -> None:
    (workdir / "n.txt").write_text("".join(f"line {i}\n" for i in range(1, 101)))
    out = await ReadText().run({"file_path": str(workdir / "n.txt"), "offset": 10, "limit": 3}, ctx)
    assert out.output.splitlines()[:3] == ["    10\tline 10", "    11\tline 11", "    12\tline 12"]
    assert "offset=13" in out.output
    past = await ReadText().run({"file_path": "n.txt", "offset": 500}, ctx)
    assert "past the end" in past.output and "100 lines" in past.output
    # the SDK documents a 0-based offset: 0 reads from the start instead of failing validation
    from mix_tui.server.tools import validate_input

    args = validate_input(ReadText(), {"file_path": "n.txt", "offset": 0, "limit": 1})
    assert isinstance(args, dict)
    assert (await ReadText().run(args, ctx)).output.startswith("     1\tline 1\n")


async def test_read_cuts_very_long_lines(ctx: ToolContext, workdir: Path) -> None:
    (workdir / "long.txt").write_text("x" * 5000 + "\n")
    out = await ReadText().run({"file_path": "long.txt"}, ctx)
    assert len(out.output) < 2100 and "5000 characters" in out.output


async def test_read_errors(ctx: ToolContext, workdir: Path) -> None:
    (workdir / "sub").mkdir()
    (workdir / "blob.bin").write_bytes(b"\x89PNG\x00\x01\x02")
    (workdir / "empty.txt").write_text("")
    missing = await ReadText().run({"file_path": "nope.txt"}, ctx)
    assert missing.is_error and "not found" in missing.output
    directory = await ReadText().run({"file_path": "sub"}, ctx)
    assert directory.is_error and "directory" in directory.output
    binary = await ReadText().run({"file_path": "blob.bin"}, ctx)
    assert binary.is_error and "binary" in binary.output
    empty = await ReadText().run({"file_path": "empty.txt"}, ctx)
    assert not empty.is_error and "empty" in empty.output


def test_read_inside_needs_no_permission_outside_does(ctx: ToolContext, workdir: Path, outside: Path) -> None:
    assert ReadText().permission({"file_path": "a.txt"}, ctx) is None
    assert ReadText().permission({"file_path": str(workdir / "deep/a.txt")}, ctx) is None
    secret = outside / "secret.txt"
    need = ReadText().permission({"file_path": str(secret)}, ctx)
    assert need is not None
    assert need.action == "read"
    assert need.description == f"Read file outside the working directory: {secret}"
    assert need.path == str(secret)  # the resolved file itself (issue 8.6)
    assert need.params == {"file_path": str(secret)}
    # `..` and symlinks are resolved before the check
    assert ReadText().permission({"file_path": "../outside/secret.txt"}, ctx) is not None
    (workdir / "link").symlink_to(secret)
    assert ReadText().permission({"file_path": "link"}, ctx) is not None
    assert ReadText().permission({"file_path": "~/x"}, ctx) is not None


# ---- Write ----------------------------------------------------------------------------------------


async def test_write_creates_parents_and_asks_with_a_creation_diff(ctx: ToolContext, workdir: Path) -> None:
    args = {"file_path": "pkg/sub/new.py", "content": "print('hi')\n"}
    need = Write().permission(args, ctx)
    assert need is not None
    assert need.action == "write"
    assert need.description == f"Create file: {workdir / 'pkg/sub/new.py'}"
    assert need.params["file_path"] == str(workdir / "pkg/sub/new.py")
    assert need.params["diff"].startswith("--- /dev/null\n+++ b/pkg/sub/new.py\n")
    assert "+print('hi')\n" in need.params["diff"]
    out = await Write().run(args, ctx)
    assert not out.is_error and "Created pkg/sub/new.py" in out.output
    assert (workdir / "pkg/sub/new.py").read_text() == "print('hi')\n"


async def test_write_over_existing_file_diffs_old_to_new(ctx: ToolContext, workdir: Path) -> None:
    target = workdir / "a.txt"
    target.write_text("one\ntwo\n")
    target.chmod(0o640)
    args = {"file_path": "a.txt", "content": "one\nTWO\n"}
    need = Write().permission(args, ctx)
    assert need is not None and need.description.startswith("Write file: ")
    assert need.params["diff"] == "--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n one\n-two\n+TWO\n"
    out = await Write().run(args, ctx)
    assert not out.is_error
    assert target.read_text() == "one\nTWO\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert _names(workdir) == ["a.txt"]  # no temporary file left behind


async def test_write_keeps_content_byte_exact(ctx: ToolContext, workdir: Path) -> None:
    await Write().run({"file_path": "crlf.txt", "content": "a\r\nb"}, ctx)
    assert (workdir / "crlf.txt").read_bytes() == b"a\r\nb"


async def test_write_outside_is_flagged_and_directory_refused(
    ctx: ToolContext, workdir: Path, outside: Path
) -> None:
    need = Write().permission({"file_path": str(outside / "x.txt"), "content": "x"}, ctx)
    assert need is not None and "outside the working directory" in need.description
    (workdir / "d").mkdir()
    assert Write().permission({"file_path": "d", "content": "x"}, ctx) is None
    out = await Write().run({"file_path": "d", "content": "x"}, ctx)
    assert out.is_error and "directory" in out.output


# ---- Edit -----------------------------------------------------------------------------------------


async def test_edit_replaces_a_unique_match_and_asks_with_its_diff(ctx: ToolContext, workdir: Path) -> None:
    target = workdir / "m.py"
    target.write_text("def f():\n    return 1\n")
    args = {"file_path": "m.py", "old_string": "return 1", "new_string": "return 2"}
    need = Edit().permission(args, ctx)
    assert need is not None
    assert need.action == "edit"
    assert need.description == f"Edit file: {target}"
    assert need.path == str(target)
    assert need.params == {
        "file_path": str(target),
        "diff": "--- a/m.py\n+++ b/m.py\n@@ -1,2 +1,2 @@\n def f():\n-    return 1\n+    return 2\n",
    }
    out = await Edit().run(args, ctx)
    assert not out.is_error and "replaced 1 occurrence" in out.output
    assert target.read_text() == "def f():\n    return 2\n"


async def test_edit_ambiguity_and_replace_all(ctx: ToolContext, workdir: Path) -> None:
    target = workdir / "r.txt"
    target.write_text("x = 1\ny = 1\n")
    ambiguous = {"file_path": "r.txt", "old_string": "1", "new_string": "2"}
    assert Edit().permission(ambiguous, ctx) is None  # nothing to ask: it cannot apply
    out = await Edit().run(ambiguous, ctx)
    assert out.is_error and "occurs 2 times" in out.output and "replace_all" in out.output
    assert target.read_text() == "x = 1\ny = 1\n"
    out = await Edit().run({**ambiguous, "replace_all": True}, ctx)
    assert not out.is_error and "replaced 2 occurrences" in out.output
    assert target.read_text() == "x = 2\ny = 2\n"


async def test_edit_errors(ctx: ToolContext, workdir: Path) -> None:
    (workdir / "e.txt").write_text("hello\n")
    (workdir / "blob.bin").write_bytes(b"\x00\x01hello")
    cases = [
        ({"file_path": "e.txt", "old_string": "absent", "new_string": "x"}, "not found"),
        ({"file_path": "e.txt", "old_string": "hello", "new_string": "hello"}, "identical"),
        ({"file_path": "missing.txt", "old_string": "a", "new_string": "b"}, "not found"),
        ({"file_path": "blob.bin", "old_string": "hello", "new_string": "bye"}, "binary"),
        ({"file_path": "e.txt", "old_string": "", "new_string": "x"}, "already exists"),
    ]
    for args, expected in cases:
        out = await Edit().run(args, ctx)
        assert out.is_error, args
        assert expected in out.output, (args, out.output)
    assert (workdir / "e.txt").read_text() == "hello\n"


async def test_edit_with_empty_old_string_creates_a_file(ctx: ToolContext, workdir: Path) -> None:
    args = {"file_path": "fresh/new.txt", "old_string": "", "new_string": "content\n"}
    need = Edit().permission(args, ctx)
    assert need is not None and need.params["diff"].startswith("--- /dev/null")
    out = await Edit().run(args, ctx)
    assert not out.is_error
    assert (workdir / "fresh/new.txt").read_text() == "content\n"


async def test_edit_matches_lf_text_in_a_crlf_file(ctx: ToolContext, workdir: Path) -> None:
    target = workdir / "w.txt"
    target.write_bytes(b"one\r\ntwo\r\nthree\r\n")
    out = await Edit().run({"file_path": "w.txt", "old_string": "one\ntwo", "new_string": "1\n2"}, ctx)
    assert not out.is_error
    assert target.read_bytes() == b"1\r\n2\r\nthree\r\n"


# ---- diff helper ----------------------------------------------------------------------------------


def test_unified_diff_edges() -> None:
    assert unified_diff("same\n", "same\n", "f") == ""
    no_newline = unified_diff("a\n", "a\nb", "f")
    assert no_newline.endswith("+b\n\\ No newline at end of file\n")
    huge = unified_diff("x" * 600_000, "y" * 600_000, "big")
    assert "diff omitted" in huge


async def test_fifos_are_refused_not_waited_on(ctx: ToolContext, workdir: Path) -> None:
    os.mkfifo(workdir / "pipe")
    read = await asyncio.wait_for(ReadText().run({"file_path": "pipe"}, ctx), 2)
    assert read.is_error and "not a regular file" in read.output
    edit = await asyncio.wait_for(
        Edit().run({"file_path": "pipe", "old_string": "a", "new_string": "b"}, ctx), 2
    )
    assert edit.is_error and "not a regular file" in edit.output


# ---- outside the workdir: ask before reading, counting or reporting anything (issue 8.7) ----------


def _said(need: object) -> str:
    """Everything a permission prompt (and so the model, after a denial) could learn."""
    return repr(need)


@pytest.mark.parametrize("exists", [True, False])
def test_edit_outside_asks_before_it_looks_at_the_file(
    ctx: ToolContext, outside: Path, exists: bool
) -> None:
    target = outside / "passwd"
    if exists:
        target.write_text("root:x:0:0\n" * 24)
    args = {"file_path": str(target), "old_string": "root", "new_string": "toor"}
    need = Edit().permission(args, ctx)
    assert need is not None, "an outside edit must ask even when it could not apply"
    assert need.path == str(target)
    said = _said(need)
    assert "24" not in said and "occurs" not in said and "not found" not in said.lower()
    assert "diff" not in need.params  # a diff would need the current content
    assert need.params["old_string"] == "root" and need.params["new_string"] == "toor"


def test_write_outside_asks_without_reading_even_a_directory(ctx: ToolContext, outside: Path) -> None:
    (outside / "secret.txt").write_text("top secret\n")
    for target in (outside / "secret.txt", outside):
        need = Write().permission({"file_path": str(target), "content": "new"}, ctx)
        assert need is not None
        assert "top secret" not in _said(need) and "is a directory" not in _said(need)
        assert need.params == {"file_path": str(target), "content": "new"}


def test_outside_prompts_do_not_open_the_file(ctx: ToolContext, outside: Path) -> None:
    # an unreadable file: any read during the check would fail and change the answer
    target = outside / "locked"
    target.write_text("x")
    target.chmod(0)
    try:
        for tool, args in (
            (ReadText(), {"file_path": str(target)}),
            (Write(), {"file_path": str(target), "content": "y"}),
            (Edit(), {"file_path": str(target), "old_string": "x", "new_string": "y"}),
        ):
            need = tool.permission(args, ctx)
            assert need is not None and need.path == str(target), tool.name
            assert "denied" not in _said(need).lower()
    finally:
        target.chmod(0o600)


async def test_granted_outside_edit_reports_as_usual(ctx: ToolContext, outside: Path) -> None:
    target = outside / "conf"
    target.write_text("a=1\n")
    out = await Edit().run({"file_path": str(target), "old_string": "a=1", "new_string": "a=2"}, ctx)
    assert not out.is_error and target.read_text() == "a=2\n"
