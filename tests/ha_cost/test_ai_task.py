"""The AI Task entity in a real HA: priced, budgeted, in the ledger, sensors and metrics."""

from __future__ import annotations

from decimal import Decimal
import json
from pathlib import Path
import re
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.llm_intent.ai_task import _ERROR_KEYS
from custom_components.llm_intent.const import DOMAIN
from custom_components.llm_intent.observability import metrics_of

from ..fake_provider import ANTHROPIC_KEY, OPENAI_KEY, FakeProviderServer, RecordedRequest, Reply
from ..observability.helpers import labels, parse_exposition
from .helpers import entity_id

STRUCTURE = {
    "title": {"description": "A short title", "required": True, "selector": {"text": {}}},
    "minutes": {"description": "How long", "selector": {"number": {"min": 0, "max": 120}}},
}
# gpt-4o-mini: 20,000 × $0.15/M + 500 × $0.60/M; claude-haiku-4-5: $1/M in, $5/M out.
COSTS = {
    "openai_compatible": Decimal("0.0033"),
    "anthropic": Decimal("0.0225"),
}


async def task_entry(
    hass: HomeAssistant, fake: FakeProviderServer, kind: str = "openai_compatible", **options: Any
) -> MockConfigEntry:
    assert await async_setup_component(hass, "homeassistant", {})
    if kind == "anthropic":
        data = {
            "provider": "anthropic",
            "base_url": fake.anthropic_base_url,
            "api_key": ANTHROPIC_KEY,
            "model": "claude-haiku-4-5",
        }
    else:
        data = {
            "provider": kind,
            "base_url": fake.openai_base_url,
            "api_key": OPENAI_KEY,
            "model": "gpt-4o-mini",
        }
    entry = MockConfigEntry(domain=DOMAIN, data=data, options=options)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def generate(hass: HomeAssistant, entity: str, **fields: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        "ai_task",
        "generate_data",
        {"entity_id": entity, "task_name": "Plan", **fields},
        blocking=True,
        return_response=True,
    )
    assert isinstance(response, dict)
    return response


def expensive(content: Any) -> Reply:
    return Reply(content=content, input_tokens=20_000, output_tokens=500)


@pytest.mark.parametrize("kind", ["openai_compatible", "anthropic"])
async def test_a_task_is_priced_into_the_ledger_sensors_and_metrics(
    hass: HomeAssistant, fake_provider: FakeProviderServer, kind: str
) -> None:
    entry = await task_entry(hass, fake_provider, kind)
    task = entity_id(hass, entry, "ai_task:ai_task")
    assert task == "ai_task.llm_intent_ai_task"
    fake_provider.script(expensive({"title": "Pranie", "minutes": 45}))

    response = await generate(
        hass, task, instructions="Zaplanuj pranie na dziś.", structure=STRUCTURE
    )

    assert response["data"] == {"title": "Pranie", "minutes": 45}
    cost = COSTS[kind]
    rows = await entry.runtime_data.ledger.query()
    assert [(r.path, r.outcome, r.cost_usd, r.input_tokens, r.output_tokens) for r in rows] == [
        ("ai_task", "success", cost, 20_000, 500)
    ]
    assert rows[0].text is None, "task text stays out of the ledger unless opted in"
    assert Decimal(hass.states.get(entity_id(hass, entry, "sensor:cost_today")).state) == cost
    requests = hass.states.get(entity_id(hass, entry, "sensor:requests_today"))
    assert requests.state == "1"
    assert requests.attributes["ai_task"] == 1
    assert entry.runtime_data.budget.state().spent_day == cost
    metrics = metrics_of(hass)
    assert metrics is not None
    samples = parse_exposition(metrics.render().decode())
    model = "claude-haiku-4-5" if kind == "anthropic" else "gpt-4o-mini"
    assert samples["llm_cost_dollars_total"][labels(provider=kind, model=model)] == float(cost)
    await hass.config_entries.async_unload(entry.entry_id)


async def test_a_text_task_returns_the_text(
    hass: HomeAssistant, fake_provider: FakeProviderServer
) -> None:
    entry = await task_entry(hass, fake_provider)
    fake_provider.script(Reply(content="Dzień dobry!", input_tokens=50, output_tokens=4))

    response = await generate(
        hass, entity_id(hass, entry, "ai_task:ai_task"), instructions="Przywitaj się."
    )

    assert response["data"] == "Dzień dobry!"
    body = fake_provider.requests[-1].body
    assert "response_format" not in body
    assert body["messages"][-1] == {"role": "user", "content": "Przywitaj się."}
    await hass.config_entries.async_unload(entry.entry_id)


