"""Metrics and traces for a config entry: feeds the Prometheus metrics, exports traces.

The metrics are per Home Assistant instance, like the ledger they mirror: the
first entry set up creates them and replays the ledger into them (so counters
keep their totals across restarts), every entry feeds its commands in and adds
its breakers, queues and budget as scrape-time gauges, and the last entry
unloaded drops them. Tracing is per entry and only when its ``otlp_endpoint``
option is set.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
import itertools
import sqlite3
import time
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

from .const import CONF_OTLP_ENDPOINT, DOMAIN, LOGGER
from .engine.calling.paid_call import PaidLLM
from .engine.calling.router import Attempt
from .engine.cost.ledger import DEFAULT_RETENTION_DAYS, AsyncLedger, Ledger, LedgerError
from .engine.cost.pricing import cost
from .engine.observability.metrics import EntryGauges, LLMMetrics, entry_gauges
from .engine.observability.tracing import (
    CommandTracer,
    create_tracer,
    current_incoming,
    take_stages,
)
from .engine.pipeline import Outcome
from .runtime import LLMIntentRuntime

_SEED_WINDOW_S: Final = 30 * 86_400

Unsubscribe = Callable[[], Coroutine[Any, Any, None] | None]


@dataclass
class MetricsHub:
    """The instance's metrics, and which entries use them."""

    metrics: LLMMetrics
    seeding: asyncio.Task[None] | None = None
    entries: set[str] = field(default_factory=set)


DATA_METRICS: HassKey[MetricsHub] = HassKey(f"{DOMAIN}_metrics")


def metrics_of(hass: HomeAssistant) -> LLMMetrics | None:
    """The instance's metrics while an entry is loaded and the ledger's history is in."""
    hub = hass.data.get(DATA_METRICS)
    if hub is None or (hub.seeding is not None and not hub.seeding.done()):
        return None
    return hub.metrics


def _seed_windows(cutoff: float) -> list[tuple[float | None, float | None]]:
    """Half-open time ranges covering the ledger before ``cutoff``, a month each."""
    start = cutoff - DEFAULT_RETENTION_DAYS * 86_400
    count = int((cutoff - start) // _SEED_WINDOW_S) + 1
    edges = [None, *(start + i * _SEED_WINDOW_S for i in range(count)), cutoff]
    return list(itertools.pairwise(edges))


def _count_history(ledger: Ledger, cutoff: float) -> LLMMetrics:
    """The ledger's rows written before ``cutoff``, as metrics (blocking: for the executor).

    A month at a time, so a year of a busy home's rows never sits in memory at once.
    """
    history = LLMMetrics()
    for since, until in _seed_windows(cutoff):
        history.seed(ledger.query(since, until))
    return history


async def _async_seed(
    hass: HomeAssistant, metrics: LLMMetrics, ledger: AsyncLedger, cutoff: float
) -> None:
    try:
        await ledger.flush()
    except LedgerError:
        LOGGER.warning("Some ledger rows are not written yet; metrics start without them")
    try:
        history = await hass.async_add_executor_job(_count_history, ledger.ledger, cutoff)
    except LedgerError, OSError, sqlite3.Error:
        LOGGER.exception("Could not read the ledger; metrics start from zero")
        return
    metrics.merge(history)


@callback
def _acquire_hub(hass: HomeAssistant, entry_id: str, ledger: AsyncLedger) -> MetricsHub:
    """The instance's metrics; the first caller starts replaying the ledger into them.

    The caller must subscribe to outcomes before yielding to the loop: rows
    older than this moment are replayed, every later command is counted live.
    """
    hub = hass.data.get(DATA_METRICS)
    if hub is None:
        hub = MetricsHub(LLMMetrics())
        hass.data[DATA_METRICS] = hub
        hub.seeding = hass.async_create_task(
            _async_seed(hass, hub.metrics, ledger, time.time()),
            f"{DOMAIN} metrics from the ledger",
            eager_start=False,
        )
    hub.entries.add(entry_id)
    return hub


@callback
def _release_hub(hass: HomeAssistant, hub: MetricsHub, entry_id: str) -> None:
    hub.entries.discard(entry_id)
    if not hub.entries and hass.data.get(DATA_METRICS) is hub:
        del hass.data[DATA_METRICS]
        if hub.seeding is not None:
            hub.seeding.cancel()


def attempts_of(outcome: Outcome) -> Sequence[Attempt]:
    """The router attempts this command made (none for local and cached answers)."""
    return () if outcome.routed is None else tuple(outcome.routed.attempts)


def _attempt_cost(llm: PaidLLM | None) -> Callable[[Attempt], Decimal | None]:
    def attempt_cost(attempt: Attempt) -> Decimal | None:
        if llm is None or attempt.usage is None:
            return None
        price = llm.prices.lookup(attempt.model)
        return None if price is None else cost(price, attempt.usage)

    return attempt_cost


async def _async_create_tracer(
    hass: HomeAssistant, entry: ConfigEntry[Any]
) -> CommandTracer | None:
    endpoint = str(entry.options.get(CONF_OTLP_ENDPOINT) or "").strip()
    if not endpoint:
        return None
    try:
        return await hass.async_add_executor_job(
            partial(create_tracer, endpoint, instance_id=entry.entry_id)
        )
    except ValueError:
        # The URL may hold credentials: say what is wrong, not what it is.
        LOGGER.warning("Tracing is off: the OTLP endpoint is not an http(s) URL")
        return None
    except ImportError as err:
        LOGGER.warning("Tracing is off: OpenTelemetry is not installed (%s)", err.name)
        return None


async def async_setup_observability(
    hass: HomeAssistant, entry: ConfigEntry[Any], runtime: LLMIntentRuntime
) -> Unsubscribe:
    """Feed this entry's commands into the metrics (and traces); returns the unsubscribe.

    Pass the result to ``entry.async_on_unload``: when tracing is on it returns
    a coroutine that flushes and stops the export thread.
    """
    tracer = await _async_create_tracer(hass, entry)
    # From here to the subscription below nothing yields to the loop (see _acquire_hub).
    hub = _acquire_hub(hass, entry.entry_id, runtime.ledger)
    llm = runtime.llm
    routes = llm.router.routes if llm is not None else ()
    attempt_cost = _attempt_cost(llm)

    def gauges() -> EntryGauges:
        return entry_gauges(entry.entry_id, routes, runtime.budget.state())

    def on_outcome(outcome: Outcome) -> None:
        attempts = attempts_of(outcome)
        hub.metrics.observe(outcome, attempts)
        if tracer is None:
            return
        ended = time.time_ns()
        incoming = current_incoming()
        tracer.record_command(
            outcome,
            attempts,
            incoming.traceparent if incoming else None,
            ended - int(outcome.latency_ms * 1_000_000),
            ended,
            received_at_ns=incoming.received_at_ns if incoming else None,
            stages=take_stages(),
            attempt_cost=attempt_cost,
        )

    removers = [
        hub.metrics.add_gauge_source(entry.entry_id, gauges),
        runtime.accounting.add_outcome_listener(on_outcome),
    ]

    async def async_stop_tracer(active: CommandTracer) -> None:
        await hass.async_add_executor_job(active.shutdown)

    def unsubscribe() -> Coroutine[Any, Any, None] | None:
        while removers:
            removers.pop()()
        _release_hub(hass, hub, entry.entry_id)
        return None if tracer is None else async_stop_tracer(tracer)

    return unsubscribe
