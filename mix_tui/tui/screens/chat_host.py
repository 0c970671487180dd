"""What the chat screen offers the flows it hands its actions to (fork and rewind, export, copy,
find, models, media, plans, options, the session list, the health watch).

The flows depend on this, not on the screen's module, so the chat screen can own them without the
two importing each other; `ChatScreen` is checked against it where it creates them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from textual.app import App
    from textual.notifications import SeverityLevel
    from textual.worker import Worker, WorkType

    from mix_tui.sdk.client import MixClient
    from mix_tui.tui.config import SettingsStore
    from mix_tui.tui.session import SessionHub, SessionModel
    from mix_tui.tui.widgets.composer import Composer
    from mix_tui.tui.widgets.find_bar import FindBar
    from mix_tui.tui.widgets.options_row import OptionsRow
    from mix_tui.tui.widgets.sidebar import Sidebar
    from mix_tui.tui.widgets.status import StatusLine
    from mix_tui.tui.widgets.transcript import Transcript

ResultType = TypeVar("ResultType")


class ChatHost(Protocol):
    client: MixClient
    hub: SessionHub
    current: str | None  # the open session's id (None: a fresh chat)
    provider: str | None  # for new sessions
    model: str | None
    settings: SettingsStore
    reveal_after_change: str | None  # an item to bring into view once the transcript shows it

    @property
    def app(self) -> App[Any]: ...
    @property
    def transcript(self) -> Transcript: ...
    @property
    def composer(self) -> Composer: ...
    @property
    def status(self) -> StatusLine: ...
    @property
    def sidebar(self) -> Sidebar: ...
    @property
    def find_bar(self) -> FindBar: ...
    @property
    def options_row(self) -> OptionsRow: ...

    def open_model(self) -> SessionModel | None: ...
    def show_note(self, text: str, title: str = "") -> None: ...
    async def open_session(self, session_id: str | None) -> None: ...
    def show_model(self) -> None: ...
    def context_window(self, model: SessionModel) -> int | None: ...

    def run_worker(
        self, work: WorkType[ResultType], name: str | None = "", group: str = "default", description: str = "",
        exit_on_error: bool = True, start: bool = True, exclusive: bool = False, thread: bool = False,
    ) -> Worker[ResultType]: ...  # fmt: skip

    def notify(
        self, message: str, *, title: str = "", severity: SeverityLevel = "information", timeout: float | None = None,
        markup: bool = True,
    ) -> None: ...  # fmt: skip
