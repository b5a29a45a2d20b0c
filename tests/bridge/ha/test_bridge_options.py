"""A bridge that cannot start says why in the log, keeps secrets out of it, and never stops setup."""

from __future__ import annotations

import logging

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.llm_intent.bridge import CONF_BRIDGE_CAPACITY, RUNTIME_KEY
from custom_components.llm_intent.const import CONF_PROVIDER, CONF_REDIS_URL, DOMAIN, PROVIDER_LOCAL

from ...ha.conftest import HomeCalls


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {CONF_REDIS_URL: "redis://127.0.0.1:1", CONF_BRIDGE_CAPACITY: "lots"},
            "invalid bridge options",
        ),
        ({CONF_REDIS_URL: "ftp://user:s3cret-pass@example.invalid"}, "bad Redis URL"),
    ],
)
async def test_bridge_that_cannot_start_is_logged_and_setup_goes_on(
    hass: HomeAssistant,
    polish_home: HomeCalls,
    caplog: pytest.LogCaptureFixture,
    options: dict[str, str],
    message: str,
) -> None:
    caplog.set_level(logging.ERROR, logger="custom_components.llm_intent")
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_PROVIDER: PROVIDER_LOCAL}, options=options)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert RUNTIME_KEY not in entry.runtime_data.extras
    assert message in caplog.text
    assert "s3cret-pass" not in caplog.text
    await hass.config_entries.async_unload(entry.entry_id)
