"""Constants for llm_intent."""

from __future__ import annotations

import logging
from typing import Final

from .engine.cache.store import DEFAULT_TTL

DOMAIN: Final = "llm_intent"
LOGGER = logging.getLogger(__package__)

CONF_PROVIDER: Final = "provider"
CONF_API_KEY: Final = "api_key"
CONF_BASE_URL: Final = "base_url"
CONF_MODEL: Final = "model"

PROVIDER_OPENAI: Final = "openai"
PROVIDER_ANTHROPIC: Final = "anthropic"
PROVIDER_COMPATIBLE: Final = "openai_compatible"
PROVIDER_LOCAL: Final = "local"
PROVIDERS: Final = (PROVIDER_OPENAI, PROVIDER_ANTHROPIC, PROVIDER_COMPATIBLE, PROVIDER_LOCAL)

DEFAULT_MODELS: Final = {
    PROVIDER_OPENAI: "gpt-4o-mini",
    PROVIDER_ANTHROPIC: "claude-haiku-4-5",
    PROVIDER_COMPATIBLE: "llama3.2",
}

# Options
CONF_TEMPERATURE: Final = "temperature"
CONF_MAX_OUTPUT_TOKENS: Final = "max_output_tokens"
CONF_REQUEST_TIMEOUT: Final = "request_timeout"
CONF_PREFER_LOCAL: Final = "prefer_local"
CONF_CACHE_TTL: Final = "cache_ttl"
CONF_CONTEXT_TTL: Final = "context_ttl"
CONF_DAILY_BUDGET: Final = "daily_budget"
CONF_MONTHLY_BUDGET: Final = "monthly_budget"
CONF_SECONDARY_PROVIDER: Final = "secondary_provider"
CONF_SECONDARY_API_KEY: Final = "secondary_api_key"
CONF_SECONDARY_BASE_URL: Final = "secondary_base_url"
CONF_SECONDARY_MODEL: Final = "secondary_model"
CONF_REDIS_URL: Final = "redis_url"
CONF_STORE_TEXT: Final = "store_command_text"
CONF_PRICES: Final = "price_overrides"
CONF_FREE_MODEL: Final = "free_model"
CONF_HEDGE: Final = "hedge"
CONF_OTLP_ENDPOINT: Final = "otlp_endpoint"
CONF_FAILURE_THRESHOLD: Final = "failure_threshold"
CONF_MAX_QUEUE: Final = "max_queue"
CONF_MAX_CONCURRENCY: Final = "max_concurrency"
DEFAULT_FAILURE_THRESHOLD: Final = 5
DEFAULT_MAX_QUEUE: Final = 100
DEFAULT_MAX_CONCURRENCY: Final = 4

SECONDARY_NONE: Final = "none"

DEFAULT_TEMPERATURE: Final = 0.0
DEFAULT_MAX_OUTPUT_TOKENS: Final = 150
DEFAULT_REQUEST_TIMEOUT: Final = 2.5
DEFAULT_PREFER_LOCAL: Final = True
DEFAULT_CACHE_TTL: Final = int(DEFAULT_TTL)  # why a week: engine/cache/store.py
MAX_CACHE_TTL: Final = 30 * 86_400
DEFAULT_CONTEXT_TTL: Final = 300
DEFAULT_DAILY_BUDGET: Final = 1.0
DEFAULT_MONTHLY_BUDGET: Final = 10.0

# Credentials are validated with one cheap call; a setup wizard should not hang.
VALIDATE_TIMEOUT: Final = 10.0
# Setup asks each provider once; a network that drops packets must not hold up HA's start.
SETUP_CHECK_TIMEOUT: Final = 3.0
# How long setup waits for the token encodings (a second or two of CPU); a slower machine
# goes on with estimates and gets exact counts when loading finishes.
TOKENIZER_WAIT: Final = 3.0

USER_CATALOGUE_FILE: Final = "intents.yaml"

EVENT_BUDGET_ALERT: Final = "llm_intent_budget_alert"
EVENT_CIRCUIT_CHANGED: Final = "llm_intent_circuit_changed"
