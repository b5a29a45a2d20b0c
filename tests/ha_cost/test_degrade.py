"""Degrading before refusing: the cheaper model after the 80 % alert, intents switched off."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant

from ..fake_provider import FakeProviderServer
from ..ha.conftest import CorrectModel, HomeCalls
from .helpers import entity_id, provider_entry, say
from .test_budget import COMMANDS, ExpensiveModel


async def test_the_cheaper_model_takes_over_after_the_80_percent_alert_until_the_next_day(
    hass: HomeAssistant,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    model = ExpensiveModel()
    for text, area in zip(
        COMMANDS, ("Salon", "Kuchnia", "Sypialnia", "Salon", "Łazienka"), strict=True
    ):
        model.teach(text, "HassTurnOn", area=area, domain="light")
    fake_provider.default_handler = model
    entry = await provider_entry(
        hass, fake_provider, daily_budget=0.0075, monthly_budget=10, cheaper_model="gpt-4.1-nano"
    )
    cost_today = entity_id(hass, entry, "sensor:cost_today")
    assert hass.states.get(cost_today).attributes["model"] == "gpt-4o-mini"
    assert hass.states.get(cost_today).attributes["degraded"] is False

    await say(hass, COMMANDS[0])  # $0.00306 of $0.0075
    await say(hass, COMMANDS[1])  # $0.00612: 81.6 %, the alert
    third = await say(hass, COMMANDS[2])
    assert third["path"] == "llm"
    assert third["model"] == "gpt-4.1-nano"
    assert fake_provider.requests[-1].body["model"] == "gpt-4.1-nano"
    # 20,000 × $0.10/M + 100 × $0.40/M at the cheaper model's prices.
    assert third["cost_usd"] == "0.002040"
    attributes = hass.states.get(cost_today).attributes
    assert attributes["degraded"] is True
    assert attributes["model"] == "gpt-4.1-nano"
    assert attributes["cheaper_model"] == "gpt-4.1-nano"
    rows = await entry.runtime_data.ledger.query()
    assert [r.model for r in rows if r.path == "llm"] == [
        "gpt-4o-mini",
        "gpt-4o-mini",
        "gpt-4.1-nano",
    ]

    # A new day: spending starts again below the alert and the main model is back.
    freezer.tick(timedelta(days=1))
    fourth = await say(hass, COMMANDS[3])
    assert fourth["model"] == "gpt-4o-mini"
    assert hass.states.get(cost_today).attributes["degraded"] is False
    await hass.config_entries.async_unload(entry.entry_id)


async def test_a_switched_off_intent_is_neither_offered_nor_matched_locally(
    hass: HomeAssistant,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
    correct_model: CorrectModel,
) -> None:
    entry = await provider_entry(
        hass, fake_provider, prefer_local=True, disabled_intents=["HassTurnOn"]
    )
    sent = fake_provider.count
    # Understood locally while the intent is on (see tests/ha); off, it goes to the model...
    outcome = await say(hass, "włącz światło w kuchni")
    assert outcome["path"] != "local"
    assert fake_provider.count == sent + 1
    system = fake_provider.requests[-1].body["messages"][0]["content"]
    # ...which is not offered it: a reply naming it is not acted on.
    assert "HassTurnOn(" not in system
    assert "HassTurnOff(" in system
    assert outcome["executed"] is False
    assert hass.states.get(entity_id(hass, entry, "sensor:cost_today")).attributes[
        "disabled_intents"
    ] == ["HassTurnOn"]
    await hass.config_entries.async_unload(entry.entry_id)
