"""The bridge inside Home Assistant: a transcript on the stream switches a real entity."""

from __future__ import annotations

from collections.abc import AsyncIterator
import json

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from redis.asyncio import Redis

from custom_components.llm_intent.bridge import (
    CONF_BRIDGE_CAPACITY,
    CONF_BRIDGE_CLAIM_TIMEOUT,
    CONF_BRIDGE_CONSUMER,
    CONF_BRIDGE_GROUP,
    CONF_BRIDGE_MAX_DELIVERIES,
    CONF_BRIDGE_TRANSCRIPTS_STREAM,
    Bridge,
    async_start_bridge,
    bridge_config,
)
from custom_components.llm_intent.const import CONF_PROVIDER, CONF_REDIS_URL, DOMAIN, PROVIDER_LOCAL

from ...ha.conftest import HomeCalls
from ...redis_server import RedisServer
from ..harness import pending, results, wait_until

CONSUMER = "ha-test"


@pytest.fixture
async def client(redis_server: RedisServer) -> AsyncIterator[Redis]:
    redis = Redis.from_url(redis_server.url)
    yield redis
    await redis.aclose()


@pytest.fixture
async def redis_entry(
    hass: HomeAssistant, polish_home: HomeCalls, redis_server: RedisServer
) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={CONF_PROVIDER: PROVIDER_LOCAL},
        options={CONF_REDIS_URL: redis_server.url, CONF_BRIDGE_CONSUMER: CONSUMER},
        title="Local only",
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def _bridge_clients(client: Redis) -> list[str]:
    return [c["name"] for c in await client.client_list() if c["name"].startswith("llm_intent:")]


async def test_transcript_on_the_stream_switches_the_light_and_stops_with_the_entry(
    hass: HomeAssistant, redis_entry: MockConfigEntry, polish_home: HomeCalls, client: Redis
) -> None:
    # Bug caught: the glue not wiring the pipeline (nothing executes), or the
    # bridge outliving its config entry (connections and tasks left behind).
    bridge = await async_start_bridge(hass, redis_entry, redis_entry.runtime_data)
    assert isinstance(bridge, Bridge)
    # Starting twice returns the running bridge, not a second reader.
    assert await async_start_bridge(hass, redis_entry, redis_entry.runtime_data) is bridge
    await wait_until(lambda: bridge.status.connected, "bridge connected")

    await client.xadd(
        "voice:transcribed",
        {"frame_id": "ha-f1", "transcript": "włącz światło w kuchni", "language": "pl"},
    )
    await wait_until(lambda: _has_results(client, 1), "result published")
    (result,) = await results(client)
    assert hass.states.get("light.kuchnia").state == "on"
    assert polish_home.for_entity("light.kuchnia")
    assert result["frame_id"] == "ha-f1"
    assert result["intent"] == "HassTurnOn"
    assert result["executed"] == "1"
    assert result["processor_id"] == CONSUMER
    assert result["speech"]
    assert isinstance(json.loads(result["entities"]), dict)
    await wait_until(lambda: _pending_zero(client), "acknowledged")

    # A dry run recognises without touching the home.
    calls = len(polish_home.calls)
    await client.xadd(
        "voice:transcribed",
        {"frame_id": "ha-f2", "transcript": "wyłącz światło w kuchni", "execute": "false"},
    )
    await wait_until(lambda: _has_results(client, 2), "dry-run result")
    assert len(polish_home.calls) == calls
    assert hass.states.get("light.kuchnia").state == "on"
    assert (await results(client))[1]["executed"] == "0"

    assert await _bridge_clients(client)
    assert await hass.config_entries.async_unload(redis_entry.entry_id)
    await hass.async_block_till_done()
    assert not bridge.running
    assert not bridge.status.connected
    await wait_until(lambda: _no_bridge_clients(client), "bridge connections closed")


async def test_no_redis_url_means_no_bridge(
    hass: HomeAssistant, local_entry: MockConfigEntry
) -> None:
    assert await async_start_bridge(hass, local_entry, local_entry.runtime_data) is None


async def _has_results(client: Redis, count: int) -> bool:
    return len(await results(client)) >= count


async def _pending_zero(client: Redis) -> bool:
    return await pending(client) == 0


async def _no_bridge_clients(client: Redis) -> bool:
    return not await _bridge_clients(client)


def test_options_map_to_the_bridge_config() -> None:
    config = bridge_config(
        {
            CONF_BRIDGE_CAPACITY: 7,
            CONF_BRIDGE_CLAIM_TIMEOUT: 12.5,
            CONF_BRIDGE_MAX_DELIVERIES: 5,
            CONF_BRIDGE_TRANSCRIPTS_STREAM: "sat:text",
            CONF_BRIDGE_GROUP: "",
        },
        "redis://r:6379/0",
        "ha-default",
    )
    assert (config.capacity, config.claim_timeout, config.max_deliveries) == (7, 12.5, 5)
    assert config.transcripts_stream == "sat:text"
    assert config.results_stream == "intents:recognized"
    assert config.dead_letter_stream == "voice:dead-letter"
    assert config.group == "llm-intent"  # blank means default
    assert config.consumer == "ha-default"
