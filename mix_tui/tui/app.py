"""`MixApp` and `run_app(config)`: start (or reach) a server, then open the chat.

Startup runs in a worker so the UI stays live: "starting server…" while the local server (a
subprocess, `LocalServer`) comes up on a free loopback port with a fresh token; a server that cannot
be reached gets the connect-error screen with a retry key, never a traceback. Without provider
credentials (and without --demo, and, for a --server, unless its preferred provider is the demo) the
welcome screen comes first. The local server is stopped on exit; its own atexit guard covers a crash
of the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import threading
import time
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import App, ComposeResult, InvalidThemeError
from textual.binding import Binding, BindingType
from textual.containers import Center, Middle
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Static

from mix_tui.tui.app_config import DEMO_PROVIDER, AppConfig
from mix_tui.tui.widgets.safe_text import clean

if TYPE_CHECKING:
    from pathlib import Path

    from mix_tui.sdk.client import MixClient
    from mix_tui.tui.config import Settings, SettingsStore
    from mix_tui.tui.local_server import LocalServer
    from mix_tui.tui.screens.chat import ChatScreen

# The first frame needs Textual and this module only: the SDK (httpx, the protocol models), the chat
# screen and the settings model (pydantic) are imported after it, while the server starts or answers
# (`_prepare_the_rest`); config_peek.py reads the server and the theme for the first frame.

__all__ = ["AppConfig", "MixApp", "run_app"]

_EXIT_SIGNALS = (signal.SIGHUP, signal.SIGTERM)
HANGUP_DEADLINE = 1.0  # seconds a closed terminal may take to end the app before it is ended hard
RESTART_TRIES = 4  # restarts of a local server that died, with pauses of 0.5, 1, 2, 4 s
RESTART_PAUSE = 0.5
RESTART_RESET_AFTER = 60.0  # a server that ran this long since its last restart gets fresh tries
DEMO_MODEL = "demo"
FIRST_PAINT_WAIT = 1.0  # seconds the background imports wait for the first frame at most


class StartingScreen(Screen[None]):
    """Shown while the server starts or is being reached."""

    DEFAULT_CSS = """
    StartingScreen { align: center middle; }
    StartingScreen #starting { width: auto; color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        with Middle(), Center():
            yield Static(Text("starting server…"), id="starting")

    def say(self, text: str) -> None:
        for label in self.query("#starting").results(Static):
            label.update(Text(text))


