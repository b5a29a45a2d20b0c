"""The metric state without Home Assistant: live counting equals replaying the ledger."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from custom_components.llm_intent.engine.calling.breaker import BreakerState, CircuitBreaker
from custom_components.llm_intent.engine.calling.limiter import RateLimiter
from custom_components.llm_intent.engine.calling.router import Attempt, Route
from custom_components.llm_intent.engine.clock import ManualClock
from custom_components.llm_intent.engine.cost.accounting import Accounting
from custom_components.llm_intent.engine.cost.budget import Budget
from custom_components.llm_intent.engine.cost.ledger import AsyncLedger, Ledger
from custom_components.llm_intent.engine.errors import ProviderError
from custom_components.llm_intent.engine.observability.metrics import (
    LATENCY_BUCKETS,
    EntryGauges,
    LLMMetrics,
    Observation,
    RouteGauges,
    entry_gauges,
)
from custom_components.llm_intent.engine.pipeline import Outcome
from custom_components.llm_intent.engine.types import Path as AnswerPath, Usage

from .helpers import labels, parse_exposition

UTC = ZoneInfo("UTC")


def _outcomes() -> list[Outcome]:
    llm = Usage(input_tokens=1800, output_tokens=25, cached_input_tokens=1024)
    return [
        Outcome("a", "pl", "ok", AnswerPath.LOCAL, intent="HassTurnOn", success=True, latency_ms=8),
        Outcome(
            "b",
            "pl",
            "ok",
            AnswerPath.LLM,
            intent="HassTurnOn",
            success=True,
            provider="openai",
            model="gpt-4o-mini",
            usage=llm,
            # More precise than the ledger keeps: both must round it the same way.
            cost_usd=Decimal("0.00021335"),
            latency_ms=612.5,
        ),
        Outcome(
            "b", "pl", "ok", AnswerPath.CACHE, intent="HassTurnOn", success=True, cache_hit=True
        ),
        # The model failed; the local match answered. The cache had missed.
        Outcome(
            "c",
            "pl",
            "ok",
            AnswerPath.FALLBACK,
            intent="HassTurnOff",
            success=True,
            provider="openai",
            model="gpt-4o-mini",
            llm_error="timeout",
            latency_ms=2500,
        ),
        # Over budget: the model was never asked, so no cache miss either.
        Outcome(
            "d",
            "pl",
            "?",
            AnswerPath.NONE,
            understood=False,
            llm_error="budget",
            latency_ms=4,
        ),
        Outcome(
            "e",
            "pl",
            "?",
            AnswerPath.LLM,
            intent="unclear",
            asked=True,
            understood=False,
            provider="openai",
            model="gpt-4o-mini",
            usage=Usage(900, 10),
            cost_usd=Decimal("0.000141"),
            latency_ms=800,
        ),
    ]


async def test_counting_live_equals_replaying_the_ledger(tmp_path: Path) -> None:
    """After a restart the seeded counters are exactly what live counting had reached."""
    loop = asyncio.get_running_loop()

    def run(job: Callable[[], Any]) -> Any:
        return loop.run_in_executor(None, job)

    clock = ManualClock(1_800_000_000)
    ledger = AsyncLedger(Ledger(tmp_path / "ledger.db"), run)
    accounting = Accounting(clock, UTC, ledger=ledger)
    live = LLMMetrics()
    accounting.add_outcome_listener(live.observe)
    for outcome in _outcomes():
        accounting.record(outcome)
        clock.advance(1)
    replayed = LLMMetrics()
    assert replayed.seed(await ledger.query()) == 6
    await ledger.close()

    assert replayed.render() == live.render()
    samples = parse_exposition(live.render().decode())
    assert samples["llm_cache_hits_total"][frozenset()] == 1
    assert samples["llm_cache_misses_total"][frozenset()] == 3  # b, c and e asked the model
    # d, and e: a clarifying question is not understanding (yet).
    assert samples["llm_not_understood_total"][frozenset()] == 2
    tokens = samples["llm_tokens_used_total"]
    assert tokens[labels(provider="openai", model="gpt-4o-mini", type="input")] == 776 + 900
    assert tokens[labels(provider="openai", model="gpt-4o-mini", type="cached_input")] == 1024
    assert tokens[labels(provider="openai", model="gpt-4o-mini", type="output")] == 35
    cost = samples["llm_cost_dollars_total"][labels(provider="openai", model="gpt-4o-mini")]
    assert cost == pytest.approx(0.000213 + 0.000141)
    assert samples["llm_requests_total"][
        labels(provider="none", model="none", path="none", outcome="not_understood")
    ]
    assert samples["llm_intents_total"][labels(intent="unclear", outcome="not_understood")] == 1


def test_latency_buckets_are_inclusive_upper_bounds() -> None:
    metrics = LLMMetrics()
    for seconds in (0.05, 0.0500001, 5.0, 11.0):
        metrics.add(_observation(latency_s=seconds))
    samples = parse_exposition(metrics.render().decode())
    buckets = samples["llm_request_duration_seconds_bucket"]
    assert buckets[labels(path="local", le="0.025")] == 0
    assert buckets[labels(path="local", le="0.05")] == 1
    assert buckets[labels(path="local", le="0.075")] == 2
    assert buckets[labels(path="local", le="4.0")] == 2
    assert buckets[labels(path="local", le="5.0")] == 3
    assert buckets[labels(path="local", le="10.0")] == 3
    assert buckets[labels(path="local", le="+Inf")] == 4
    assert samples["llm_request_duration_seconds_sum"][labels(path="local")] == pytest.approx(
        16.1000001
    )
    assert len(buckets) == len(LATENCY_BUCKETS) + 1
    assert 0.05 in LATENCY_BUCKETS and 5.0 in LATENCY_BUCKETS


def _observation(**fields: Any) -> Observation:
    values: dict[str, Any] = {
        "path": "local",
        "outcome": "success",
        "provider": None,
        "model": None,
        "intent": "HassTurnOn",
        "input_tokens": 0,
        "cached_input_tokens": 0,
        "output_tokens": 0,
        "cost_usd": Decimal(0),
        "latency_s": 0.01,
        "cache_hit": False,
    }
    values.update(fields)
    return Observation(**values)


def test_attempts_count_by_result() -> None:
    metrics = LLMMetrics()
    attempts = [
        Attempt("openai", "gpt-4o-mini", 0, "RateLimitError", 0.1, BreakerState.CLOSED, True),
        Attempt("openai", "gpt-4o-mini", 1, None, 0.3, BreakerState.CLOSED, True),
        Attempt("anthropic", "claude-haiku-4-5", 0, "CircuitOpenError", 0, BreakerState.OPEN),
    ]
    metrics.observe(_outcomes()[1], attempts)
    samples = parse_exposition(metrics.render().decode())["llm_provider_attempts_total"]
    assert samples == {
        labels(provider="openai", model="gpt-4o-mini", result="RateLimitError"): 1,
        labels(provider="openai", model="gpt-4o-mini", result="ok"): 1,
        labels(provider="anthropic", model="claude-haiku-4-5", result="CircuitOpenError"): 1,
    }


def test_gauges_are_read_at_scrape_time() -> None:
    clock = ManualClock()
    breaker = CircuitBreaker("openai", failure_threshold=1, cooldown=10, clock=clock)
    route = Route(provider=_Named("openai"), breaker=breaker, limiter=RateLimiter("openai"))
    budget = Budget("1.5", None, tz=UTC, clock=clock)
    metrics = LLMMetrics()
    remove = metrics.add_gauge_source(
        "entry1", lambda: entry_gauges("entry1", [route], budget.state())
    )

    def gauges() -> dict[str, dict[frozenset[tuple[str, str]], float]]:
        return parse_exposition(metrics.render().decode())

    key = labels(entry_id="entry1", provider="openai")
    assert gauges()["llm_circuit_breaker_state"][key] == 0
    breaker.record_failure(ProviderError("down"))
    assert gauges()["llm_circuit_breaker_state"][key] == 2
    clock.advance(10)
    breaker.before_call()  # the probe
    assert gauges()["llm_circuit_breaker_state"][key] == 1
    assert gauges()["llm_queue_depth"][key] == 0

    budget.record(Decimal("0.25"))
    samples = gauges()
    # No monthly limit: unlimited has no limit sample, but spending is still shown.
    assert samples["llm_budget_limit_dollars"] == {labels(entry_id="entry1", period="day"): 1.5}
    assert samples["llm_budget_spent_dollars"] == {
        labels(entry_id="entry1", period="day"): 0.25,
        labels(entry_id="entry1", period="month"): 0.25,
    }
    assert samples["llm_cache_hit_ratio"][frozenset()] == 0

    # A newer source for the same entry is not removed by the old one's remover.
    replacement = EntryGauges("entry1", (RouteGauges("x", BreakerState.OPEN, 3),))
    remove_new = metrics.add_gauge_source("entry1", lambda: replacement)
    remove()
    assert gauges()["llm_queue_depth"] == {labels(entry_id="entry1", provider="x"): 3}
    remove_new()
    assert "llm_queue_depth" not in gauges()


class _Named:
    """The two things a route's gauges read from its provider."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.model = "gpt-4o-mini"
