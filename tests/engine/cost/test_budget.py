"""Budget reservation, alerts and local-calendar rollover."""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from custom_components.llm_intent.engine.clock import ManualClock
from custom_components.llm_intent.engine.cost.budget import (
    Budget,
    BudgetAlert,
    BudgetPeriod,
)

WARSAW = ZoneInfo("Europe/Warsaw")
D = Decimal


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> float:
    return datetime(year, month, day, hour, minute, second, tzinfo=WARSAW).timestamp()


def make(
    daily: str | None = "1.00",
    monthly: str | None = None,
    start: float | None = None,
) -> tuple[Budget, ManualClock, list[BudgetAlert]]:
    clock = ManualClock(start if start is not None else at(2026, 3, 10, 12, 0))
    alerts: list[BudgetAlert] = []
    budget = Budget(daily, monthly, tz=WARSAW, clock=clock, on_alert=alerts.append)
    return budget, clock, alerts


async def test_concurrent_reservations_never_pass_the_limit() -> None:
    """Checking only settled spend would let all 50 in-flight requests through."""
    budget, _, _ = make(daily="1.00")
    granted = 0

    async def request() -> None:
        nonlocal granted
        reservation = budget.reserve(D("0.03"))
        if reservation is None:
            return
        granted += 1
        for _ in range(3):
            await asyncio.sleep(0)
        reservation.settle(D("0.025"))

    await asyncio.gather(*(request() for _ in range(50)))
    state = budget.state()
    assert granted == 33
    assert state.spent_day == D("0.825")
    assert state.reserved == 0


async def test_settling_frees_room_for_later_requests_but_never_overshoots() -> None:
    budget, _, _ = make(daily="0.10")
    spent_if_all_charged_worst = D(0)

    async def request(i: int) -> None:
        nonlocal spent_if_all_charged_worst
        for _ in range(i % 5):
            await asyncio.sleep(0)
        reservation = budget.reserve(D("0.004"))
        if reservation is None:
            return
        await asyncio.sleep(0)
        reservation.settle(D("0.004"))
        spent_if_all_charged_worst += D("0.004")

    await asyncio.gather(*(request(i) for i in range(50)))
    assert budget.state().spent_day == spent_if_all_charged_worst == D("0.100")


def test_settle_replaces_reservation_with_actual_cost() -> None:
    budget, _, _ = make(daily="1.00")
    reservation = budget.reserve(D("0.50"))
    assert reservation is not None
    assert budget.state().reserved == D("0.50")
    assert budget.reserve(D("0.60")) is None
    reservation.settle(D("0.20"))
    state = budget.state()
    assert (state.spent_day, state.reserved) == (D("0.20"), D(0))
    assert budget.reserve(D("0.80")) is not None


def test_release_returns_the_reservation_and_is_idempotent_after_settle() -> None:
    budget, _, _ = make(daily="1.00")
    failed = budget.reserve(D("0.90"))
    assert failed is not None
    failed.release()
    failed.release()
    assert budget.state().reserved == 0
    ok = budget.reserve(D("0.90"))
    assert ok is not None
    ok.settle(D("0.30"))
    ok.release()  # the usual `finally:` guard must not undo or double-count
    assert budget.state().spent_day == D("0.30")
    with pytest.raises(RuntimeError):
        ok.settle(D("0.30"))
    assert budget.state().spent_day == D("0.30")


def test_alerts_fire_once_at_80_and_once_at_100() -> None:
    budget, _, alerts = make(daily="1.00")
    assert budget.record(D("0.50")) == []
    assert budget.record(D("0.30")) == [BudgetAlert(80, BudgetPeriod.DAY, D("0.80"), D("1.00"))]
    assert budget.record(D("0.10")) == []
    reservation = budget.reserve(D("0.10"))
    assert reservation is not None
    assert reservation.settle(D("0.10")) == [
        BudgetAlert(100, BudgetPeriod.DAY, D("1.00"), D("1.00"))
    ]
    assert budget.record(D("0.50")) == []
    assert [(a.level, a.period) for a in alerts] == [(80, "day"), (100, "day")]


