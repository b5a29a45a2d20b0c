"""The paid LLM path built from real parts over the fake provider's HTTP APIs."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
import random
from zoneinfo import ZoneInfo

import httpx

from custom_components.llm_intent.engine.calling.breaker import CircuitBreaker
from custom_components.llm_intent.engine.calling.limiter import RateLimiter
from custom_components.llm_intent.engine.calling.paid_call import PaidLLM
from custom_components.llm_intent.engine.calling.providers.factory import create_provider
from custom_components.llm_intent.engine.calling.retry import RetryPolicy
from custom_components.llm_intent.engine.calling.router import Route
from custom_components.llm_intent.engine.clock import Clock
from custom_components.llm_intent.engine.cost.budget import Budget
from custom_components.llm_intent.engine.cost.pricing import PriceBook
from custom_components.llm_intent.engine.cost.tokens import TokenCounter
from custom_components.llm_intent.engine.types import ProviderConfig, ProviderRequest

from ..fake_provider import ANTHROPIC_KEY, OPENAI_KEY, FakeProviderServer

REQUEST = ProviderRequest(
    system="You convert one smart-home voice command into JSON.",
    user="COMMAND: włącz światło w kuchni",
    schema={
        "type": "object",
        "properties": {
            "intent": {"type": "string"},
            "slots": {"type": "object"},
            "confidence": {"type": "number"},
            "clarify_question": {"type": ["string", "null"]},
        },
        "required": ["intent", "slots", "confidence", "clarify_question"],
    },
)


def config(server: FakeProviderServer, kind: str, name: str = "") -> ProviderConfig:
    if kind == "anthropic":
        return ProviderConfig(
            kind, "claude-haiku-4-5", ANTHROPIC_KEY, server.anthropic_base_url, name=name
        )
    return ProviderConfig(kind, "gpt-4o-mini", OPENAI_KEY, server.openai_base_url, name=name)


def build(
    servers: Sequence[tuple[FakeProviderServer, str, str]],
    clock: Clock,
    client: httpx.AsyncClient,
    *,
    deadline_s: float = 2.5,
    threshold: int = 5,
    concurrency: int = 4,
    max_queue: int = 100,
    budget: Budget | None = None,
) -> PaidLLM:
    routes = []
    for server, kind, name in servers:
        provider = create_provider(config(server, kind, name), client)
        routes.append(
            Route(
                provider,
                CircuitBreaker(provider.label, failure_threshold=threshold, clock=clock),
                RateLimiter(
                    provider.label, max_concurrency=concurrency, max_queue=max_queue, clock=clock
                ),
            )
        )
    counter = TokenCounter()
    counter.prepare()
    return PaidLLM(
        routes,
        PriceBook(),
        budget or Budget(Decimal(100), Decimal(1000), tz=ZoneInfo("UTC"), clock=clock),
        counter,
        clock=clock,
        retry_policy=RetryPolicy(),
        deadline_s=deadline_s,
        rng=random.Random(7),
    )
