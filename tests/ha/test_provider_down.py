"""With the provider unreachable, basic Polish commands still work on the local matcher.

The entry is configured for the fake OpenAI-compatible server, which is stopped
before the commands: every request the agent tries gets "connection refused".
Commands the local matcher fully understands never try; the rest fall back to
it after the provider fails. Either way the right device changes and the answer
is Polish.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant
import pytest

from ..fake_provider import FakeProviderServer
from .conftest import HomeCalls, recognize
from .test_local_commands import LOCAL_COMMANDS

# entity_id, state before, command, state after
MORE_COMMANDS = [
    ("light.kuchnia", "on", "wylacz swiatlo w kuchni", "off"),
    ("light.sypialnia", "on", "zgas swiatlo w sypialni", "off"),
    ("cover.salon", "open", "zamknij rolety w salonie", "closed"),
    ("switch.ekspres", "on", "wylacz ekspres do kawy", "off"),
    ("fan.lazienka", "on", "wylacz wyciag w lazience prosze", "off"),
]


async def _stop(fake_provider: FakeProviderServer) -> None:
    await fake_provider.stop()


@pytest.mark.parametrize(("text", "entity_id", "state"), LOCAL_COMMANDS)
async def test_command_works_while_the_provider_is_down(
    hass: HomeAssistant,
    openai_entry: object,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
    text: str,
    entity_id: str,
    state: str,
) -> None:
    await _stop(fake_provider)
    if entity_id.startswith("lock."):
        hass.states.async_set(entity_id, "unlocked", {"friendly_name": "Drzwi tarasowe"})

    outcome = await recognize(hass, text)

    assert outcome["path"] in ("local", "fallback"), outcome
    assert hass.states.get(entity_id).state == state, outcome["speech"]
    assert outcome["success"] is True
    assert outcome["speech"].startswith(("Włączono", "Otwarto", "Zamknięto")), outcome["speech"]


@pytest.mark.parametrize(("entity_id", "before", "text", "after"), MORE_COMMANDS)
async def test_more_commands_while_the_provider_is_down(
    hass: HomeAssistant,
    openai_entry: object,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
    entity_id: str,
    before: str,
    text: str,
    after: str,
) -> None:
    await _stop(fake_provider)
    current = hass.states.get(entity_id)
    hass.states.async_set(entity_id, before, current.attributes)

    outcome = await recognize(hass, text)

    assert outcome["path"] in ("local", "fallback"), outcome
    assert hass.states.get(entity_id).state == after, outcome["speech"]
    assert outcome["speech"].startswith(("Wyłączono", "Zamknięto")), outcome["speech"]


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("czy drzwi są zamknięte?", "Tak, drzwi wejściowe i drzwi tarasowe są zamknięte."),
        ("ile stopni jest w sypialni?", "W sypialni jest 19 °C."),
        (
            "czy swiatlo w kuchni jest wlaczone",
            "Nie, światło w kuchni i listwa nad blatem są wyłączone.",
        ),
    ],
)
async def test_questions_are_answered_while_the_provider_is_down(
    hass: HomeAssistant,
    openai_entry: object,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
    text: str,
    answer: str,
) -> None:
    await _stop(fake_provider)

    outcome = await recognize(hass, text)

    assert outcome["path"] in ("local", "fallback"), outcome
    assert outcome["speech"] == answer
    assert polish_home.calls == []


async def test_a_wordy_command_falls_back_after_the_provider_fails(
    hass: HomeAssistant,
    openai_entry: object,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
) -> None:
    """Not sure enough to skip the model, so the model is tried first; it is down."""
    await _stop(fake_provider)

    outcome = await recognize(hass, "wlacz mi szybciutko swiatlo w jadalni")

    assert outcome["path"] == "fallback", outcome
    assert outcome["llm_error"] not in (None, "budget", "local_only"), outcome
    assert hass.states.get("light.jadalnia").state == "on"
    assert outcome["speech"] == "Włączono światło w jadalni."


async def test_not_understood_while_down_says_the_model_is_unavailable(
    hass: HomeAssistant,
    openai_entry: object,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
) -> None:
    await _stop(fake_provider)

    outcome = await recognize(hass, "opowiedz mi dowcip o kotach")

    assert outcome["path"] == "none"
    assert polish_home.calls == []
    assert "niedostępny" in outcome["speech"]


def test_at_least_twenty_commands() -> None:
    assert len(LOCAL_COMMANDS) + len(MORE_COMMANDS) >= 20
    assert any(c[0].isascii() for c in LOCAL_COMMANDS), "commands without diacritics"
