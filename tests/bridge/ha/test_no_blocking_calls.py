"""Connecting to Redis never blocks Home Assistant's event loop."""

from __future__ import annotations

from homeassistant import block_async_io
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import redis.utils

from custom_components.llm_intent.bridge import CONF_BRIDGE_CONSUMER
from custom_components.llm_intent.const import CONF_REDIS_URL, DOMAIN

from ...fake_provider import OPENAI_KEY, FakeProviderServer
from ...ha.conftest import HomeCalls
from ...redis_server import RedisServer
from ..harness import wait_until


@pytest.fixture
def loop_protection(disable_block_async_io: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """HA's blocking-call detection as a real start enables it, with the checks the
    test harness skips (file reads, directory listings) on too."""
    monkeypatch.setattr(block_async_io, "_IN_TESTS", False)
    block_async_io.enable()
    # A previous test in this process may already have done the one-time work.
    redis.utils.get_lib_version.cache_clear()


async def test_first_redis_connection_does_not_block_the_loop(
    hass: HomeAssistant,
    polish_home: HomeCalls,
    redis_server: RedisServer,
    fake_provider: FakeProviderServer,
    loop_protection: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={
            "provider": "openai_compatible",
            "base_url": fake_provider.openai_base_url,
            "api_key": OPENAI_KEY,
            "model": "gpt-4o-mini",
        },
        options={CONF_REDIS_URL: redis_server.url, CONF_BRIDGE_CONSUMER: "ha-test"},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    bridge = entry.runtime_data.extras["bridge"]
    await wait_until(lambda: bridge.status.connected, "bridge connected")
    cache = entry.runtime_data.cache
    assert cache is not None
    await hass.services.async_call(
        DOMAIN,
        "recognize",
        {"text": "zaspiewaj cos", "language": "pl"},
        blocking=True,
        return_response=True,
    )
    assert "Detected blocking call" not in caplog.text
    await hass.config_entries.async_unload(entry.entry_id)
