"""Prometheus metrics for what the agent did, cost and how its providers are doing.

Counters and the latency histogram are kept here, per Home Assistant instance,
in exact units (``Decimal`` dollars, integer tokens), and rendered at scrape
time through a registry of their own, so nothing is shared with other users of
``prometheus_client`` and no ``*_created`` series appear. Every command adds
one ``Observation``; after a restart the same observations are replayed from
the ledger rows (``seed``), so totals continue instead of starting at zero.

Gauges (breaker state, queue depth, budget) are read from the running entries
when Prometheus scrapes, never cached.

Each command is labelled with the provider that answered it, or that was tried
last when none did; ``none`` stands for "no provider" (local answers, cache).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from ..calling.breaker import BreakerState
from ..calling.router import Attempt, Route
from ..cost.accounting import outcome_label
from ..cost.budget import BudgetState
from ..cost.ledger import LedgerEntry, micro_to_usd, usd_to_micro
from ..pipeline import Outcome

NO_LABEL: Final = "none"
# Seconds; fine steps where voice commands live (50 ms to 1 s), coarser up to 10 s.
LATENCY_BUCKETS: Final = (
    0.025,
    0.05,
    0.075,
    0.1,
    0.15,
    0.2,
    0.25,
    0.3,
    0.4,
    0.5,
    0.75,
    1.0,
    1.5,
    2.0,
    2.5,
    3.0,
    4.0,
    5.0,
    7.5,
    10.0,
)
BREAKER_VALUES: Final = {
    BreakerState.CLOSED: 0,
    BreakerState.HALF_OPEN: 1,
    BreakerState.OPEN: 2,
}
TOKEN_TYPES: Final = ("input", "cached_input", "output")
# Attempts that reached the provider and got an answer.
ATTEMPT_OK: Final = "ok"

METRIC_NAMES: Final = (
    "llm_requests_total",
    "llm_tokens_used_total",
    "llm_cost_dollars_total",
    "llm_request_duration_seconds",
    "llm_cache_hits_total",
    "llm_cache_misses_total",
    "llm_cache_hit_ratio",
    "llm_intents_total",
    "llm_not_understood_total",
    "llm_provider_attempts_total",
    "llm_circuit_breaker_state",
    "llm_queue_depth",
    "llm_budget_limit_dollars",
    "llm_budget_spent_dollars",
    "llm_budget_projected_dollars",
)


def _label(value: str | None) -> str:
    return value if value else NO_LABEL


@dataclass(frozen=True, slots=True)
class Observation:
    """What one command adds to the metrics; built from an Outcome or a ledger row."""

    path: str
    outcome: str
    provider: str | None
    model: str | None
    intent: str | None
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    cost_usd: Decimal
    latency_s: float | None
    cache_hit: bool

    @classmethod
    def from_outcome(cls, outcome: Outcome) -> Observation:
        return cls(
            path=str(outcome.path),
            outcome=outcome_label(outcome),
            provider=outcome.provider,
            model=outcome.model,
            intent=outcome.intent,
            input_tokens=outcome.usage.input_tokens,
            cached_input_tokens=outcome.usage.cached_input_tokens,
            output_tokens=outcome.usage.output_tokens,
            # Rounded as the ledger stores it, so live and replayed totals agree.
            cost_usd=micro_to_usd(usd_to_micro(outcome.cost_usd)),
            latency_s=outcome.latency_ms / 1000,
            cache_hit=outcome.cache_hit,
        )

    @classmethod
    def from_ledger(cls, entry: LedgerEntry) -> Observation:
        return cls(
            path=entry.path,
            outcome=entry.outcome,
            provider=entry.provider,
            model=entry.model,
            intent=entry.intent,
            input_tokens=entry.input_tokens,
            cached_input_tokens=entry.cached_input_tokens,
            output_tokens=entry.output_tokens,
            cost_usd=entry.cost_usd,
            latency_s=None if entry.latency_ms is None else entry.latency_ms / 1000,
            cache_hit=entry.cache_hit,
        )

    @property
    def cache_miss(self) -> bool:
        """The cache had no answer and the model was asked (answered or not).

        Commands answered locally never reach the cache; ones stopped by the
        budget never reach the model, so neither counts. This is exactly what
        the ledger can tell after a restart (path and provider).
        """
        if self.cache_hit:
            return False
        return self.path == "llm" or (
            self.path in ("fallback", "none") and self.provider is not None
        )


@dataclass(frozen=True, slots=True)
class RouteGauges:
    provider: str
    breaker: BreakerState
    queue_depth: int


@dataclass(frozen=True, slots=True)
class EntryGauges:
    """Scrape-time readings of one config entry."""

    entry_id: str
    routes: tuple[RouteGauges, ...] = ()
    budget: BudgetState | None = None


def entry_gauges(entry_id: str, routes: Sequence[Route], budget: BudgetState | None) -> EntryGauges:
    return EntryGauges(
        entry_id,
        tuple(
            RouteGauges(route.label, route.breaker.state, route.limiter.queue_depth)
            for route in routes
        ),
        budget,
    )


@dataclass(slots=True)
class _Histogram:
    buckets: list[int] = field(default_factory=lambda: [0] * len(LATENCY_BUCKETS))
    count: int = 0
    total: float = 0.0

    def observe(self, value: float) -> None:
        index = bisect_left(LATENCY_BUCKETS, value)
        if index < len(self.buckets):
            self.buckets[index] += 1
        self.count += 1
        self.total += value

    def merge(self, other: _Histogram) -> None:
        self.buckets = [a + b for a, b in zip(self.buckets, other.buckets, strict=True)]
        self.count += other.count
        self.total += other.total

    def cumulative(self) -> list[tuple[str, float]]:
        out: list[tuple[str, float]] = []
        running = 0
        for bound, count in zip(LATENCY_BUCKETS, self.buckets, strict=True):
            running += count
            out.append((_le(bound), running))
        out.append(("+Inf", self.count))
        return out


def _le(bound: float) -> str:
    return repr(float(bound))


class LLMMetrics(Collector):
    """The metric state of one Home Assistant instance and its scrape registry."""

    def __init__(self) -> None:
        self._gauge_sources: dict[str, Callable[[], EntryGauges]] = {}
        self.reset()
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self)

    def reset(self) -> None:
        """Forget every count (gauge sources stay)."""
        self._requests: Counter[tuple[str, str, str, str]] = Counter()
        self._tokens: Counter[tuple[str, str, str]] = Counter()
        self._cost: dict[tuple[str, str], Decimal] = {}
        self._latency: dict[str, _Histogram] = {}
        self._intents: Counter[tuple[str, str]] = Counter()
        self._attempts: Counter[tuple[str, str, str]] = Counter()
        self.cache_hits = 0
        self.cache_misses = 0
        self.not_understood = 0

    # feeding

    def seed(self, entries: Iterable[LedgerEntry]) -> int:
        """Add ledger rows written before this process started; returns how many."""
        seeded = 0
        for entry in entries:
            if entry.command:
                self.add(Observation.from_ledger(entry))
                seeded += 1
            # A retry, failover or hedge attempt, or a call whose command
            # never finished: spend only, the command is counted elsewhere.
            elif entry.cost_usd or entry.input_tokens or entry.output_tokens:
                self._add_spend(Observation.from_ledger(entry))
        return seeded

    def merge(self, other: LLMMetrics) -> None:
        """Add ``other``'s counts to these (history counted off the event loop)."""
        self._requests.update(other._requests)
        self._tokens.update(other._tokens)
        for key, dollars in other._cost.items():
            self._cost[key] = self._cost.get(key, Decimal(0)) + dollars
        for path, histogram in other._latency.items():
            self._latency.setdefault(path, _Histogram()).merge(histogram)
        self._intents.update(other._intents)
        self._attempts.update(other._attempts)
        self.cache_hits += other.cache_hits
        self.cache_misses += other.cache_misses
        self.not_understood += other.not_understood

    def observe(self, outcome: Outcome, attempts: Sequence[Attempt] = ()) -> None:
        """Count one command as it is recorded, with the provider attempts it made."""
        self.add(Observation.from_outcome(outcome))
        for attempt in attempts:
            result = attempt.error_type or ATTEMPT_OK
            self._attempts[(attempt.provider, attempt.model, result)] += 1

    def add(self, obs: Observation) -> None:
        provider, model = _label(obs.provider), _label(obs.model)
        self._requests[(provider, model, obs.path, obs.outcome)] += 1
        self._intents[(_label(obs.intent), obs.outcome)] += 1
        if obs.outcome == "not_understood":
            self.not_understood += 1
        self._add_spend(obs)
        if obs.latency_s is not None:
            self._latency.setdefault(obs.path, _Histogram()).observe(obs.latency_s)
        if obs.cache_hit:
            self.cache_hits += 1
        elif obs.cache_miss:
            self.cache_misses += 1

    def _add_spend(self, obs: Observation) -> None:
        provider, model = _label(obs.provider), _label(obs.model)
        if obs.provider is not None or obs.input_tokens or obs.output_tokens:
            uncached = max(obs.input_tokens - obs.cached_input_tokens, 0)
            self._tokens[(provider, model, "input")] += uncached
            self._tokens[(provider, model, "cached_input")] += obs.cached_input_tokens
            self._tokens[(provider, model, "output")] += obs.output_tokens
            key = (provider, model)
            self._cost[key] = self._cost.get(key, Decimal(0)) + obs.cost_usd

    def add_gauge_source(
        self, entry_id: str, source: Callable[[], EntryGauges]
    ) -> Callable[[], None]:
        """Read ``source`` at every scrape until the returned callable is called."""
        self._gauge_sources[entry_id] = source

        def remove() -> None:
            if self._gauge_sources.get(entry_id) is source:
                del self._gauge_sources[entry_id]

        return remove

    # reading

    @property
    def cache_hit_ratio(self) -> float:
        lookups = self.cache_hits + self.cache_misses
        return self.cache_hits / lookups if lookups else 0.0

    def render(self) -> bytes:
        """The Prometheus text exposition (format 0.0.4) of everything above."""
        return generate_latest(self.registry)

    def describe(self) -> list[Metric]:
        # Nothing to check for name clashes: this registry holds only this collector.
        return []

    def collect(self) -> Iterator[Metric]:
        yield from self._collect_counters()
        yield self._collect_latency()
        yield from self._collect_gauges()

    def _collect_counters(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "llm_requests",
            "Commands handled, by answering provider/model, path and outcome.",
            labels=("provider", "model", "path", "outcome"),
        )
        for request_labels, count in sorted(self._requests.items()):
            requests.add_metric(request_labels, count)
        yield requests
        tokens = CounterMetricFamily(
            "llm_tokens_used",
            "Tokens billed: input (full price), cached_input and output.",
            labels=("provider", "model", "type"),
        )
        for token_labels, count in sorted(self._tokens.items()):
            tokens.add_metric(token_labels, count)
        yield tokens
        cost = CounterMetricFamily(
            "llm_cost_dollars",
            "Cost of model requests in US dollars.",
            labels=("provider", "model"),
        )
        for cost_labels, dollars in sorted(self._cost.items()):
            cost.add_metric(cost_labels, float(dollars))
        yield cost
        yield CounterMetricFamily(
            "llm_cache_hits",
            "Commands answered from the recognition cache.",
            value=self.cache_hits,
        )
        yield CounterMetricFamily(
            "llm_cache_misses",
            "Commands the cache could not answer and the model was asked.",
            value=self.cache_misses,
        )
        intents = CounterMetricFamily(
            "llm_intents",
            "Commands by recognised intent (none when none) and outcome.",
            labels=("intent", "outcome"),
        )
        for intent_labels, count in sorted(self._intents.items()):
            intents.add_metric(intent_labels, count)
        yield intents
        yield CounterMetricFamily(
            "llm_not_understood",
            "Commands nobody understood.",
            value=self.not_understood,
        )
        attempts = CounterMetricFamily(
            "llm_provider_attempts",
            "Requests to providers since start, by result (ok or the error kind).",
            labels=("provider", "model", "result"),
        )
        for attempt_labels, count in sorted(self._attempts.items()):
            attempts.add_metric(attempt_labels, count)
        yield attempts

    def _collect_latency(self) -> Metric:
        latency = HistogramMetricFamily(
            "llm_request_duration_seconds",
            "Time from receiving a command to its answer, by path.",
            labels=("path",),
        )
        for path, histogram in sorted(self._latency.items()):
            latency.add_metric((path,), histogram.cumulative(), histogram.total)
        return latency

    def _collect_gauges(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "llm_cache_hit_ratio",
            "Cache hits / (hits + misses) over the counters above; 0 before any lookup.",
            value=self.cache_hit_ratio,
        )
        breaker = GaugeMetricFamily(
            "llm_circuit_breaker_state",
            "Circuit breaker per provider: 0 closed, 1 half_open, 2 open.",
            labels=("entry_id", "provider"),
        )
        queue = GaugeMetricFamily(
            "llm_queue_depth",
            "Requests waiting for a provider's concurrency slot.",
            labels=("entry_id", "provider"),
        )
        limit = GaugeMetricFamily(
            "llm_budget_limit_dollars",
            "Budget limit per period (absent when unlimited).",
            labels=("entry_id", "period"),
        )
        spent = GaugeMetricFamily(
            "llm_budget_spent_dollars",
            "Spent in the current local day or month.",
            labels=("entry_id", "period"),
        )
        projected = GaugeMetricFamily(
            "llm_budget_projected_dollars",
            "Month-end spend if the month continues at its pace so far.",
            labels=("entry_id", "period"),
        )
        for entry_id, source in sorted(self._gauge_sources.items()):
            gauges = source()
            for route in gauges.routes:
                breaker.add_metric((entry_id, route.provider), BREAKER_VALUES[route.breaker])
                queue.add_metric((entry_id, route.provider), route.queue_depth)
            state = gauges.budget
            if state is None:
                continue
            for period, cap, used in (
                ("day", state.daily_limit, state.spent_day),
                ("month", state.monthly_limit, state.spent_month),
            ):
                if cap is not None:
                    limit.add_metric((entry_id, period), float(cap))
                spent.add_metric((entry_id, period), float(used))
            projected.add_metric((entry_id, "month"), float(state.projected_month))
        yield from (breaker, queue, limit, spent, projected)
