"""A key the provider rejects at runtime starts HA's reauth flow; the user still gets an answer."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.llm_intent.const import DOMAIN

from ..fake_provider import FakeProviderServer
from ..ha.conftest import HomeCalls


async def test_runtime_401_starts_reauth(
    hass: HomeAssistant, polish_home: HomeCalls, fake_provider: FakeProviderServer
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={
            "provider": "openai_compatible",
            "base_url": fake_provider.openai_base_url,
            "api_key": "sk-revoked",
            "model": "gpt-4o-mini",
        },
        options={"prefer_local": False},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    result = await hass.services.async_call(
        DOMAIN,
        "recognize",
        {"text": "zrob tak zeby w kuchni bylo jasno", "language": "pl"},
        blocking=True,
        return_response=True,
    )
    assert isinstance(result, dict)
    assert result["speech"]
    assert fake_provider.count == 1, "401 is not retried"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
    assert "sk-revoked" not in str(result)
    await hass.config_entries.async_unload(entry.entry_id)
