"""Typing `/` opens a completion list of the client's commands and the server's (with their
descriptions); ↑/↓ pick, Tab or Enter complete, Enter on a command typed in full runs it, Esc closes."""

from __future__ import annotations

from mix_tui.tui.screens.slash_completion import slash_candidates
from mix_tui.tui.widgets.completion import CompletionList
from mix_tui.tui.widgets.message import NoteMessage
from tests.tui.conftest import ready_chat, scripted_app, wait_for
from tests.tui.scripted import ScriptedMix


def labels(listing: CompletionList) -> list[str]:
    return [c.label for c in listing.candidates]


def test_candidates_start_with_what_was_typed_then_hold_it() -> None:
    served = [("cost", "Show what this session cost"), ("help", "the server's own help")]
    every = slash_candidates("/", served)
    assert every[0].label == "/new" and any(c.label == "/cost" for c in every)
    assert sum(1 for c in every if c.insert == "/help ") == 1  # the client's /help wins
    assert [c.label for c in slash_candidates("/th", served)] == ["/think [LEVEL]"]
    assert [c.insert for c in slash_candidates("/os", served)] == ["/cost "]  # "cost" holds "os"
    assert slash_candidates("/think hi", served) == [] and slash_candidates("hello /", served) == []


async def test_slash_opens_the_list_and_tab_completes() -> None:
    mix = ScriptedMix()
    # a command only the server has (the client's own /cost would win over a served one)
    mix.commands = [{"name": "review", "description": "Review the working tree", "type": "builtin"}]
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        listing = chat.query_one(CompletionList)
        await wait_for(pilot, lambda: chat.slash.served, what="the server's commands")
        await pilot.press("slash")
        await wait_for(pilot, lambda: listing.is_open, what="the list")
        assert "/review" in labels(listing) and "/help" in labels(listing)
        row = next(c for c in listing.candidates if c.label == "/review")
        assert row.help == "Review the working tree"
        await pilot.press("t", "h")
        await wait_for(pilot, lambda: labels(listing) == ["/think [LEVEL]"], what="the narrowed list")
        await pilot.press("tab")
        await wait_for(pilot, lambda: not listing.display, what="the list to close")
        assert chat.composer.text == "/think " and chat.composer.has_focus
        await pilot.press(*"high", "enter")
        await wait_for(pilot, lambda: chat.current_options().thinking == "maximum", what="the command to run")


async def test_arrows_pick_enter_completes_a_partial_name_and_runs_a_full_one() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        listing = chat.query_one(CompletionList)
        await pilot.press("slash", "h")
        await wait_for(pilot, lambda: listing.is_open and listing.picked is not None, what="the list")
        first = listing.picked
        await pilot.press("down")
        assert listing.picked != first
        await pilot.press("up")
        assert listing.picked == first and first is not None and first.insert == "/help "
        await pilot.press("enter")  # "/h" is not a command yet: Enter completes, sends nothing
        await wait_for(pilot, lambda: chat.composer.text == "/help ", what="the completion")
        assert not chat.transcript.query(NoteMessage)
        chat.composer.clear()
        await pilot.press(*"/help")
        await wait_for(pilot, lambda: listing.is_open, what="the list")
        await pilot.press("enter")  # typed in full: it runs
        await wait_for(pilot, lambda: chat.transcript.query(NoteMessage), what="the command list note")
        assert chat.composer.text == "" and not listing.display


async def test_an_enter_that_overtakes_the_list_sends_the_text_as_typed() -> None:
    """Keys in one burst ("/think high⏎" typed fast, a paste, a loaded machine) can reach the list
    before it has caught up with the text: the list's pick must not replace what was typed."""
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        listing = chat.query_one(CompletionList)
        await pilot.press(*"/think")
        await wait_for(pilot, lambda: listing.is_open and listing.picked is not None, what="the list")
        stale = listing.picked
        assert stale is not None and stale.insert == "/think "
        with chat.composer.prevent(type(chat.composer).Changed):  # the text moves on, the list does not
            chat.composer.insert(" high")
        assert listing.is_open
        chat.on_completion_list_chosen(CompletionList.Chosen(stale, "enter"))
        await wait_for(pilot, lambda: chat.current_options().thinking == "maximum", what="the command as typed to run")
        assert chat.composer.text == ""


async def test_escape_closes_the_list_and_keeps_the_text() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        listing = chat.query_one(CompletionList)
        await pilot.press("slash", "n")
        await wait_for(pilot, lambda: listing.is_open, what="the list")
        await pilot.press("escape")
        assert not listing.display and chat.composer.text == "/n" and chat.composer.has_focus
