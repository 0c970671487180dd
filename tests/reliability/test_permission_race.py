"""Grant and cancel at the same moment (issue 8, item 8): the record matches what happened.

Either the Write never ran (no file; recorded cancelled) or it ran (file on disk; recorded ok), and
the live event, the history and the grant's answer all agree. Repeated with the two requests sent
in both orders and at varying offsets, over real HTTP against one server.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from tests.server.conftest import Harness, ServerFactory

RACES = 30


async def _race(mix: Harness, sid: str, stream: Any, n: int, offset: float) -> dict[str, Any]:
    name = f"race-{n}.txt"
    await mix.send(sid, f"write {name}\n```\nrace {n}\n```")
    prompt = await stream.event("permission")
    grant_url, cancel_url = f"/api/permissions/{prompt.data['id']}/grant", f"/api/sessions/{sid}/cancel"

    async def later(url: str, delay: float) -> Any:
        if delay > 0:
            await asyncio.sleep(delay)
        return await mix.client.post(url)

    grant, cancel = await asyncio.gather(later(grant_url, max(0.0, offset)), later(cancel_url, max(0.0, -offset)))
    frames = await stream.turn()
    live = [f.data for f in frames if f.event == "tool_execution_complete"]
    history = await mix.messages(sid)
    prompt_message = [m for m in history if m["role"] == "user"][-1]
    call = [c for m in history for c in m.get("toolCalls") or ()][-1]  # this turn's one call
    return {
        "written": (mix.srv.config.workdir / name).exists(),
        "grant": grant.status_code,
        "cancelled": cancel.json()["cancelled"],
        "live": live,
        "call": call,
        "turn": prompt_message["turnStatus"],
        "terminal": frames[-1].event,
    }


async def test_grant_and_cancel_at_once_never_disagree_with_the_disk(make_server: ServerFactory) -> None:
    # slow enough that a turn whose tool ran is still streaming its summary when the cancel lands
    mix = await make_server(demo_rate=2000.0)
    rng = random.Random(8)
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    outcomes: list[str] = []
    for n in range(RACES):
        offset = rng.choice((-1, 1)) * rng.choice((0.0, 0.0005, 0.001, 0.002, 0.004))
        r = await _race(mix, sid, stream, n, offset)
        call, live = r["call"], r["live"]
        assert len(live) == 1 and live[0]["status"] == call["status"], r
        if r["written"]:
            assert call["status"] == "ok" and call["isError"] is False and call["permission"] == "once", r
            assert r["grant"] == 200, r
        else:
            assert call["status"] == "cancelled" and call["isError"] is True and "durationMs" not in call, r
        if r["grant"] == 404:  # the cancel settled the prompt first: the answer came too late
            assert not r["written"], r
        # the turn's record follows the cancel's answer: a turn still running when it came is cancelled
        assert r["turn"] == ("cancelled" if r["cancelled"] else "complete"), r
        assert r["terminal"] == ("error" if r["cancelled"] else "complete"), r
        outcomes.append(("ran" if r["written"] else "not run") + (" cancelled" if r["cancelled"] else ""))
    # both sides of the race were really exercised
    assert {"ran cancelled", "not run cancelled"} <= set(outcomes), outcomes
