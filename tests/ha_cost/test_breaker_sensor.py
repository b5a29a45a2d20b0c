"""The circuit breaker sensor in a real HA: closed → open → half_open → closed."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.llm_intent.const import DOMAIN, EVENT_CIRCUIT_CHANGED

from ..fake_provider import OPENAI_KEY, ErrorReply, FakeProviderServer
from ..ha.conftest import CorrectModel, HomeCalls

TEXT = "zrob tak zeby w kuchni bylo jasno"


async def _say(hass: HomeAssistant) -> dict[str, object]:
    result = await hass.services.async_call(
        DOMAIN,
        "recognize",
        {"text": TEXT, "language": "pl"},
        blocking=True,
        return_response=True,
    )
    assert isinstance(result, dict)
    return result


async def test_breaker_sensor_walks_through_every_state(
    hass: HomeAssistant,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
) -> None:
    model = CorrectModel()
    model.teach(TEXT, "HassTurnOn", area="Kuchnia", domain="light")
    fake_provider.default_handler = model
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={
            "provider": "openai_compatible",
            "base_url": fake_provider.openai_base_url,
            "api_key": OPENAI_KEY,
            "model": "gpt-4o-mini",
        },
        options={"prefer_local": False, "request_timeout": 30},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    changes = async_capture_events(hass, EVENT_CIRCUIT_CHANGED)
    sensor = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{entry.entry_id}_breaker_openai_compatible"
    )
    assert sensor is not None
    assert hass.states.get(sensor).state == "closed"

    # Two commands: each is tried 4 times (1 + 3 retries), so 5 failures open it.
    fake_provider.script(*[ErrorReply(500)] * 8)
    for _ in range(2):
        answer = await _say(hass)
        assert answer["speech"], "a failing provider still gets the user an answer"
    assert hass.states.get(sensor).state == "open"
    sent = fake_provider.count
    await _say(hass)
    assert fake_provider.count == sent, "an open breaker sends nothing"

    # The breaker measures its 30 s cooldown on the monotonic clock, which the
    # harness cannot move without also freezing the event loop: age the opening.
    breaker = entry.runtime_data.llm.router.routes[0].breaker  # type: ignore[union-attr]
    breaker._opened_at -= 31  # noqa: SLF001
    fake_provider.reset()
    answer = await _say(hass)
    assert answer["path"] == "llm", answer
    assert hass.states.get(sensor).state == "closed"
    states = [(e.data["old"], e.data["new"]) for e in changes]
    assert states == [("closed", "open"), ("open", "half_open"), ("half_open", "closed")]
    await hass.config_entries.async_unload(entry.entry_id)
