"""Who may do what: costs and the cache are for administrators; acting needs control of the devices.

Checked with Home Assistant's own users and permission policies.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from homeassistant.auth.models import User
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import Unauthorized
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.llm_intent.const import CONF_PROVIDER, DOMAIN, PROVIDER_LOCAL

from .conftest import HomeCalls


@pytest.fixture
async def entry(hass: HomeAssistant, polish_home: HomeCalls) -> AsyncIterator[MockConfigEntry]:
    """Local matching only, without HA's own agent in front: every command is ours."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={CONF_PROVIDER: PROVIDER_LOCAL},
        options={"prefer_local": False},
        title="Local only",
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.fixture
def kitchen_user(hass: HomeAssistant) -> MockUser:
    """A non-administrator who may control the two kitchen lights and nothing else."""
    user = MockUser().add_to_hass(hass)
    user.mock_policy(
        {"entities": {"entity_ids": {"light.kuchnia": True, "light.kuchnia_blat": True}}}
    )
    return user


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


async def _recognize(hass: HomeAssistant, user: User, text: str, execute: bool = True) -> object:
    return await hass.services.async_call(
        DOMAIN,
        "recognize",
        {"text": text, "language": "pl", "execute": execute, "conversation_id": "c"},
        blocking=True,
        return_response=True,
        context=Context(user_id=user.id),
    )


@pytest.mark.parametrize(("service", "response"), [("clear_cache", False), ("cost_report", True)])
async def test_costs_and_the_cache_are_for_administrators(
    hass: HomeAssistant,
    entry: object,
    hass_admin_user: MockUser,
    hass_read_only_user: MockUser,
    kitchen_user: MockUser,
    service: str,
    response: bool,
) -> None:
    for user in (hass_read_only_user, kitchen_user):
        with pytest.raises(Unauthorized):
            await hass.services.async_call(
                DOMAIN,
                service,
                {},
                blocking=True,
                return_response=response,
                context=Context(user_id=user.id),
            )
    await hass.services.async_call(
        DOMAIN,
        service,
        {},
        blocking=True,
        return_response=response,
        context=Context(user_id=hass_admin_user.id),
    )


async def test_metrics_need_an_administrator(
    hass: HomeAssistant,
    entry: object,
    hass_client: ClientSessionGenerator,
    hass_read_only_access_token: str,
) -> None:
    denied = await (await hass_client(hass_read_only_access_token)).get("/api/llm_intent/metrics")
    assert denied.status == 401
    allowed = await (await hass_client()).get("/api/llm_intent/metrics")
    assert allowed.status == 200


async def test_a_read_only_user_cannot_make_it_act(
    hass: HomeAssistant, entry: object, polish_home: HomeCalls, hass_read_only_user: MockUser
) -> None:
    with pytest.raises(Unauthorized):
        await _recognize(hass, hass_read_only_user, "włącz światło w kuchni")
    assert polish_home.calls == []
    assert _state(hass, "light.kuchnia") == "off"
    # Asking what a sentence means acts on nothing and stays open to everyone.
    meaning = await _recognize(hass, hass_read_only_user, "włącz światło w kuchni", False)
    assert isinstance(meaning, dict) and meaning["intent"] == "HassTurnOn"


async def test_a_user_acts_only_on_what_they_control(
    hass: HomeAssistant, entry: object, polish_home: HomeCalls, kitchen_user: MockUser
) -> None:
    done = await _recognize(hass, kitchen_user, "włącz światło w kuchni")
    assert isinstance(done, dict) and done["success"] is True
    assert _state(hass, "light.kuchnia") == "on"
    polish_home.clear()
    for text in ("włącz ekspres do kawy", "włącz światło w salonie", "wyłącz wszystko w kuchni"):
        with pytest.raises(Unauthorized):
            await _recognize(hass, kitchen_user, text)
    assert polish_home.calls == []
    assert _state(hass, "switch.ekspres") == "off"


async def test_a_confirmed_unlock_still_needs_control_of_the_lock(
    hass: HomeAssistant, entry: object, polish_home: HomeCalls, kitchen_user: MockUser
) -> None:
    await _recognize(hass, kitchen_user, "otwórz drzwi wejściowe")
    with pytest.raises(Unauthorized):
        await _recognize(hass, kitchen_user, "tak")
    assert _state(hass, "lock.drzwi") == "locked"
    assert polish_home.calls == []


async def test_the_http_api_answers_403_to_a_user_without_control(
    hass: HomeAssistant,
    entry: object,
    polish_home: HomeCalls,
    hass_client: ClientSessionGenerator,
    hass_read_only_access_token: str,
) -> None:
    client = await hass_client(hass_read_only_access_token)
    denied = await client.post(
        "/api/llm_intent/intent", json={"text": "włącz światło w kuchni", "language": "pl"}
    )
    assert denied.status == 403
    assert polish_home.calls == []
    meaning = await client.post(
        "/api/llm_intent/intent",
        json={"text": "włącz światło w kuchni", "language": "pl", "execute": False},
    )
    assert meaning.status == 200
    admin = await (await hass_client()).post(
        "/api/llm_intent/intent", json={"text": "włącz światło w kuchni", "language": "pl"}
    )
    assert admin.status == 200
    assert _state(hass, "light.kuchnia") == "on"
