"""POST /api/llm_intent/intent: the recognition over HTTP, and what it refuses."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .conftest import HomeCalls

URL = "/api/llm_intent/intent"


async def test_a_command_over_http_acts_and_returns_the_recognition(
    hass: HomeAssistant, local_entry: MockConfigEntry, polish_home: HomeCalls, hass_client: Any
) -> None:
    client = await hass_client()
    resp = await client.post(
        URL,
        json={"text": "włącz światło w kuchni", "language": "pl"},
        headers={"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
    )
    assert resp.status == HTTPStatus.OK
    body = await resp.json()
    assert body["intent"] == "HassTurnOn"
    assert body["success"] is True
    assert hass.states.get("light.kuchnia").state == "on"


async def test_recognise_only_changes_nothing(
    hass: HomeAssistant, local_entry: MockConfigEntry, polish_home: HomeCalls, hass_client: Any
) -> None:
    client = await hass_client()
    resp = await client.post(URL, json={"text": "włącz światło w kuchni", "execute": False})
    assert resp.status == HTTPStatus.OK
    assert (await resp.json())["intent"] == "HassTurnOn"
    assert hass.states.get("light.kuchnia").state == "off"


async def test_bad_bodies_are_refused(
    hass: HomeAssistant, local_entry: MockConfigEntry, polish_home: HomeCalls, hass_client: Any
) -> None:
    client = await hass_client()
    for body in (
        b"not json",
        b'{"text": ""}',
        b'{"text": "' + b"a" * 1001 + b'"}',
        b'{"language": "pl"}',
        b'{"text": "x", "unexpected": 1}',
        b"[1, 2]",
    ):
        resp = await client.post(URL, data=body, headers={"Content-Type": "application/json"})
        assert resp.status == HTTPStatus.BAD_REQUEST, body
        assert (await resp.json())["message"].startswith("Invalid request")
    assert not polish_home.calls


async def test_without_a_loaded_entry_the_api_says_so(
    hass: HomeAssistant, local_entry: MockConfigEntry, polish_home: HomeCalls, hass_client: Any
) -> None:
    await hass.config_entries.async_unload(local_entry.entry_id)
    client = await hass_client()
    resp = await client.post(URL, json={"text": "włącz światło w kuchni"})
    assert resp.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert (await resp.json())["message"] == "LLM Intent is not loaded"


async def test_an_unauthenticated_request_is_refused(
    hass: HomeAssistant, local_entry: MockConfigEntry, hass_client_no_auth: Any
) -> None:
    client = await hass_client_no_auth()
    resp = await client.post(URL, json={"text": "włącz światło w kuchni"})
    assert resp.status == HTTPStatus.UNAUTHORIZED
