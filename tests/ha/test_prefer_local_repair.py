"""A repair issue warns when an Assist pipeline hands commands to HA's built-in agent first.

With "prefer handling commands locally" on, a pipeline that uses LLM Intent lets
Home Assistant's own agent unlock a lock before LLM Intent is asked; the issue
appears while such a pipeline exists and a lock, alarm or garage/gate/door cover
is exposed, and goes away when either stops being true.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.llm_intent.const import DOMAIN

from .conftest import HomeCalls

AGENT = "conversation.llm_intent"
AT_RISK = ("lock.drzwi", "lock.taras", "alarm_control_panel.alarm", "cover.brama")


@pytest.fixture
async def pipelines(hass: HomeAssistant, polish_home: HomeCalls) -> Any:
    """HA's pipeline store, set up before LLM Intent as in a real installation."""
    assert await async_setup_component(hass, "assist_pipeline", {})
    from homeassistant.components.assist_pipeline.pipeline import KEY_ASSIST_PIPELINE

    return hass.data[KEY_ASSIST_PIPELINE].pipeline_store


async def _add_pipeline(store: Any, name: str, engine: str, prefer_local: bool) -> str:
    item = await store.async_create_item(
        {
            "conversation_engine": engine,
            "conversation_language": "pl",
            "language": "pl",
            "name": name,
            "stt_engine": None,
            "stt_language": None,
            "tts_engine": None,
            "tts_language": None,
            "tts_voice": None,
            "wake_word_entity": None,
            "wake_word_id": None,
            "prefer_local_intents": prefer_local,
        }
    )
    return str(item.id)


@pytest.fixture
async def entry(hass: HomeAssistant, pipelines: Any) -> AsyncIterator[MockConfigEntry]:
    entry = MockConfigEntry(domain=DOMAIN, data={"provider": "local"}, title="Local only")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


def _issues(hass: HomeAssistant) -> list[ir.IssueEntry]:
    return [
        issue
        for (domain, _), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN and issue.translation_key == "prefer_local_intents"
    ]


async def _later(hass: HomeAssistant) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=6))
    await hass.async_block_till_done()


async def test_a_pipeline_preferring_local_with_a_lock_exposed_raises_an_issue(
    hass: HomeAssistant, pipelines: Any, entry: MockConfigEntry
) -> None:
    assert _issues(hass) == []
    pipeline_id = await _add_pipeline(pipelines, "Dom", AGENT, prefer_local=True)
    await _later(hass)

    issues = _issues(hass)
    assert len(issues) == 1
    placeholders = issues[0].translation_placeholders or {}
    assert placeholders["pipelines"] == "Dom"
    for entity_id in AT_RISK:
        assert entity_id in placeholders["entities"]
    assert "cover.salon" not in placeholders["entities"]  # blinds do not open a house
    assert issues[0].severity is ir.IssueSeverity.WARNING

    # Turned off in the pipeline: the issue goes.
    from homeassistant.components.assist_pipeline import async_update_pipeline
    from homeassistant.components.assist_pipeline.pipeline import async_get_pipeline

    await async_update_pipeline(
        hass, async_get_pipeline(hass, pipeline_id), prefer_local_intents=False
    )
    await _later(hass)
    assert _issues(hass) == []


async def test_no_issue_for_a_pipeline_with_another_agent_or_local_handling_off(
    hass: HomeAssistant, pipelines: Any, entry: MockConfigEntry
) -> None:
    await _add_pipeline(pipelines, "Inny", "conversation.home_assistant", prefer_local=True)
    await _add_pipeline(pipelines, "Dom", AGENT, prefer_local=False)
    await _later(hass)
    assert _issues(hass) == []


async def test_the_issue_goes_when_nothing_dangerous_is_exposed(
    hass: HomeAssistant, pipelines: Any, entry: MockConfigEntry
) -> None:
    await _add_pipeline(pipelines, "Dom", AGENT, prefer_local=True)
    await _later(hass)
    assert len(_issues(hass)) == 1
    for entity_id in AT_RISK:
        async_expose_entity(hass, "conversation", entity_id, False)
    await hass.async_block_till_done()
    assert _issues(hass) == []


async def test_an_existing_pipeline_is_found_at_setup(hass: HomeAssistant, pipelines: Any) -> None:
    await _add_pipeline(pipelines, "Dom", AGENT, prefer_local=True)
    entry = MockConfigEntry(domain=DOMAIN, data={"provider": "local"}, title="Local only")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert len(_issues(hass)) == 1
    await hass.config_entries.async_unload(entry.entry_id)
