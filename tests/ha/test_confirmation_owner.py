"""A pending "tak"/"yes" belongs to the user (and registered device) that caused it.

Another user's "tak" with the same ``conversation_id``, or with the same
device, answers nothing: the door stays locked and the question stays open for
its owner. A ``device_id`` string that is not a device in HA's registry
identifies nobody.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.llm_intent.const import DOMAIN

from .conftest import HomeCalls

AGENT = "conversation.llm_intent"


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


async def _recognize(hass: HomeAssistant, user: MockUser, text: str, **extra: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN,
        "recognize",
        {"text": text, "language": "pl", **extra},
        blocking=True,
        return_response=True,
        context=Context(user_id=user.id),
    )


@pytest.fixture
def satellite(hass: HomeAssistant, local_entry: MockConfigEntry) -> str:
    """A device registered in HA, like a voice satellite."""
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=local_entry.entry_id, identifiers={(DOMAIN, "satellite-hall")}
    )
    return device.id


async def test_another_users_tak_in_the_same_conversation_does_not_unlock(
    hass: HomeAssistant,
    local_entry: object,
    polish_home: HomeCalls,
    hass_admin_user: MockUser,
    hass_read_only_user: MockUser,
) -> None:
    asked = await _recognize(hass, hass_admin_user, "otwórz drzwi wejściowe", conversation_id="c")
    assert asked["asked"] is True

    other = await _recognize(hass, hass_read_only_user, "tak", conversation_id="c")

    assert _state(hass, "lock.drzwi") == "locked", other
    assert other["executed"] is False
    assert polish_home.calls == []

    mine = await _recognize(hass, hass_admin_user, "tak", conversation_id="c")

    assert _state(hass, "lock.drzwi") == "unlocked", mine


async def test_a_free_form_device_id_identifies_nobody(
    hass: HomeAssistant,
    local_entry: object,
    polish_home: HomeCalls,
    hass_admin_user: MockUser,
    hass_read_only_user: MockUser,
) -> None:
    await _recognize(hass, hass_admin_user, "otwórz bramę garażową", device_id="kitchen-tablet")

    other = await _recognize(hass, hass_read_only_user, "tak", device_id="kitchen-tablet")

    assert _state(hass, "cover.brama") == "closed", other
    assert polish_home.calls == []


async def test_another_user_on_the_same_registered_device_cannot_confirm(
    hass: HomeAssistant,
    polish_home: HomeCalls,
    satellite: str,
    hass_admin_user: MockUser,
    hass_read_only_user: MockUser,
) -> None:
    asked = await _recognize(hass, hass_admin_user, "otwórz drzwi wejściowe", device_id=satellite)
    assert asked["asked"] is True

    other = await _recognize(hass, hass_read_only_user, "tak", device_id=satellite)
    assert _state(hass, "lock.drzwi") == "locked", other

    mine = await _recognize(hass, hass_admin_user, "tak", device_id=satellite)
    assert _state(hass, "lock.drzwi") == "unlocked", mine


async def test_the_same_user_on_another_device_cannot_confirm_a_devices_question(
    hass: HomeAssistant,
    polish_home: HomeCalls,
    satellite: str,
    hass_admin_user: MockUser,
) -> None:
    await _recognize(
        hass, hass_admin_user, "otwórz drzwi wejściowe", device_id=satellite, conversation_id="c"
    )

    await _recognize(hass, hass_admin_user, "tak", conversation_id="c")

    assert _state(hass, "lock.drzwi") == "locked"


async def test_a_second_users_yes_after_the_builtin_agent_asked_does_nothing(
    hass: HomeAssistant,
    local_entry: object,
    entry_devices: HomeCalls,
    hass_admin_user: MockUser,
    hass_read_only_user: MockUser,
) -> None:
    asked = await conversation.async_converse(
        hass,
        "unlock the Front Door",
        None,
        Context(user_id=hass_admin_user.id),
        language="en",
        agent_id=AGENT,
    )
    assert asked.continue_conversation is True

    await conversation.async_converse(
        hass,
        "yes",
        asked.conversation_id,
        Context(user_id=hass_read_only_user.id),
        language="en",
        agent_id=AGENT,
    )

    assert _state(hass, "lock.front_door") == "locked"
    assert entry_devices.for_entity("lock.front_door") == []
