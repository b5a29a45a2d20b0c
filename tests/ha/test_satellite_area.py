"""Where a command comes from: the satellite's area (else its device's), and its chat log."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar, device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.llm_intent.chat_log import satellite_area

from .conftest import HomeCalls


def _area(hass: HomeAssistant, name: str) -> str:
    area = ar.async_get(hass).async_get_area_by_name(name)
    assert area is not None
    return area.id


async def test_satellite_area_comes_from_the_entity_then_its_device(
    hass: HomeAssistant, polish_home: HomeCalls
) -> None:
    source = MockConfigEntry(domain="test")
    source.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=source.entry_id, identifiers={("test", "sat")}
    )
    dr.async_get(hass).async_update_device(device.id, area_id=_area(hass, "Sypialnia"))
    entities = er.async_get(hass)
    placed = entities.async_get_or_create("assist_satellite", "test", "kitchen_sat")
    entities.async_update_entity(placed.entity_id, area_id=_area(hass, "Kuchnia"))
    on_device = entities.async_get_or_create(
        "assist_satellite", "test", "bedroom_sat", device_id=device.id
    )

    assert satellite_area(hass, None, placed.entity_id) == _area(hass, "Kuchnia")
    # The entity's own area wins over its device's.
    assert satellite_area(hass, device.id, placed.entity_id) == _area(hass, "Kuchnia")
    assert satellite_area(hass, None, on_device.entity_id) == _area(hass, "Sypialnia")
    assert satellite_area(hass, device.id, None) == _area(hass, "Sypialnia")
    assert satellite_area(hass, None, "assist_satellite.unknown") is None
    assert satellite_area(hass, None, None) is None


def test_a_command_without_a_chat_log_has_no_earlier_messages() -> None:
    """Commands from the action, the HTTP API or the bridge come without HA's chat log."""
    from custom_components.llm_intent.chat_log import earlier_messages

    assert earlier_messages(None) == ()
