"""What the cost and resilience tests share: an entry on the fake provider, one command."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.llm_intent.const import DOMAIN

from ..fake_provider import OPENAI_KEY, FakeProviderServer
from ..ha.conftest import recognize


async def provider_entry(
    hass: HomeAssistant,
    server: FakeProviderServer,
    *,
    api_key: str = OPENAI_KEY,
    model: str = "gpt-4o-mini",
    **options: Any,
) -> MockConfigEntry:
    """A set-up entry on the fake OpenAI-compatible server; the model before local matching."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={
            "provider": "openai_compatible",
            "base_url": server.openai_base_url,
            "api_key": api_key,
            "model": model,
        },
        options={"prefer_local": False, **options},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def say(hass: HomeAssistant, text: str, area_id: str | None = None) -> dict[str, Any]:
    """One Polish command through ``llm_intent.recognize``, from ``area_id`` when given."""
    extra = {"area_id": area_id} if area_id else {}
    return await recognize(hass, text, **extra)


def entity_id(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> str:
    """The entity of ``entry`` for ``"platform:unique id suffix"``."""
    platform, suffix = key.split(":", maxsplit=1)
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{entry.entry_id}_{suffix}")
    assert found is not None
    return found
