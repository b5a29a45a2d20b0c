"""Config, reauth, reconfigure and options flows through the real SDKs and the fake provider."""

from __future__ import annotations

from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.llm_intent.const import DOMAIN

from ..fake_provider import ANTHROPIC_KEY, OPENAI_KEY, FakeProviderServer


def _form(kind: str, server: FakeProviderServer, key: str) -> dict[str, str]:
    if kind == "anthropic":
        return {"api_key": key, "model": "claude-haiku-4-5"}
    return {"api_key": key, "model": "gpt-4o-mini"}


@pytest.fixture(autouse=True)
async def core(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, "homeassistant", {})


@pytest.fixture
def base_urls(monkeypatch: pytest.MonkeyPatch, fake_provider: FakeProviderServer) -> None:
    # The official SDKs read their base URL from the environment.
    monkeypatch.setenv("OPENAI_BASE_URL", fake_provider.openai_base_url)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_provider.anthropic_base_url)


async def _start(hass: HomeAssistant, kind: str) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": kind}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == kind
    return result["flow_id"]


@pytest.mark.parametrize(("kind", "key"), [("openai", OPENAI_KEY), ("anthropic", ANTHROPIC_KEY)])
async def test_cloud_provider_success_and_invalid_auth(
    hass: HomeAssistant, fake_provider: FakeProviderServer, base_urls: None, kind: str, key: str
) -> None:
    flow_id = await _start(hass, kind)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _form(kind, fake_provider, "wrong-key")
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, _form(kind, fake_provider, key)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["provider"] == kind
    assert result["data"]["api_key"] == key
    assert all(r.path.endswith("/models") for r in fake_provider.requests)

    # The same key again is a duplicate.
    flow_id = await _start(hass, kind)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _form(kind, fake_provider, key)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_compatible_server_without_key_and_cannot_connect(
    hass: HomeAssistant, fake_provider: FakeProviderServer
) -> None:
    flow_id = await _start(hass, "openai_compatible")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"base_url": "http://127.0.0.1:9/v1", "model": "llama3.2"}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    fake_provider.api_keys = None
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"base_url": fake_provider.openai_base_url, "model": "llama3.2"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["base_url"] == fake_provider.openai_base_url
    assert "free_model" not in result["data"]
    # A self-hosted model is declared free explicitly, so the budget lets it run.
    assert result["options"]["price_overrides"] == {
        "llama3.2": {"input": 0, "cached_input": 0, "output": 0}
    }


async def test_local_only_is_single_and_needs_nothing(hass: HomeAssistant) -> None:
    flow_id = await _start(hass, "local")
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "local"}
    )
    assert result["type"] is FlowResultType.ABORT


async def test_reauth_and_reconfigure(
    hass: HomeAssistant, fake_provider: FakeProviderServer, base_urls: None
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={"provider": "openai", "api_key": "old-bad-key", "model": "gpt-4o-mini"},
        title="OpenAI (gpt-4o-mini)",
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"api_key": "nope"})
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_key": OPENAI_KEY}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["api_key"] == OPENAI_KEY

    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"model": "gpt-4.1-mini"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["model"] == "gpt-4.1-mini"
    assert entry.data["api_key"] == OPENAI_KEY
    # Both aborts schedule a reload; it must finish, with the new key, before
    # the test does (a reload still running would outlive it).
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_options_flow_sets_budgets_and_checks_failover(
    hass: HomeAssistant, fake_provider: FakeProviderServer, base_urls: None
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data={"provider": "local"}, title="Local only")
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "daily_budget": 0.5,
            "monthly_budget": 5,
            "secondary_provider": "anthropic",
            "secondary_api_key": "bad",
        },
    )
    assert result["errors"] == {"base": "secondary_invalid_auth"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "daily_budget": 0.5,
            "monthly_budget": 5,
            "secondary_provider": "anthropic",
            "secondary_api_key": ANTHROPIC_KEY,
            "context_ttl": 120,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["daily_budget"] == 0.5
    assert entry.options["context_ttl"] == 120
    assert entry.options["secondary_api_key"] == ANTHROPIC_KEY


async def test_options_flow_rejects_malformed_prices_and_accepts_a_free_local_model(
    hass: HomeAssistant,
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data={"provider": "local"}, title="Local only")
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"price_overrides": {"my-model": {"input": "cheap"}}}
    )
    assert result["errors"] == {"price_overrides": "invalid_prices"}
    prices = {"llama3.2": {"input": 0, "cached_input": 0, "output": 0}}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"price_overrides": prices}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["price_overrides"] == prices


@pytest.mark.parametrize(("stored", "migrated"), [(300, 7 * 86_400), (3600, 3600)])
async def test_old_entries_move_to_the_week_long_cache_default(
    hass: HomeAssistant, stored: int, migrated: int
) -> None:
    # Bug caught: entries that saved their options before the default changed
    # kept the 5-minute lifetime, which caught 5 % of repeats.
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={"provider": "local"},
        options={"cache_ttl": stored, "daily_budget": 0.5},
        title="Local only",
        minor_version=1,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.minor_version == 2
    assert entry.options["cache_ttl"] == migrated
    assert entry.options["daily_budget"] == 0.5
    assert await hass.config_entries.async_unload(entry.entry_id)
