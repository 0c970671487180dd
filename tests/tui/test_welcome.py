"""WelcomeScreen against a REAL local server subprocess (demo provider, in-memory key store)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input, Select, Static

from mix_tui.protocol.models import AuthStatus, ProviderInfo
from mix_tui.sdk import MixClient
from mix_tui.tui.screens.welcome import WelcomeScreen, provider_rows
from tests.tui.conftest import ServerProcess, wait_for

GOOD_OPENAI_KEY = "sk-test-" + "a" * 40


class WelcomeApp(App[None]):
    def __init__(self, client: MixClient, reason: str | None = None) -> None:
        super().__init__()
        self.client = client
        self.reason = reason
        self.results: list[str] = []

    def on_mount(self) -> None:
        self.push_screen(WelcomeScreen(self.client, reason=self.reason), self.results.append)


@pytest.fixture
async def client(server: ServerProcess) -> AsyncIterator[MixClient]:
    async with MixClient(server.url, server.token) as mix:
        yield mix


def text_of(app: App[None], selector: str) -> str:
    return str(app.screen.query_one(selector, Static).visual)


async def loaded(pilot: object, app: WelcomeApp) -> WelcomeScreen:
    screen = app.screen
    assert isinstance(screen, WelcomeScreen)
    await wait_for(pilot, lambda: bool(screen.rows), what="the provider list")  # type: ignore[arg-type]
    return screen


async def test_lists_the_servers_providers_and_the_reason(client: MixClient) -> None:
    app = WelcomeApp(client, reason="The server refused the message: no API key for anthropic")
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await loaded(pilot, app)
        assert "no API key for anthropic" in text_of(app, "#welcome-reason")
        listing = text_of(app, "#welcome-providers")
        assert "Offline demo" in listing and "ready, no key needed" in listing
        assert "Anthropic" in listing and "needs an API key" in listing
        assert "⭐" not in listing
        select = screen.query_one("#welcome-provider", Select)
        # the demo needs no key, so it is a button, not a choice in the key form
        assert "demo" not in [value for _, value in select._options]
        assert select.value == "anthropic"
        key = screen.query_one("#welcome-key", Input)
        assert key.password and key.has_focus


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_the_whole_form_fits_the_terminal(client: MixClient, size: tuple[int, int]) -> None:
    """At 80×24 too the key field, both buttons and the hint are on screen without scrolling."""
    app = WelcomeApp(client)
    async with app.run_test(size=size) as pilot:
        screen = await loaded(pilot, app)
        await pilot.pause()
        for selector in ("#welcome-key", "#welcome-save", "#welcome-demo", "#welcome-hint"):
            region = screen.query_one(selector).region
            assert region.height and region.y >= 0 and region.bottom <= size[1], selector
        assert screen.has_class("-short") == (size[1] < 32)


async def test_a_refused_key_shows_the_servers_reason_and_stays(client: MixClient) -> None:
    app = WelcomeApp(client)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await loaded(pilot, app)
        await pilot.press(*"sk-ant-short", "enter")
        error = screen.query_one("#welcome-error", Static)
        await wait_for(pilot, lambda: error.has_class("-shown"), what="the error")
        assert "The server refused the key" in str(error.visual)
        assert "length" in str(error.visual)  # the server's own words
        assert screen.query_one("#welcome-key", Input).value == "sk-ant-short"
        assert app.results == []


async def test_storing_a_key_dismisses_with_the_provider(client: MixClient) -> None:
    app = WelcomeApp(client)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await loaded(pilot, app)
        screen.query_one("#welcome-provider", Select).value = "openai"
        key = screen.query_one("#welcome-key", Input)
        key.focus()
        key.value = GOOD_OPENAI_KEY[:-1]  # pasted, as keys are; the last character typed
        key.cursor_position = len(key.value)
        await pilot.press(GOOD_OPENAI_KEY[-1])
        assert key.value == GOOD_OPENAI_KEY
        await pilot.click("#welcome-save")
        await wait_for(pilot, lambda: app.results == ["openai"], what="dismissal")
    status = await client.auth.status()
    assert status.providers["openai"].authenticated
    assert status.providers["openai"].auth_method == "api_key"


async def test_empty_key_for_a_ready_provider_continues(client: MixClient) -> None:
    await client.auth.store_api_key("openai", GOOD_OPENAI_KEY)
    app = WelcomeApp(client)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await loaded(pilot, app)
        assert "ready, key stored" in text_of(app, "#welcome-providers")
        screen.query_one("#welcome-provider", Select).value = "gemini"
        await pilot.press("enter")
        assert "Paste an API key first" in text_of(app, "#welcome-error")
        screen.query_one("#welcome-provider", Select).value = "openai"
        screen.query_one("#welcome-key", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.results == ["openai"], what="dismissal")


@pytest.mark.parametrize("how", ["button", "escape", "q"])
async def test_the_demo_is_always_a_way_out(client: MixClient, how: str) -> None:
    app = WelcomeApp(client)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await loaded(pilot, app)
        if how == "button":
            await pilot.click("#welcome-demo")
        elif how == "escape":
            await pilot.press("escape")
        else:
            await pilot.press("q")  # typed into the key box: not a way out yet
            assert screen.query_one("#welcome-key", Input).value == "q"
            screen.query_one("#welcome-save").focus()
            await pilot.press("q")
        await wait_for(pilot, lambda: app.results == ["demo"], what="the demo")


# ---- a server without preferences (the newest spec) ---------------------------------------------


class _NoPreferences(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/api/auth/status":
            body = {"providers": {"anthropic": {"authenticated": False, "auth_method": "none", "display_name": "Anthropic ⭐"}}}
            payload, status = json.dumps(body).encode(), 200
        else:
            payload, status = b'{"error": {"code": 404, "message": "not found", "type": "not_found"}}', 404
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def bare_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _NoPreferences)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


async def test_a_server_without_preferences_still_works(bare_server: str) -> None:
    async with MixClient(bare_server, retries=0) as client:
        app = WelcomeApp(client)
        async with app.run_test(size=(100, 40)) as pilot:
            screen = await loaded(pilot, app)
            assert [row.name for row in screen.rows] == ["anthropic"]
            assert screen.query_one("#welcome-provider", Select).value == "anthropic"


async def test_an_unreachable_server_still_offers_a_form_and_the_demo() -> None:
    async with MixClient("http://127.0.0.1:9", retries=0, connect_timeout=0.5) as client:
        app = WelcomeApp(client)
        async with app.run_test(size=(100, 40)) as pilot:
            screen = await loaded(pilot, app)
            assert "did not list its providers" in text_of(app, "#welcome-providers")
            assert {row.name for row in screen.rows} >= {"anthropic", "openai"}
            await pilot.press("escape")
            assert app.results == ["demo"]


def test_provider_rows_merge_both_sources() -> None:
    status = AuthStatus.model_validate(
        {
            "providers": {
                "demo": {"authenticated": True, "auth_method": "none", "display_name": "Demo ⭐"},
                "openai": {"authenticated": True, "auth_method": "api_key", "display_name": "OpenAI"},
                "brave": {"authenticated": False, "auth_method": "none", "display_name": "Brave"},
            }
        }
    )
    infos = {"openai": ProviderInfo(display_name="OpenAI", models=["a", "b"]), "gemini": ProviderInfo(display_name="Gemini")}
    rows = {row.name: row for row in provider_rows(status, infos)}
    assert set(rows) == {"demo", "openai", "gemini"}
    assert rows["demo"].keyless and rows["demo"].display_name == "Demo"
    assert rows["openai"].authenticated and not rows["openai"].keyless and rows["openai"].models == 2
    assert not rows["gemini"].authenticated and rows["gemini"].display_name == "Gemini"


# ---- leaving before the server answered ----------------------------------------------------------


class _HeldAnswers(BaseHTTPRequestHandler):
    """A server that answers only once the test lets it: GETs after `listing`, POSTs after `saving`."""

    listing = threading.Event()
    saving = threading.Event()

    def do_GET(self) -> None:
        self.listing.wait(10)
        if self.path == "/api/auth/status":
            body = {"providers": {"anthropic": {"authenticated": False, "auth_method": "api_key", "display_name": "Anthropic"}}}
            self._answer(200, json.dumps(body).encode())
        else:
            self._answer(404, b'{"error": {"code": 404, "message": "not found", "type": "not_found"}}')

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.saving.wait(10)
        self._answer(400, b'{"error": {"code": 400, "message": "bad key", "type": "validation"}}')

    def _answer(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        try:
            self.wfile.write(payload)
        except OSError:  # the client left; that is the point of the test
            pass

    def log_message(self, *args: object) -> None:
        pass


class _SlowToLeave(Static):
    """Keeps the screen in the middle of its removal (its other widgets gone, its workers not yet
    cancelled) until its workers have had the server's answers and finished: the window in which a
    late answer used to crash the app."""

    async def on_unmount(self) -> None:
        screen = self.screen
        _HeldAnswers.listing.set()
        _HeldAnswers.saving.set()
        for worker in [w for w in screen.workers if w.node is screen]:
            with contextlib.suppress(Exception):  # a crashed worker is the app's to report
                await asyncio.wait_for(worker.wait(), 10)


class _LeavingWelcome(WelcomeScreen):
    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield _SlowToLeave()


@pytest.mark.parametrize("while_", ["listing", "saving"])
async def test_leaving_while_the_server_thinks_does_not_crash(while_: str) -> None:
    _HeldAnswers.listing = threading.Event()
    _HeldAnswers.saving = threading.Event()
    if while_ == "saving":
        _HeldAnswers.listing.set()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _HeldAnswers)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        async with MixClient(f"http://127.0.0.1:{httpd.server_address[1]}", retries=0) as client:
            results: list[str] = []

            class LeavingApp(App[None]):
                def on_mount(self) -> None:
                    self.push_screen(_LeavingWelcome(client), results.append)

            app = LeavingApp()
            async with app.run_test(size=(100, 40)) as pilot:
                screen = app.screen
                assert isinstance(screen, WelcomeScreen)
                if while_ == "saving":
                    await wait_for(pilot, lambda: bool(screen.rows), what="the provider list")
                    await pilot.press(*"sk-ant-typo", "enter")
                    await wait_for(pilot, lambda: screen._saving, what="the save to start")
                else:
                    assert not screen.rows
                await pilot.press("escape")  # the demo, before the server answered
                await wait_for(pilot, lambda: not screen.is_attached, what="the screen to go")
                await pilot.pause()
                assert results == ["demo"]
                assert app.is_running
            assert app.return_code in (None, 0)
            assert app._exception is None
    finally:
        _HeldAnswers.listing.set()
        _HeldAnswers.saving.set()
        httpd.shutdown()
        httpd.server_close()
