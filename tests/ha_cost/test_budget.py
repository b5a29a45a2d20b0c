"""Budgets in a real HA: alerts at 80 % and 100 %, local answers over budget, restore."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.llm_intent.const import EVENT_BUDGET_ALERT

from ..fake_provider import FakeProviderServer, RecordedRequest, Reply
from ..ha.conftest import CorrectModel, HomeCalls
from .helpers import entity_id, provider_entry, say

COMMANDS = [
    "uruchom tryb sprzatania w calym domu",
    "zrob tak zeby w kuchni bylo jasno",
    "chce miec jasno w sypialni",
    "niech w salonie bedzie jasno",
    "prosze o swiatlo w lazience",
]


class ExpensiveModel(CorrectModel):
    """Reports a large, fixed usage so each request's cost is known exactly."""

    def __call__(self, request: RecordedRequest) -> Reply:
        reply = super().__call__(request)
        return Reply(content=reply.content, input_tokens=20_000, output_tokens=100)


async def test_budget_alerts_enforcement_and_restore(
    hass: HomeAssistant, polish_home: HomeCalls, fake_provider: FakeProviderServer
) -> None:
    model = ExpensiveModel()
    model.teach(COMMANDS[0], "HassTurnOn", area="Salon", domain="light")
    model.teach(COMMANDS[1], "HassTurnOn", area="Kuchnia", domain="light")
    model.teach(COMMANDS[2], "HassTurnOn", area="Sypialnia", domain="light")
    model.teach(COMMANDS[3], "HassTurnOn", area="Salon", domain="light")
    model.teach(COMMANDS[4], "HassTurnOn", area="Łazienka", domain="light")
    fake_provider.default_handler = model
    entry = await provider_entry(hass, fake_provider, daily_budget=0.0075, monthly_budget=10)
    alerts = async_capture_events(hass, EVENT_BUDGET_ALERT)
    cost_today = entity_id(hass, entry, "sensor:cost_today")
    exceeded = entity_id(hass, entry, "binary_sensor:budget_exceeded")
    daily = entity_id(hass, entry, "number:daily_budget")

    # One request costs 20,000 × $0.15/M + 100 × $0.60/M = $0.00306.
    first = await say(hass, COMMANDS[0])
    assert first["path"] == "llm", first
    assert first["cost_usd"] == "0.003060"
    assert alerts == []
    await say(hass, COMMANDS[1])  # $0.00612 of $0.0075: 81.6 %
    assert [(e.data["level"], e.data["period"]) for e in alerts] == [(80, "day")]
    await say(hass, COMMANDS[2])  # $0.00918: over the limit
    assert [e.data["level"] for e in alerts] == [80, 100]
    assert float(hass.states.get(cost_today).state) == 0.00918
    assert hass.states.get(exceeded).state == "on"

    sent = fake_provider.count
    over = await say(hass, COMMANDS[3])
    assert fake_provider.count == sent, "no request may reach the provider over budget"
    assert over["path"] in ("fallback", "none")
    assert over["cost_usd"] == "0"

    await hass.services.async_call(
        "number", "set_value", {"entity_id": daily, "value": 1}, blocking=True
    )
    assert hass.states.get(exceeded).state == "off"
    again = await say(hass, COMMANDS[4])
    assert again["path"] == "llm"
    assert fake_provider.count == sent + 1
    assert len(alerts) == 2, "each level alerts once per period"

    # After a reload (as after a restart) today's totals come back from the ledger.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert float(hass.states.get(cost_today).state) == 0.01224
    await hass.config_entries.async_unload(entry.entry_id)
