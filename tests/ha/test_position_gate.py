"""A position above 0 opens a garage/gate/door cover as surely as "open" does.

``HassSetPosition`` from the model, from the local matcher, or a user
catalogue intent that calls ``cover.set_cover_position``: each needs the
"tak" before a garage-class cover moves. Closing it (position 0) does not.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.llm_intent.const import CONF_PROVIDER, DOMAIN, PROVIDER_LOCAL

from .conftest import CorrectModel, HomeCalls, recognize

CONFIRM_PL = "Powiedz „tak”, aby potwierdzić. Czy na pewno?"


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


async def test_a_model_position_for_the_garage_door_asks_first(
    hass: HomeAssistant,
    openai_entry: object,
    polish_home: HomeCalls,
    correct_model: CorrectModel,
) -> None:
    text = "wyjeżdżam, brama garażowa cała do góry"
    correct_model.teach(text, "HassSetPosition", name="Brama garażowa", position=100)

    asked = await recognize(hass, text, conversation_id="m")

    assert (asked["path"], asked["intent"]) == ("llm", "HassSetPosition"), asked
    assert asked["speech"] == CONFIRM_PL
    assert polish_home.for_entity("cover.brama") == []

    await recognize(hass, "tak", conversation_id="m")

    # The gate has no opinion on how: HA opens a cover without positions fully.
    assert _state(hass, "cover.brama") == "open"


async def test_a_model_position_zero_closes_without_a_question(
    hass: HomeAssistant,
    openai_entry: object,
    polish_home: HomeCalls,
    correct_model: CorrectModel,
) -> None:
    correct_model.teach(
        "opuść bramę garażową do zera", "HassSetPosition", name="Brama garażowa", position=0
    )

    done = await recognize(hass, "opuść bramę garażową do zera", conversation_id="m")

    assert done["asked"] is False, done
    assert [c.service for c in polish_home.for_entity("cover.brama")] == ["set_cover_position"]


@pytest.fixture
def garage_blind(hass: HomeAssistant, polish_home: HomeCalls) -> str:
    """A roller door the local matcher reads as blinds ("roleta"), of the garage class."""
    entity_id = "cover.roleta_garazowa"
    entry = er.async_get(hass).async_get_or_create(
        "cover", "test", "roleta_garazowa", suggested_object_id="roleta_garazowa"
    )
    garage = ar.async_get(hass).async_get_area_by_name("Garaż")
    assert garage is not None
    er.async_get(hass).async_update_entity(
        entry.entity_id, area_id=garage.id, name="Roleta garażowa"
    )
    hass.states.async_set(
        entity_id,
        "closed",
        {
            "friendly_name": "Roleta garażowa",
            "device_class": "garage",
            "current_position": 0,
            "supported_features": 1 | 2 | 4,
        },
    )
    return entity_id


async def test_a_local_position_for_a_garage_class_cover_asks_first(
    hass: HomeAssistant, local_entry: object, polish_home: HomeCalls, garage_blind: str
) -> None:
    asked = await recognize(hass, "ustaw roletę garażową na 100 procent", conversation_id="l")

    assert asked["intent"] == "HassSetPosition", asked
    assert asked["speech"] == CONFIRM_PL
    assert polish_home.for_entity(garage_blind) == []


USER_CATALOGUE = """
intents:
  GarageAjar:
    description: Open the garage door part way.
    slots: {name: entity, position: {type: int, min: 0, max: 100}}
    execute: {service: cover.set_cover_position, data: {position: position}, defaults: {position: 30}}
    responses: {pl: "Uchylono {target}.", en: "Opened {target} a little."}
    local:
      pl: ['^uchyl\\b']
      en: ['^open .* a little$']
"""


@pytest.fixture
async def user_catalogue_entry(
    hass: HomeAssistant, polish_home: HomeCalls
) -> AsyncIterator[MockConfigEntry]:
    Path(hass.config.path("intents.yaml")).write_text(USER_CATALOGUE, encoding="utf-8")
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_PROVIDER: PROVIDER_LOCAL}, title="Local")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


async def test_a_user_catalogue_position_service_for_the_garage_door_asks_first(
    hass: HomeAssistant, user_catalogue_entry: object, polish_home: HomeCalls
) -> None:
    asked = await recognize(hass, "uchyl bramę garażową", conversation_id="u")

    assert asked["intent"] == "GarageAjar", asked
    assert asked["speech"] == CONFIRM_PL
    assert polish_home.for_entity("cover.brama") == []

    await recognize(hass, "tak", conversation_id="u")

    assert [c.data.get("position") for c in polish_home.for_entity("cover.brama")] == [30]
