"""Show: outputs validated, resolved and published into the session's files folder."""

from __future__ import annotations

from pathlib import Path

from mix_tui.server.tools import ToolContext, validate_input
from mix_tui.server.tools.show import Show


def context(workdir: Path, tmp_path: Path) -> ToolContext:
    return ToolContext(workdir=workdir, session_id="s1", files_dir=tmp_path / "files")


async def test_local_files_are_published_and_urls_kept(workdir: Path, tmp_path: Path) -> None:
    ctx = context(workdir, tmp_path)
    (workdir / "chart one.png").write_bytes(b"\x89PNG fake")
    args = {"outputs": [
        {"path": "chart one.png", "type": "image", "title": "Chart", "description": "Q4"},
        {"path": "https://example.com/v.mp4", "type": "video", "title": "Clip", "startTime": 10, "duration": 5},
        {"type": "gsap_animation", "title": "Intro", "config": {"duration": 2}},
    ]}  # fmt: skip
    assert validate_input(Show(), args) == args
    assert Show().permission(args, ctx) is None
    outcome = await Show().run(args, ctx)
    assert not outcome.is_error, outcome.output
    assert outcome.output.startswith("Showing 3 outputs to the user:")
    assert outcome.metadata is not None
    image, video, animation = outcome.metadata["outputs"]
    assert image["url"] == "/api/sessions/s1/files/chart_one.png" and image["name"] == "chart_one.png"
    assert image["path"] == str(workdir / "chart one.png") and image["description"] == "Q4"
    assert (tmp_path / "files" / "chart_one.png").read_bytes() == b"\x89PNG fake"
    assert video == {"type": "video", "title": "Clip", "startTime": 10, "duration": 5,
                     "path": "https://example.com/v.mp4", "url": "https://example.com/v.mp4"}  # fmt: skip
    assert animation == {"type": "gsap_animation", "title": "Intro", "config": {"duration": 2}}


async def test_same_name_new_content_gets_a_new_name(workdir: Path, tmp_path: Path) -> None:
    ctx = context(workdir, tmp_path)
    target = workdir / "plot.png"
    target.write_bytes(b"one")
    first = await Show().run({"outputs": [{"path": "plot.png", "type": "image", "title": "A"}]}, ctx)
    again = await Show().run({"outputs": [{"path": "plot.png", "type": "image", "title": "A"}]}, ctx)
    target.write_bytes(b"two")
    changed = await Show().run({"outputs": [{"path": "plot.png", "type": "image", "title": "B"}]}, ctx)
    names = [o.metadata["outputs"][0]["name"] for o in (first, again, changed) if o.metadata]
    assert names == ["plot.png", "plot.png", "plot-2.png"]


async def test_problems_are_reported_and_nothing_is_shown(workdir: Path, tmp_path: Path) -> None:
    ctx = context(workdir, tmp_path)
    outcome = await Show().run(
        {"outputs": [{"path": "missing.png", "type": "image", "title": "X"}, {"type": "image", "title": "Y"}]}, ctx
    )
    assert outcome.is_error
    assert "no such file: missing.png" in outcome.output and "needs a path" in outcome.output
    assert not (tmp_path / "files").exists()
    bad = validate_input(Show(), {"outputs": [{"path": "a", "type": "hologram", "title": "Z"}]})
    assert isinstance(bad, str) and "hologram" in bad


def test_outside_files_ask_first(workdir: Path, tmp_path: Path, outside: Path) -> None:
    ctx = context(workdir, tmp_path)
    need = Show().permission({"outputs": [{"path": str(outside / "x.png"), "type": "image", "title": "X"}]}, ctx)
    assert need is not None and need.params == {"paths": [str(outside / "x.png")]}
