"""Redis stream bridge for a config entry: voice transcripts in, recognised intents out.

Started when the entry has a Redis URL; runs as the entry's background task, so
Home Assistant's startup never waits for Redis, and stops (bounded) on unload
and on Home Assistant shutdown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import instance_id
from homeassistant.util import dt as dt_util

from .const import CONF_REDIS_URL, LOGGER
from .engine.bridge.pipeline_process import pipeline_process
from .engine.bridge.stream_bridge import BridgeConfig, BridgeStatus, StatusListener, StreamBridge
from .engine.cache.redis_backend import redact_url
from .engine.clock import SystemClock
from .runtime import LLMIntentConfigEntry, LLMIntentRuntime

# Options (all optional; the defaults are BridgeConfig's).
CONF_BRIDGE_TRANSCRIPTS_STREAM = "bridge_transcripts_stream"
CONF_BRIDGE_RESULTS_STREAM = "bridge_results_stream"
CONF_BRIDGE_DEAD_LETTER_STREAM = "bridge_dead_letter_stream"
CONF_BRIDGE_GROUP = "bridge_group"
CONF_BRIDGE_CONSUMER = "bridge_consumer"
CONF_BRIDGE_CAPACITY = "bridge_capacity"
CONF_BRIDGE_CLAIM_TIMEOUT = "bridge_claim_timeout"
CONF_BRIDGE_MAX_DELIVERIES = "bridge_max_deliveries"

RUNTIME_KEY = "bridge"
# Entries in hand get this long to finish and write their results on stop.
STOP_TIMEOUT = 5.0


class Bridge:
    """A running bridge: its status for a sensor, and its stop."""

    def __init__(self, core: StreamBridge, task: asyncio.Task[None]) -> None:
        self.core = core
        self._task = task
        self._stopped = False

    @property
    def status(self) -> BridgeStatus:
        return self.core.status

    @property
    def running(self) -> bool:
        return not self._stopped and not self._task.done()

    def add_listener(self, listener: StatusListener) -> Callable[[], None]:
        """``listener(status)`` on every change; returns the remover."""
        return self.core.add_listener(listener)

    async def async_stop(self) -> None:
        """Idempotent; returns within about ``STOP_TIMEOUT`` + 2 s whatever Redis does."""
        if self._stopped:
            return
        self._stopped = True
        await self.core.stop(STOP_TIMEOUT)
        if not self._task.done():
            self._task.cancel()
            await asyncio.wait([self._task], timeout=1.0)


def bridge_config(options: dict[str, Any], url: str, consumer: str) -> BridgeConfig:
    defaults = BridgeConfig(url=url, consumer=consumer)
    return BridgeConfig(
        url=url,
        consumer=str(options.get(CONF_BRIDGE_CONSUMER) or consumer),
        transcripts_stream=str(
            options.get(CONF_BRIDGE_TRANSCRIPTS_STREAM) or defaults.transcripts_stream
        ),
        results_stream=str(options.get(CONF_BRIDGE_RESULTS_STREAM) or defaults.results_stream),
        dead_letter_stream=str(
            options.get(CONF_BRIDGE_DEAD_LETTER_STREAM) or defaults.dead_letter_stream
        ),
        group=str(options.get(CONF_BRIDGE_GROUP) or defaults.group),
        capacity=max(1, int(options.get(CONF_BRIDGE_CAPACITY, defaults.capacity))),
        claim_timeout=max(
            1.0, float(options.get(CONF_BRIDGE_CLAIM_TIMEOUT, defaults.claim_timeout))
        ),
        max_deliveries=max(
            1, int(options.get(CONF_BRIDGE_MAX_DELIVERIES, defaults.max_deliveries))
        ),
    )


async def async_default_consumer(hass: HomeAssistant, entry: LLMIntentConfigEntry) -> str:
    """Stable across restarts (a restarted instance finds its own pending entries),
    distinct between Home Assistant instances sharing a group."""
    uuid = await instance_id.async_get(hass)
    return f"ha-{uuid[:12]}-{entry.entry_id[-8:].lower()}"


async def async_start_bridge(
    hass: HomeAssistant, entry: LLMIntentConfigEntry, runtime: LLMIntentRuntime
) -> Bridge | None:
    """Starts reading when the entry has a Redis URL; returns at once (None without a URL)."""
    existing = runtime.extras.get(RUNTIME_KEY)
    if isinstance(existing, Bridge) and existing.running:
        return existing
    options = dict(entry.options)
    url = str(options.get(CONF_REDIS_URL) or "").strip()
    if not url:
        return None
    try:
        config = bridge_config(options, url, await async_default_consumer(hass, entry))
    except TypeError, ValueError:
        LOGGER.error("Redis stream bridge not started: invalid bridge options")
        return None
    process = pipeline_process(
        runtime.pipeline, default_language=lambda: hass.config.language, now=dt_util.now
    )
    try:
        core = StreamBridge(config, process, SystemClock())
    except ValueError:
        LOGGER.error("Redis stream bridge not started: bad Redis URL %s", redact_url(url))
        return None
    task = entry.async_create_background_task(
        hass, core.run(), name=f"llm_intent redis bridge {entry.entry_id}"
    )
    bridge = Bridge(core, task)
    runtime.extras[RUNTIME_KEY] = bridge

    async def stop_on_shutdown(_event: Event) -> None:
        await bridge.async_stop()

    entry.async_on_unload(hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, stop_on_shutdown))
    entry.async_on_unload(bridge.async_stop)
    LOGGER.debug(
        "Redis stream bridge %s reading %s at %s",
        config.consumer,
        config.transcripts_stream,
        redact_url(url),
    )
    return bridge
