"""Unlocking and opening the garage need a "tak"/"yes" within 30 s; disarming is refused.

The rules follow the effect, not the intent's name: a model that answers the
generic ``HassTurnOff`` for a lock gets the same confirmation as ``LockUnlock``.
Time is moved with ``freezer``.
"""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import conversation
from homeassistant.components.intent.const import TIMER_DATA
from homeassistant.core import HomeAssistant
import pytest

from .conftest import CorrectModel, HomeCalls, recognize

AGENT = "conversation.llm_intent"
CONFIRM_PL = "Powiedz „tak”, aby potwierdzić. Czy na pewno?"


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


@pytest.mark.parametrize(
    ("command", "entity_id", "before", "after", "done"),
    [
        ("otwórz drzwi wejściowe", "lock.drzwi", "locked", "unlocked", "Otwarto drzwi wejściowe."),
        ("odblokuj drzwi tarasowe", "lock.taras", "locked", "unlocked", "Otwarto drzwi tarasowe."),
        ("otwórz bramę garażową", "cover.brama", "closed", "open", "Otwarto bramę garażową."),
    ],
)
async def test_needs_tak_and_acts_after_it(
    hass: HomeAssistant,
    local_entry: object,
    polish_home: HomeCalls,
    command: str,
    entity_id: str,
    before: str,
    after: str,
    done: str,
) -> None:
    asked = await recognize(hass, command, conversation_id="c")

    assert asked["speech"] == CONFIRM_PL
    assert _state(hass, entity_id) == before
    assert polish_home.calls == []

    confirmed = await recognize(hass, "tak", conversation_id="c")

    assert _state(hass, entity_id) == after, confirmed
    assert confirmed["speech"] == done


@pytest.mark.parametrize(
    ("command", "entity_id", "before"),
    [
        ("otwórz drzwi wejściowe", "lock.drzwi", "locked"),
        ("otwórz bramę garażową", "cover.brama", "closed"),
    ],
)
async def test_a_late_tak_does_nothing_and_says_so(
    hass: HomeAssistant,
    local_entry: object,
    polish_home: HomeCalls,
    freezer: FrozenDateTimeFactory,
    command: str,
    entity_id: str,
    before: str,
) -> None:
    await recognize(hass, command, conversation_id="c")
    freezer.tick(31)

    late = await recognize(hass, "tak", conversation_id="c")

    assert _state(hass, entity_id) == before
    assert polish_home.calls == []
    assert late["speech"] == "Minęło zbyt dużo czasu na potwierdzenie, więc nic nie zrobiłem."


async def test_tak_inside_the_window_still_works_at_29_seconds(
    hass: HomeAssistant,
    local_entry: object,
    polish_home: HomeCalls,
    freezer: FrozenDateTimeFactory,
) -> None:
    await recognize(hass, "otwórz drzwi wejściowe", conversation_id="c")
    freezer.tick(29)

    await recognize(hass, "tak", conversation_id="c")

    assert _state(hass, "lock.drzwi") == "unlocked"


async def test_nie_cancels(
    hass: HomeAssistant, local_entry: object, polish_home: HomeCalls
) -> None:
    await recognize(hass, "otwórz drzwi wejściowe", conversation_id="c")

    cancelled = await recognize(hass, "nie", conversation_id="c")
    again = await recognize(hass, "tak", conversation_id="c")

    assert cancelled["speech"] == "Anulowano."
    assert _state(hass, "lock.drzwi") == "locked"
    assert polish_home.calls == []
    assert again["executed"] is False


async def test_another_conversation_cannot_confirm(
    hass: HomeAssistant, local_entry: object, polish_home: HomeCalls
) -> None:
    await recognize(hass, "otwórz drzwi wejściowe", conversation_id="c")

    await recognize(hass, "tak", conversation_id="someone-else")

    assert _state(hass, "lock.drzwi") == "locked"


async def test_assist_keeps_listening_for_the_answer(
    hass: HomeAssistant, local_entry: object, polish_home: HomeCalls
) -> None:
    """A satellite only listens again when the answer is a question."""
    asked = await conversation.async_converse(
        hass, "otwórz drzwi wejściowe", None, None, language="pl", agent_id=AGENT
    )
    assert asked.continue_conversation is True
    done = await conversation.async_converse(
        hass, "tak", asked.conversation_id, None, language="pl", agent_id=AGENT
    )
    assert done.response.speech["plain"]["speech"] == "Otwarto drzwi wejściowe."
    assert done.continue_conversation is False
    assert _state(hass, "lock.drzwi") == "unlocked"


async def test_english_unlock_needs_yes(
    hass: HomeAssistant,
    openai_entry: object,
    polish_home: HomeCalls,
    correct_model: CorrectModel,
) -> None:
    correct_model.teach("unlock the front door please", "LockUnlock", name="Drzwi wejściowe")

    asked = await recognize(hass, "unlock the front door please", "en", conversation_id="e")
    assert asked["speech"] == "Say “yes” to confirm. Are you sure?"
    assert _state(hass, "lock.drzwi") == "locked"

    done = await recognize(hass, "yes", "en", conversation_id="e")
    assert _state(hass, "lock.drzwi") == "unlocked"
    assert done["speech"] == "Unlocked Drzwi wejściowe."


