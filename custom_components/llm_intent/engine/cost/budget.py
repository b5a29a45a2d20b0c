"""Daily and monthly spending limits, enforced before a request is sent.

A request first reserves its worst-case cost; the reservation counts against
the limits until the real cost replaces it. The budget keeps every open
reservation by name, so what is "reserved" is always the sum of requests
still in flight; one left open past ``max_reservation_age_s`` (a caller that
forgot to end it) is dropped with a warning rather than blocking every later
request. Reserving and checking happen in
one synchronous step on the event loop, so any number of concurrent requests
together can never pass a limit, even though each only learns its real cost
later.

Days and months follow the wall calendar of the configured time zone: they
roll over at local midnight, including on the 23- and 25-hour days of a DST
change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
import logging
from typing import Final
from zoneinfo import ZoneInfo

from ..clock import Clock
from .pricing import MICRO_USD, to_decimal

_LOGGER = logging.getLogger(__name__)

ALERT_LEVELS: Final = (80, 100)
_ZERO: Final = Decimal(0)
_SECONDS_PER_DAY: Final = Decimal(86_400)
# Far beyond the longest request deadline (30 s) plus its retries and queueing.
DEFAULT_MAX_RESERVATION_AGE_S: Final = 300.0


class BudgetPeriod(StrEnum):
    DAY = "day"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class BudgetAlert:
    """Spending in ``period`` reached ``level`` percent of ``limit``."""

    level: int
    period: BudgetPeriod
    spent: Decimal
    limit: Decimal


@dataclass(frozen=True, slots=True)
class BudgetState:
    """A snapshot for sensors and diagnostics. ``None`` limits mean unlimited."""

    day: date
    month: str  # "YYYY-MM"
    spent_day: Decimal
    spent_month: Decimal
    reserved: Decimal
    daily_limit: Decimal | None
    monthly_limit: Decimal | None
    remaining_day: Decimal | None
    remaining_month: Decimal | None
    # Month-end spend if the month continues at its average pace so far.
    projected_month: Decimal
    day_exceeded: bool
    month_exceeded: bool


class Reservation:
    """Worst-case cost set aside for one in-flight request.

    End it exactly once with ``settle`` (the real cost is known) or
    ``release`` (the request cost nothing). ``release`` after ``settle`` does
    nothing, so ``finally: reservation.release()`` is a safe guard.
    """

    __slots__ = ("_budget", "_done", "amount", "opened_at")

    def __init__(self, budget: Budget, amount: Decimal, opened_at: float) -> None:
        self._budget = budget
        self.amount = amount
        self.opened_at = opened_at
        self._done = False

    @property
    def active(self) -> bool:
        return not self._done

    def settle(self, actual: Decimal) -> list[BudgetAlert]:
        """Replace the reserved amount with the real cost; returns alerts raised."""
        if self._done:
            raise RuntimeError("reservation already settled or released")
        actual = to_decimal(actual, what="cost")
        self._done = True
        self._budget._unreserve(self)
        return self._budget.record(actual)

    def release(self) -> None:
        """Give the reserved amount back; the request was not billed."""
        if not self._done:
            self._done = True
            self._budget._unreserve(self)

    def __repr__(self) -> str:
        state = "done" if self._done else "active"
        return f"Reservation({self.amount} USD, {state})"


class Budget:
    """Daily and monthly limits in USD (``None`` = unlimited, ``0`` = free requests only).

    A zero-cost request (a local model priced free) is always allowed: it
    cannot overshoot anything. Alerts fire once per period and level, through
    ``on_alert`` and as return values; they re-arm when the period rolls over
    or the limit is raised above the level crossed.
    """

    def __init__(
        self,
        daily_limit: Decimal | float | str | None = None,
        monthly_limit: Decimal | float | str | None = None,
        *,
        tz: ZoneInfo,
        clock: Clock,
        on_alert: Callable[[BudgetAlert], None] | None = None,
        max_reservation_age_s: float = DEFAULT_MAX_RESERVATION_AGE_S,
    ) -> None:
        self._tz = tz
        self._max_age = max_reservation_age_s
        self._clock = clock
        self._on_alert = on_alert
        self._limits: dict[BudgetPeriod, Decimal | None] = {
            BudgetPeriod.DAY: _limit(daily_limit),
            BudgetPeriod.MONTH: _limit(monthly_limit),
        }
        self._spent = {BudgetPeriod.DAY: _ZERO, BudgetPeriod.MONTH: _ZERO}
        self._fired: dict[BudgetPeriod, set[int]] = {p: set() for p in BudgetPeriod}
        self._open: dict[int, Reservation] = {}
        self._keys = self._period_keys(self._local_now())

    def limit(self, period: BudgetPeriod) -> Decimal | None:
        return self._limits[period]

    def reserve(self, worst_case: Decimal) -> Reservation | None:
        """Set ``worst_case`` aside, or return None if it could pass a limit."""
        worst_case = to_decimal(worst_case, what="worst-case cost")
        self._roll()
        if worst_case and not self._fits(worst_case):
            return None
        reservation = Reservation(self, worst_case, self._clock.monotonic())
        self._open[id(reservation)] = reservation
        return reservation

    def would_allow(self, worst_case: Decimal) -> bool:
        """Whether ``reserve(worst_case)`` would succeed now, without reserving."""
        worst_case = to_decimal(worst_case, what="worst-case cost")
        self._roll()
        return not worst_case or self._fits(worst_case)

    def record(self, actual: Decimal) -> list[BudgetAlert]:
        """Count spend that had no reservation (e.g. a hedged request that lost)."""
        actual = to_decimal(actual, what="cost")
        self._roll()
        for period in BudgetPeriod:
            self._spent[period] += actual
        return self._emit(self._check_alerts())

    def set_limit(
        self, period: BudgetPeriod | str, value: Decimal | float | str | None
    ) -> list[BudgetAlert]:
        """Change a limit with immediate effect; lowering it may raise alerts at once."""
        period = BudgetPeriod(period)
        self._roll()
        self._limits[period] = _limit(value)
        self._rearm(period)
        return self._emit(self._check_alerts())

    def restore(self, spent_day: Decimal, spent_month: Decimal, as_of: float) -> None:
        """Seed totals (from the ledger after a restart) that were current at ``as_of``.

        Totals from an earlier day or month than now are stale and ignored.
        Alerts they had already crossed count as sent, so a restart does not
        repeat them.
        """
        self._roll()
        then = self._period_keys(datetime.fromtimestamp(as_of, self._tz))
        values = {BudgetPeriod.DAY: spent_day, BudgetPeriod.MONTH: spent_month}
        for index, period in enumerate(BudgetPeriod):
            if then[index] == self._keys[index]:
                self._spent[period] = to_decimal(values[period], what=f"{period} spend")
        for alert in self._check_alerts():
            self._fired[alert.period].add(alert.level)

    def state(self) -> BudgetState:
        self._roll()
        now = self._local_now()
        day_limit = self._limits[BudgetPeriod.DAY]
        month_limit = self._limits[BudgetPeriod.MONTH]
        spent_day = self._spent[BudgetPeriod.DAY]
        spent_month = self._spent[BudgetPeriod.MONTH]
        return BudgetState(
            day=now.date(),
            month=f"{now.year:04d}-{now.month:02d}",
            spent_day=spent_day,
            spent_month=spent_month,
            reserved=self.reserved,
            daily_limit=day_limit,
            monthly_limit=month_limit,
            remaining_day=None if day_limit is None else max(day_limit - spent_day, _ZERO),
            remaining_month=None if month_limit is None else max(month_limit - spent_month, _ZERO),
            projected_month=self._projected_month(now, spent_month),
            day_exceeded=day_limit is not None and spent_day >= day_limit,
            month_exceeded=month_limit is not None and spent_month >= month_limit,
        )

    @property
    def reserved(self) -> Decimal:
        """The worst cases of the requests in flight."""
        self._drop_abandoned()
        return sum((r.amount for r in self._open.values()), _ZERO)

    @property
    def open_reservations(self) -> int:
        self._drop_abandoned()
        return len(self._open)

    def _drop_abandoned(self) -> None:
        oldest = self._clock.monotonic() - self._max_age
        for key, reservation in list(self._open.items()):
            if reservation.opened_at < oldest:
                # No request runs this long: its owner lost it. Keeping it would
                # block the paid path until a reload.
                del self._open[key]
                _LOGGER.warning("Dropped a budget reservation left open: %r", reservation)

    def _fits(self, amount: Decimal) -> bool:
        committed = self.reserved + amount
        for period, limit in self._limits.items():
            if limit is not None and self._spent[period] + committed > limit:
                return False
        return True

    def _unreserve(self, reservation: Reservation) -> None:
        self._open.pop(id(reservation), None)

    def _local_now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.time(), self._tz)

    @staticmethod
    def _period_keys(moment: datetime) -> tuple[date, tuple[int, int]]:
        return moment.date(), (moment.year, moment.month)

    def _roll(self) -> None:
        keys = self._period_keys(self._local_now())
        for index, period in enumerate(BudgetPeriod):
            if keys[index] != self._keys[index]:
                self._spent[period] = _ZERO
                self._fired[period].clear()
        self._keys = keys

    def _rearm(self, period: BudgetPeriod) -> None:
        limit = self._limits[period]
        spent = self._spent[period]
        self._fired[period] = {
            level
            for level in self._fired[period]
            if limit is not None and _reached(spent, limit, level)
        }

    def _check_alerts(self) -> list[BudgetAlert]:
        alerts: list[BudgetAlert] = []
        for period, limit in self._limits.items():
            spent = self._spent[period]
            if limit is None or not spent:
                continue
            for level in ALERT_LEVELS:
                if level not in self._fired[period] and _reached(spent, limit, level):
                    alerts.append(BudgetAlert(level, period, spent, limit))
        return alerts

    def _emit(self, alerts: list[BudgetAlert]) -> list[BudgetAlert]:
        for alert in alerts:
            self._fired[alert.period].add(alert.level)
            if self._on_alert is not None:
                try:
                    self._on_alert(alert)
                except Exception:
                    _LOGGER.exception("Budget alert listener failed")
        return alerts

    def _projected_month(self, now: datetime, spent_month: Decimal) -> Decimal:
        start = datetime(now.year, now.month, 1, tzinfo=self._tz)
        following = (
            datetime(now.year + 1, 1, 1, tzinfo=self._tz)
            if now.month == 12
            else datetime(now.year, now.month + 1, 1, tzinfo=self._tz)
        )
        # Less than a day of history would project wildly; count at least one.
        elapsed_days = max(
            Decimal(str(now.timestamp() - start.timestamp())) / _SECONDS_PER_DAY, Decimal(1)
        )
        month_days = Decimal(str(following.timestamp() - start.timestamp())) / _SECONDS_PER_DAY
        return (spent_month * month_days / elapsed_days).quantize(MICRO_USD, rounding=ROUND_HALF_UP)


def _limit(value: Decimal | float | str | None) -> Decimal | None:
    return None if value is None else to_decimal(value, what="budget limit")


def _reached(spent: Decimal, limit: Decimal, level: int) -> bool:
    return spent * 100 >= limit * level
