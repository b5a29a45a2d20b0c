"""HA's own matching goes through the same gate: it recognises, the integration decides.

With "try HA's own matching first" on (the default), the real built-in agent
understands "unlock the Front Door" and "open the Garage Door"; before, it
also acted on them at once. Now a dangerous recognition becomes the same
"tak"/"yes" question as on every other path, and a harmless one still runs
through HA's own handlers.
"""

from __future__ import annotations

from homeassistant.components import conversation
from homeassistant.core import HomeAssistant
import pytest

from .conftest import ENTRY_DEVICES, HomeCalls, recognize

AGENT = "conversation.llm_intent"


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


async def _say(
    hass: HomeAssistant, text: str, language: str, conversation_id: str | None = None
) -> conversation.ConversationResult:
    return await conversation.async_converse(
        hass, text, conversation_id, None, language=language, agent_id=AGENT
    )


def _speech(result: conversation.ConversationResult) -> str:
    return str(result.response.speech["plain"]["speech"])


DANGEROUS = [
    ("unlock the Front Door", "en", "lock.front_door", "locked", "unlocked"),
    ("open the Garage Door", "en", "cover.garage_door", "closed", "open"),
    ("open the Driveway Gate", "en", "cover.driveway_gate", "closed", "open"),
    ("otwórz Garage Door", "pl", "cover.garage_door", "closed", "open"),
]


@pytest.mark.parametrize(("text", "language", "entity_id", "before", "after"), DANGEROUS)
async def test_builtin_recognition_of_a_dangerous_command_asks_first(
    hass: HomeAssistant,
    local_entry: object,
    entry_devices: HomeCalls,
    text: str,
    language: str,
    entity_id: str,
    before: str,
    after: str,
) -> None:
    asked = await _say(hass, text, language)

    assert _state(hass, entity_id) == before, _speech(asked)
    assert entry_devices.for_entity(entity_id) == []
    assert asked.continue_conversation is True
    yes = "tak" if language == "pl" else "yes"

    await _say(hass, yes, language, asked.conversation_id)

    assert _state(hass, entity_id) == after


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("set the Garage Door position to 100", "en"),
        ("set Garage Door to 50%", "en"),
        ("ustaw Garage Door na 100%", "pl"),
        ("ustaw pozycję Garage Door na 100", "pl"),
    ],
)
async def test_a_position_command_for_the_garage_door_asks_first(
    hass: HomeAssistant,
    local_entry: object,
    entry_devices: HomeCalls,
    text: str,
    language: str,
) -> None:
    asked = await _say(hass, text, language)

    assert entry_devices.for_entity("cover.garage_door") == [], _speech(asked)
    assert _state(hass, "cover.garage_door") == "closed"


async def test_the_recognize_action_asks_too(
    hass: HomeAssistant, local_entry: object, entry_devices: HomeCalls
) -> None:
    asked = await recognize(hass, "unlock the Front Door", "en", conversation_id="r")

    assert asked["asked"] is True, asked
    assert _state(hass, "lock.front_door") == "locked"


async def test_harmless_builtin_commands_still_run_through_ha(
    hass: HomeAssistant, local_entry: object, entry_devices: HomeCalls
) -> None:
    blinds = await _say(hass, "open the Patio Blinds", "en")
    lock = await _say(hass, "lock the Front Door", "en")

    assert _state(hass, "cover.patio_blinds") == "open", _speech(blinds)
    assert entry_devices.for_entity("lock.front_door"), _speech(lock)
    assert blinds.continue_conversation is False


async def test_closing_the_garage_door_needs_no_question(
    hass: HomeAssistant, local_entry: object, entry_devices: HomeCalls
) -> None:
    hass.states.async_set(
        "cover.garage_door",
        "open",
        {**ENTRY_DEVICES["cover.garage_door"][2], "friendly_name": "Garage Door"},
    )

    closed = await _say(hass, "close the Garage Door", "en")

    assert _state(hass, "cover.garage_door") == "closed", _speech(closed)
