"""Sensors after a restart agree with each other and with what happened before it."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from ..fake_provider import ErrorReply, FakeProviderServer
from ..ha.conftest import CorrectModel, HomeCalls
from .helpers import entity_id, provider_entry, say
from .restart import number_restore, restarted_after_crash
from .test_budget import COMMANDS, ExpensiveModel

TEXT = "zrob tak zeby w kuchni bylo jasno"
UNKNOWN = "zaspiewaj mi cos o kuchni"
PATIENT = {"request_timeout": 30}


async def test_cache_ratio_and_not_understood_survive_a_restart(
    hass: HomeAssistant, polish_home: HomeCalls, fake_provider: FakeProviderServer
) -> None:
    model = CorrectModel()
    model.teach(TEXT, "HassTurnOn", area="Kuchnia", domain="light")
    fake_provider.default_handler = model
    entry = await provider_entry(hass, fake_provider, **PATIENT)
    ratio = entity_id(hass, entry, "sensor:cache_hit_ratio")
    not_understood = entity_id(hass, entry, "sensor:not_understood_today")
    assert (await say(hass, TEXT))["path"] == "llm"
    assert (await say(hass, TEXT))["path"] == "cache"
    assert (await say(hass, UNKNOWN))["understood"] is False
    before = (hass.states.get(ratio).state, hass.states.get(not_understood).state)
    assert before == ("33.33", "1")

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert (hass.states.get(ratio).state, hass.states.get(not_understood).state) == before

    # Hits and lookups go on counting together: the ratio stays a share.
    await say(hass, TEXT)  # the cache was in memory: a model call again
    assert (await say(hass, TEXT))["path"] == "cache"
    assert float(hass.states.get(ratio).state) == 40.0


async def test_open_breaker_stays_open_after_a_crash(
    hass: HomeAssistant, polish_home: HomeCalls, fake_provider: FakeProviderServer
) -> None:
    model = CorrectModel()
    model.teach(TEXT, "HassTurnOn", area="Kuchnia", domain="light")
    fake_provider.default_handler = model
    options = {"prefer_local": False, **PATIENT}
    entry = await provider_entry(hass, fake_provider, **options)
    sensor = entity_id(hass, entry, "sensor:breaker_openai_compatible")
    # Two commands, each tried 4 times: 5 failures open the breaker (30 s cooldown).
    fake_provider.script(*[ErrorReply(500)] * 8)
    for _ in range(2):
        await say(hass, TEXT)
    assert hass.states.get(sensor).state == "open"
    await hass.async_block_till_done()
    sent = fake_provider.chat_calls()

    async with restarted_after_crash(hass, entry, options=options) as (again, restarted):
        assert again.states.get(sensor).state == "open"
        breaker = restarted.runtime_data.llm.router.routes[0].breaker
        assert 20 < breaker.seconds_until_probe() <= 30
        answer = await say(again, TEXT)
        assert fake_provider.chat_calls() == sent, "no request to a provider still cooling down"
        assert answer["llm_error"] == "circuit_open", answer


async def test_budget_exceeded_is_right_from_the_start(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
) -> None:
    """A limit restored from HA's restore state (as before limits were stored) refreshes
    the exceeded flag and the remaining budget at once."""
    model = ExpensiveModel()
    model.teach(COMMANDS[0], "HassTurnOn", area="Salon", domain="light")
    model.teach(COMMANDS[1], "HassTurnOn", area="Kuchnia", domain="light")
    fake_provider.default_handler = model
    options = {"prefer_local": False, "daily_budget": 0.005, **PATIENT}
    entry = await provider_entry(hass, fake_provider, **options)
    daily = entity_id(hass, entry, "number:daily_budget")
    exceeded = entity_id(hass, entry, "binary_sensor:budget_exceeded")
    remaining = entity_id(hass, entry, "sensor:budget_remaining_today")
    await say(hass, COMMANDS[0])
    await say(hass, COMMANDS[1])  # $0.00612 of $0.005
    assert hass.states.get(exceeded).state == "on"
    await hass.async_block_till_done()
    # Nothing stored by this version yet: only the restore state knows the limit.
    hass_storage.pop(f"llm_intent.{entry.entry_id}", None)

    raised = [number_restore(daily, 2.0, 1000)]
    async with restarted_after_crash(hass, entry, options=options, restore=raised) as (again, _):
        assert float(again.states.get(daily).state) == 2.0
        assert again.states.get(exceeded).state == "off"
        assert float(again.states.get(remaining).state) == 2.0 - 0.00612
