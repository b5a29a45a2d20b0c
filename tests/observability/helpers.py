"""Shared pieces of the observability tests: a fallible model, entries, scraping."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import Decimal
import socket
from typing import Any

from homeassistant.core import HomeAssistant
from prometheus_client.parser import text_string_to_metric_families
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.llm_intent.const import DOMAIN
from custom_components.llm_intent.engine.cost.ledger import LedgerEntry

from ..e2e.responder import command_of
from ..fake_provider import ANTHROPIC_KEY, OPENAI_KEY, ErrorReply, FakeProviderServer, Reply
from ..ha.conftest import CorrectModel

PRIMARY_MODEL = "gpt-4o-mini"
SECONDARY_MODEL = "gpt-4.1-mini"
PRIMARY = "openai_compatible"
SECONDARY = "openai_compatible_secondary"
METRICS_URL = "/api/llm_intent/metrics"

# A command every path of the pipeline answers differently.
LOCAL = "włącz światło w kuchni"
LLM = "zrob tak zeby w kuchni bylo jasno"
RETRIED = "chce miec jasno w sypialni"
FAILOVER = "niech w salonie bedzie jasno"
FALLBACK = "zapal swiatlo w lazience prosze bardzo"
GIBBERISH = "abrakadabra hokus pokus"


class FallibleModel(CorrectModel):
    """A correct model behind two keys: the primary fails some commands.

    ``fail_primary`` commands get a 400 from the primary key only (the router
    fails over); ``fail_all`` get a 400 from both; ``flaky`` commands get one
    503 from the primary, then answers (a retry).
    """

    def __init__(self) -> None:
        super().__init__()
        self.fail_primary: set[str] = set()
        self.fail_all: set[str] = set()
        self.flaky: set[str] = set()
        self._flaked: Counter[str] = Counter()

    def __call__(self, request: Any) -> Reply | ErrorReply:  # type: ignore[override]
        text = command_of(request)
        primary = request.api_key == OPENAI_KEY
        if text in self.fail_all or (primary and text in self.fail_primary):
            return ErrorReply(400, message="unsupported request")
        if primary and text in self.flaky and not self._flaked[text]:
            self._flaked[text] += 1
            return ErrorReply(503, message="overloaded")
        return super().__call__(request)


def taught_model() -> FallibleModel:
    model = FallibleModel()
    model.teach(LLM, "HassTurnOn", area="Kuchnia", domain="light")
    model.teach(RETRIED, "HassTurnOn", area="Sypialnia", domain="light")
    model.teach(FAILOVER, "HassTurnOn", area="Salon", domain="light")
    model.teach(FALLBACK, "HassTurnOn", area="Łazienka", domain="light")
    model.fail_primary.add(FAILOVER)
    model.fail_all.add(FALLBACK)
    model.flaky.add(RETRIED)
    return model


def failover_entry(fake_provider: FakeProviderServer, **options: Any) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        data={
            "provider": PRIMARY,
            "base_url": fake_provider.openai_base_url,
            "api_key": OPENAI_KEY,
            "model": PRIMARY_MODEL,
        },
        options={
            "secondary_provider": "openai_compatible",
            "secondary_api_key": ANTHROPIC_KEY,
            "secondary_base_url": fake_provider.openai_base_url,
            "secondary_model": SECONDARY_MODEL,
            **options,
        },
        title="OpenAI-compatible",
    )


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def say(hass: HomeAssistant, text: str, language: str = "pl") -> dict[str, Any]:
    result = await hass.services.async_call(
        DOMAIN,
        "recognize",
        {"text": text, "language": language},
        blocking=True,
        return_response=True,
    )
    assert isinstance(result, dict)
    return result


def free_port() -> int:
    """A loopback port nothing listens on (a collector that is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


Samples = dict[str, dict[frozenset[tuple[str, str]], float]]


def parse_exposition(text: str) -> Samples:
    """Sample name → {label set → value}, from Prometheus' own parser."""
    samples: Samples = defaultdict(dict)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[sample.name][frozenset(sample.labels.items())] = sample.value
    return dict(samples)


def labels(**pairs: str) -> frozenset[tuple[str, str]]:
    return frozenset(pairs.items())


def _name(value: str | None) -> str:
    return value or "none"


def expected_from_ledger(rows: Iterable[LedgerEntry]) -> Samples:
    """What the counters must say, computed from ledger rows independently of the code."""
    requests: Counter[frozenset[tuple[str, str]]] = Counter()
    tokens: Counter[frozenset[tuple[str, str]]] = Counter()
    cost: defaultdict[frozenset[tuple[str, str]], Decimal] = defaultdict(Decimal)
    intents: Counter[frozenset[tuple[str, str]]] = Counter()
    hits = misses = not_understood = 0
    for row in rows:
        provider, model = _name(row.provider), _name(row.model)
        if not row.command:
            # An extra attempt of a command: only what it was billed.
            if row.cost_usd or row.input_tokens or row.output_tokens:
                for kind, count in (
                    ("input", row.input_tokens - row.cached_input_tokens),
                    ("cached_input", row.cached_input_tokens),
                    ("output", row.output_tokens),
                ):
                    tokens[labels(provider=provider, model=model, type=kind)] += count
                cost[labels(provider=provider, model=model)] += row.cost_usd
            continue
        requests[labels(provider=provider, model=model, path=row.path, outcome=row.outcome)] += 1
        intents[labels(intent=_name(row.intent), outcome=row.outcome)] += 1
        not_understood += row.outcome == "not_understood"
        if row.provider is not None:
            for kind, count in (
                ("input", row.input_tokens - row.cached_input_tokens),
                ("cached_input", row.cached_input_tokens),
                ("output", row.output_tokens),
            ):
                tokens[labels(provider=provider, model=model, type=kind)] += count
            cost[labels(provider=provider, model=model)] += row.cost_usd
        if row.cache_hit:
            hits += 1
        elif row.path == "llm" or (row.path in ("fallback", "none") and row.provider):
            misses += 1
    return {
        "llm_requests_total": {k: float(v) for k, v in requests.items()},
        "llm_tokens_used_total": {k: float(v) for k, v in tokens.items()},
        "llm_cost_dollars_total": {k: float(v) for k, v in cost.items()},
        "llm_intents_total": {k: float(v) for k, v in intents.items()},
        "llm_cache_hits_total": {frozenset(): float(hits)},
        "llm_cache_misses_total": {frozenset(): float(misses)},
        "llm_not_understood_total": {frozenset(): float(not_understood)},
    }
