"""A Home Assistant start after an unclean stop (``kill -9``, power loss), on the test harness.

The first instance is simply abandoned: none of its shutdown runs, so nothing is
unloaded, no restore state is dumped and no delayed store write happens. A second
instance starts on the same config folder (the ledger file) and the same stored
data (``hass_storage``), with the config entry as it was last written to disk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from homeassistant import loader
from homeassistant.core import HomeAssistant, State
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
    mock_restore_cache_with_extra_data,
)

from custom_components.llm_intent.const import DOMAIN


@asynccontextmanager
async def restarted_after_crash(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    *,
    options: Mapping[str, Any],
    restore: Sequence[tuple[State, Mapping[str, Any]]] = (),
) -> AsyncIterator[tuple[HomeAssistant, MockConfigEntry]]:
    """A new HA with ``entry`` set up again; yields it and the entry.

    ``options`` are the entry's options as last saved to disk (HA saves config
    entries a second after a change, so a crash can lose the latest), and
    ``restore`` is what HA's last periodic restore-state dump held.
    """
    async with async_test_home_assistant(config_dir=hass.config.config_dir) as again:
        again.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        await again.config.async_set_time_zone(hass.config.time_zone)
        again.config.language = hass.config.language
        if restore:
            mock_restore_cache_with_extra_data(again, restore)
        assert await async_setup_component(again, "homeassistant", {})
        restarted = MockConfigEntry(
            domain=DOMAIN,
            entry_id=entry.entry_id,
            title=entry.title,
            data=dict(entry.data),
            options=dict(options),
        )
        restarted.add_to_hass(again)
        assert await again.config_entries.async_setup(restarted.entry_id)
        await again.async_block_till_done()
        try:
            yield again, restarted
        finally:
            await again.config_entries.async_unload(restarted.entry_id)
            await again.async_stop(force=True)


def number_restore(entity_id: str, value: float, maximum: float) -> tuple[State, dict[str, Any]]:
    """A budget number as a restore-state dump stores it."""
    return (
        State(entity_id, str(value)),
        {
            "native_max_value": maximum,
            "native_min_value": 0,
            "native_step": 0.01,
            "native_unit_of_measurement": "USD",
            "native_value": value,
        },
    )
