"""Everything one config entry runs, built at setup and kept in ``entry.runtime_data``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from .const import (
    CONF_CONTEXT_TTL,
    CONF_MAX_OUTPUT_TOKENS,
    CONF_PREFER_LOCAL,
    CONF_TEMPERATURE,
    DEFAULT_CONTEXT_TTL,
    DEFAULT_MAX_OUTPUT_TOKENS,
    DEFAULT_PREFER_LOCAL,
    DEFAULT_TEMPERATURE,
    USER_CATALOGUE_FILE,
)
from .engine.catalogue import Catalogue, load_catalogue
from .engine.clock import SystemClock
from .engine.context import ContextStore
from .engine.pipeline import LLMBackend, Pipeline, Settings
from .ha_actions import HAExecutor
from .ha_home import HomeSnapshots
from .ha_local import HALocalAgent

BUILTIN_CATALOGUE = Path(__file__).parent / "intents.yaml"

type LLMIntentConfigEntry = ConfigEntry[LLMIntentRuntime]


@dataclass
class LLMIntentRuntime:
    pipeline: Pipeline
    homes: HomeSnapshots
    catalogue: Catalogue
    llm: LLMBackend | None = None
    extras: dict[str, Any] = field(default_factory=dict)


async def async_load_catalogue(hass: HomeAssistant) -> Catalogue:
    user = Path(hass.config.path(USER_CATALOGUE_FILE))
    return await hass.async_add_executor_job(load_catalogue, BUILTIN_CATALOGUE, user)


def settings_from(options: dict[str, Any]) -> Settings:
    return Settings(
        prefer_local=bool(options.get(CONF_PREFER_LOCAL, DEFAULT_PREFER_LOCAL)),
        max_output_tokens=int(options.get(CONF_MAX_OUTPUT_TOKENS, DEFAULT_MAX_OUTPUT_TOKENS)),
        temperature=float(options.get(CONF_TEMPERATURE, DEFAULT_TEMPERATURE)),
    )


async def async_build_runtime(
    hass: HomeAssistant, entry: LLMIntentConfigEntry, llm: LLMBackend | None
) -> LLMIntentRuntime:
    catalogue = await async_load_catalogue(hass)
    clock = SystemClock()
    homes = HomeSnapshots(hass)
    options = dict(entry.options)
    pipeline = Pipeline(
        catalogue,
        homes,
        HAExecutor(hass, homes),
        clock,
        ContextStore(clock, float(options.get(CONF_CONTEXT_TTL, DEFAULT_CONTEXT_TTL))),
        local_agent=HALocalAgent(hass),
        llm=llm,
        settings=settings_from(options),
        llm_block_reason=getattr(llm, "block_reason", None),
    )
    return LLMIntentRuntime(pipeline=pipeline, homes=homes, catalogue=catalogue, llm=llm)