async def test_a_generic_turn_off_for_a_lock_needs_the_same_confirmation(
    hass: HomeAssistant,
    openai_entry: object,
    polish_home: HomeCalls,
    correct_model: CorrectModel,
) -> None:
    """HA's HassTurnOff unlocks a lock; answering with it must not skip the "tak"."""
    correct_model.teach(
        "wpuść kuriera przez drzwi wejściowe", "HassTurnOff", name="Drzwi wejściowe"
    )

    asked = await recognize(hass, "wpuść kuriera przez drzwi wejściowe", conversation_id="c")

    assert asked["speech"] == CONFIRM_PL
    assert _state(hass, "lock.drzwi") == "locked"
    await recognize(hass, "tak", conversation_id="c")
    assert _state(hass, "lock.drzwi") == "unlocked"


async def test_a_generic_turn_on_for_the_garage_door_needs_confirmation(
    hass: HomeAssistant,
    openai_entry: object,
    polish_home: HomeCalls,
    correct_model: CorrectModel,
) -> None:
    correct_model.teach("wyjeżdżam, podnieś garaż", "HassTurnOn", name="Brama garażowa")

    asked = await recognize(hass, "wyjeżdżam, podnieś garaż", conversation_id="c")

    assert asked["speech"] == CONFIRM_PL
    assert _state(hass, "cover.brama") == "closed"


@pytest.mark.parametrize("command", ["wyłącz alarm", "rozbrój alarm"])
async def test_disarming_the_alarm_is_refused(
    hass: HomeAssistant, local_entry: object, polish_home: HomeCalls, command: str
) -> None:
    refused = await recognize(hass, command, conversation_id="c")
    await recognize(hass, "tak", conversation_id="c")

    assert refused["speech"] == "Alarmu nie wyłączam głosowo. Użyj aplikacji lub klawiatury."
    assert _state(hass, "alarm_control_panel.alarm") == "armed_away"
    assert polish_home.calls == []


async def test_disarm_through_assist_is_refused_in_english(
    hass: HomeAssistant, local_entry: object, polish_home: HomeCalls
) -> None:
    result = await conversation.async_converse(
        hass, "disarm the alarm", None, None, language="en", agent_id=AGENT
    )

    assert result.response.speech["plain"]["speech"] == (
        "I don't disarm the alarm by voice. Use the app or the keypad."
    )
    assert polish_home.calls == []


async def test_everything_off_in_the_hall_leaves_the_lock_and_the_alarm_alone(
    hass: HomeAssistant, local_entry: object, polish_home: HomeCalls
) -> None:
    hass.states.async_set("light.przedpokoj", "on", {"friendly_name": "Światło przedpokój"})

    done = await recognize(hass, "wyłącz wszystko w przedpokoju")

    assert _state(hass, "light.przedpokoj") == "off", done
    assert _state(hass, "lock.drzwi") == "locked"
    assert _state(hass, "alarm_control_panel.alarm") == "armed_away"
    assert done["speech"] == "Wyłączono wszystko w przedpokoju."


async def test_turn_everything_on_in_the_garage_does_not_open_the_gate(
    hass: HomeAssistant,
    openai_entry: object,
    polish_home: HomeCalls,
    correct_model: CorrectModel,
) -> None:
    correct_model.teach("zapal wszystko co jest w garażu", "HassTurnOn", area="Garaż")

    done = await recognize(hass, "zapal wszystko co jest w garażu")

    assert _state(hass, "light.garaz") == "on", done
    assert _state(hass, "cover.brama") == "closed"


@pytest.mark.parametrize(
    "text",
    [
        "za 5 minut odblokuj drzwi wejściowe",
        "otwórz bramę garażową za 5 minut",
        # The names as stored: HA's own agent understands the command when the timer ends.
        "za 5 minut otwórz Brama garażowa",
    ],
)
async def test_a_command_for_later_never_runs_past_the_gate(
    hass: HomeAssistant, local_entry: object, polish_home: HomeCalls, text: str
) -> None:
    """HA's timers run a delayed command with HA's own agent, which asks nobody for "tak"."""
    await conversation.async_converse(
        hass, text, None, None, language="pl", agent_id="conversation.llm_intent"
    )
    await hass.async_block_till_done()
    assert polish_home.for_entity("lock.drzwi") == []
    assert polish_home.for_entity("cover.brama") == []
    # Nothing left to run later either: no timer holds a command.
    timers = hass.data[TIMER_DATA].timers.values() if TIMER_DATA in hass.data else ()
    assert [t.conversation_command for t in timers if t.conversation_command] == []
