"""The actions' edges: a report window, an entry that does not exist, a cache that is not there."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.llm_intent.const import DOMAIN

from .conftest import HomeCalls, recognize


async def _report(hass: HomeAssistant, **data: object) -> dict[str, object]:
    report = await hass.services.async_call(
        DOMAIN, "cost_report", data, blocking=True, return_response=True
    )
    assert isinstance(report, dict)
    return report


async def test_cost_report_keeps_to_its_dates(
    hass: HomeAssistant, local_entry: MockConfigEntry, polish_home: HomeCalls
) -> None:
    await recognize(hass, "włącz światło w kuchni")
    await local_entry.runtime_data.ledger.flush()
    today = dt_util.now().date()
    day = today.isoformat()
    inside = await _report(hass, start=day, end=day)
    assert sum(r["requests"] for r in inside["rows"]) == 1
    after = await _report(hass, start=(today + timedelta(days=1)).isoformat())
    assert after["rows"] == []
    before = await _report(hass, end=(today - timedelta(days=1)).isoformat())
    assert before["rows"] == []


async def test_an_unknown_entry_is_a_clear_error(
    hass: HomeAssistant, local_entry: MockConfigEntry, polish_home: HomeCalls
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "recognize",
            {"text": "włącz światło w kuchni", "config_entry_id": "nope"},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "not_loaded"
    assert not polish_home.calls


async def test_clearing_the_cache_of_a_local_only_entry_is_harmless(
    hass: HomeAssistant, local_entry: MockConfigEntry, polish_home: HomeCalls
) -> None:
    assert local_entry.runtime_data.cache is None
    await hass.services.async_call(DOMAIN, "clear_cache", {}, blocking=True)
    assert (await recognize(hass, "włącz światło w kuchni"))["success"] is True
