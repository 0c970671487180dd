"""One turn of the agent loop: user message → model steps and tool runs → exactly one terminal event.

Per step a fresh assistant message id; the provider's stream becomes `thinking`/`content`/`tool_use_*`
events (step.py); after the provider finishes, the step's tools run in parallel (tool_exec.py) and
their results are stored as one `tool`-role message. The loop ends with `complete` when a step makes
no tool calls, or with `error` (cancel, max steps, provider failure). Never both, never twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from mix_tui.protocol.events import Complete, Error, MixEvent, SessionUpdated, UserMessageCreated
from mix_tui.protocol.models import TurnStatus
from mix_tui.secrets import redact
from mix_tui.server import catalog, prompt_queue
from mix_tui.server.callbacks import run_callbacks
from mix_tui.server.media_reader import media_reader
from mix_tui.server.prompt import (
    PLACEHOLDER_TITLES,
    system_prompt,
    title_from_prompt,
    with_plan_reminder,
)
from mix_tui.server.providers.base import CallOptions, Provider, ProviderError
from mix_tui.server.providers.model_ids import Choice
from mix_tui.server.recorder import AssistantRecorder
from mix_tui.server.runtime import Runtime
from mix_tui.server.step import StepResult, run_step
from mix_tui.server.store import MessageRow, ToolResultRow, new_id
from mix_tui.server.tool_exec import CANCELLED, ToolEnv, ToolRun, run_tools
from mix_tui.server.tools import PLAN_MODE_TOOLS, ToolContext, tool_specs
from mix_tui.server.tools.base import RunSubagent
from mix_tui.server.views import conversation

log = logging.getLogger(__name__)

CANCEL_MESSAGE = "request cancelled by user"
SHUTDOWN_MESSAGE = "request cancelled: the server is shutting down"
# (runtime, calling session, its model choice, plan mode, its cancel flag) -> the Task tool's runner;
# given by whoever starts turns (turns.py, subagents.py), so this module needs no sub-agent code
SubagentFactory = Callable[[Runtime, str, Choice, bool, asyncio.Event], RunSubagent]
MAX_RETRY_WAIT = 120.0  # seconds; a provider asking for longer gets the final error instead of a hang


@dataclass(slots=True)
class TurnRequest:
    text: str
    plan_mode: bool = False
    thinking_level: str | None = None
    max_steps: int | None = None


class Turn:
    def __init__(
        self, rt: Runtime, session_id: str, request: TurnRequest, cancelled: asyncio.Event, *,
        queue_id: str | None = None, subagents: SubagentFactory | None = None,
    ) -> None:
        self.rt = rt
        self.subagents = subagents  # what the Task tool starts sub-agents with (None: it cannot)
        self.queue_id = queue_id  # the queued prompt this turn runs (taken from the queue as it starts)
        self.session_id = session_id
        self.request = request
        self.cancelled = cancelled
        self.ended = False
        self.model = ""
        self.user_message_id: str | None = None

    def publish(self, event: MixEvent) -> int:
        return self.rt.publish(self.session_id, event)

    def _stopped(self) -> tuple[Error, TurnStatus]:
        """Who stopped the turn: the user (cancelled), or a server going down (interrupted)."""
        if self.rt.shutting_down.is_set():
            return Error(error=SHUTDOWN_MESSAGE), "interrupted"
        return Error(error=CANCEL_MESSAGE), "cancelled"

    async def _end(self, event: Complete | Error, status: TurnStatus | None = None) -> None:
        """The one terminal event: recorded on the prompt's message first, so a client that re-reads
        history when it sees the event finds the outcome there."""
        if self.ended:
            return
        self.ended = True
        if self.user_message_id is not None:
            if status is None:
                status = "complete" if isinstance(event, Complete) else "error"
            error = event.error if isinstance(event, Error) else None
            store = self.rt.store
            try:
                await store.run(store.set_turn_status, self.user_message_id, status, error)
            except Exception:  # the event still goes out; a restart marks a "running" turn interrupted
                log.exception("could not record the end of a turn in session %s", self.session_id)
        self.publish(event)

    async def run(self) -> None:
        try:
            await self._run()
        except asyncio.CancelledError:
            # a hard stop (shutdown after the grace period): still one terminal event
            await self._end(*self._stopped())
            raise
        except Exception as exc:
            log.exception("turn failed in session %s", self.session_id)
            await self._end(Error(error=redact(f"internal error: {type(exc).__name__}: {exc}")))
        finally:
            await self._end(Error(error="the turn ended without a result"))

    async def _run(self) -> None:
        store, sid, req = self.rt.store, self.session_id, self.request
        session = await store.run(store.get_session, sid)
        if session is None:
            await self._end(Error(error=f"Session with ID '{sid}' not found"))
            return
        stored_text = with_plan_reminder(req.text) if req.plan_mode else req.text
        user = MessageRow(id=new_id(), session_id=sid, role="user", content=stored_text, turn_status="running")
        await store.run(store.transaction, prompt_queue.begin_turn, user, self.queue_id)
        self.user_message_id = user.id
        self.publish(UserMessageCreated(message_id=user.id, content=stored_text))
        if session.user_count == 0 and session.title.strip().lower() in PLACEHOLDER_TITLES:
            title = title_from_prompt(req.text)
            if title:  # spec clients re-GET the session; ours asked for session_updated
                await store.run(store.update_session, sid, title=title)
                self.rt.broker.publish_everywhere(SessionUpdated(session_id=sid, title=title), extension=True)

        prefs = await store.run(store.get_preferences)
        choice = catalog.choose(session.provider, session.model_id, prefs, self.rt.config)
        settings = catalog.agent_settings(
            choice, prefs, sub_agent=session.session_type == "subagent",
            thinking_level=req.thinking_level, text=req.text,
        )
        self.model = choice.model
        try:
            provider = await asyncio.to_thread(self.rt.providers.get, choice.provider)
        except ValueError as exc:
            await self._end(Error(error=str(exc)))
            return
        from mix_tui.server.notifications import asker

        allowed = [n for n in self.rt.tools if not req.plan_mode or n in PLAN_MODE_TOOLS]
        system = system_prompt(
            self.rt.config.workdir, allowed, custom=session.custom_system_prompt, mode=session.prompt_mode,
            session_id=sid,
        )
        env = ToolEnv(
            session_id=sid,
            tools=self.rt.tools,
            allowed=frozenset(allowed),
            context=ToolContext(
                workdir=self.rt.config.workdir, session_id=sid, cancelled=self.cancelled,
                state=self.rt.tool_state.setdefault(sid, {}), files_dir=self.rt.config.files_dir(sid),
                media_reader=media_reader(provider, choice.model, lambda cost: store.run(store.add_cost, sid, cost)),
                run_subagent=(
                    self.subagents(self.rt, sid, choice, req.plan_mode, self.cancelled) if self.subagents else None
                ),
                ask_user=asker(self.rt.notifications, sid, self.publish, self.cancelled),
            ),
            permissions=self.rt.permissions,
            publish=self.publish,
        )
        max_steps = req.max_steps or self.rt.config.default_max_steps
        steps = 0
        while True:
            history = await store.run(store.list_messages, sid)
            options = CallOptions(
                model=choice.model, system=system, messages=conversation(history),
                tools=tool_specs(allowed), max_tokens=settings.max_tokens,
                thinking_budget=settings.thinking_budget, reasoning_effort=settings.reasoning_effort,
            )
            step = await self._step(provider, options)
            if step is None:
                return
            steps += 1
            if self.cancelled.is_set():
                await self._store_results([ToolRun(c, CANCELLED, True, "cancelled") for c in step.calls])
                await self._end_stopped_after(step)
                return
            if not step.calls:
                await self._end(
                    Complete(
                        content=step.text or None, message_id=step.message_id,
                        reasoning=step.reasoning or None, reasoning_duration=step.reasoning_ms,
                    )
                )
                return
            runs = await run_tools(step.calls, env)
            await self._store_results(runs)
            await run_callbacks(self.rt, sid, runs, env)
            if self.cancelled.is_set():
                await self._end_stopped_after(step)
                return
            if steps >= max_steps:
                await self._end(Error(error=f"maximum iteration limit ({max_steps} steps) reached"))
                return

    async def _end_stopped_after(self, step: StepResult) -> None:
        """A stop that lands during a step's tools: the step's message is finished as stopped too (as
        Go does), so the export, the one read path with finish reasons, shows the turn is over."""
        event, status = self._stopped()
        if step.calls:
            reason = "canceled" if status == "cancelled" else "interrupted"
            await self.rt.store.run(self.rt.store.set_finish_reason, step.message_id, reason)
        await self._end(event, status)

    async def _step(self, provider: Provider, options: CallOptions) -> StepResult | None:
        """Run one model call with rate-limit retries; stores the assistant message. None = turn over."""
        attempts = max(1, self.rt.config.rate_limit_attempts)
        message_id = new_id()
        recorder = AssistantRecorder(self.rt.store, self.session_id, self.model, self.rt.config.partial_flush_interval)
        for attempt in range(1, attempts + 1):
            result = StepResult(message_id=message_id)
            try:
                async with recorder.streaming(result):
                    await run_step(
                        provider, options, result, self.publish, self.cancelled, self.rt.config.delta_window
                    )
            except asyncio.CancelledError:
                # a hard stop mid-stream: keep what arrived (the normal cancel path returns below)
                result.finish = "canceled"
                await recorder.final(result)
                raise
            except ProviderError as exc:
                retry = exc.kind == "rate_limit" and attempt < attempts and not result.streamed_anything
                if retry:
                    wait = exc.retry_after if exc.retry_after is not None else 2.0**attempt
                    wait = min(wait, MAX_RETRY_WAIT)
                    self.publish(
                        Error(
                            error=f"{provider.name} rate limit reached; retrying in {wait:.0f}s",
                            type="rate_limit_error", retry_after=int(wait * 1000), attempt=attempt,
                            max_attempts=attempts,
                        )
                    )
                    if await self._sleep_unless_cancelled(wait):
                        continue
                    await self._end(*self._stopped())
                    return None
                result.finish = "error"
                await recorder.final(result)
                kind = "authentication_error" if exc.kind == "auth" else None
                text = exc.message if exc.kind != "rate_limit" else f"{exc.message} (gave up after {attempt} attempts)"
                await self._end(Error(error=redact(text), type=kind))
                return None
            except Exception as exc:
                log.exception("provider %s failed", provider.name)
                result.finish = "error"
                await recorder.final(result)
                await self._end(Error(error=redact(f"{provider.name} failed: {type(exc).__name__}: {exc}")))
                return None
            await recorder.final(result)
            return result
        return None

    async def _sleep_unless_cancelled(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self.cancelled.wait(), timeout=seconds)
        except TimeoutError:
            return True
        return False

    async def _store_results(self, runs: list[ToolRun]) -> None:
        if not runs:
            return
        row = MessageRow(
            id=new_id(), session_id=self.session_id, role="tool",
            tool_results=[
                ToolResultRow(
                    r.call.id, r.call.name, r.output, r.is_error, r.status, r.duration_ms, r.permission, r.metadata
                )
                for r in runs
            ],
        )
        store = self.rt.store
        await store.run(store.add_message, row)
