"""The circuit breaker sensor in a real HA: closed → open → half_open → closed."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.llm_intent.const import EVENT_CIRCUIT_CHANGED

from ..fake_provider import ErrorReply, FakeProviderServer
from ..ha.conftest import CorrectModel, HomeCalls
from .helpers import entity_id, provider_entry, say

TEXT = "zrob tak zeby w kuchni bylo jasno"


async def test_breaker_sensor_walks_through_every_state(
    hass: HomeAssistant,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
) -> None:
    model = CorrectModel()
    model.teach(TEXT, "HassTurnOn", area="Kuchnia", domain="light")
    fake_provider.default_handler = model
    entry = await provider_entry(hass, fake_provider, request_timeout=30)
    changes = async_capture_events(hass, EVENT_CIRCUIT_CHANGED)
    sensor = entity_id(hass, entry, "sensor:breaker_openai_compatible")
    assert hass.states.get(sensor).state == "closed"

    # Two commands: each is tried 4 times (1 + 3 retries), so 5 failures open it.
    fake_provider.script(*[ErrorReply(500)] * 8)
    for _ in range(2):
        answer = await say(hass, TEXT)
        assert answer["speech"], "a failing provider still gets the user an answer"
    assert hass.states.get(sensor).state == "open"
    sent = fake_provider.count
    await say(hass, TEXT)
    assert fake_provider.count == sent, "an open breaker sends nothing"

    # The breaker measures its 30 s cooldown on the monotonic clock, which the
    # harness cannot move without also freezing the event loop: age the opening.
    breaker = entry.runtime_data.llm.router.routes[0].breaker  # type: ignore[union-attr]
    breaker._opened_at -= 31  # noqa: SLF001
    fake_provider.reset()
    answer = await say(hass, TEXT)
    assert answer["path"] == "llm", answer
    assert hass.states.get(sensor).state == "closed"
    states = [(e.data["old"], e.data["new"]) for e in changes]
    assert states == [("closed", "open"), ("open", "half_open"), ("half_open", "closed")]
    await hass.config_entries.async_unload(entry.entry_id)
