"""The Prometheus endpoint in a real HA: every metric checked against the ledger."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from http import HTTPStatus
from pathlib import Path
import time

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.llm_intent.const import DOMAIN
from custom_components.llm_intent.engine.cost.ledger import LEDGER_FILENAME, Ledger, LedgerEntry
from custom_components.llm_intent.engine.errors import ProviderError
from custom_components.llm_intent.engine.observability.metrics import LATENCY_BUCKETS, METRIC_NAMES
from custom_components.llm_intent.observability import _count_history

from ..fake_provider import FakeProviderServer
from ..ha.conftest import HomeCalls
from .helpers import (
    FAILOVER,
    FALLBACK,
    GIBBERISH,
    LLM,
    LOCAL,
    METRICS_URL,
    PRIMARY,
    PRIMARY_MODEL,
    RETRIED,
    SECONDARY,
    SECONDARY_MODEL,
    Samples,
    expected_from_ledger,
    failover_entry,
    labels,
    parse_exposition,
    say,
    setup_entry,
    taught_model,
)

pytestmark = pytest.mark.usefixtures("enable_custom_integrations")

COUNTERS = (
    "llm_requests_total",
    "llm_tokens_used_total",
    "llm_cost_dollars_total",
    "llm_intents_total",
    "llm_cache_hits_total",
    "llm_cache_misses_total",
    "llm_not_understood_total",
)


async def _scrape(hass_client: ClientSessionGenerator) -> tuple[str, Samples]:
    client = await hass_client()
    response = await client.get(METRICS_URL)
    assert response.status == HTTPStatus.OK
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = await response.text()
    return text, parse_exposition(text)


def _assert_counters_match(samples: Samples, expected: Samples) -> None:
    for name in COUNTERS:
        got = samples.get(name, {})
        assert got.keys() == expected[name].keys(), name
        for key, value in expected[name].items():
            assert got[key] == pytest.approx(value, abs=1e-9), (name, sorted(key))


async def test_scrape_matches_the_ledger_and_survives_a_reload(
    hass: HomeAssistant,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    fake_provider.default_handler = taught_model()
    entry = failover_entry(fake_provider, prefer_local=True)
    await setup_entry(hass, entry)

    paths = {
        text: (await say(hass, text))["path"]
        for text in (LOCAL, LLM, RETRIED, FAILOVER, FALLBACK, GIBBERISH)
    }
    cached = await say(hass, LLM)
    assert paths[LOCAL] == "local"
    assert paths[LLM] == paths[RETRIED] == paths[FAILOVER] == paths[GIBBERISH] == "llm"
    assert paths[FALLBACK] in ("fallback", "none")
    assert cached["path"] == "cache"

    runtime = entry.runtime_data
    rows = await runtime.ledger.query()
    commands = [row for row in rows if row.command]
    assert len(commands) == 7
    text, samples = await _scrape(hass_client)

    # Every metric is exposed with its HELP and TYPE lines.
    for name in METRIC_NAMES:
        base = name.removesuffix("_total")
        assert f"# TYPE {base} " in text or f"# TYPE {name} " in text, name
    assert "_created" not in text
    _assert_counters_match(samples, expected_from_ledger(rows))
    requests = samples["llm_requests_total"]
    assert requests[labels(provider="none", model="none", path="local", outcome="success")] == 1
    assert requests[labels(provider="none", model="none", path="cache", outcome="success")] == 1
    assert requests[
        labels(provider=SECONDARY, model=SECONDARY_MODEL, path="llm", outcome="success")
    ]
    assert samples["llm_cache_hits_total"][frozenset()] == 1
    # LLM, RETRIED, FAILOVER, GIBBERISH and FALLBACK all asked the model after a miss.
    assert samples["llm_cache_misses_total"][frozenset()] == 5
    assert samples["llm_cache_hit_ratio"][frozenset()] == pytest.approx(1 / 6)
    assert samples["llm_not_understood_total"][frozenset()] >= 1

    # The latency histogram has one observation per command, in the right bucket.
    buckets = samples["llm_request_duration_seconds_bucket"]
    counts = samples["llm_request_duration_seconds_count"]
    by_path = Counter(row.path for row in commands)
    for path, count in by_path.items():
        assert counts[labels(path=path)] == count
        assert buckets[labels(path=path, le="+Inf")] == count
        slowest = max(row.latency_ms or 0 for row in commands if row.path == path) / 1000
        for bound in LATENCY_BUCKETS:
            if bound >= slowest:
                assert buckets[labels(path=path, le=repr(bound))] == count
    total_latency = sum((row.latency_ms or 0) for row in commands) / 1000
    assert sum(samples["llm_request_duration_seconds_sum"].values()) == pytest.approx(
        total_latency, rel=1e-6
    )

    # Provider attempts: exactly the requests the fake provider received.
    attempts = samples["llm_provider_attempts_total"]
    received = fake_provider.requests_for("/v1/chat/completions")
    assert sum(attempts.values()) == len(received)
    # The ledger holds one row per request the provider received.
    assert len([row for row in rows if row.call_id is not None]) == len(received)
    assert attempts[labels(provider=PRIMARY, model=PRIMARY_MODEL, result="BadRequestError")] == 2
    assert attempts[labels(provider=PRIMARY, model=PRIMARY_MODEL, result="ServerError")] == 1
    assert (
        attempts[labels(provider=SECONDARY, model=SECONDARY_MODEL, result="BadRequestError")] == 1
    )
    assert attempts[labels(provider=SECONDARY, model=SECONDARY_MODEL, result="ok")] == 1

    # Gauges, read at scrape time from this entry.
    entry_id = entry.entry_id
    breaker = samples["llm_circuit_breaker_state"]
    assert breaker == {
        labels(entry_id=entry_id, provider=PRIMARY): 0,
        labels(entry_id=entry_id, provider=SECONDARY): 0,
    }
    assert samples["llm_queue_depth"] == {
        labels(entry_id=entry_id, provider=PRIMARY): 0,
        labels(entry_id=entry_id, provider=SECONDARY): 0,
    }
    assert samples["llm_budget_limit_dollars"] == {
        labels(entry_id=entry_id, period="day"): 1.0,
        labels(entry_id=entry_id, period="month"): 10.0,
    }
    spent = float(sum(row.cost_usd for row in rows))
    assert spent > 0
    assert samples["llm_budget_spent_dollars"] == {
        labels(entry_id=entry_id, period="day"): pytest.approx(spent),
        labels(entry_id=entry_id, period="month"): pytest.approx(spent),
    }
    assert labels(entry_id=entry_id, period="month") in samples["llm_budget_projected_dollars"]

    # A provider that keeps failing opens its breaker: the gauge says 2.
    primary = runtime.llm.router.routes[0].breaker
    for _ in range(5):
        primary.record_failure(ProviderError("down", provider=PRIMARY))
    _, samples = await _scrape(hass_client)
    assert samples["llm_circuit_breaker_state"][labels(entry_id=entry_id, provider=PRIMARY)] == 2

    # Without a token, nothing.
    anonymous = await hass_client_no_auth()
    refused = await anonymous.get(METRICS_URL)
    assert refused.status == HTTPStatus.UNAUTHORIZED
    assert "llm_requests_total" not in await refused.text()

    # A reload (as a restart) replays the ledger: every counter keeps its total.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    _, reloaded = await _scrape(hass_client)
    _assert_counters_match(reloaded, expected_from_ledger(rows))
    assert (
        reloaded["llm_request_duration_seconds_count"]
        == samples["llm_request_duration_seconds_count"]
    )
    await say(hass, LOCAL)
    _, after = await _scrape(hass_client)
    key = labels(provider="none", model="none", path="local", outcome="success")
    assert after["llm_requests_total"][key] == reloaded["llm_requests_total"][key] + 1
    await hass.config_entries.async_unload(entry.entry_id)

    # With no entry loaded there is nothing to scrape.
    client = await hass_client()
    assert (await client.get(METRICS_URL)).status == HTTPStatus.SERVICE_UNAVAILABLE


async def test_history_of_any_age_is_replayed_once(
    hass: HomeAssistant, polish_home: HomeCalls, hass_client: ClientSessionGenerator
) -> None:
    """Rows from before the retention window, from every month since and from now all
    count, and a row on a window's edge counts once."""
    now = time.time()
    ages_days = [900, 400, 399.999, 365, 240, 120, 30, 29.5, 1, 0]
    edge = now - 400 * 86_400 + 30 * 86_400  # exactly between two monthly windows
    stamps = [now - age * 86_400 for age in ages_days] + [edge]
    ledger = Ledger(hass.config.path(LEDGER_FILENAME))
    await hass.async_add_executor_job(
        ledger.append_many,
        [
            LedgerEntry(
                ts=ts,
                path="llm",
                outcome="success",
                provider="openai",
                model="gpt-4o-mini",
                input_tokens=100,
                output_tokens=10,
                cost_usd=Decimal("0.000021"),
                latency_ms=300,
                intent="HassTurnOn",
            )
            for ts in stamps
        ],
    )
    await hass.async_add_executor_job(ledger.close)
    entry = MockConfigEntry(domain=DOMAIN, data={"provider": "local"}, title="Local only")
    await setup_entry(hass, entry)

    _, samples = await _scrape(hass_client)
    key = labels(provider="openai", model="gpt-4o-mini", path="llm", outcome="success")
    assert samples["llm_requests_total"] == {key: len(stamps)}
    assert samples["llm_cost_dollars_total"][
        labels(provider="openai", model="gpt-4o-mini")
    ] == pytest.approx(0.000021 * len(stamps))
    assert samples["llm_request_duration_seconds_count"] == {labels(path="llm"): len(stamps)}
    # A local-only entry has no providers: no breaker or queue series, but a budget.
    assert "llm_circuit_breaker_state" not in samples
    assert labels(entry_id=entry.entry_id, period="day") in samples["llm_budget_spent_dollars"]
    assert await hass.config_entries.async_unload(entry.entry_id)