class MixApp(App[int]):
    TITLE = "mix-tui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f1", "help", "Help"),
    ]

    def __init__(self, config: AppConfig) -> None:
        super().__init__()
        self.config = config
        # every way out stops it (on_unmount), whether or not the startup got to it
        self.local_server: LocalServer | None = config.early_server
        self._early_server = config.early_server  # spawned by cli.py, for the first `_connect`
        self.client: MixClient | None = None
        self.chat: ChatScreen | None = None
        self._leaving = False  # set on the way out: the local server's exit is then expected
        self.provider = DEMO_PROVIDER if config.demo else None
        self.model = DEMO_MODEL if config.demo else None
        self.settings: SettingsStore | None = None  # given: at once (on_mount); else after the first frame
        self.settings_problems: list[str] = []  # what was wrong with the file
        self._painted = asyncio.Event()  # the first frame is on the screen

    async def on_mount(self) -> None:
        self._watch_hangup()
        if self.config.settings is not None:
            self._use_settings(self.config.settings)
        elif self.config.first_theme is not None and self.config.first_theme != self.theme:
            with contextlib.suppress(InvalidThemeError):  # the full read names it (`_apply_settings`)
                self.theme = self.config.first_theme
        await self.push_screen(StartingScreen())
        self.call_after_refresh(self._painted.set)
        self.run_worker(self._start(), name="startup", exit_on_error=False)

    def _use_settings(self, store: SettingsStore) -> None:
        self.settings = store
        self.settings_problems = store.problems
        self._apply_settings(store.current)
        store.subscribe(self._apply_settings)
        for problem in self.settings_problems:
            self.notify(problem, title="config.toml", severity="warning", timeout=20)

    # ---- startup -----------------------------------------------------------------------------

    async def _start(self) -> None:
        try:
            await self._start_steps()
        except Exception as exc:  # never a silent "starting server…" forever
            self.log.error(f"startup failed: {exc!r}")
            if await self._ask_retry(self.config.server_url or "local server", f"unexpected error: {exc!r}"):
                self.run_worker(self._start(), name="startup", exit_on_error=False)
            else:
                self.exit(1, return_code=1)

    async def _start_steps(self) -> None:
        while True:
            error = await self._connect()
            if error is None:
                break
            url, message = error
            if not await self._ask_retry(url, message):
                self.exit(1, return_code=1)
                return
        assert self.client is not None and self.settings is not None  # both made by `_connect`
        from mix_tui.tui.screens.chat import ChatOptions, ChatScreen

        initial = await self._initial_session(self.client)
        label, local = self._server_label()
        options = ChatOptions(
            server_label=label, local=local, provider=self.provider, model=self.model,
            permission_timeout=self.config.permission_timeout, initial_session=initial, workdir=self.config.workdir,
            settings=self.settings,
        )  # fmt: skip
        self.chat = ChatScreen(self.client, options)
        await self.switch_screen(self.chat)
        if self.config.freeze_startup_objects:
            _freeze_startup_objects()
        for problem in self._check_keys(self.settings.current):
            self.notify(problem, title="config.toml", severity="warning", timeout=20)
        if self.settings_problems:  # toasts vanish: the transcript keeps what was wrong with the file
            self.chat.show_note("\n".join(self.settings_problems), title="config.toml")
        if self.local_server is not None:
            self.run_worker(self._watch_local_server(self.local_server), name="local server", exit_on_error=False)
        if not self.config.demo and not await self._has_credentials(self.client):
            self.show_welcome(reason=None)

    async def _connect(self) -> tuple[str, str] | None:
        """Start or reach the server and check it answers; (url, error) when that failed."""
        starting = self.screen if isinstance(self.screen, StartingScreen) else None
        url = self.config.server_url
        token = self.config.token
        rest = asyncio.ensure_future(self._prepare_the_rest())
        if url is None:
            from mix_tui.tui.local_server import LocalServerError

            if starting is not None:
                starting.say("starting server…")
            server, self._early_server = self._early_server or self.config.new_local_server(), None
            self.local_server = server
            try:
                if server.pid is None:
                    await server.spawn()
                await server.wait_ready()
            except LocalServerError as exc:
                await rest  # the error screen's keys may be rebound in the settings
                return "local server", str(exc)
            url, token = server.url, server.token
        elif starting is not None:
            starting.say(f"connecting to {url}…")
        await rest
        from mix_tui.sdk.client import MixClient
        from mix_tui.sdk.errors import MixError, UnauthorizedError

        client = MixClient(url, token, transport=self.config.transport)
        try:
            await client.system.health()
            # /health needs no token: ask for something that does, so a wrong token shows up here
            # (something small: the session list can be 10,000 sessions, and the chat lists them)
            await client.system.info()
        except UnauthorizedError as exc:
            await client.aclose()
            await self._stop_local_server()
            return url, f"the server refused the bearer token (--token / MIX_TOKEN): {exc.message}"
        except MixError as exc:
            await client.aclose()
            await self._stop_local_server()
            return url, exc.message
        self.client = client
        return None

    async def _prepare_the_rest(self) -> None:
        """In a thread, while the first frame shows and the server starts (a process of its own) or
        answers: import what the chat needs, and read the settings file (once). It waits for the
        first frame: the thread would take turns with it for the interpreter."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._painted.wait(), FIRST_PAINT_WAIT)
        await asyncio.to_thread(_import_chat)
        if self.settings is None:
            self._use_settings(await asyncio.to_thread(_read_settings, self.config.settings_file))

    async def _watch_local_server(self, server: LocalServer) -> None:
        """The app's own server died (a crash, an OOM kill): say so and start it again on the same
        port, a few times with growing pauses; the session streams reconnect by themselves."""
        from mix_tui.tui.local_server import LocalServerError

        tries = 0
        while True:
            code = await server.exited()
            started = time.monotonic()
            if self.local_server is not server or self._leaving:
                return  # stopped on purpose
            log_name = server.log_path
            while True:
                tries += 1
                if tries > RESTART_TRIES:
                    self.notify(
                        f"The local server keeps stopping (exit code {code}); its log is {log_name}. "
                        "Restart mix-tui to try again.", severity="error", timeout=60,
                    )  # fmt: skip
                    return
                pause = RESTART_PAUSE * 2 ** (tries - 1)
                self.notify(
                    f"The local server stopped (exit code {code}); restarting it in {pause:g} s…",
                    severity="warning", timeout=max(5.0, pause + 2),
                )  # fmt: skip
                await asyncio.sleep(pause)
                if self.local_server is not server or self._leaving:
                    return
                try:
                    await server.restart()
                except LocalServerError as exc:
                    code_text = str(exc).splitlines()[0]
                    self.log.warning(f"restarting the local server failed: {code_text}")
                    continue
                break
            self.notify("The local server is running again.", timeout=4)
            if time.monotonic() - started > RESTART_RESET_AFTER:
                tries = 0

    async def _ask_retry(self, url: str, error: str) -> bool:
        from mix_tui.tui.screens.connect_error import ConnectErrorScreen

        gc.enable()  # paused while the app's modules import (cli.py); the startup ends here for now
        retry = await self.push_screen_wait(ConnectErrorScreen(url, error))
        return bool(retry)

    def _server_label(self) -> tuple[str, bool]:
        if self.config.server_url is not None:
            return self.config.server_url, False
        url = self.local_server.url if self.local_server is not None else ""
        return url.removeprefix("http://"), True

    async def _initial_session(self, client: MixClient) -> str | None:
        from mix_tui.sdk.errors import MixError, NotFoundError

        try:
            if self.config.session_id:
                await client.sessions.get(self.config.session_id)
                return self.config.session_id
            if self.config.continue_last:
                sessions = await client.sessions.list()
                return sessions[0].id if sessions else None
        except NotFoundError:
            self.notify(
                f"no session {self.config.session_id}; starting a new chat", severity="warning", markup=False
            )
        except MixError as exc:
            self.notify(f"could not open the session: {exc.message}", severity="warning", markup=False)
        return None

    async def _has_credentials(self, client: MixClient) -> bool:
        """False only when no real provider has a key AND the server does not default to the demo
        (then every send would be refused, so the welcome screen comes first)."""
        from mix_tui.sdk.errors import MixError

        try:
            status = await client.auth.status()
        except MixError:
            return True  # unknown: a refused send will bring the welcome screen
        # the offline demo is always "authenticated": it is no credential for a real model
        if any(p.authenticated for name, p in status.providers.items() if name != DEMO_PROVIDER):
            return True
        if self.config.server_url is None:
            # our own local server falls back to the demo when it finds no key: a first run without
            # --demo still gets the welcome screen, so the user can paste a key or pick the demo
            return False
        preferred = await self._preferred_provider(client)
        if preferred is None:
            # no stored preference: Go marks the server's preferred provider with " ⭐" in its
            # display name (mix-contract §3), and our server does the same for its --provider
            preferred = next(
                (name for name, p in status.providers.items() if p.display_name.rstrip().endswith("⭐")), None
            )
        return preferred == DEMO_PROVIDER

    @staticmethod
    async def _preferred_provider(client: MixClient) -> str | None:
        """`preferences.preferred_provider`; None when unset, or the endpoint is missing (404)."""
        from mix_tui.sdk.errors import MixError

        try:
            response = await client.preferences.get()
        except MixError:
            return None
        prefs = response.preferences
        return (prefs.preferred_provider or None) if prefs is not None else None

    # ---- the welcome screen ------------------------------------------------------------------

    def on_chat_screen_welcome_needed(self, message: ChatScreen.WelcomeNeeded) -> None:
        self.show_welcome(reason=message.reason)

    def show_welcome(self, reason: str | None) -> None:
        if self.client is None:
            return
        from mix_tui.tui.screens.welcome import WelcomeScreen

        if any(isinstance(screen, WelcomeScreen) for screen in self.screen_stack):
            return
        self.push_screen(WelcomeScreen(self.client, reason=reason), self._welcomed)

    def _welcomed(self, provider: str | None) -> None:
        if provider == DEMO_PROVIDER:
            self.provider, self.model = DEMO_PROVIDER, DEMO_MODEL
            if self.chat is not None:
                self.chat.use_provider(DEMO_PROVIDER, DEMO_MODEL)
        elif provider and self.chat is not None:
            # the key is stored: the next prompt goes to that provider, the status line names it
            self.chat.run_worker(self.chat.models.key_saved(provider), exit_on_error=False)

    # ---- settings ----------------------------------------------------------------------------

    def _apply_settings(self, settings: Settings) -> None:
        """Theme and keymap now; the chat screen applies its own part (sidebar, footers, follow)."""
        if settings.theme != self.theme:
            try:
                self.theme = settings.theme
            except InvalidThemeError:
                self.settings_problems.append(f"config.toml: there is no theme {settings.theme!r}; using {self.theme}")
        self.set_keymap(dict(settings.keys))  # applied where bindings are looked up: screens to come too
        if self.chat is not None:
            self._check_keys(settings)
            self.chat.apply_settings(settings)

    def _check_keys(self, settings: Settings) -> list[str]:
        """The keymap's unknown ids, added to the problems. Knowing every id imports every screen,
        so this waits for the chat (the first frame needs none of them)."""
        from mix_tui.tui import keymap

        problems = keymap.check(settings.keys, keymap.known_ids(self))
        fresh = [p for p in problems if p not in self.settings_problems]
        self.settings_problems.extend(fresh)
        return fresh

    def watch_theme(self, theme: str) -> None:
        """A theme picked in the palette is remembered (written back to config.toml)."""
        store = getattr(self, "settings", None)  # the first theme is set before __init__ ends
        if store is not None and store.current.theme != theme:
            store.change(theme=theme)

    # ---- keys and shutdown -------------------------------------------------------------------

    def action_help(self) -> None:
        from mix_tui.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast: its text may come from a server or a model, so it is cleaned of control
        characters and never read as markup."""
        super().notify(clean(message), title=clean(title), severity=severity, timeout=timeout, markup=False)

    async def action_quit(self) -> None:
        self.exit(0)

    async def on_unmount(self) -> None:
        # every way out (quit, a crash, a closed terminal, the end of a test) passes here; the
        # atexit guard of LocalServer still covers an interpreter that dies before
        self._unwatch_hangup()
        await self._close_connections()

    def _watch_hangup(self) -> None:
        """A closed terminal (SIGHUP) or a `kill` (SIGTERM) ends the app the clean way, so the local
        server is stopped too (it runs in its own session: the hangup does not reach it)."""
        loop = asyncio.get_running_loop()
        for sig in _EXIT_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self._hang_up)

    def _hang_up(self) -> None:
        """Exit the clean way, but never wait for it past a deadline: with the terminal gone,
        Textual's writer thread can block for good, and the app would outlive its window."""
        watchdog = threading.Timer(HANGUP_DEADLINE, self._exit_now)
        watchdog.daemon = True
        watchdog.start()
        self.exit(None, 0)

    def _exit_now(self) -> None:
        server = self.local_server
        if server is not None:
            server.kill_now()
        os._exit(0)

    def _unwatch_hangup(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in _EXIT_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)

    async def _close_connections(self) -> None:
        self._leaving = True
        if self.chat is not None:
            with contextlib.suppress(Exception):
                await self.chat.hub.close()
        if self.client is not None:
            with contextlib.suppress(Exception):
                await self.client.aclose()
            self.client = None
        await self._stop_local_server()

    async def _stop_local_server(self) -> None:
        server, self.local_server = self.local_server, None
        if server is not None:
            with contextlib.suppress(Exception):
                await server.stop()


