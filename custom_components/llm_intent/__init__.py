"""LLM Intent: local-first voice control with a cost-controlled language model."""

from __future__ import annotations

import asyncio

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers import config_validation as cv, issue_registry as ir
from homeassistant.helpers.typing import ConfigType

from .bridge import async_start_bridge
from .const import CONF_CACHE_TTL, CONF_REDIS_URL, DEFAULT_CACHE_TTL, DOMAIN, TOKENIZER_WAIT
from .engine.errors import CatalogueError
from .entry_state import EntryState
from .http import IntentView
from .metrics_view import MetricsView
from .observability import async_setup_observability
from .provider_check import async_check_at_setup
from .redis_setup import async_prepare_redis
from .runtime import LLMIntentConfigEntry, async_build_runtime
from .services import async_register_services

PLATFORMS = (
    Platform.AI_TASK,
    Platform.BINARY_SENSOR,
    Platform.CONVERSATION,
    Platform.NUMBER,
    Platform.SENSOR,
)
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    async_register_services(hass)
    hass.http.register_view(IntentView())
    hass.http.register_view(MetricsView())
    return True


async def async_setup_entry(hass: HomeAssistant, entry: LLMIntentConfigEntry) -> bool:
    if str(entry.options.get(CONF_REDIS_URL) or "").strip():
        await async_prepare_redis(hass)
    try:
        runtime = await async_build_runtime(hass, entry)
    except CatalogueError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="bad_catalogue",
            translation_placeholders={"error": str(err)},
        ) from err
    entry.runtime_data = runtime
    if (llm := runtime.llm) is not None:
        # Both bounded, and side by side: a slow network or CPU delays setup by seconds only.
        await asyncio.gather(
            async_check_at_setup(hass, entry, llm.router.routes, runtime.availability),
            llm.counter.async_prepare(hass.async_add_executor_job, wait=TOKENIZER_WAIT),
        )
    _check_prices(hass, entry)
    entry.async_on_unload(await async_setup_observability(hass, entry, runtime))
    runtime.homes.async_start()
    entry.async_on_unload(runtime.homes.async_stop)
    entry.async_on_unload(runtime.async_close)
    # The bridge must exist before the platforms, so its status sensor can attach.
    await async_start_bridge(hass, entry, runtime)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


# The cache lifetime's default in minor version 1 entries; a stored value equal to it was
# almost always the default saved along with other options, not a choice.
_OLD_DEFAULT_CACHE_TTL = 300


async def async_migrate_entry(hass: HomeAssistant, entry: LLMIntentConfigEntry) -> bool:
    if entry.version > 1:
        return False  # written by a newer version: do not guess
    if entry.minor_version < 2:
        options = dict(entry.options)
        if options.get(CONF_CACHE_TTL) == _OLD_DEFAULT_CACHE_TTL:
            options[CONF_CACHE_TTL] = DEFAULT_CACHE_TTL
        hass.config_entries.async_update_entry(entry, options=options, minor_version=2)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: LLMIntentConfigEntry) -> bool:
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: LLMIntentConfigEntry) -> None:
    """Stored budgets and breaker states go with the entry."""
    await EntryState(hass, entry.entry_id).async_remove()


def _check_prices(hass: HomeAssistant, entry: LLMIntentConfigEntry) -> None:
    """A model with no known price is never treated as free: tell the user why."""
    llm = entry.runtime_data.llm
    unpriced = llm.unpriced_models() if llm is not None else []
    issue_id = f"unpriced_model_{entry.entry_id}"
    if unpriced:
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="unpriced_model",
            translation_placeholders={"model": ", ".join(unpriced)},
        )
    else:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
