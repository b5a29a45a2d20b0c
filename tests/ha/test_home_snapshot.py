"""The agent's view of the home follows exposure changes HA makes without registry events."""

from __future__ import annotations

from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component

from custom_components.llm_intent.ha_home import HomeSnapshots


async def test_unexposing_an_entity_without_a_registry_entry_hides_it(
    hass: HomeAssistant,
) -> None:
    # Bug caught: only registry events rebuilt the snapshot, so an entity with no
    # registry entry stayed visible (and its cached recognitions valid) after
    # the user stopped exposing it.
    assert await async_setup_component(hass, "homeassistant", {})
    hass.states.async_set("light.bez_rejestru", "off", {"friendly_name": "Lampa ogrodowa"})
    snapshots = HomeSnapshots(hass)
    snapshots.async_start()
    try:
        before = snapshots.home()
        assert "light.bez_rejestru" in before.entity_by_id

        async_expose_entity(hass, "conversation", "light.bez_rejestru", False)

        after = snapshots.home()
        assert "light.bez_rejestru" not in after.entity_by_id
        assert after.version != before.version
    finally:
        snapshots.async_stop()
