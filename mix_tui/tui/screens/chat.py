"""The main screen: sessions on the left, the conversation, the queue, the composer, the status line.

It holds the `SessionHub` and renders what the session models say: the open session's changes go to
the transcript, the queue area and the status line; every session's activity to the sidebar. The
widgets post intents (a prompt submitted, a session picked, a deletion asked for); this screen acts
on them, asks for confirmations and shows permission prompts — only screens push screens.

Typing is never lost: a printable key that reaches the screen while no text box has the focus goes
to the composer, unless the focused widget binds that key itself (a panel's `m`, the list's `/`).

The actions on messages and sessions (fork, rewind, rename, export, copy, cost, find, search) live in
their own modules; the `action_*` methods here only hand them over (screens/commands.py lists them).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, TextArea

from mix_tui.sdk.errors import MixConnectionError, MixError
from mix_tui.tui.config import Settings, SettingsStore
from mix_tui.tui.screens import commands, health_watch
from mix_tui.tui.screens.alerts import Alerts, AlertSettings
from mix_tui.tui.screens.export_flow import ExportFlow
from mix_tui.tui.screens.find_flow import FindFlow
from mix_tui.tui.screens.health_watch import HealthWatch
from mix_tui.tui.screens.history_actions import HistoryActions
from mix_tui.tui.screens.media_flow import MediaFlow
from mix_tui.tui.screens.message_actions import MessageActions
from mix_tui.tui.screens.model_flow import ModelFlow
from mix_tui.tui.screens.notification_flow import NotificationFlow
from mix_tui.tui.screens.options_flow import OptionsFlow
from mix_tui.tui.screens.plan_flow import PlanFlow
from mix_tui.tui.screens.prompt_flow import PromptFlow
from mix_tui.tui.screens.search import SearchPick, SearchScreen
from mix_tui.tui.screens.session_list_flow import SessionListFlow
from mix_tui.tui.screens.slash_completion import SlashCompletion
from mix_tui.tui.session import SessionHub, SessionModel
from mix_tui.tui.session import events as ev
from mix_tui.tui.session.items import NoteItem
from mix_tui.tui.session.options import SendOptions
from mix_tui.tui.session.paths import PathIndex
from mix_tui.tui.session.search import SessionSearch
from mix_tui.tui.session.travel import find_message
from mix_tui.tui.session.usage import last_model, session_totals, window_for
from mix_tui.tui.widgets.completion import CompletionList
from mix_tui.tui.widgets.composer import Composer
from mix_tui.tui.widgets.find_bar import FindBar
from mix_tui.tui.widgets.media import MediaPreview
from mix_tui.tui.widgets.options_row import OptionsRow
from mix_tui.tui.widgets.path_complete import PathSuggestions
from mix_tui.tui.widgets.plan import PlanPanel
from mix_tui.tui.widgets.queue import QueuedPrompts
from mix_tui.tui.widgets.session_list import session_label
from mix_tui.tui.widgets.sidebar import Sidebar
from mix_tui.tui.widgets.status import StatusInfo, StatusLine
from mix_tui.tui.widgets.transcript import Transcript

if TYPE_CHECKING:
    from mix_tui.sdk.client import MixClient

TITLE_CHARS = 60


@dataclass(frozen=True)
class ChatOptions:
    server_label: str  # "127.0.0.1:8765" for the local server, else the URL
    local: bool = True
    provider: str | None = None  # for new sessions (the demo model with --demo)
    model: str | None = None
    permission_timeout: float = 30.0
    initial_session: str | None = None
    load_lists: bool = True  # fetch sessions and prompt history on mount (snapshots turn it off)
    poll_health: bool = True  # ask the server's health while no stream tells it (snapshots: off)
    clock: Callable[[], datetime] | None = None  # the sidebar's "now" (frozen in snapshots)
    # where `@path` completes and attaches from, and exports are proposed (default: the current one)
    workdir: Path | None = None
    alerts: AlertSettings = field(default_factory=AlertSettings)  # what a turn end or a prompt does unseen
    settings: SettingsStore = field(default_factory=SettingsStore)  # config.toml (its [alerts] win)


NARROW = 100  # below this many columns the session list starts hidden
DOUBLE_ESCAPE = 0.8  # seconds: a second Esc within this clears the queued prompts


class ChatScreen(Screen[None]):
    CSS_PATH = Path(__file__).with_name("chat.tcss")  # absolute: subclasses may live elsewhere
    AUTO_FOCUS = "#composer"
    BINDINGS: ClassVar[list[BindingType]] = [
        *commands.bindings(),  # every command with a key (escape, ctrl+n, f2 …), ids = action names
        Binding("end", "follow", "Jump to the bottom", show=False),
    ]
    COMMANDS = Screen.COMMANDS | {commands.ChatCommands}

    @dataclass
    class WelcomeNeeded(Message):
        """The server refused a prompt for want of provider credentials (a 401)."""

        reason: str

    def __init__(self, client: MixClient, options: ChatOptions) -> None:
        super().__init__()
        self.client = client
        self.options = options
        self.hub = SessionHub(client, self.post_message, self._spawn)
        self.current: str | None = None
        self.provider = options.provider  # for new sessions; the welcome screen may change it
        self.model = options.model
        self.fresh_draft = ""
        self.fresh_notes: list[NoteItem] = []  # notes shown in a fresh chat (before any session)
        self.options_flow = OptionsFlow(self)
        self.health = HealthWatch(self)
        self.session_lists = SessionListFlow(self)
        self._submit_lock = asyncio.Lock()
        self.prompts = PromptFlow(self, timeout=options.permission_timeout)
        self.models = ModelFlow(self)
        self.settings = options.settings
        self._sidebar_chosen = False  # the user toggled the session list: width no longer decides
        self._last_escape = -DOUBLE_ESCAPE
        for binding in commands.keymap_bindings(self.settings.current.keys):
            self._bindings.key_to_bindings.setdefault(binding.key, []).append(binding)
        self.notices = NotificationFlow(self)
        self.plans = PlanFlow(self)
        self.media = MediaFlow(self, options.workdir or Path.cwd())
        self._alerts: Alerts | None = None
        self.history_actions = HistoryActions(self)
        self.message_actions = MessageActions(self)
        self.exports = ExportFlow(self, options.workdir or Path.cwd())
        self.finder = FindFlow(self)
        self.session_search = SessionSearch(client)
        self.reveal_after_change: str | None = None  # an item to bring into view once it is shown

    def _spawn(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        self.run_worker(coroutine, name=name, group=name, exit_on_error=False)

    # ---- the widgets -------------------------------------------------------------------------

    @property
    def transcript(self) -> Transcript:
        return self.query_one(Transcript)

    @property
    def composer(self) -> Composer:
        return self.query_one(Composer)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    @property
    def sidebar(self) -> Sidebar:
        return self.query_one(Sidebar)

    @property
    def find_bar(self) -> FindBar:
        return self.query_one(FindBar)

    @property
    def options_row(self) -> OptionsRow:
        return self.query_one(OptionsRow)

    def open_model(self) -> SessionModel | None:
        """The open session's model (None in a fresh chat)."""
        return self.hub.get(self.current) if self.current else None

    # ---- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="chat-body"):
            yield Sidebar(id="sidebar", clock=self.options.clock)
            with Vertical(id="main"):
                yield Transcript()
                yield CompletionList()
                yield QueuedPrompts()
                yield FindBar(id="find-bar")
                yield PathSuggestions(PathIndex(self.media.workdir))
                yield OptionsRow()
                yield Composer()
        # filled in at once: the server was just reached, and readers need not wait for on_mount
        yield StatusLine(StatusInfo(
            server=self.options.server_label, local=self.options.local, connection="connected",
            model=self._default_model(),
        ))  # fmt: skip
        yield Footer()

    @property
    def alerts(self) -> Alerts:
        if self._alerts is None:
            self._alerts = Alerts(self.app, self.options.alerts)
        return self._alerts

    def on_mount(self) -> None:
        self.apply_settings(self.settings.current)
        self.composer.queue_waiting = lambda: bool((opened := self.open_model()) and opened.queue)
        self.slash = SlashCompletion(self.client, self.composer, self.query_one(CompletionList))
        self.sidebar.display = self.app.size.width >= NARROW
        self.composer.completer = self.query_one(PathSuggestions)
        self.watch(self.app, "app_focus", lambda _focused: self.alerts.seen(self.current), init=False)
        if self.options.poll_health:
            self.set_interval(health_watch.HEALTH_EVERY, self.health.poll)
        if self.options.load_lists:
            self.run_worker(self._load_lists(), exit_on_error=False)
        if self.options.initial_session:
            self.run_worker(self.open_session(self.options.initial_session), exit_on_error=False)

    async def on_unmount(self) -> None:
        self.alerts.close()
        await self.hub.close()

    async def _load_lists(self) -> None:
        self.run_worker(self._learn_workdir(), exit_on_error=False)
        self.run_worker(self.slash.load(), exit_on_error=False)
        self.run_worker(self.models.refresh(), exit_on_error=False)
        await self.session_lists.load()

    async def _learn_workdir(self) -> None:
        """Session rules for file tools are scoped to the server's working directory, if it says."""
        try:
            info = await self.client.system.info()
        except MixError:
            return
        self.hub.set_workdir(info.working_directory)

    def context_window(self, model: SessionModel) -> int | None:
        """The window of the model the session's context was last measured with: as the server
        publishes it (the model catalog), else from the built-in table."""
        session = model.session
        name = last_model(model.history) or (session.model_id if session is not None else None) or self.model
        published = {e.model: e.context_window for e in self.models.catalog.entries if e.context_window}
        return window_for(name, published)

    def _default_model(self) -> str:
        return self.models.describe(None)

    def show_model(self) -> None:
        """The status line names the model the next prompt goes to (the session's, else the default)."""
        opened = self.open_model()
        self.status.set(model=self.models.describe(opened.session if opened is not None else None))
        if opened is not None:  # the catalog may have brought the model's window
            self.status.set(context_window=self.context_window(opened))

    def use_provider(self, provider: str, model: str | None) -> None:
        """New sessions use this provider from now on (the user picked it on the welcome screen)."""
        self.provider, self.model = provider, model
        opened = self.open_model()
        if opened is not None and not opened.history and not opened.running:
            # the session made for the refused prompt has the old provider: start afresh
            self.run_worker(self._discard_empty(opened.session_id), exit_on_error=False)
        elif self.current is None:
            self.status.set(model=self._default_model())

    async def _discard_empty(self, session_id: str) -> None:
        try:
            await self.hub.delete(session_id)
        except MixError:
            await self.hub.forget(session_id)

    # ---- switching sessions ------------------------------------------------------------------

    async def open_session(self, session_id: str | None) -> None:
        if session_id == self.current and (session_id is None or self.hub.get(session_id) is not None):
            return
        self._stash_draft()
        self.current = session_id
        self.sidebar.set_current(session_id)
        if session_id is None:
            self.composer.show_text(self.fresh_draft)
            self.fresh_notes = []
            self.models.fresh = None
            await self._show_fresh()
            self.options_flow.start_fresh()
            return
        model = self.hub.model(session_id)
        self.options_flow.show(model.options)
        await self.transcript.reset(model.items())
        self.composer.show_text(model.draft)
        self._show_state(model)
        self.prompts.show_next(model)
        self.notices.show_next(model)
        self.alerts.seen(session_id)
        await model.load()

    async def _show_fresh(self) -> None:
        """The empty chat: its session is created on the first send."""
        await self.transcript.reset([])
        self.query_one(QueuedPrompts).set_prompts([])
        self.status.set(
            title="", cost=0.0, context_tokens=0, running=False, connection=self.health.state,
            retry_at=None, model=self._default_model(), problem="", context_window=None, total_tokens=0,
        )  # fmt: skip

    def _stash_draft(self) -> None:
        opened = self.open_model()
        if opened is not None:
            opened.draft = self.composer.text
        elif self.current is None:
            self.fresh_draft = self.composer.text

    def _show_state(self, model: SessionModel) -> None:
        """The sidebar row, and for the open session the queue and the status line."""
        if model.session is not None:
            self.sidebar.upsert_session(model.session)
        self.sidebar.set_activity(model.session_id, running=model.running, awaiting_permission=model.awaiting_user)
        if model.session_id != self.current:
            return
        connection = model.connection
        self.query_one(QueuedPrompts).set_prompts(
            model.queue, waiting_for_server=not connection.usable, on_server=model.server_queued
        )
        self.status.set(
            connection=connection.state, retry_at=connection.retry_at, running=model.running,
            problem=connection.detail if connection.final else "",
        )  # fmt: skip
        self.options_flow.show(model.options)  # approving a plan leaves plan mode
        session = model.session
        if session is not None:
            model_name = self.models.describe(session)
            self.status.set(
                title=session.title, cost=session.cost, context_tokens=session.prompt_tokens, model=model_name,
                context_window=self.context_window(model), total_tokens=session_totals(model.history).tokens,
            )

    # ---- sending -----------------------------------------------------------------------------

    @on(TextArea.Changed, "#composer")
    def _composer_changed(self) -> None:
        self.slash.text_changed(self.composer.text)  # `/` commands
        self.query_one(PathSuggestions).update_for(self.composer)  # `@path` completion

    def on_completion_list_chosen(self, event: CompletionList.Chosen) -> None:
        self.slash.chosen(event.candidate, event.via)

    @on(Composer.Submitted)
    def _submitted(self, event: Composer.Submitted) -> None:
        self.transcript.follow()  # whatever the user was reading, the prompt they send is shown
        self.run_worker(self._submit(event.text), group="submit", exit_on_error=False)

    async def _submit(self, text: str) -> None:
        async with self._submit_lock:  # keeps prompts in order and creates one session, not two
            slash = commands.parse_slash(text)
            if slash is not None and await self._run_slash(text, *slash):
                return
            if self.current is None and not await self._create_session_for(text):
                return
            model = self.open_model()
            assert model is not None
            attached = await self.media.attach(model, text)  # `@path` files go up first
            if attached is not None:
                await model.submit(attached)

    async def _run_slash(self, text: str, name: str, args: str) -> bool:
        """A slash command is the client's first; True when it was handled here (never sent to the
        model, never a session's title). An unknown one goes to the server's commands when a
        session is open; in a fresh chat it stays in the box, to be corrected."""
        resolved = commands.resolve(name, args)
        if isinstance(resolved, str):  # "/export" alone: the usage of /export md and /export json
            self.show_note(resolved, title=text.strip())
            return True
        if resolved is not None:
            command, args = resolved
            action = getattr(self, f"action_{command.id}")
            result = action(args) if args else action()
            if asyncio.iscoroutine(result):
                await result
            return True
        if self.current is None:
            self.composer.put_back(text)
            self.show_note(f"/{name} is no command here. /help lists the commands.", title=text.strip())
            return True
        return False  # the server's: its answer comes back as a note

    def show_note(self, text: str, title: str = "") -> None:
        """A note in the open transcript (a fresh chat keeps its own until a session starts)."""
        opened = self.open_model()
        if opened is not None:
            opened.add_note(text, title)
            return
        self.fresh_notes.append(NoteItem(f"fresh-note-{len(self.fresh_notes)}", text, title))
        self.run_worker(self.transcript.set_items(self.fresh_notes), exit_on_error=False)

    async def action_help_commands(self) -> None:
        """/help: the client's commands and the server's (where it lists them)."""
        try:
            served = [(c.name, c.description) for c in await self.client.system.commands()]
        except MixError:
            served = []
        self.show_note(commands.slash_help(served), title="Commands")

    # ---- per-prompt options and models -------------------------------------------------------

    def current_options(self) -> SendOptions:
        return self.options_flow.current()

    async def action_model(self, choice: str = "") -> None:
        await self.models.open(choice)

    def action_settings(self) -> None:
        from mix_tui.tui.screens.settings import SettingsScreen

        self.app.push_screen(SettingsScreen(self.client, self.settings, self.models))

    def action_think(self, level: str = "") -> None:
        self.options_flow.think(level)

    def action_plan(self, switch: str = "") -> None:
        self.options_flow.plan(switch)

    def action_steps(self, steps: str = "") -> None:
        self.options_flow.steps(steps)

    async def action_toggle_subagents(self) -> None:
        """/subagents: list sub-agent sessions under their parents in the sidebar, or hide them."""
        await self.session_lists.toggle_subagents()

    async def _create_session_for(self, text: str) -> bool:
        """The fresh chat's first send creates its session; on failure the text goes back."""
        title = text.strip().splitlines()[0][:TITLE_CHARS] if text.strip() else "New chat"
        try:
            pin = self.models.pin()
            model = await self.hub.create(title, provider=pin[0] if pin else None, model=pin[1] if pin else None)
        except MixError as exc:
            self.composer.put_back(text)
            reason = exc.message
            if isinstance(exc, MixConnectionError):
                self.health.offline()
                reason = f"the server cannot be reached ({reason}); the prompt is back in the box"
            self.notify(f"could not create a session: {reason}", severity="error", markup=False)
            return False
        model.options = self.options_flow.fresh
        self.models.fresh = None  # the new session has it now
        self.current = model.session_id
        self.sidebar.set_current(model.session_id)
        self._show_state(model)
        return True

    # ---- what the session models say ---------------------------------------------------------

    async def on_transcript_changed(self, message: ev.TranscriptChanged) -> None:
        model = self.hub.get(message.session_id)
        if model is None or message.session_id != self.current:
            return
        if message.live_only:
            await self.transcript.update_tail(model.live_items())
        elif self.transcript.mounted_count == 0:
            await self.transcript.reset(model.items())
        else:
            await self.transcript.set_items(model.items())
        await self.finder.refresh()
        reveal, self.reveal_after_change = self.reveal_after_change, None
        if reveal is not None:
            await self.transcript.reveal(reveal)  # a note under an earlier message: show it
        self.plans.refresh()

    def on_media_preview_wanted(self, message: MediaPreview.Wanted) -> None:
        self.run_worker(self.media.show(message.preview), exit_on_error=False)

    async def action_list_files(self, args: str = "") -> None:
        """/files [NAME]: the session's files, or one of them opened."""
        await self.media.files(args)

    def on_plan_panel_answered(self, message: PlanPanel.Answered) -> None:
        self.run_worker(self.plans.answer(message.call_id, message.approve), exit_on_error=False)

    async def action_approve_plan(self) -> None:
        """/approve: leave plan mode and carry out the plan shown."""
        await self.plans.answer(None, approve=True)

    def on_prompt_sent(self, message: ev.PromptSent) -> None:
        if message.session_id == self.current:
            self.transcript.follow()  # a queued prompt went out: show it, like a direct send

    def on_state_changed(self, message: ev.StateChanged) -> None:
        model = self.hub.get(message.session_id)
        if model is not None:
            self._show_state(model)

    def on_session_added(self, message: ev.SessionAdded) -> None:
        self.sidebar.upsert_session(message.session)

    def on_session_retitled(self, message: ev.SessionRetitled) -> None:
        self.sidebar.retitle(message.session_id, message.title)

    async def on_session_removed(self, message: ev.SessionRemoved) -> None:
        self.sidebar.remove_session(message.session_id)
        if self.current == message.session_id:
            self.current = None
            self.sidebar.set_current(None)
            await self._show_fresh()

    def on_notice(self, message: ev.Notice) -> None:
        self.notify(message.text, severity=message.severity, markup=False)

    def on_send_refused(self, message: ev.SendRefused) -> None:
        if message.session_id == self.current:
            self.composer.put_back(message.draft)
        else:
            model = self.hub.get(message.session_id)
            if model is not None:
                model.draft = f"{message.draft}\n{model.draft}".strip("\n")
        if message.unauthorized:
            self.post_message(self.WelcomeNeeded(message.reason))
        else:
            self.notify(message.reason, severity="error", markup=False)

    def on_permission_requested(self, message: ev.PermissionRequested) -> None:
        if message.session_id == self.current:
            self.prompts.show_next(self.open_model())
        # the prompt rings when it opens on screen
        self._alert(message.session_id, "permission needed", bell=message.session_id != self.current)

    def on_permission_closed(self, message: ev.PermissionClosed) -> None:
        self.prompts.closed(message.request)

    def on_notification_requested(self, message: ev.NotificationRequested) -> None:
        if message.session_id == self.current:
            self.notices.show_next(self.open_model())
        title = message.request.notification.title.strip() or "a notification"
        self._alert(message.session_id, title, bell=message.session_id != self.current)

    def on_notification_closed(self, message: ev.NotificationClosed) -> None:
        self.notices.closed(message.request)

    def on_turn_ended(self, message: ev.TurnEnded) -> None:
        self._alert(message.session_id, "the turn failed" if message.error else "the turn finished")

    def _alert(self, session_id: str, what: str, *, bell: bool = True) -> None:
        """Tell a user who is not looking (terminal unfocused, or another session open)."""
        model = self.hub.get(session_id)
        title = session_label(model.session) if model is not None and model.session is not None else ""
        self.alerts.alert(session_id, title, what, background=session_id != self.current, bell=bell)

    # ---- keys --------------------------------------------------------------------------------

    def action_cancel_turn(self) -> None:
        """Esc cancels the running turn; a second Esc at once clears the queued prompts too."""
        opened = self.open_model()
        now = time.monotonic()
        twice, self._last_escape = now - self._last_escape < DOUBLE_ESCAPE, now
        if twice and opened is not None and opened.queue:
            dropped = opened.clear_queue()
            self.notify(f"{len(dropped)} queued prompt{'s' if len(dropped) > 1 else ''} cleared", timeout=3)
        elif opened is not None and opened.running:
            self.run_worker(opened.cancel(), exit_on_error=False)
            self.notify("cancelling… (Esc again clears the queue)" if opened.queue else "cancelling…", timeout=2)
        elif opened is not None and opened.queue:
            self.notify(f"Esc again clears the {len(opened.queue)} queued prompt(s)", timeout=2)
        elif self.transcript.selected is not None:
            self.run_worker(self.transcript.select(None), exit_on_error=False)  # Esc drops the selection first
        elif not self.composer.has_focus:
            self.composer.focus()  # nothing to cancel: Esc is the way back to typing

    # ---- the queue ---------------------------------------------------------------------------

    def on_composer_page_wanted(self, event: Composer.PageWanted) -> None:
        if event.direction < 0:
            self.transcript.action_page_up()
        else:
            self.transcript.action_page_down()

    def on_composer_queue_wanted(self, event: Composer.QueueWanted) -> None:
        queue = self.query_one(QueuedPrompts)
        if queue.prompts:
            queue.pick_last()
            queue.focus()

    def on_queued_prompts_edit_wanted(self, event: QueuedPrompts.EditWanted) -> None:
        opened = self.open_model()
        text = opened.unqueue(event.index) if opened is not None else None
        if text is not None:
            self.composer.put_back(text)  # sent again (at the end of the queue) with Enter
        self.composer.focus()

    def on_queued_prompts_remove_wanted(self, event: QueuedPrompts.RemoveWanted) -> None:
        opened = self.open_model()
        if opened is not None:
            opened.unqueue(event.index)

    def on_queued_prompts_left(self, event: QueuedPrompts.Left) -> None:
        self.composer.focus()

    def action_new_chat(self) -> None:
        self.run_worker(self.open_session(None), exit_on_error=False)
        self.composer.focus()

    def action_toggle_sidebar(self) -> None:
        self._sidebar_chosen = True
        self.sidebar.display = not self.sidebar.display

    def on_resize(self, event: events.Resize) -> None:
        if not self._sidebar_chosen:
            self.sidebar.display = event.size.width >= NARROW
        self.query_one(Footer).compact = event.size.width < NARROW  # every key fits in 80 columns

    def apply_settings(self, settings: Settings) -> None:
        """The parts of the settings this screen shows (the app applies theme and keymap)."""
        self.sidebar.styles.width = settings.sidebar_width
        self.set_class(not settings.message_footer, "-no-message-footer")
        self.transcript.auto_follow = settings.follow
        self.alerts.settings = AlertSettings(**settings.alerts.model_dump())
        self.options_flow.use_default(SendOptions(thinking=settings.thinking or None))

    def action_focus_transcript(self) -> None:
        self.transcript.focus()

    def action_follow(self) -> None:
        self.transcript.follow()

    def action_previous_panel(self) -> None:
        self.action_panel(-1)

    def action_next_panel(self) -> None:
        self.action_panel(1)

    def action_panel(self, step: int) -> None:
        """Focus the previous (-1) or next (+1) thinking / tool panel; past the last: the composer."""
        transcript = self.transcript
        panels = transcript.panels()
        if not panels:
            return
        if self.focused in panels:
            index = panels.index(self.focused) + step
            if index >= len(panels):
                self.composer.focus()
                return
            target = panels[max(0, index)]
        else:
            target = transcript.panel_near(panels, step)
        transcript.focus_panel(target)

    # ---- messages and sessions: each action lives in its own module ---------------------------

    async def action_select_previous(self) -> None:
        await self.transcript.select_step(-1)

    async def action_select_next(self) -> None:
        await self.transcript.select_step(1)

    async def action_fork(self, args: str = "") -> None:
        await self.history_actions.fork(args)

    async def action_rewind(self, args: str = "") -> None:
        await self.history_actions.rewind(args)

    async def action_rename(self, args: str = "") -> None:
        await self.history_actions.rename(args)

    async def action_copy_message(self, args: str = "") -> None:
        await self.message_actions.copy(args)

    async def action_copy_code(self, args: str = "") -> None:
        await self.message_actions.copy_code(args)

    async def action_copy_last_code(self) -> None:
        await self.message_actions.copy_last_code()

    def action_details(self) -> None:
        self.message_actions.details()

    def action_toggle_usage(self) -> None:
        self.toggle_class("-hide-usage")

    async def action_export_markdown(self, args: str = "") -> None:
        await self.exports.start("md", args)

    async def action_export_json(self, args: str = "") -> None:
        await self.exports.start("json", args)

    async def action_find(self, args: str = "") -> None:
        await self.finder.open(args)

    async def on_find_bar_changed(self, message: FindBar.Changed) -> None:
        await self.finder.changed(message.query)

    async def on_find_bar_step(self, message: FindBar.Step) -> None:
        await self.finder.step(message.direction)

    def on_find_bar_closed(self, message: FindBar.Closed) -> None:
        self.finder.closed()

    def action_search(self, args: str = "") -> None:
        def picked(pick: SearchPick | None) -> None:
            if pick is not None:
                self.run_worker(self.open_at(pick.session_id, pick.message_id), exit_on_error=False)

        screen = SearchScreen(self.session_search, args, clock=self.options.clock)
        self.app.push_screen(screen, picked)

    async def open_at(self, session_id: str, message_id: str) -> None:
        """Open a session with one of its stored messages selected and in view (a search result)."""
        await self.open_session(session_id)
        model = self.hub.get(session_id)
        if model is None or self.current != session_id:
            return
        items = model.items()
        if self.transcript.items != items:
            await (self.transcript.set_items(items) if self.transcript.mounted_count else self.transcript.reset(items))
        key = find_message(model.timeline, message_id)
        if key is None:
            self.notify("That message is no longer in the session (rewound?)", severity="warning")
            return
        await self.transcript.select(key)

    def on_key(self, event: events.Key) -> None:
        """A printable key outside a text box is typed into the composer."""
        if not event.is_printable or not event.character:
            return
        composer = self.composer
        # a key that reaches the screen while the composer has the focus was sent to the widget that
        # had it before (keys in one burst are queued to the same widget): it is still the composer's
        if isinstance(self.focused, Input | TextArea) and self.focused is not composer:
            return
        if event.key in self.active_bindings:
            return  # the focused widget's own key (bindings run after this handler)
        event.stop()
        event.prevent_default()
        # at once, not `composer.focus()` (deferred): a burst like "hi⏎" (a paste, a fast typist)
        # would otherwise deliver its Enter to the widget that had the focus before
        self.set_focus(composer)
        composer.insert(event.character)

    # ---- the sidebar's intents ---------------------------------------------------------------

    def on_sidebar_session_selected(self, event: Sidebar.SessionSelected) -> None:
        self.run_worker(self.open_session(event.session_id), exit_on_error=False)

    def on_sidebar_new_session_requested(self, event: Sidebar.NewSessionRequested) -> None:
        self.action_new_chat()

    def on_sidebar_delete_requested(self, event: Sidebar.DeleteRequested) -> None:
        self.session_lists.ask_delete(event.session_id)
