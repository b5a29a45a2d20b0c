"""Setup asks the provider once; an outage is logged once when it starts and once when it ends."""

from __future__ import annotations

import logging

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest

from custom_components.llm_intent.const import DOMAIN

from ..fake_provider import FakeProviderServer, IntentResponder, RecordedRequest, Reset
from ..ha.conftest import HomeCalls
from .helpers import provider_entry, say

LOGGER_NAME = "custom_components.llm_intent"
KITCHEN_ON = {
    "intent": "HassTurnOn",
    "slots": {"area": "Kuchnia", "domain": "light"},
    "confidence": 0.95,
    "clarify_question": None,
}


class Outage:
    """Answers like a model, or drops every connection while ``down``."""

    def __init__(self) -> None:
        self.down = True
        self._model = IntentResponder(KITCHEN_ON)

    def __call__(self, request: RecordedRequest) -> object:
        return Reset() if self.down else self._model(request)


def _lines(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith(LOGGER_NAME) and text in r.getMessage()]


async def test_setup_asks_the_provider_once(
    hass: HomeAssistant, polish_home: HomeCalls, fake_provider: FakeProviderServer
) -> None:
    entry = await provider_entry(hass, fake_provider)
    assert entry.state is ConfigEntryState.LOADED
    assert len(fake_provider.requests_for("/v1/models")) == 1
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    await hass.config_entries.async_unload(entry.entry_id)


async def test_rejected_key_at_setup_starts_reauth_and_local_commands_still_work(
    hass: HomeAssistant, polish_home: HomeCalls, fake_provider: FakeProviderServer
) -> None:
    entry = await provider_entry(hass, fake_provider, api_key="sk-revoked", prefer_local=True)
    await hass.async_block_till_done()
    # Before any command: the user learns about the key when HA starts.
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
    assert entry.state is ConfigEntryState.LOADED
    result = await say(hass, "włącz światło w kuchni")
    assert result["success"] is True
    assert hass.states.get("light.kuchnia").state == "on"
    await hass.config_entries.async_unload(entry.entry_id)


async def test_outage_is_logged_once_when_it_starts_and_once_when_it_ends(
    hass: HomeAssistant,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    outage = Outage()
    fake_provider.default_handler = outage  # type: ignore[assignment]
    caplog.set_level(logging.DEBUG, logger=LOGGER_NAME)
    # A breaker that stays closed, so every command really tries the provider.
    entry = await provider_entry(hass, fake_provider, failure_threshold=100)
    assert entry.state is ConfigEntryState.LOADED
    assert len(_lines(caplog, "is unavailable")) == 1, "the outage is seen at setup"

    for text in (
        "zrob tak zeby w kuchni bylo jasno",
        "niech w kuchni bedzie jasno",
        "rozjasnij kuchnie",
    ):
        await say(hass, text)
    assert len(fake_provider.requests_for("/v1/chat/completions")) >= 3
    assert len(_lines(caplog, "is unavailable")) == 1, "not once per command"
    assert _lines(caplog, "available again") == []

    outage.down = False
    result = await say(hass, "zapal swiatlo w kuchni bo ciemno")
    assert result["path"] == "llm", result
    await say(hass, "kuchnia ma byc jasna")
    assert len(_lines(caplog, "available again")) == 1
    assert len(_lines(caplog, "is unavailable")) == 1
    warning = _lines(caplog, "is unavailable")[0]
    assert warning.levelno == logging.WARNING
    assert "openai_compatible" in warning.getMessage()
    await hass.config_entries.async_unload(entry.entry_id)
