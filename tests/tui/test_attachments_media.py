"""Attachments and pictures against the real server.

`@` in the composer completes the working directory's paths (fuzzy; .gitignore respected); a sent
prompt's `@path` files are uploaded to the session's files and listed in the prompt, the transcript
shows the typed text with the attachment and the picture (a thumbnail from the files API), as it
does after a reopen; a `Show` output is shown as a picture in its panel; `/files` lists the files
and opens one."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from mix_tui.tui.screens.chat import ChatScreen
from mix_tui.tui.screens.picture import PictureScreen
from mix_tui.tui.session.attachments import Attachment, mentions, split_attachments, with_attachments
from mix_tui.tui.session.paths import list_paths, score
from mix_tui.tui.widgets.media import MediaPreview, ShowPanel, file_ref
from mix_tui.tui.widgets.message import UserMessage
from mix_tui.tui.widgets.path_complete import PathSuggestions
from tests.tui.conftest import make_server, opened, ready_chat, turn_over, wait_for


def picture(path: Path, size: tuple[int, int] = (64, 48)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 40, 40)).save(path)


def previews(chat: ChatScreen) -> list[MediaPreview]:
    return list(chat.transcript.query(MediaPreview))


async def test_attach_complete_upload_show_and_list(tmp_path: Path) -> None:
    server = make_server(tmp_path)
    work = server.workdir
    picture(work / "pics" / "photo.png")
    (work / "notes.txt").write_text("line one\nline two\n")
    (work / ".gitignore").write_text("secret/\n")
    picture(work / "secret" / "photo-hidden.png")
    try:
        app = server.app(workdir=work)
        async with app.run_test(size=(110, 48)) as pilot:
            chat = await ready_chat(pilot)
            suggestions = chat.query_one(PathSuggestions)
            chat.composer.focus()
            await pilot.press(*"look @pho")
            await wait_for(pilot, lambda: suggestions.showing, what="the suggestions")
            shown = [suggestions.get_option_at_index(i).id for i in range(suggestions.option_count)]
            assert shown[0] == "pics/photo.png" and not any("secret" in (s or "") for s in shown)
            await pilot.press("tab")
            assert chat.composer.text == "look @pics/photo.png " and not suggestions.showing
            await pilot.press("enter")
            await wait_for(pilot, lambda: turn_over(chat), what="the turn with the attachment")
            stored = next(m.user_input for m in opened(chat).history if m.role == "user")
            typed, attached = split_attachments(stored)
            assert typed == "look @pics/photo.png"
            assert attached == [Attachment("pics/photo.png", "photo.png", (work / "pics/photo.png").stat().st_size, "image/png")]
            files = await chat.client.files.list(opened(chat).session_id)
            assert [f.name for f in files] == ["photo.png"]
            message = chat.transcript.query(UserMessage).first()
            assert message.attachments == attached
            await wait_for(pilot, lambda: [p.state for p in previews(chat)] == ["shown"], what="the attached picture")
            # the demo looked at the file the prompt names (ReadMedia on the workdir path)
            assert "ReadMedia" in [p.view.name for p in chat.transcript.query("ToolCallPanel").results()]  # type: ignore[attr-defined]

            await chat._submit("show pics/photo.png")
            await wait_for(pilot, lambda: turn_over(chat, 2), what="the Show turn")
            await wait_for(pilot, lambda: bool(chat.transcript.query(ShowPanel)))
            show = chat.transcript.query(ShowPanel).first()
            await wait_for(pilot, lambda: [p.state for p in show.query(MediaPreview)] == ["shown"], what="the shown picture")

            await chat._submit("/files")
            await wait_for(pilot, lambda: "photo.png" in opened(chat).items()[-1].text)  # type: ignore[union-attr]
            await chat._submit("/files photo.png")
            await wait_for(pilot, lambda: isinstance(app.screen, PictureScreen), what="the picture dialog")
            await wait_for(pilot, lambda: app.screen.query_one(MediaPreview).state == "shown")
            await pilot.press("q")
            await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen))
            session_id = opened(chat).session_id

        again = server.app(workdir=work, session_id=session_id)
        async with again.run_test(size=(110, 48)) as pilot:
            chat = await ready_chat(pilot)
            await wait_for(pilot, lambda: turn_over(chat, 2), what="the reopened session")
            await wait_for(pilot, lambda: len(previews(chat)) == 2 and all(p.state == "shown" for p in previews(chat)),
                           what="both pictures after a reopen")  # fmt: skip
    finally:
        server.stop()


def test_mentions_stay_inside_the_workdir_and_the_block_round_trips(tmp_path: Path) -> None:
    (tmp_path / "a b.txt").write_text("x")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("x")
    outside = tmp_path.parent / "outside.txt"
    outside.write_text("x")
    text = "see @src/app.py, @a\\ b.txt and @../outside.txt and me@example.com and @missing.py"
    assert mentions(text, tmp_path) == ["src/app.py", "a b.txt"]
    files = [Attachment("src/app.py", "app.py", 1, "text/x-python"), Attachment("a b.txt", "a_b.txt", 1, "text/plain")]
    sent = with_attachments("see these", files)
    assert sent.startswith("see these\n\n<attachments>\n- src/app.py (text/x-python, 1 bytes): session file app.py")
    assert split_attachments(sent) == ("see these", files)
    assert split_attachments("no block here") == ("no block here", [])
    fake = "text\n\n<attachments>\nnot ours\n</attachments>"
    assert split_attachments(fake) == (fake, [])


def test_paths_respect_gitignore_and_match_fuzzily(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("build/\n*.log\n")
    for name in ("src/mix_tui/app.py", "src/mix_tui/apply.py", "build/out.py", "debug.log", "docs/api.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    paths = list_paths(tmp_path)
    assert "build/" not in paths and "build/out.py" not in paths and "debug.log" not in paths
    assert {"src/", "src/mix_tui/app.py", "docs/api.md", ".gitignore"} <= set(paths)
    ranked = sorted(paths, key=lambda p: -score("app", p))
    assert ranked[0] == "src/mix_tui/app.py" and score("zzz", "src/mix_tui/app.py") == 0
    assert score("mta", "src/mix_tui/app.py") > 0  # a subsequence


def test_only_files_api_urls_are_fetched() -> None:
    ref = file_ref("/api/sessions/s%201/files/chart%202.png", "Chart")
    assert ref is not None and (ref.session_id, ref.name, ref.title) == ("s 1", "chart 2.png", "Chart")
    assert file_ref("http://127.0.0.1:8088/api/sessions/s1/files/a.png") is not None
    assert file_ref("https://example.com/cat.png") is None
