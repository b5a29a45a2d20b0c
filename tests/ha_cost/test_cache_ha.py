"""The recognition cache in a real HA: shared when context-free, per room when not."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.llm_intent.const import DOMAIN

from ..fake_provider import FakeProviderServer, RecordedRequest, Reply
from ..ha.conftest import HomeCalls
from ..redis_server import RedisServer
from .helpers import provider_entry, say

CONTEXT_FREE = "zrob tak zeby w kuchni bylo jasno"
CONTEXTUAL = "zrob tu jasno"


def _user_message(request: RecordedRequest) -> str:
    for message in request.body.get("messages", []):
        content = message.get("content")
        if isinstance(content, str) and "COMMAND:" in content:
            return content
    return ""


class RoomAwareModel:
    """Answers like a correct model, taking "here" from the satellite's area."""

    def __call__(self, request: RecordedRequest) -> Reply:
        message = _user_message(request)
        area = "Kuchnia"
        if "COMMAND: " + CONTEXTUAL in message:
            area = message.split("satellite area: ", 1)[1].split(";")[0].split("\n")[0]
        return Reply(
            content={
                "intent": "HassTurnOn",
                "slots": {"area": area, "domain": "light"},
                "confidence": 0.95,
                "clarify_question": None,
            }
        )


async def _entry(
    hass: HomeAssistant, server: FakeProviderServer, **options: Any
) -> MockConfigEntry:
    server.default_handler = RoomAwareModel()
    return await provider_entry(hass, server, **options)


def _area(hass: HomeAssistant, name: str) -> str:
    area = ar.async_get(hass).async_get_area_by_name(name)
    assert area is not None
    return area.id


async def _check_sharing_and_context(hass: HomeAssistant, server: FakeProviderServer) -> None:
    salon, sypialnia, kuchnia = (_area(hass, n) for n in ("Salon", "Sypialnia", "Kuchnia"))
    first = await say(hass, CONTEXT_FREE, salon)
    second = await say(hass, CONTEXT_FREE, sypialnia)
    assert (first["path"], second["path"]) == ("llm", "cache")
    assert second["slots"]["area"] == "Kuchnia"
    assert server.chat_calls() == 1, "a context-free command is one LLM call from any room"

    kitchen = await say(hass, CONTEXTUAL, kuchnia)
    bedroom = await say(hass, CONTEXTUAL, sypialnia)
    assert (kitchen["path"], bedroom["path"]) == ("llm", "llm")
    assert kitchen["slots"]["area"] == "Kuchnia"
    assert bedroom["slots"]["area"] == "Sypialnia", "never the kitchen for the bedroom"
    assert server.chat_calls() == 3
    again = await say(hass, CONTEXTUAL, kuchnia)
    assert again["path"] == "cache"
    assert again["slots"]["area"] == "Kuchnia"


async def test_memory_cache_shares_context_free_and_separates_rooms(
    hass: HomeAssistant, polish_home: HomeCalls, fake_provider: FakeProviderServer
) -> None:
    entry = await _entry(hass, fake_provider)
    await _check_sharing_and_context(hass, fake_provider)

    # Renaming an area changes what names mean: old entries no longer apply.
    ar.async_get(hass).async_update(_area(hass, "Salon"), name="Salon duży")
    await hass.async_block_till_done()
    after = await say(hass, CONTEXT_FREE)
    assert after["path"] == "llm"

    await hass.services.async_call(DOMAIN, "clear_cache", {}, blocking=True)
    cleared = await say(hass, CONTEXT_FREE)
    assert cleared["path"] == "llm"
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize("redis_server", [{}], indirect=True)
async def test_redis_cache_degrades_to_memory_when_redis_goes_away(
    hass: HomeAssistant,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
    redis_server: RedisServer,
) -> None:
    entry = await _entry(hass, fake_provider, redis_url=redis_server.url)
    await _check_sharing_and_context(hass, fake_provider)
    assert entry.runtime_data.cache is not None
    assert entry.runtime_data.cache.stats().backend == "redis"

    redis_server.stop()
    during = await say(hass, "zrob tak zeby w sypialni bylo jasno")
    assert during["path"] == "llm"
    assert during["success"], "a lost Redis never fails a command"
    cached = await say(hass, "zrob tak zeby w sypialni bylo jasno")
    assert cached["path"] == "cache"
    assert entry.runtime_data.cache.stats().backend == "memory"
    await hass.config_entries.async_unload(entry.entry_id)


async def test_unpriced_model_raises_a_repair_and_stays_local(
    hass: HomeAssistant, polish_home: HomeCalls, fake_provider: FakeProviderServer
) -> None:
    fake_provider.default_handler = RoomAwareModel()
    entry = await provider_entry(hass, fake_provider, model="my-finetune-7b")
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"unpriced_model_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_placeholders == {"model": "my-finetune-7b"}
    answer = await say(hass, "włącz światło w kuchni")
    assert answer["path"] in ("local", "fallback")
    assert fake_provider.chat_calls() == 0, "an unpriced model is over budget, never free"
    await hass.config_entries.async_unload(entry.entry_id)


async def test_cost_report_action_returns_the_ledger_by_day(
    hass: HomeAssistant, polish_home: HomeCalls, fake_provider: FakeProviderServer
) -> None:
    entry = await _entry(hass, fake_provider)
    await say(hass, CONTEXT_FREE)
    await say(hass, CONTEXT_FREE)
    await entry.runtime_data.ledger.flush()
    report = await hass.services.async_call(
        DOMAIN, "cost_report", {}, blocking=True, return_response=True
    )
    assert isinstance(report, dict)
    rows = report["rows"]
    llm_rows = [r for r in rows if r["provider"]]
    assert [(r["provider"], r["model"], r["requests"]) for r in llm_rows] == [
        ("openai_compatible", "gpt-4o-mini", 1)
    ]
    assert sum(r["requests"] for r in rows) == 2
    assert sum(r["cache_hits"] for r in rows) == 1
    assert float(llm_rows[0]["cost_usd"]) > 0
    await hass.config_entries.async_unload(entry.entry_id)
