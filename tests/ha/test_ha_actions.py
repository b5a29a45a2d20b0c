"""The executor on HA's real intent handlers and services: what it does when things go wrong.

Each case is a recognition the validator could let through but the home cannot
serve as asked; the executor must answer with a reason, never act elsewhere.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import area_registry as ar, intent
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.llm_intent.engine.pipeline import Command
from custom_components.llm_intent.engine.understanding.recognition import Recognition
from custom_components.llm_intent.ha_actions import HAExecutor, _temperature

from .conftest import HomeCalls


def _executor(hass: HomeAssistant, entry: MockConfigEntry) -> HAExecutor:
    return HAExecutor(hass, entry.runtime_data.homes)


async def _run(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    intent_name: str,
    slots: dict[str, Any],
    *,
    entity_ids: tuple[str, ...] = (),
    area_id: str | None = None,
    satellite_area_id: str | None = None,
    text: str = "polecenie",
) -> Any:
    spec = entry.runtime_data.catalogue.get(intent_name)
    assert spec is not None
    rec = Recognition(intent_name, slots, 0.9, area_id=area_id, entity_ids=entity_ids)
    command = Command(text=text, satellite_area_id=satellite_area_id)
    return await _executor(hass, entry).execute(spec, rec, command)


def _area(hass: HomeAssistant, name: str) -> str:
    area = ar.async_get(hass).async_get_area_by_name(name)
    assert area is not None
    return area.id


async def test_a_failing_service_is_an_action_error_not_a_crash(
    hass: HomeAssistant, local_entry: MockConfigEntry, polish_home: HomeCalls
) -> None:
    async def broken(call: ServiceCall) -> None:
        raise HomeAssistantError("device offline")

    hass.services.async_register("climate", "set_hvac_mode", broken)
    result = await _run(hass, local_entry, "ClimateSetMode", {"area": "Salon", "mode": "off"})
    assert (result.success, result.error) == (False, "action_error")


async def test_an_intent_handler_error_is_reported(
    hass: HomeAssistant, local_entry: MockConfigEntry, polish_home: HomeCalls
) -> None:
    class Refusing(intent.IntentHandler):
        intent_type = "HassVacuumStart"

        async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
            raise intent.IntentHandleError("vacuum is stuck")

    intent.async_register(hass, Refusing())
    result = await _run(hass, local_entry, "HassVacuumStart", {"name": "Odkurzacz"})
    assert (result.success, result.error) == (False, "intent_error")


async def test_no_matching_entity_is_no_match(
    hass: HomeAssistant, local_entry: MockConfigEntry, polish_home: HomeCalls
) -> None:
    result = await _run(hass, local_entry, "HassTurnOn", {"name": "Nieistniejąca lampa"})
    assert (result.success, result.error) == (False, "no_match")
    assert not polish_home.calls


async def test_an_error_response_from_the_handler_is_reported(
    hass: HomeAssistant, local_entry: MockConfigEntry, polish_home: HomeCalls
) -> None:
    class Failing(intent.IntentHandler):
        intent_type = "HassMediaNext"

        async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
            response = intent_obj.create_response()
            response.async_set_error(intent.IntentResponseErrorCode.FAILED_TO_HANDLE, "nope")
            return response

    intent.async_register(hass, Failing())
    result = await _run(hass, local_entry, "HassMediaNext", {"name": "Telewizor"})
    assert (result.success, result.error) == (False, "intent_error")


async def test_a_domain_the_handler_cannot_take_is_left_out(
    hass: HomeAssistant, local_entry: MockConfigEntry, polish_home: HomeCalls
) -> None:
    """HassLightSet takes lights only: a switch domain must not fail the whole command."""
    result = await _run(
        hass,
        local_entry,
        "HassLightSet",
        {"area": "Salon", "domain": ["switch"], "brightness": 50},
    )
    assert result.success, result
    assert all(e.startswith("light.") for e in result.entity_ids)


async def test_an_area_with_nothing_to_switch_is_no_match(
    hass: HomeAssistant, local_entry: MockConfigEntry, polish_home: HomeCalls
) -> None:
    """Area-wide "off" in a room without plain on/off devices acts on nothing."""
    result = await _run(hass, local_entry, "HassTurnOff", {"area": "Ogród", "domain": ["lock"]})
    assert result.success is False
    assert not [c for c in polish_home.calls if c.domain == "lock"]


async def test_a_service_with_no_target_is_no_match(
    hass: HomeAssistant, local_entry: MockConfigEntry, polish_home: HomeCalls
) -> None:
    result = await _run(hass, local_entry, "ClimateSetMode", {"area": "Garaż", "mode": "off"})
    assert (result.success, result.error) == (False, "no_match")
    assert not polish_home.calls


async def test_a_service_by_name_acts_on_that_entity_only(
    hass: HomeAssistant, local_entry: MockConfigEntry, polish_home: HomeCalls
) -> None:
    result = await _run(
        hass, local_entry, "ClimateSetMode", {"name": "Termostat sypialnia", "mode": "off"}
    )
    assert result.success
    assert result.entity_ids == ("climate.sypialnia",)


async def test_a_service_by_floor_acts_on_that_floor(
    hass: HomeAssistant, local_entry: MockConfigEntry, polish_home: HomeCalls
) -> None:
    result = await _run(hass, local_entry, "ClimateSetMode", {"floor": "Piętro", "mode": "off"})
    assert result.entity_ids == ("climate.sypialnia",)


async def test_an_unknown_area_name_falls_back_to_the_recognised_area(
    hass: HomeAssistant, local_entry: MockConfigEntry, polish_home: HomeCalls
) -> None:
    result = await _run(
        hass,
        local_entry,
        "ClimateSetMode",
        {"area": "Pokój gościnny", "mode": "off"},
        area_id=_area(hass, "Salon"),
    )
    assert result.entity_ids == ("climate.salon",)


async def test_temperature_step_without_a_current_target_does_nothing(
    hass: HomeAssistant, local_entry: MockConfigEntry, polish_home: HomeCalls
) -> None:
    hass.states.async_set("climate.salon", "heat", {"friendly_name": "Termostat salon"})
    result = await _run(
        hass, local_entry, "ClimateAdjustTemperature", {"area": "Salon", "delta": 1}
    )
    assert (result.success, result.error) == (False, "no_match")
    assert not polish_home.calls


def test_temperature_is_read_from_a_sensor_state_and_garbage_is_none(
    hass: HomeAssistant,
) -> None:
    from homeassistant.core import State

    assert _temperature(State("sensor.t", "21.5")) == 21.5
    assert _temperature(State("sensor.t", "unknown")) is None
    assert _temperature(State("climate.x", "heat", {"current_temperature": [1]})) is None


async def test_an_intent_without_an_action_does_nothing(
    hass: HomeAssistant, local_entry: MockConfigEntry, polish_home: HomeCalls
) -> None:
    from custom_components.llm_intent.engine.understanding.catalogue import IntentSpec

    spec = IntentSpec("Empty", "", {}, {}, {}, {})
    result = await _executor(hass, local_entry).execute(
        spec, Recognition("Empty", {}, 0.9), Command(text="x")
    )
    assert (result.success, result.error) == (False, "no_action")


async def test_a_service_without_a_place_uses_the_satellites_area(
    hass: HomeAssistant, local_entry: MockConfigEntry, polish_home: HomeCalls
) -> None:
    result = await _run(
        hass,
        local_entry,
        "ClimateSetMode",
        {"mode": "off"},
        satellite_area_id=_area(hass, "Sypialnia"),
    )
    assert result.entity_ids == ("climate.sypialnia",)


async def test_area_wide_off_in_an_empty_area_is_no_match(
    hass: HomeAssistant, local_entry: MockConfigEntry, polish_home: HomeCalls
) -> None:
    ar.async_get(hass).async_create("Strych")
    await hass.async_block_till_done()
    result = await _run(hass, local_entry, "HassTurnOff", {"area": "Strych"})
    assert (result.success, result.error) == (False, "no_match")
    assert not polish_home.calls
