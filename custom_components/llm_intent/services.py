"""Actions: llm_intent.recognize (and its HTTP twin) return what a command means and cost."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import probatio as vol

from .const import DOMAIN
from .engine.cost.report import build_report, report_data
from .engine.pipeline import Command
from .ha_identity import registered_device
from .runtime import LLMIntentConfigEntry

SERVICE_RECOGNIZE = "recognize"
SERVICE_CLEAR_CACHE = "clear_cache"
SERVICE_COST_REPORT = "cost_report"
MAX_TEXT = 1000

RECOGNIZE_SCHEMA = vol.Schema(
    {
        vol.Required("text"): vol.All(cv.string, vol.Length(min=1, max=MAX_TEXT)),
        vol.Optional("language"): cv.string,
        vol.Optional("device_id"): cv.string,
        vol.Optional("area_id"): cv.string,
        vol.Optional("conversation_id"): cv.string,
        vol.Optional("execute", default=True): cv.boolean,
        vol.Optional("config_entry_id"): cv.string,
    }
)


def loaded_entry(hass: HomeAssistant, entry_id: str | None = None) -> LLMIntentConfigEntry:
    entries: list[LLMIntentConfigEntry] = [
        e
        for e in hass.config_entries.async_entries(DOMAIN)
        if e.state is ConfigEntryState.LOADED and (entry_id is None or e.entry_id == entry_id)
    ]
    if not entries:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="not_loaded")
    return entries[0]


async def async_recognize(
    hass: HomeAssistant, data: dict[str, Any], user_id: str | None
) -> dict[str, Any]:
    entry = loaded_entry(hass, data.get("config_entry_id"))
    command = Command(
        text=data["text"],
        language=data.get("language") or hass.config.language,
        conversation_id=data.get("conversation_id"),
        device_id=registered_device(hass, data.get("device_id")),
        satellite_area_id=data.get("area_id"),
        user_id=user_id,
        execute=data.get("execute", True),
        now=dt_util.now(),
    )
    outcome = await entry.runtime_data.pipeline.handle(command)
    return outcome.as_dict()


ENTRY_SCHEMA = vol.Schema({vol.Optional("config_entry_id"): cv.string})
REPORT_SCHEMA = vol.Schema(
    {
        vol.Optional("config_entry_id"): cv.string,
        vol.Optional("start"): cv.date,
        vol.Optional("end"): cv.date,
    }
)


async def async_cost_report(hass: HomeAssistant, data: dict[str, Any]) -> dict[str, Any]:
    """Per day, provider and model: requests, tokens, cost, cache hits, latency."""
    runtime = loaded_entry(hass, data.get("config_entry_id")).runtime_data
    tz = dt_util.get_default_time_zone()
    since = until = None
    if (start := data.get("start")) is not None:
        since = dt_util.start_of_local_day(start).timestamp()
    if (end := data.get("end")) is not None:
        until = dt_util.start_of_local_day(end + timedelta(days=1)).timestamp()
    entries = await runtime.ledger.query(since, until)
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo("UTC")
    return report_data(build_report(entries, zone))


@callback
def async_register_services(hass: HomeAssistant) -> None:
    async def recognize(call: ServiceCall) -> ServiceResponse:
        return await async_recognize(hass, dict(call.data), call.context.user_id)

    async def clear_cache(call: ServiceCall) -> None:
        runtime = loaded_entry(hass, call.data.get("config_entry_id")).runtime_data
        if runtime.cache is not None:
            await runtime.cache.clear()

    async def cost_report(call: ServiceCall) -> ServiceResponse:
        return await async_cost_report(hass, dict(call.data))

    hass.services.async_register(DOMAIN, SERVICE_CLEAR_CACHE, clear_cache, schema=ENTRY_SCHEMA)
    hass.services.async_register(
        DOMAIN,
        SERVICE_COST_REPORT,
        cost_report,
        schema=REPORT_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_RECOGNIZE,
        recognize,
        schema=RECOGNIZE_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
