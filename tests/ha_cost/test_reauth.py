"""A key the provider rejects at runtime starts HA's reauth flow; the user still gets an answer."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant

from custom_components.llm_intent.const import DOMAIN

from ..fake_provider import OPENAI_KEY, FakeProviderServer
from ..ha.conftest import HomeCalls
from .helpers import provider_entry, say


async def test_runtime_401_starts_reauth(
    hass: HomeAssistant, polish_home: HomeCalls, fake_provider: FakeProviderServer
) -> None:
    entry = await provider_entry(hass, fake_provider)
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    fake_provider.api_keys = frozenset({"sk-other"})  # the key is revoked after setup
    fake_provider.reset()
    result = await say(hass, "zrob tak zeby w kuchni bylo jasno")
    assert result["speech"]
    assert fake_provider.count == 1, "401 is not retried"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
    assert OPENAI_KEY not in str(result)
    await hass.config_entries.async_unload(entry.entry_id)
