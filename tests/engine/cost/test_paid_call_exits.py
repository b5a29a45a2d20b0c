"""Every way out of a paid call ends its reservation and its ledger row.

Four commands whose callers went away must not keep the paid path blocked;
a request that was sent is written down before it leaves and is assumed
billed (input plus output cap) when its usage never comes back.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from custom_components.llm_intent.engine.clock import ManualClock
from custom_components.llm_intent.engine.cost.ledger import CallState
from custom_components.llm_intent.engine.errors import ServerError

from ..calling.scripted_provider import Answer, Fail, Hang, ScriptedProvider
from .paid_stand import COMMAND, REQUEST, Stand, worst_case

DAY = 86_400.0


async def _spin(rounds: int = 20) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)


async def _cancel_four(stand: Stand, provider: ScriptedProvider) -> None:
    callers = [asyncio.create_task(stand.llm.recognize(REQUEST, COMMAND)) for _ in range(4)]
    while provider.hanging < 4:
        await asyncio.sleep(0)
    for caller in callers:
        caller.cancel()
    results = await asyncio.gather(*callers, return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in results)


async def test_cancelled_callers_leave_no_reservation(tmp_path: Path) -> None:
    clock = ManualClock()
    worst = worst_case()
    provider = ScriptedProvider("openai", model="gpt-4o-mini", default=Hang())
    stand = Stand(clock, [provider], tmp_path / "l.db", "a", daily=worst * 10)
    await stand.start()

    await _cancel_four(stand, provider)

    state = stand.budget.state()
    assert state.reserved == 0
    assert stand.budget.open_reservations == 0
    # Sent and never answered: assumed billed at the worst case, not at $0.
    assert state.spent_day == worst * 4
    rows = await stand.call_rows()
    assert [row.state for row in rows] == [CallState.ESTIMATED] * 4
    await stand.close()


async def test_after_four_cancelled_commands_and_a_day_roll_a_command_reaches_the_provider(
    tmp_path: Path,
) -> None:
    clock = ManualClock()
    worst = worst_case()
    provider = ScriptedProvider("openai", model="gpt-4o-mini", steps=[Hang()] * 4)
    stand = Stand(clock, [provider], tmp_path / "l.db", "a", daily=worst * Decimal("4.5"))
    await stand.start()
    await _cancel_four(stand, provider)

    clock.advance(DAY)
    answer = await stand.llm.recognize(REQUEST, COMMAND)

    assert answer.error is None
    assert answer.result is not None
    assert provider.calls == 5
    assert stand.budget.state().reserved == 0
    assert len(await stand.call_rows()) == 5
    await stand.close()


async def test_cancel_before_sending_releases_and_leaves_no_row(tmp_path: Path) -> None:
    """A caller gone while its request waited for a slot cost nothing."""
    clock = ManualClock()
    provider = ScriptedProvider("openai", model="gpt-4o-mini", default=Hang())
    stand = Stand(clock, [provider], tmp_path / "l.db", "a", daily=worst_case() * 10, concurrency=1)
    await stand.start()
    first = asyncio.create_task(stand.llm.recognize(REQUEST, COMMAND))
    while provider.hanging < 1:
        await asyncio.sleep(0)
    queued = asyncio.create_task(stand.llm.recognize(REQUEST, COMMAND))
    await _spin()
    queued.cancel()
    first.cancel()
    await asyncio.gather(first, queued, return_exceptions=True)

    assert provider.calls == 1
    assert stand.budget.state().reserved == 0
    assert len(await stand.call_rows()) == 1
    await stand.close()


async def test_deadline_after_sending_is_estimated_not_free(tmp_path: Path) -> None:
    # The manual clock stands still until the send, so the request surely leaves;
    # the deadline then fires in real time (50 ms).
    clock = ManualClock()
    worst = worst_case()
    provider = ScriptedProvider("openai", model="gpt-4o-mini", default=Hang())
    stand = Stand(clock, [provider], tmp_path / "l.db", "a", daily=worst * 10, deadline_s=0.05)
    await stand.start()

    answer = await stand.llm.recognize(REQUEST, COMMAND)

    assert answer.error == "timeout"
    assert answer.cost_usd == worst
    assert stand.budget.state().spent_day == worst
    assert stand.accounting.today.cost_usd == worst
    [row] = await stand.call_rows()
    assert row.state is CallState.ESTIMATED
    assert row.cost_usd == worst
    await stand.close()


async def test_hedge_loser_is_estimated_not_free(tmp_path: Path) -> None:
    clock = ManualClock()
    worst = worst_case()
    primary = ScriptedProvider(
        "openai", model="gpt-4o-mini", steps=[Answer(latency=0.3)], default=Hang()
    )
    secondary = ScriptedProvider("anthropic", model="gpt-4o-mini", default=Answer())
    stand = Stand(clock, [primary, secondary], tmp_path / "l.db", "a", daily=worst * 10, hedge=True)
    await stand.start()
    await stand.llm.recognize(REQUEST, COMMAND)  # one latency sample for the p95

    answer = await stand.llm.recognize(REQUEST, COMMAND)

    assert answer.routed is not None and answer.routed.hedged
    assert answer.provider == "anthropic"
    rows = await stand.call_rows()
    assert len(rows) == primary.calls + secondary.calls == 3
    loser = rows[1]
    assert (loser.provider, loser.state, loser.cost_usd) == ("openai", CallState.ESTIMATED, worst)
    assert stand.budget.state().reserved == 0
    assert stand.budget.state().spent_day == sum(row.cost_usd for row in rows)
    await stand.close()


async def test_provider_error_status_settles_at_zero_and_releases(tmp_path: Path) -> None:
    clock = ManualClock()
    provider = ScriptedProvider(
        "openai", model="gpt-4o-mini", default=Fail(ServerError("down", status=503))
    )
    stand = Stand(clock, [provider], tmp_path / "l.db", "a", daily=worst_case() * 10, retries=2)
    await stand.start()

    answer = await stand.llm.recognize(REQUEST, COMMAND)

    assert answer.result is None
    assert provider.calls == 3
    rows = await stand.call_rows()
    assert [(r.state, r.cost_usd) for r in rows] == [(CallState.SETTLED, Decimal(0))] * 3
    assert stand.budget.state().reserved == 0
    await stand.close()


async def test_a_request_in_flight_at_a_crash_is_on_disk_and_counted_after_restart(
    tmp_path: Path,
) -> None:
    clock = ManualClock()
    worst = worst_case()
    provider = ScriptedProvider("openai", model="gpt-4o-mini", default=Hang())
    stand = Stand(clock, [provider], tmp_path / "l.db", "a", daily=worst * 10)
    await stand.start()
    in_flight = asyncio.create_task(stand.llm.recognize(REQUEST, COMMAND))
    while provider.hanging < 1:
        await asyncio.sleep(0)

    # The row is on disk before the request left: another reader sees it now.
    reader = Stand(clock, [provider], tmp_path / "l.db", "a", daily=None)
    [row] = reader.ledger.ledger.query()
    assert (row.state, row.cost_usd, row.entry_id) == (CallState.SENT, worst, "a")

    # Crash: the process dies with the request in flight; nothing finishes it.
    restarted = Stand(clock, [provider], tmp_path / "l.db", "a", daily=worst * 10)
    await restarted.start()
    [row] = await restarted.call_rows()
    assert row.state is CallState.ESTIMATED
    assert restarted.budget.state().spent_day == worst
    assert restarted.accounting.today.cost_usd == worst

    in_flight.cancel()
    await asyncio.gather(in_flight, return_exceptions=True)
    await restarted.close()
    await reader.close()


async def test_each_entry_restores_only_its_own_spend(tmp_path: Path) -> None:
    clock = ManualClock()
    worst = worst_case()
    paid = ScriptedProvider("openai", model="gpt-4o-mini")
    first = Stand(clock, [paid], tmp_path / "l.db", "paid-entry", daily=worst * 10)
    await first.start()
    await first.llm.recognize(REQUEST, COMMAND)
    spent = first.budget.state().spent_day
    assert spent > 0
    await first.close()

    local_only = Stand(clock, [paid], tmp_path / "l.db", "local-entry", daily=worst * 10)
    await local_only.start()
    again = Stand(clock, [paid], tmp_path / "l.db", "paid-entry", daily=worst * 10)
    await again.start()

    assert local_only.budget.state().spent_day == 0
    assert local_only.accounting.today.cost_usd == 0
    assert again.budget.state().spent_day == spent
    everything = await again.ledger.totals("day", again.accounting._tz, clock.time())
    assert everything.cost_usd == spent
    await local_only.close()
    await again.close()


@pytest.mark.parametrize("cancel_after", [0, 1, 3])
async def test_cancel_while_the_row_is_being_written_leaves_nothing_open(
    tmp_path: Path, cancel_after: int
) -> None:
    clock = ManualClock()
    provider = ScriptedProvider("openai", model="gpt-4o-mini", default=Answer())
    stand = Stand(clock, [provider], tmp_path / "l.db", "a", daily=worst_case() * 10)
    await stand.start()
    caller = asyncio.create_task(stand.llm.recognize(REQUEST, COMMAND))
    await _spin(cancel_after)
    caller.cancel()
    await asyncio.gather(caller, return_exceptions=True)

    assert stand.budget.state().reserved == 0
    assert len(await stand.call_rows()) == provider.calls
    await stand.close()