def _import_chat() -> None:
    import mix_tui.sdk.client
    import mix_tui.tui.screens.chat  # noqa: F401
    from mix_tui.tui.widgets import graphics

    graphics.preload()  # textual-image and Pillow, ahead of the first picture


def _read_settings(file: Path | None) -> SettingsStore:
    """The store of `file`; without one, the defaults, written nowhere."""
    from mix_tui.tui.config import SettingsStore

    return SettingsStore.open(file) if file is not None else SettingsStore()


def _freeze_startup_objects() -> None:
    """Tune the garbage collector for a terminal app. What startup made (modules, the app, its
    screens: ~100,000 objects) leaves its full passes, which walk every live object. And the
    youngest generation is collected every 20,000 allocations, not 700: each frame makes thousands
    of short-lived objects in reference cycles (Textual's strips cache themselves), and with the
    default they outlived a young pass, piled up in the oldest generation and made each full pass
    hold the loop for up to half a second. Only for a process that is the app alone: what is
    frozen is never collected. The collector was paused while the modules imported (cli.py)."""
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    gc.enable()


def run_app(config: AppConfig, loop: asyncio.AbstractEventLoop | None = None) -> int:
    """Run the app (on `loop`: the one its early server was spawned on, cli.py)."""
    from mix_tui.tui.widgets.graphics import finish_detecting

    finish_detecting()  # the terminal was asked (Sixel? Kitty?) before Textual starts reading stdin
    app = MixApp(config)
    app.run(loop=loop)
    return app.return_code or 0
