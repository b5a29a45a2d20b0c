"""What each command cost and how it was answered: ledger rows, today's totals, budget.

One ``record`` per command keeps the ledger, the budget and the numbers shown to
users in step; ``restore`` reads today's and this month's totals back from the
ledger after a restart, so sensors and budgets continue where they were.

It is also the paid path's ``CallRecorder``: each request to a provider gets
its ledger row before it is sent, and its cost counts toward today's totals
when it ends, even if the command that made it never finishes (cancelled).
Totals and restores read only this config entry's rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
import logging
from zoneinfo import ZoneInfo

from ..calling.paid_call import ESTIMATED_INPUT_TOKENS, PaidTicket, SentCall
from ..clock import Clock
from ..pipeline import Outcome
from ..types import Usage
from .budget import Budget
from .ledger import (
    CALL_OUTCOME,
    AsyncLedger,
    CallEnd,
    CallState,
    CallWithdrawn,
    CommandOnCall,
    LedgerEntry,
    LedgerError,
)

_LOGGER = logging.getLogger(__name__)


@dataclass(slots=True)
class DayTotals:
    day: date
    requests_by_path: Counter[str] = field(default_factory=Counter)
    cost_usd: Decimal = Decimal(0)
    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    llm_requests: int = 0
    cache_hits: int = 0
    # Commands that got past local matching: the ones the cache could have saved.
    cache_lookups: int = 0
    not_understood: int = 0
    commands: int = 0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def average_llm_cost(self) -> Decimal:
        return self.cost_usd / self.llm_requests if self.llm_requests else Decimal(0)

    @property
    def cache_hit_ratio(self) -> float:
        return self.cache_hits / self.cache_lookups if self.cache_lookups else 0.0


def outcome_label(outcome: Outcome) -> str:
    if not outcome.understood:
        return "not_understood"
    if outcome.asked:
        return "asked"
    return "success" if outcome.success else "failed"


class Accounting:
    def __init__(
        self,
        clock: Clock,
        tz: ZoneInfo,
        *,
        ledger: AsyncLedger | None = None,
        budget: Budget | None = None,
        store_text: bool = False,
        entry_id: str | None = None,
    ) -> None:
        self._clock = clock
        self.entry_id = entry_id
        self._tz = tz
        self.ledger = ledger
        self.budget = budget
        self.store_text = store_text
        self.today = DayTotals(self._local_day())
        self.month_cost = Decimal(0)
        self.last_outcome: Outcome | None = None
        self._listeners: list[Callable[[], None]] = []
        self._outcome_listeners: list[Callable[[Outcome], None]] = []

    def _local_day(self) -> date:
        return datetime.fromtimestamp(self._clock.time(), self._tz).date()

    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def add_outcome_listener(self, listener: Callable[[Outcome], None]) -> Callable[[], None]:
        """Called with every recorded command (metrics, tracing)."""
        self._outcome_listeners.append(listener)
        return lambda: self._outcome_listeners.remove(listener)

    def _roll(self) -> None:
        day = self._local_day()
        if day != self.today.day:
            if day.month != self.today.day.month or day.year != self.today.day.year:
                self.month_cost = Decimal(0)
            self.today = DayTotals(day)

    async def restore(self) -> None:
        """Seed today's and this month's totals (and the budget) from the ledger."""
        if self.ledger is None:
            return
        # Nothing of this entry is in flight yet: a call still "sent" was cut
        # by a crash, and is assumed billed at the worst case it holds.
        finalized = await self.ledger.finalize_sent(self.entry_id)
        if finalized:
            _LOGGER.warning(
                "%d requests were in flight at an unclean stop; counted at their worst case",
                finalized,
            )
        now = self._clock.time()
        day = await self.ledger.totals(
            "day", self._tz, now, entry_id=self.entry_id, all_entries=False
        )
        month = await self.ledger.totals(
            "month", self._tz, now, entry_id=self.entry_id, all_entries=False
        )
        self.today = DayTotals(
            self._local_day(),
            requests_by_path=Counter(day.requests_by_path),
            cost_usd=day.cost_usd,
            input_tokens=day.input_tokens,
            cached_input_tokens=day.cached_input_tokens,
            output_tokens=day.output_tokens,
            llm_requests=day.requests_by_path.get("llm", 0),
            cache_hits=day.requests_by_path.get("cache", 0),
            commands=day.requests,
        )
        self.month_cost = month.cost_usd
        if self.budget is not None:
            self.budget.restore(day.cost_usd, month.cost_usd, now)
        self.notify()

    async def call_sent(self, call: SentCall) -> None:
        """Write the call's row before it is sent (``CallRecorder``)."""
        if self.ledger is None:
            return
        row = LedgerEntry(
            ts=self._clock.time(),
            path="llm",
            outcome=CALL_OUTCOME,
            provider=call.provider,
            model=call.model,
            estimated_input_tokens=call.estimated_input_tokens,
            input_tokens=call.estimated_input_tokens,
            output_tokens=call.max_output_tokens,
            cost_usd=call.worst_case_usd,
            entry_id=self.entry_id,
            state=CallState.SENT,
            call_id=call.call_id,
            command=False,
        )
        try:
            await self.ledger.write_ahead(row)
        except LedgerError as err:
            # The row stays queued and is retried; refusing every voice command
            # while the disk misbehaves would help nobody.
            _LOGGER.warning("Request sent before its ledger row was written: %s", err)

    def call_finished(
        self, call: SentCall, state: CallState, usage: Usage, cost_usd: Decimal
    ) -> None:
        """Settle or estimate the call's row and count its cost (``CallRecorder``)."""
        self._roll()
        self._add_spend(usage, cost_usd)
        if self.ledger is not None:
            self.ledger.append(
                CallEnd(
                    call.call_id,
                    state,
                    usage.input_tokens,
                    usage.cached_input_tokens,
                    usage.output_tokens,
                    cost_usd,
                )
            )
        self.notify()

    def call_withdrawn(self, call: SentCall) -> None:
        if self.ledger is not None:
            self.ledger.append(CallWithdrawn(call.call_id))

    def _add_spend(self, usage: Usage, cost_usd: Decimal) -> None:
        totals = self.today
        totals.cost_usd += cost_usd
        self.month_cost += cost_usd
        totals.input_tokens += usage.input_tokens
        totals.cached_input_tokens += usage.cached_input_tokens
        totals.output_tokens += usage.output_tokens

    def record(self, outcome: Outcome) -> None:
        """Account one command; called once per command, on the event loop."""
        self._roll()
        totals = self.today
        totals.commands += 1
        totals.requests_by_path[str(outcome.path)] += 1
        last_call = _last_recorded_call(outcome)
        if last_call is None:
            # No call went through this recorder: the command carries its own cost.
            self._add_spend(outcome.usage, outcome.cost_usd)
        if outcome.provider is not None and (outcome.usage.input_tokens or outcome.cost_usd):
            totals.llm_requests += 1
        if str(outcome.path) in ("cache", "llm") or outcome.llm_error is not None:
            totals.cache_lookups += 1
        if outcome.cache_hit:
            totals.cache_hits += 1
        if not outcome.understood:
            totals.not_understood += 1
        self.last_outcome = outcome
        estimated = ESTIMATED_INPUT_TOKENS.get()
        ESTIMATED_INPUT_TOKENS.set(None)
        if self.ledger is not None and last_call is not None:
            self.ledger.append(
                CommandOnCall(
                    last_call,
                    path=str(outcome.path),
                    outcome=outcome_label(outcome),
                    latency_ms=outcome.latency_ms,
                    cache_hit=outcome.cache_hit,
                    intent=outcome.intent,
                    text=outcome.text if self.store_text else None,
                )
            )
        elif self.ledger is not None:
            self.ledger.append(
                LedgerEntry(
                    ts=self._clock.time(),
                    path=str(outcome.path),
                    outcome=outcome_label(outcome),
                    provider=outcome.provider,
                    model=outcome.model,
                    estimated_input_tokens=estimated,
                    input_tokens=outcome.usage.input_tokens,
                    cached_input_tokens=outcome.usage.cached_input_tokens,
                    output_tokens=outcome.usage.output_tokens,
                    cost_usd=outcome.cost_usd,
                    latency_ms=outcome.latency_ms,
                    cache_hit=outcome.cache_hit,
                    intent=outcome.intent,
                    text=outcome.text if self.store_text else None,
                    entry_id=self.entry_id,
                )
            )
        for outcome_listener in list(self._outcome_listeners):
            try:
                outcome_listener(outcome)
            except Exception:
                _LOGGER.exception("An outcome listener failed")
        self.notify()

    def notify(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:
                _LOGGER.exception("A cost listener failed")


def _last_recorded_call(outcome: Outcome) -> str | None:
    """The id of the last call this command sent with a ledger row, if any."""
    if outcome.routed is None:
        return None
    for attempt in reversed(outcome.routed.attempts):
        ticket = attempt.reservation
        if attempt.sent and isinstance(ticket, PaidTicket) and ticket.recorded:
            return ticket.call.call_id
    return None
