"""Diagnostics: everything useful for a bug report, no secret and no spoken words."""

from __future__ import annotations

import json

from homeassistant.components.diagnostics import REDACTED
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.llm_intent.diagnostics import redact_url

from ..fake_provider import ANTHROPIC_KEY, OPENAI_KEY, FakeProviderServer
from ..ha.conftest import HomeCalls
from .helpers import (
    LLM,
    LOCAL,
    PRIMARY,
    SECONDARY,
    failover_entry,
    free_port,
    say,
    setup_entry,
    taught_model,
)
from .otlp_receiver import OTLPReceiver

pytestmark = pytest.mark.usefixtures("enable_custom_integrations")

REDIS_PASSWORD = "hunter2-redis-password"
OTLP_PASSWORD = "otlp-basic-auth-secret"


async def test_diagnostics_hold_no_key_password_or_command_text(
    hass: HomeAssistant,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
    otlp_receiver: OTLPReceiver,
    hass_client: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_provider.default_handler = taught_model()
    collector = otlp_receiver.url.replace("http://", f"http://tracer:{OTLP_PASSWORD}@")
    entry = failover_entry(
        fake_provider,
        prefer_local=True,
        # Nothing listens there: the cache falls back to memory.
        redis_url=f"redis://cache:{REDIS_PASSWORD}@127.0.0.1:{free_port()}/0",
        otlp_endpoint=collector,
        store_command_text=True,
    )
    await setup_entry(hass, entry)
    await say(hass, LLM)
    for _ in range(21):
        await say(hass, LOCAL)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    dumped = json.dumps(diagnostics, ensure_ascii=False)
    for secret in (OPENAI_KEY, ANTHROPIC_KEY, REDIS_PASSWORD, OTLP_PASSWORD, LLM, LOCAL):
        assert secret not in dumped
    assert diagnostics["data"]["api_key"] == REDACTED
    assert diagnostics["options"]["secondary_api_key"] == REDACTED
    assert diagnostics["options"]["redis_url"].startswith(f"redis://cache:{REDACTED}@127.0.0.1:")
    assert diagnostics["options"]["otlp_endpoint"].startswith(f"http://tracer:{REDACTED}@")
    assert diagnostics["data"]["base_url"] == fake_provider.openai_base_url
    assert diagnostics["tracing"] is True

    providers = {p["provider"]: p for p in diagnostics["providers"]}
    assert set(providers) == {PRIMARY, SECONDARY}
    assert providers[PRIMARY]["breaker"]["state"] == "closed"
    assert providers[PRIMARY]["queue"]["depth"] == 0
    assert diagnostics["cache"]["backend"] in ("memory", "redis")
    assert diagnostics["cache"]["stored"] == 1
    assert diagnostics["budget"]["daily_limit"] == "1.0"
    assert diagnostics["today"]["commands"] == 22

    rows = diagnostics["ledger"]["last"]
    assert len(rows) == 20
    assert all("text" not in row and "conversation_id" not in row for row in rows)
    assert {row["path"] for row in rows} == {"local"}
    assert rows[0]["ts"] >= rows[-1]["ts"], "newest first"
    assert diagnostics["metrics"]["cache_misses"] == 1

    # Nothing logged on the way leaked a credential either.
    for secret in (OPENAI_KEY, ANTHROPIC_KEY, REDIS_PASSWORD, OTLP_PASSWORD):
        assert secret not in caplog.text
    assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        ("redis://:pw@host:6379/0", f"redis://:{REDACTED}@host:6379/0"),
        ("redis://user:pw@host/1", f"redis://user:{REDACTED}@host/1"),
        ("redis://user@host", "redis://user@host"),
        ("rediss://host:6380", "rediss://host:6380"),
        ("http://h:1/v1?api-key=sk-1", f"http://h:1/v1?{REDACTED}"),
        ("http://[::1]:4318", "http://[::1]:4318"),
        ("http://h:notaport", REDACTED),
    ],
)
def test_redact_url(url: str, redacted: str) -> None:
    assert redact_url(url) == redacted
