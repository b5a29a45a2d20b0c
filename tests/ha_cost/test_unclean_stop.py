"""After an unclean stop: budgets as the user last set them, ledger rows intact, sensors right."""

from __future__ import annotations

from homeassistant.core import HomeAssistant

from ..fake_provider import FakeProviderServer
from ..ha.conftest import HomeCalls
from .helpers import entity_id, provider_entry, say
from .restart import number_restore, restarted_after_crash
from .test_budget import COMMANDS, ExpensiveModel

# One command costs 20,000 × $0.15/M + 100 × $0.60/M = $0.00306 (see test_budget).
ONE_COMMAND = 0.00306
# A loaded test machine must not turn a paid answer into a timeout.
PATIENT = {"request_timeout": 30}


def _expensive_model() -> ExpensiveModel:
    model = ExpensiveModel()
    model.teach(COMMANDS[0], "HassTurnOn", area="Salon", domain="light")
    model.teach(COMMANDS[1], "HassTurnOn", area="Kuchnia", domain="light")
    model.teach(COMMANDS[2], "HassTurnOn", area="Sypialnia", domain="light")
    model.teach(COMMANDS[3], "HassTurnOn", area="Salon", domain="light")
    model.teach(COMMANDS[4], "HassTurnOn", area="Łazienka", domain="light")
    return model


async def test_daily_budget_set_before_a_crash_is_kept_and_enforced(
    hass: HomeAssistant, polish_home: HomeCalls, fake_provider: FakeProviderServer
) -> None:
    fake_provider.default_handler = _expensive_model()
    options = {"prefer_local": False, "daily_budget": 1.0, "monthly_budget": 10.0, **PATIENT}
    entry = await provider_entry(hass, fake_provider, **options)
    daily = entity_id(hass, entry, "number:daily_budget")
    exceeded = entity_id(hass, entry, "binary_sensor:budget_exceeded")
    remaining = entity_id(hass, entry, "sensor:budget_remaining_today")
    for text in COMMANDS[:4]:
        answer = await say(hass, text)
        assert answer["path"] == "llm", answer
    # $0.01224 spent; the user lowers today's limit below that.
    await hass.services.async_call(
        "number", "set_value", {"entity_id": daily, "value": 0.01}, blocking=True
    )
    assert hass.states.get(exceeded).state == "on"
    await hass.async_block_till_done()
    sent = fake_provider.chat_calls()

    # The last restore-state dump was taken before the change: it holds the old 1.0.
    stale = number_restore(daily, 1.0, 1000)
    async with restarted_after_crash(hass, entry, options=options, restore=[stale]) as (
        again,
        restarted,
    ):
        assert float(again.states.get(daily).state) == 0.01
        assert restarted.options["daily_budget"] == 0.01, "the options form shows it too"
        # Every dependent sensor is right from the start, not after the next command.
        assert again.states.get(exceeded).state == "on"
        assert float(again.states.get(remaining).state) == 0
        assert restarted.runtime_data.budget.state().daily_limit is not None
        over = await say(again, COMMANDS[4])
        assert fake_provider.chat_calls() == sent, "the limit set before the crash is enforced"
        assert over["path"] in ("fallback", "none")

        rows = await restarted.runtime_data.ledger.query()
        assert sum(1 for row in rows if row.path == "llm") == sent == 4
        cost_today = entity_id(again, restarted, "sensor:cost_today")
        assert float(again.states.get(cost_today).state) == round(4 * ONE_COMMAND, 6)


async def test_limit_raised_before_a_crash_is_kept(
    hass: HomeAssistant, polish_home: HomeCalls, fake_provider: FakeProviderServer
) -> None:
    fake_provider.default_handler = _expensive_model()
    options = {"prefer_local": False, "daily_budget": 0.005, "monthly_budget": 10.0, **PATIENT}
    entry = await provider_entry(hass, fake_provider, **options)
    daily = entity_id(hass, entry, "number:daily_budget")
    monthly = entity_id(hass, entry, "number:monthly_budget")
    exceeded = entity_id(hass, entry, "binary_sensor:budget_exceeded")
    await say(hass, COMMANDS[0])
    await say(hass, COMMANDS[1])  # $0.00612 of $0.005: over
    assert hass.states.get(exceeded).state == "on"
    await hass.services.async_call(
        "number", "set_value", {"entity_id": daily, "value": 2.5}, blocking=True
    )
    await hass.services.async_call(
        "number", "set_value", {"entity_id": monthly, "value": 7}, blocking=True
    )
    assert hass.states.get(exceeded).state == "off"
    stale = [number_restore(daily, 0.005, 1000), number_restore(monthly, 10.0, 10000)]
    async with restarted_after_crash(hass, entry, options=options, restore=stale) as (again, _):
        assert float(again.states.get(daily).state) == 2.5
        assert float(again.states.get(monthly).state) == 7
        assert again.states.get(exceeded).state == "off"
        sent = fake_provider.chat_calls()
        assert (await say(again, COMMANDS[2]))["path"] == "llm"
        assert fake_provider.chat_calls() == sent + 1


async def test_options_form_budget_replaces_the_stored_one(
    hass: HomeAssistant, polish_home: HomeCalls, fake_provider: FakeProviderServer
) -> None:
    entry = await provider_entry(hass, fake_provider, daily_budget=1.0)
    daily = entity_id(hass, entry, "number:daily_budget")
    await hass.services.async_call(
        "number", "set_value", {"entity_id": daily, "value": 0.5}, blocking=True
    )
    assert entry.options["daily_budget"] == 0.5, "the options form shows the limit in force"

    flow = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        flow["flow_id"], {"daily_budget": 3, "monthly_budget": 20}
    )
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()  # the entry reloads with the new options
    assert float(hass.states.get(daily).state) == 3
    assert entry.runtime_data.budget.state().monthly_limit == 20

    async with restarted_after_crash(hass, entry, options=dict(entry.options)) as (again, _):
        assert float(again.states.get(daily).state) == 3