def _row(ts: float, path: str = "local") -> LedgerEntry:
    return LedgerEntry(ts=ts, path=path, outcome="success", latency_ms=5)


async def test_commands_during_the_replay_count_once(
    hass: HomeAssistant, polish_home: HomeCalls, hass_client: ClientSessionGenerator
) -> None:
    """History is replayed in the background while commands already arrive: each counts once."""
    now = time.time()
    ledger = Ledger(hass.config.path(LEDGER_FILENAME))
    await hass.async_add_executor_job(
        ledger.append_many, [_row(now - i * 3600) for i in range(1, 200)]
    )
    await hass.async_add_executor_job(ledger.close)
    entry = MockConfigEntry(domain=DOMAIN, data={"provider": "local"}, title="Local only")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    # No waiting for the replay: commands right away.
    for _ in range(3):
        assert (await say(hass, LOCAL))["path"] == "local"
    await hass.async_block_till_done()
    _, samples = await _scrape(hass_client)
    rows = await entry.runtime_data.ledger.query()
    assert len(rows) == 202
    key = labels(provider="none", model="none", path="local", outcome="success")
    assert samples["llm_requests_total"][key] == 202
    assert await hass.config_entries.async_unload(entry.entry_id)


def test_replay_stops_at_the_cutoff(tmp_path: Path) -> None:
    """Rows stamped from the cutoff on are counted live, so the replay leaves them out."""
    ledger = Ledger(tmp_path / LEDGER_FILENAME)
    cutoff = 1_800_000_000.0
    ledger.append_many(
        [_row(cutoff - 500 * 86_400), _row(cutoff - 1), _row(cutoff), _row(cutoff + 1)]
    )
    history = _count_history(ledger, cutoff)
    ledger.close()
    samples = parse_exposition(history.render().decode())
    key = labels(provider="none", model="none", path="local", outcome="success")
    assert samples["llm_requests_total"] == {key: 2}
