"""The paid LLM path as the integration builds it, without Home Assistant.

Same parts and defaults as ``llm_backend.async_create_backend``: one route per
provider with its breaker and limiter, the dated price table, a budget, and
tiktoken counts before sending.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx

from custom_components.llm_intent.engine.calling.breaker import CircuitBreaker
from custom_components.llm_intent.engine.calling.limiter import RateLimiter
from custom_components.llm_intent.engine.calling.paid_call import PaidLLM
from custom_components.llm_intent.engine.calling.providers.factory import create_provider
from custom_components.llm_intent.engine.calling.router import Route
from custom_components.llm_intent.engine.clock import Clock
from custom_components.llm_intent.engine.cost.budget import Budget
from custom_components.llm_intent.engine.cost.pricing import PriceBook
from custom_components.llm_intent.engine.cost.tokens import TokenCounter
from custom_components.llm_intent.engine.types import ProviderConfig

DEFAULT_DEADLINE_S = 2.5  # the integration's default answer deadline


def build_paid_llm(
    configs: Sequence[ProviderConfig],
    client: httpx.AsyncClient,
    clock: Clock,
    *,
    deadline_s: float = DEFAULT_DEADLINE_S,
    max_concurrency: int = 4,
    max_queue: int = 100,
    daily_budget: Decimal = Decimal(1000),
    price_overrides: Mapping[str, Mapping[str, object]] | None = None,
) -> PaidLLM:
    routes = []
    for config in configs:
        provider = create_provider(config, client)
        routes.append(
            Route(
                provider,
                CircuitBreaker(config.label, clock=clock),
                RateLimiter(
                    config.label, max_concurrency=max_concurrency, max_queue=max_queue, clock=clock
                ),
            )
        )
    counter = TokenCounter()
    counter.prepare()
    return PaidLLM(
        routes,
        PriceBook(price_overrides),
        Budget(daily_budget, daily_budget * 31, tz=ZoneInfo("UTC"), clock=clock),
        counter,
        clock=clock,
        deadline_s=deadline_s,
    )
