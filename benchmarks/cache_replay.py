"""Replays the saved household stream through the engine's pipeline with its cache.

The pipeline is the integration's own (local matcher, cache, paid LLM path
with budget and token counting) over the fake provider, which answers like a
correct model; time moves with the stream on a manual clock, so the cache's
lifetime works as it would over the fourteen days. Home Assistant's own
matcher is not in this path: "got past local matching" means past LLM
Intent's local matcher.

Hit ratio = cache hits / commands that got past local matching. Every hit
is an LLM call avoided; its cost is what the calls that were made cost on
average, counted with tiktoken o200k_base on the requests the provider
received and priced with the dated table.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
import json
from pathlib import Path
import time
from typing import Any

import httpx

from custom_components.llm_intent.engine.cache.pipeline_cache import PipelineCache
from custom_components.llm_intent.engine.cache.store import DEFAULT_TTL, create_cache
from custom_components.llm_intent.engine.clock import ManualClock
from custom_components.llm_intent.engine.cost.pricing import PriceBook
from custom_components.llm_intent.engine.home import Home
from custom_components.llm_intent.engine.pipeline import Command, ExecResult, Pipeline, Settings
from custom_components.llm_intent.engine.types import ProviderConfig
from custom_components.llm_intent.engine.understanding.catalogue import IntentSpec, load_catalogue
from custom_components.llm_intent.engine.understanding.context import ContextStore
from custom_components.llm_intent.engine.understanding.prompt import PROMPT_VERSION
from custom_components.llm_intent.engine.understanding.recognition import Recognition

from .brain import CurrentLabelBrain
from .cache_stream import StreamEvent, load
from .eval_run import CATALOGUE
from .fixture_home import load_fixture_home
from .link import InlineLink
from .llm_stack import build_paid_llm
from .provider import BenchProvider, Plan
from .request_tokens import RequestCounter
from .stats import peak_rss_mib

# Five minutes (the lifetime the product was first specified with), an hour, a
# day, and the integration's default.
TTLS_S = tuple(sorted({300.0, 3600.0, 86_400.0, DEFAULT_TTL}))
FIXTURES = Path(__file__).parents[1] / "tests" / "data" / "eval_home.json"
MODEL = "gpt-4o-mini"
PRICED_MODELS = ("gpt-4o-mini", "claude-haiku-4-5")


class _Succeeds:
    """Every action works, so recognitions are cached and follow-ups have a target."""

    async def execute(self, spec: IntentSpec, rec: Recognition, command: Command) -> ExecResult:
        return ExecResult(True, entity_ids=rec.entity_ids)


@dataclass(frozen=True, slots=True)
class _StaticHome:
    snapshot: Home

    def home(self) -> Home:
        return self.snapshot


async def replay(
    events: Sequence[StreamEvent], ttl_s: float, provider: BenchProvider, home: Home
) -> dict[str, Any]:
    assert isinstance(provider.brain, CurrentLabelBrain)
    brain = provider.brain
    provider.configure(Plan())
    start = 1_000_000.0
    clock = ManualClock(start)
    catalogue = load_catalogue(CATALOGUE)
    async with httpx.AsyncClient() as client:
        llm = build_paid_llm(
            [ProviderConfig("openai", MODEL, "sk-bench", provider.openai_base_url)], client, clock
        )
        label = llm.router.routes[0].label
        cache = create_cache(clock=clock, ttl=ttl_s)
        pipeline = Pipeline(
            catalogue,
            _StaticHome(home),
            _Succeeds(),
            clock,
            ContextStore(clock),
            llm=llm,
            cache=PipelineCache(
                cache,
                clock,
                catalogue.version,
                PROMPT_VERSION,
                model=lambda: MODEL,
                provider=lambda: label,
            ),
            settings=Settings(prefer_local=False),
            llm_block_reason=llm.block_reason,
        )
        paths: Counter[str] = Counter()
        right = 0
        began = time.monotonic()
        for event in events:
            clock.advance(max(start + event.t - clock.monotonic(), 0.0))
            brain.current = event.label
            area_id = home.index("area", "pl").resolve(event.area) if event.area else None
            outcome = await pipeline.handle(
                Command(
                    event.text,
                    language=event.lang,
                    device_id=event.device,
                    satellite_area_id=area_id,
                )
            )
            paths[str(outcome.path)] += 1
            right += outcome.intent == event.label.intent or (outcome.asked and not outcome.intent)
        handled_s = time.monotonic() - began
    counter = RequestCounter()
    calls = await InlineLink(provider).log(bodies=True)
    input_tokens = [counter.request(r["body"]).billed for r in calls]
    output_tokens = [counter.text(r["reply"]) for r in calls]
    n = len(events)
    past_local = n - paths["local"]
    hits = paths["cache"]
    result: dict[str, Any] = {
        "ttl_s": ttl_s,
        "commands": n,
        "paths": dict(paths),
        "past_local": past_local,
        "cache_hits": hits,
        "hit_ratio": hits / past_local if past_local else 0.0,
        "llm_calls": len(calls),
        "llm_calls_avoided": hits,
        "input_tokens_per_call": sum(input_tokens) / len(calls) if calls else 0.0,
        "output_tokens_per_call": sum(output_tokens) / len(calls) if calls else 0.0,
        "intent_as_labelled": right,
        "replay_s": handled_s,
    }
    prices = PriceBook()
    for model in PRICED_MODELS:
        price = prices.lookup(model)
        assert price is not None
        per_call = (
            Decimal(str(result["input_tokens_per_call"])) * price.input
            + Decimal(str(result["output_tokens_per_call"])) * price.output
        ) / Decimal(1_000_000)
        result[f"usd_per_call_{model}"] = float(per_call)
        result[f"usd_avoided_{model}"] = float(per_call * hits)
        result[f"usd_spent_{model}"] = float(per_call * len(calls))
    return result


async def run(stream: Path, ttls: Sequence[float]) -> dict[str, Any]:
    events = load(stream)
    home = load_fixture_home(FIXTURES).engine_home()
    provider = BenchProvider(CurrentLabelBrain())
    await provider.start()
    try:
        runs = [await replay(events, ttl, provider, home) for ttl in ttls]
    finally:
        await provider.stop()
    return {"stream": str(stream), "runs": runs, "peak_rss_mib": peak_rss_mib()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Replay the cache stream once per lifetime.")
    parser.add_argument("--stream", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--ttl", type=float, action="append", help="cache lifetimes in seconds")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.stream, args.ttl or TTLS_S))
    args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