async def test_an_answer_outside_the_structure_is_refused_and_still_paid(
    hass: HomeAssistant, fake_provider: FakeProviderServer
) -> None:
    entry = await task_entry(hass, fake_provider)
    # "minutes" above its maximum, and no required title.
    fake_provider.script(expensive({"minutes": 500}))

    with pytest.raises(HomeAssistantError) as caught:
        await generate(
            hass,
            entity_id(hass, entry, "ai_task:ai_task"),
            instructions="Zaplanuj pranie.",
            structure=STRUCTURE,
        )

    assert caught.value.translation_key == "ai_task_invalid_output"
    rows = await entry.runtime_data.ledger.query()
    assert [(r.path, r.outcome, r.cost_usd) for r in rows] == [
        ("ai_task", "failed", COSTS["openai_compatible"])
    ]
    await hass.config_entries.async_unload(entry.entry_id)


async def test_over_budget_a_task_fails_with_a_translated_error_and_sends_nothing(
    hass: HomeAssistant, fake_provider: FakeProviderServer
) -> None:
    entry = await task_entry(hass, fake_provider, daily_budget=0.003, monthly_budget=10)
    task = entity_id(hass, entry, "ai_task:ai_task")
    fake_provider.script(expensive({"title": "Pierwsze"}))
    await generate(hass, task, instructions="Pierwsze zadanie.", structure=STRUCTURE)
    assert hass.states.get(entity_id(hass, entry, "binary_sensor:budget_exceeded")).state == "on"
    sent = fake_provider.count

    with pytest.raises(HomeAssistantError) as caught:
        await generate(hass, task, instructions="Drugie zadanie.", structure=STRUCTURE)

    assert caught.value.translation_domain == DOMAIN
    assert caught.value.translation_key == "ai_task_over_budget"
    assert "budget" in str(caught.value)
    assert fake_provider.count == sent, "no request may reach the provider over budget"
    rows = await entry.runtime_data.ledger.query()
    assert [(r.path, r.outcome, r.cost_usd) for r in rows][-1] == (
        "ai_task",
        "failed",
        Decimal(0),
    )
    # A refused task is not a command the agent failed to understand.
    assert hass.states.get(entity_id(hass, entry, "sensor:not_understood_today")).state == "0"
    assert entry.runtime_data.accounting.today.cache_lookups == 0
    await hass.config_entries.async_unload(entry.entry_id)


async def test_a_task_uses_hass_system_prompt_and_the_instructions(
    hass: HomeAssistant, fake_provider: FakeProviderServer
) -> None:
    entry = await task_entry(hass, fake_provider)
    seen: list[RecordedRequest] = []

    def capture(request: RecordedRequest) -> Reply:
        seen.append(request)
        return Reply(content={"title": "x"})

    fake_provider.default_handler = capture
    await generate(
        hass,
        entity_id(hass, entry, "ai_task:ai_task"),
        instructions="Tytuł?",
        structure=STRUCTURE,
    )

    messages = seen[0].body["messages"]
    assert messages[0]["role"] == "system"
    assert "Home Assistant" in messages[0]["content"]
    assert messages[1] == {"role": "user", "content": "Tytuł?"}
    await hass.config_entries.async_unload(entry.entry_id)


def test_every_ai_task_error_is_translated_in_english_and_polish() -> None:
    folder = Path(__file__).resolve().parents[2] / "custom_components" / "llm_intent"
    keys = {*_ERROR_KEYS.values(), "ai_task_failed"}
    files = [
        folder / "strings.json",
        *(folder / "translations" / f"{x}.json" for x in ("en", "pl")),
    ]
    for file in files:
        exceptions = json.loads(file.read_text(encoding="utf-8"))["exceptions"]
        for key in keys:
            message = exceptions[key]["message"]
            assert message.strip(), (file.name, key)
            english = json.loads(files[0].read_text(encoding="utf-8"))["exceptions"][key]
            assert re.findall(r"{\w+}", message) == re.findall(r"{\w+}", english["message"])