def test_one_spend_can_cross_both_levels_and_both_periods() -> None:
    budget, _, alerts = make(daily="1.00", monthly="1.20")
    budget.record(D("1.25"))
    assert {(a.level, a.period) for a in alerts} == {
        (80, BudgetPeriod.DAY),
        (100, BudgetPeriod.DAY),
        (80, BudgetPeriod.MONTH),
        (100, BudgetPeriod.MONTH),
    }


def test_day_rollover_rearms_day_alerts_but_not_month_alerts() -> None:
    budget, clock, alerts = make(daily="1.00", monthly="1.00")
    budget.record(D("0.85"))
    assert [(a.level, a.period) for a in alerts] == [(80, "day"), (80, "month")]
    clock.advance(86_400)
    alerts.clear()
    budget.record(D("0.10"))  # month at 95%: its 80% alert was already sent
    assert alerts == []
    budget.record(D("0.75"))
    assert [(a.level, a.period, a.spent) for a in alerts] == [
        (80, "day", D("0.85")),
        (100, "month", D("1.70")),
    ]


def test_raising_the_limit_resumes_at_once_and_rearms_alerts() -> None:
    budget, _, alerts = make(daily="1.00")
    budget.record(D("1.00"))
    assert budget.reserve(D("0.01")) is None
    assert budget.state().day_exceeded
    assert budget.set_limit("day", "2.00") == []
    assert not budget.state().day_exceeded
    assert budget.reserve(D("0.01")) is not None
    alerts.clear()
    budget.record(D("0.60"))  # 1.60 of 2.00
    assert [(a.level, a.spent) for a in alerts] == [(80, D("1.60"))]


def test_lowering_the_limit_alerts_at_once() -> None:
    budget, _, alerts = make(daily="2.00")
    budget.record(D("1.00"))
    assert alerts == []
    assert budget.set_limit(BudgetPeriod.DAY, D("1.00")) == [
        BudgetAlert(80, BudgetPeriod.DAY, D("1.00"), D("1.00")),
        BudgetAlert(100, BudgetPeriod.DAY, D("1.00"), D("1.00")),
    ]


def test_zero_budget_refuses_every_paid_request() -> None:
    budget, _, alerts = make(daily="0", monthly="0")
    assert budget.reserve(D("0.000001")) is None
    assert budget.reserve(D("5")) is None
    assert not budget.would_allow(D("0.000001"))
    # A model the user priced free costs nothing and cannot overshoot.
    free = budget.reserve(D(0))
    assert free is not None
    free.settle(D(0))
    assert alerts == []
    assert budget.state().day_exceeded


def test_zero_month_limit_alone_refuses_paid_requests() -> None:
    budget, _, _ = make(daily=None, monthly="0")
    assert budget.reserve(D("0.01")) is None


def test_unlimited_budget_grants_anything() -> None:
    budget, _, alerts = make(daily=None, monthly=None)
    assert budget.reserve(D("1000")) is not None
    budget.record(D("999"))
    assert alerts == []
    state = budget.state()
    assert state.remaining_day is None
    assert not state.day_exceeded


def test_day_rolls_over_at_local_midnight_on_23_hour_dst_day() -> None:
    """2026-03-29 in Warsaw has 23 hours: a 24-hour day or fixed offset rolls late."""
    budget, clock, _ = make(daily="1.00", start=at(2026, 3, 29, 0, 0, 1))
    budget.record(D("0.40"))
    clock.advance(23 * 3600 - 2)  # 23:59:59 CEST
    assert budget.state().spent_day == D("0.40")
    clock.advance(2)  # 00:00:01 on March 30
    state = budget.state()
    assert state.day.isoformat() == "2026-03-30"
    assert state.spent_day == 0
    assert state.spent_month == D("0.40")


def test_day_does_not_roll_early_on_25_hour_dst_day() -> None:
    budget, clock, _ = make(daily="1.00", start=at(2026, 10, 25, 0, 0, 1))
    budget.record(D("0.40"))
    clock.advance(24 * 3600)  # 23:00:01 CET, still October 25
    assert budget.state().spent_day == D("0.40")
    assert budget.reserve(D("0.61")) is None
    clock.advance(3600)
    assert budget.state().spent_day == 0
    assert budget.reserve(D("0.61")) is not None


