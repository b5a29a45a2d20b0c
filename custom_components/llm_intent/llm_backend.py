"""Build the paid LLM path for a config entry: providers, breakers, limiters, budget."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from .const import (
    CONF_API_KEY,
    CONF_BASE_URL,
    CONF_FAILURE_THRESHOLD,
    CONF_HEDGE,
    CONF_MAX_CONCURRENCY,
    CONF_MAX_QUEUE,
    CONF_MODEL,
    CONF_PRICES,
    CONF_PROVIDER,
    CONF_REQUEST_TIMEOUT,
    CONF_SECONDARY_API_KEY,
    CONF_SECONDARY_BASE_URL,
    CONF_SECONDARY_MODEL,
    CONF_SECONDARY_PROVIDER,
    DEFAULT_FAILURE_THRESHOLD,
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_MAX_QUEUE,
    DEFAULT_REQUEST_TIMEOUT,
    PROVIDER_LOCAL,
    SECONDARY_NONE,
)
from .engine.calling.breaker import CircuitBreaker
from .engine.calling.limiter import RateLimiter
from .engine.calling.paid_call import PaidLLM
from .engine.calling.router import Route
from .engine.clock import Clock
from .engine.cost.budget import Budget
from .engine.cost.pricing import PriceBook
from .engine.cost.tokens import TokenCounter
from .provider_check import async_create_provider, provider_config


async def async_create_backend(
    hass: HomeAssistant, entry: ConfigEntry[Any], budget: Budget, clock: Clock
) -> PaidLLM | None:
    kind = entry.data[CONF_PROVIDER]
    if kind == PROVIDER_LOCAL:
        return None
    options = entry.options
    data = {**entry.data}
    if options.get(CONF_MODEL):
        data[CONF_MODEL] = options[CONF_MODEL]
    configs = [provider_config(kind, data, name=kind)]
    secondary = options.get(CONF_SECONDARY_PROVIDER, SECONDARY_NONE)
    if secondary != SECONDARY_NONE:
        configs.append(
            provider_config(
                secondary,
                {
                    CONF_API_KEY: options.get(CONF_SECONDARY_API_KEY),
                    CONF_BASE_URL: options.get(CONF_SECONDARY_BASE_URL),
                    CONF_MODEL: options.get(CONF_SECONDARY_MODEL),
                },
                name=f"{secondary}_secondary" if secondary == kind else secondary,
            )
        )
    routes = []
    for config in configs:
        provider = await async_create_provider(hass, config)
        if (prepare := getattr(provider, "prepare", None)) is not None:
            await hass.async_add_executor_job(prepare)
        routes.append(
            Route(
                provider,
                CircuitBreaker(
                    config.label,
                    failure_threshold=int(
                        options.get(CONF_FAILURE_THRESHOLD, DEFAULT_FAILURE_THRESHOLD)
                    ),
                    clock=clock,
                ),
                RateLimiter(
                    config.label,
                    max_concurrency=int(options.get(CONF_MAX_CONCURRENCY, DEFAULT_MAX_CONCURRENCY)),
                    max_queue=int(options.get(CONF_MAX_QUEUE, DEFAULT_MAX_QUEUE)),
                    clock=clock,
                ),
            )
        )
    # Encodings load at setup (async_setup_entry), alongside the provider check.
    return PaidLLM(
        routes,
        PriceBook(options.get(CONF_PRICES) or None),
        budget,
        TokenCounter(),
        clock=clock,
        deadline_s=float(options.get(CONF_REQUEST_TIMEOUT, DEFAULT_REQUEST_TIMEOUT)),
        hedge=bool(options.get(CONF_HEDGE, False)),
    )
