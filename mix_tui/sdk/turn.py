"""`Turn`: a pure reducer folding the SSE events of one turn into displayable state.

No I/O and no clock of its own: the caller passes `now` with every event, so tests are exact and the
TUI and the tests share one reading of the stream. End-of-turn rules are mix-contract.md §5.2: a
top-level `complete` or a terminal `error` ends the turn; a `complete` carrying `parentToolCallId`
only ends that subagent's nested turn; an `error` with retry information (`rate_limit_error`,
`retryAfter`, `attempt`, `maxAttempts`) is a notice, not an end; anything after the end (Go sends
its final error twice) is ignored. Events with `parentToolCallId` fold into a nested `Turn` hung on
that tool call (§5.10).

Whatever a server sends, folding stays cheap and bounded: tool calls are found through one index
shared by the whole tree (not by walking it), nesting stops at `MAX_NESTING` levels (a deeper
subagent's events fold into the deepest turn, its own end ignored: a 1,000-deep chain must not blow
the stack), and text grows by appending pieces that are joined when read (not by copying the whole
string for every delta).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

from mix_tui.protocol.events import (
    Complete,
    Content,
    Error,
    MixEvent,
    Permission,
    Thinking,
    ToolExecutionComplete,
    ToolExecutionStart,
    ToolUseParameterDelta,
    ToolUseParameterStreamingComplete,
    ToolUseStart,
    UserMessageCreated,
)
from mix_tui.protocol.models import parse_tool_input, strip_system_reminder
from mix_tui.sdk.outcome import FINISHED_STATUSES, ToolStatus, live_outcome, refused_status

__all__ = ["FINISHED_STATUSES", "TextPart", "ThinkingPart", "ToolCallState", "ToolPart", "ToolStatus", "Turn"]

MAX_NESTING = 16  # subagent levels below the top turn that get a `Turn` of their own


class _GrowingText:
    """Text built from many deltas: appending is O(1), reading joins what arrived since the last read."""

    __slots__ = ("_pieces",)

    def __init__(self, text: str) -> None:
        self._pieces = [text]

    @property
    def text(self) -> str:
        pieces = self._pieces
        if len(pieces) > 1:
            self._pieces = pieces = ["".join(pieces)]
        return pieces[0]

    @text.setter
    def text(self, value: str) -> None:
        self._pieces = [value]

    def append(self, more: str) -> None:
        self._pieces.append(more)


@dataclass(slots=True)
class ToolCallState:
    id: str
    name: str = ""
    # `input_text`: the argument fragments, concatenated; final after streaming completes
    _input: _GrowingText = field(default_factory=lambda: _GrowingText(""), repr=False, compare=False)
    arguments: dict[str, Any] = field(default_factory=dict)  # parsed once the input is complete
    status: ToolStatus = "streaming"
    progress: str = ""
    result: str | None = None
    is_error: bool = False
    started_at: float | None = None  # when execution started (else when the call was first seen)
    finished_at: float | None = None
    permission: Permission | None = None
    # how the prompt was settled: "once" | "session" | "rule" | "denied" | "timed_out" (PermissionOutcome)
    permission_answer: str | None = None
    children: Turn | None = None  # the subagent run of a Task call
    # the tool's response metadata (extension: Show outputs, Task's subagent session, ...), if sent
    metadata: dict[str, Any] | None = None
    assistant_message_id: str | None = None
    depth: int = 0  # 0 for a call of the top turn, 1 for one of its subagent, ...

    @property
    def input_text(self) -> str:
        return self._input.text

    @input_text.setter
    def input_text(self, value: str) -> None:
        self._input.text = value

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.started_at


class TextPart(_GrowingText):
    __slots__ = ("assistant_message_id",)

    def __init__(self, text: str, assistant_message_id: str | None = None) -> None:
        super().__init__(text)
        self.assistant_message_id = assistant_message_id

    def __repr__(self) -> str:
        return f"TextPart(text={self.text!r}, assistant_message_id={self.assistant_message_id!r})"


class ThinkingPart(_GrowingText):
    __slots__ = ("assistant_message_id", "ended_at", "started_at")

    def __init__(
        self, text: str, started_at: float, ended_at: float | None = None, assistant_message_id: str | None = None
    ) -> None:
        super().__init__(text)
        self.started_at = started_at
        self.ended_at = ended_at
        self.assistant_message_id = assistant_message_id

    def __repr__(self) -> str:
        return f"ThinkingPart(text={self.text!r}, started_at={self.started_at!r}, ended_at={self.ended_at!r})"


@dataclass(slots=True)
class ToolPart:
    call: ToolCallState


Part: TypeAlias = TextPart | ThinkingPart | ToolPart


class Turn:
    """The state of one turn; feed it every event of the session's stream with `apply`."""

    def __init__(self) -> None:
        self.parts: list[Part] = []
        self.tool_calls: dict[str, ToolCallState] = {}
        self.depth = 0
        # every call of the whole tree, with the turn that holds it; nested turns share the top's
        self._index: dict[str, tuple[ToolCallState, Turn]] = {}
        self.user_message_id: str | None = None
        self.user_text: str | None = None
        self.final_message_id: str | None = None
        self.done = False
        self.error: str | None = None
        self.retry_notice: Error | None = None
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.interrupted = False  # ended by the client: the server lost the turn (it restarted)
        self._unlinked_permissions: dict[str, Permission] = {}

    # ---- reading -----------------------------------------------------------------------------

    @property
    def text(self) -> str:
        return _join(p for p in self.parts if isinstance(p, TextPart))

    @property
    def thinking(self) -> str:
        return _join(p for p in self.parts if isinstance(p, ThinkingPart))

    @property
    def pending_permissions(self) -> dict[str, Permission]:
        """Prompts awaiting an answer, nested subagent prompts included."""
        if self.done:
            return {}
        found: dict[str, Permission] = {}
        for call in self.tool_calls.values():
            if call.status == "awaiting_permission" and call.permission is not None:
                found[call.permission.id] = call.permission
            if call.children is not None:
                found.update(call.children.pending_permissions)
        found.update(self._unlinked_permissions)
        return found

    def find_call(self, tool_call_id: str) -> ToolCallState | None:
        """A tool call of this turn or of any nested subagent turn."""
        entry = self._index.get(tool_call_id)
        return entry[0] if entry is not None else None

    # ---- folding -----------------------------------------------------------------------------

    def apply(self, event: object, now: float) -> bool:
        """Fold one event in; True if it changed the turn. Non-turn events are ignored."""
        if self.done or not isinstance(event, MixEvent):
            return False
        parent_id = event.parent_tool_call_id
        if not parent_id:
            return self._apply_own(event, now)
        entry = self._index.get(parent_id)
        parent, owner = entry if entry is not None else (self._call(parent_id, now, status="running"), self)
        self._touch(now)
        if owner.depth >= MAX_NESTING:
            # too deep for a turn of its own: fold into the deepest one, whose end is not this run's
            if isinstance(event, Complete) or (isinstance(event, Error) and not event.is_retry_notice):
                return False
            return owner._apply_own(event, now)
        if parent.children is None:
            parent.children = self._nested(owner.depth + 1)
        return parent.children._apply_own(event, now)

    def _nested(self, depth: int) -> Turn:
        child = Turn()
        child.depth = depth
        child._index = self._index
        return child

    def resolve_permission(
        self, permission_id: str, granted: bool, now: float | None = None, answer: str | None = None
    ) -> bool:
        """Record the user's answer locally (the server sends no event for it).

        With `now`, a granted call's clock restarts there: its duration is the tool's run time, not
        the time the user took to answer. `answer` says how it was granted ("once", "session",
        "rule"); a refusal is "denied".
        """
        if self._unlinked_permissions.pop(permission_id, None) is not None:
            return True
        for call in self.tool_calls.values():
            if call.permission is not None and call.permission.id == permission_id:
                if call.status == "awaiting_permission":
                    call.status = "running" if granted else "denied"
                    call.permission_answer = (answer or "once") if granted else "denied"
                    if granted and now is not None:
                        call.started_at = now
                return True
            if call.children is not None and call.children.resolve_permission(
                permission_id, granted, now, answer
            ):
                return True
        return False

    def interrupt(self, now: float, reason: str) -> None:
        """End a turn the server will never end (it restarted while the turn ran)."""
        if not self.done:
            self.interrupted = True
            self._finish(now, error=reason)

    def _apply_own(self, event: MixEvent, now: float) -> bool:
        if self.done:
            return False
        if isinstance(event, Content | Thinking):
            self._delta(event, now)
        elif isinstance(event, ToolUseStart):
            self._close_thinking(now)
            call = self._call(event.id, now)
            call.name = event.name or call.name
            call.assistant_message_id = event.assistant_message_id or call.assistant_message_id
        elif isinstance(event, ToolUseParameterDelta):
            call = self._call(event.tool_call_id, now)
            call._input.append(event.input)
        elif isinstance(event, ToolUseParameterStreamingComplete):
            self._close_thinking(now)
            call = self._call(event.id, now)
            call.name = event.name or call.name
            call.input_text = event.input or call.input_text
            call.arguments = parse_tool_input(call.input_text)
            if call.status == "streaming":
                call.status = "ready"
        elif isinstance(event, ToolExecutionStart):
            self._close_thinking(now)
            call = self._call(event.tool_call_id, now)
            call.name = call.name or event.tool_name
            call.progress = event.progress
            call.status = "running"
            call.started_at = now
        elif isinstance(event, Permission):
            self._permission(event)
        elif isinstance(event, ToolExecutionComplete):
            self._tool_done(event, now)
        elif isinstance(event, UserMessageCreated):
            self.user_message_id = event.message_id
            self.user_text = strip_system_reminder(event.content)
        elif isinstance(event, Complete):
            self._complete(event, now)
        elif isinstance(event, Error):
            if event.is_retry_notice:
                self.retry_notice = event
            else:
                self._finish(now, error=event.error or "unknown error")
        else:  # heartbeat, connected, session and notification events are not part of a turn
            return False
        self._touch(now)
        return True

    def _touch(self, now: float) -> None:
        if self.started_at is None:
            self.started_at = now

    def _delta(self, event: Content | Thinking, now: float) -> None:
        self.retry_notice = None  # output resumed: the retry is over
        last = self.parts[-1] if self.parts else None
        amid = event.assistant_message_id
        if isinstance(event, Thinking):
            if isinstance(last, ThinkingPart) and last.ended_at is None and last.assistant_message_id == amid:
                last.append(event.content)
            else:
                self.parts.append(ThinkingPart(event.content, started_at=now, assistant_message_id=amid))
            return
        self._close_thinking(now)
        if isinstance(last, TextPart) and last.assistant_message_id == amid:
            last.append(event.content)
        else:
            self.parts.append(TextPart(event.content, amid))

    def _close_thinking(self, now: float) -> None:
        last = self.parts[-1] if self.parts else None
        if isinstance(last, ThinkingPart) and last.ended_at is None:
            last.ended_at = now

    def _call(self, call_id: str, now: float, status: ToolStatus = "streaming") -> ToolCallState:
        call = self.tool_calls.get(call_id)
        if call is None:
            entry = self._index.get(call_id)
            if entry is not None:  # already known elsewhere in the tree (a server repeating ids)
                return entry[0]
            call = ToolCallState(call_id, status=status, started_at=now, depth=self.depth)
            self.tool_calls[call_id] = call
            self._index[call_id] = (call, self)
            self.parts.append(ToolPart(call))
        return call

    def _permission(self, event: Permission) -> None:
        running = [c for c in self.tool_calls.values() if c.status == "running" and c.permission is None]
        same_name = [c for c in running if c.name and c.name == event.tool_name]
        if same_name:
            target: ToolCallState | None = same_name[0]
        elif len(running) == 1:
            target = running[0]
        else:  # servers that send no tool_execution_start first: any unfinished call of that name
            waiting = [
                c
                for c in self.tool_calls.values()
                if not c.finished and c.permission is None and c.name == event.tool_name
            ]
            target = waiting[0] if waiting else None
        if target is None:
            self._unlinked_permissions[event.id] = event
            return
        target.permission = event
        target.status = "awaiting_permission"

    def _tool_done(self, event: ToolExecutionComplete, now: float) -> None:
        call = self._call(event.tool_call_id, now)
        call.name = call.name or event.tool_name
        call.progress = event.progress
        call.finished_at = now
        call.result = event.result if event.result is not None else call.result
        call.metadata = event.metadata if event.metadata is not None else call.metadata
        call.is_error = bool(event.is_error) or not event.success
        call.status = live_outcome(success=event.success, is_error=bool(event.is_error), progress=event.progress)
        if call.status in ("denied", "timed_out"):
            # the progress line can tell an expired prompt from a refusal the client did not see
            call.status = refused_status(event.progress, call.result)
            call.permission_answer = call.status
        if call.permission is not None:
            self._unlinked_permissions.pop(call.permission.id, None)

    def _complete(self, event: Complete, now: float) -> None:
        self.final_message_id = event.message_id
        # old servers ([go-aug]) send no deltas: `complete` is then the only carrier of the answer
        if event.reasoning and not any(isinstance(p, ThinkingPart) for p in self.parts):
            self.parts.append(ThinkingPart(event.reasoning, now, now, event.message_id))
        if event.content and not any(isinstance(p, TextPart) for p in self.parts):
            self.parts.append(TextPart(event.content, event.message_id))
        self._finish(now)

    def _finish(self, now: float, error: str | None = None) -> None:
        self._close_thinking(now)
        self.done = True
        self.error = error
        self.finished_at = now
        self._unlinked_permissions.clear()
        if error is not None:  # the run is over: nothing still in flight will finish
            for call in self.tool_calls.values():
                if not call.finished:
                    call.status = "cancelled"
                    call.finished_at = now


def _join(parts: Any) -> str:
    """Concatenate deltas of one assistant message; separate different messages by a blank line."""
    out: list[str] = []
    previous: str | None = None
    for index, part in enumerate(parts):
        if index and part.assistant_message_id != previous:
            out.append("\n\n")
        out.append(part.text)
        previous = part.assistant_message_id
    return "".join(out)