def test_month_rolls_over_at_local_midnight() -> None:
    # Local midnight is 22:00 UTC in summer time: a UTC calendar would roll two hours late.
    budget, clock, _ = make(daily=None, monthly="5", start=at(2026, 3, 31, 23, 30))
    budget.record(D("4.50"))
    assert budget.reserve(D("0.60")) is None
    clock.advance(30 * 60 + 1)
    state = budget.state()
    assert state.month == "2026-04"
    assert state.spent_month == 0
    assert budget.reserve(D("0.60")) is not None


def test_restore_seeds_current_totals_and_skips_stale_ones() -> None:
    budget, clock, alerts = make(daily="1.00", monthly="10.00")
    budget.restore(D("0.90"), D("8.50"), as_of=clock.time() - 60)
    state = budget.state()
    assert (state.spent_day, state.spent_month) == (D("0.90"), D("8.50"))
    # Already past 80% before the restart: that alert was sent then.
    budget.record(D("0.05"))
    assert alerts == []
    budget.record(D("0.05"))
    assert [(a.level, a.period) for a in alerts] == [(100, "day")]

    fresh, fresh_clock, _ = make(daily="1.00", monthly="10.00")
    fresh.restore(D("0.90"), D("3.00"), as_of=fresh_clock.time() - 86_400)
    state = fresh.state()
    assert (state.spent_day, state.spent_month) == (D(0), D("3.00"))


def test_state_reports_remaining_and_dst_aware_projection() -> None:
    # Ten days into March; March 2026 in Warsaw lasts 31 days minus the DST hour.
    budget, _, _ = make(daily="1.00", monthly="40.00", start=at(2026, 3, 11, 0, 0))
    budget.restore(D("0.25"), D("10.00"), as_of=at(2026, 3, 11, 0, 0))
    state = budget.state()
    assert state.remaining_day == D("0.75")
    assert state.remaining_month == D("30.00")
    assert state.projected_month == D("30.958333")
    assert not state.month_exceeded


def test_listener_failure_does_not_break_accounting() -> None:
    clock = ManualClock(at(2026, 3, 10, 12, 0))

    def broken(alert: BudgetAlert) -> None:
        raise RuntimeError("notification service down")

    budget = Budget("1.00", None, tz=WARSAW, clock=clock, on_alert=broken)
    alerts = budget.record(D("0.90"))
    assert [a.level for a in alerts] == [80]
    assert budget.state().spent_day == D("0.90")


def test_invalid_amounts_are_rejected() -> None:
    budget, _, _ = make()
    with pytest.raises(ValueError, match="negative"):
        budget.reserve(D("-0.01"))
    with pytest.raises(ValueError, match="number"):
        budget.set_limit("day", "lots")
    with pytest.raises(ValueError):
        budget.set_limit("week", "1")


def test_float_limits_from_options_are_exact() -> None:
    clock = ManualClock(at(2026, 3, 10, 12, 0))
    budget = Budget(0.1, 10.0, tz=WARSAW, clock=clock)
    assert budget.limit(BudgetPeriod.DAY) == D("0.1")
    budget.record(D("0.1"))
    assert budget.state().day_exceeded


def test_a_request_in_flight_over_midnight_keeps_its_reservation_until_it_ends() -> None:
    budget, clock, _ = make("1.00", start=at(2026, 3, 10, 23, 59, 59))
    reservation = budget.reserve(D("0.40"))
    assert reservation is not None
    clock.advance(2)  # the new day starts while the request is out
    assert budget.state().reserved == D("0.40")
    reservation.settle(D("0.10"))
    state = budget.state()
    assert (state.reserved, state.spent_day) == (0, D("0.10"))
    assert budget.open_reservations == 0


def test_a_reservation_nobody_ended_is_dropped_before_it_blocks_the_next_day() -> None:
    budget, clock, _ = make("1.00")
    leaked = [budget.reserve(D("0.25")) for _ in range(4)]
    assert all(r is not None for r in leaked)
    assert budget.reserve(D("0.25")) is None  # the limit is fully reserved
    clock.advance(299)
    assert budget.state().reserved == D("1.00")
    clock.advance(2)  # past the longest any request can run
    assert budget.state().reserved == 0
    assert budget.reserve(D("0.25")) is not None
