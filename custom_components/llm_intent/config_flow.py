"""UI setup: pick a provider, validate it with one cheap call, tune the options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, override

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    ObjectSelector,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio as vol

from .const import (
    CONF_API_KEY,
    CONF_BASE_URL,
    CONF_CACHE_TTL,
    CONF_CONTEXT_TTL,
    CONF_DAILY_BUDGET,
    CONF_FAILURE_THRESHOLD,
    CONF_FREE_MODEL,
    CONF_HEDGE,
    CONF_MAX_CONCURRENCY,
    CONF_MAX_OUTPUT_TOKENS,
    CONF_MAX_QUEUE,
    CONF_MODEL,
    CONF_MONTHLY_BUDGET,
    CONF_OTLP_ENDPOINT,
    CONF_PREFER_LOCAL,
    CONF_PRICES,
    CONF_PROVIDER,
    CONF_REDIS_URL,
    CONF_REQUEST_TIMEOUT,
    CONF_SECONDARY_API_KEY,
    CONF_SECONDARY_BASE_URL,
    CONF_SECONDARY_MODEL,
    CONF_SECONDARY_PROVIDER,
    CONF_STORE_TEXT,
    CONF_TEMPERATURE,
    DEFAULT_CACHE_TTL,
    DEFAULT_CONTEXT_TTL,
    DEFAULT_DAILY_BUDGET,
    DEFAULT_FAILURE_THRESHOLD,
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_MAX_OUTPUT_TOKENS,
    DEFAULT_MAX_QUEUE,
    DEFAULT_MODELS,
    DEFAULT_MONTHLY_BUDGET,
    DEFAULT_PREFER_LOCAL,
    DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_TEMPERATURE,
    DOMAIN,
    LOGGER,
    MAX_CACHE_TTL,
    PROVIDER_ANTHROPIC,
    PROVIDER_COMPATIBLE,
    PROVIDER_LOCAL,
    PROVIDER_OPENAI,
    SECONDARY_NONE,
)
from .engine.cost.pricing import parse_overrides
from .entry_state import EntryState, async_save_budget_options
from .provider_check import CannotConnect, InvalidAuth, async_validate_provider

TITLES = {
    PROVIDER_OPENAI: "OpenAI",
    PROVIDER_ANTHROPIC: "Anthropic",
    PROVIDER_COMPATIBLE: "OpenAI-compatible",
    PROVIDER_LOCAL: "Local only",
}

_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))


def _provider_schema(provider: str, defaults: Mapping[str, Any]) -> vol.Schema:
    """Fields the user fills for one provider kind."""
    fields: dict[Any, Any] = {}
    if provider == PROVIDER_COMPATIBLE:
        fields[vol.Required(CONF_BASE_URL, default=defaults.get(CONF_BASE_URL, ""))] = _URL
        fields[vol.Optional(CONF_API_KEY)] = _PASSWORD
        fields[vol.Optional(CONF_FREE_MODEL, default=defaults.get(CONF_FREE_MODEL, True))] = (
            BooleanSelector()
        )
    else:
        fields[vol.Required(CONF_API_KEY)] = _PASSWORD
    fields[vol.Required(CONF_MODEL, default=defaults.get(CONF_MODEL, DEFAULT_MODELS[provider]))] = (
        str
    )
    return vol.Schema(fields)


def _entry_match(provider: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """What makes two entries the same account (duplicates abort)."""
    if provider == PROVIDER_COMPATIBLE:
        return {CONF_PROVIDER: provider, CONF_BASE_URL: data[CONF_BASE_URL]}
    return {CONF_PROVIDER: provider, CONF_API_KEY: data[CONF_API_KEY]}


async def _errors_for(hass: HomeAssistant, provider: str, data: Mapping[str, Any]) -> str | None:
    try:
        await async_validate_provider(hass, provider, data)
    except InvalidAuth:
        return "invalid_auth"
    except CannotConnect:
        return "cannot_connect"
    except Exception:
        LOGGER.exception("Unexpected error while checking the %s provider", provider)
        return "unknown"
    return None


class LLMIntentConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add an LLM Intent agent."""

    VERSION = 1
    MINOR_VERSION = 2

    @override
    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        return self.async_show_menu(
            step_id="user",
            menu_options=[PROVIDER_OPENAI, PROVIDER_ANTHROPIC, PROVIDER_COMPATIBLE, PROVIDER_LOCAL],
        )

    async def async_step_openai(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        return await self._async_provider_step(PROVIDER_OPENAI, user_input)

    async def async_step_anthropic(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        return await self._async_provider_step(PROVIDER_ANTHROPIC, user_input)

    async def async_step_openai_compatible(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        return await self._async_provider_step(PROVIDER_COMPATIBLE, user_input)

    async def async_step_local(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        await self.async_set_unique_id(PROVIDER_LOCAL)
        self._abort_if_unique_id_configured()
        if user_input is None:
            return self.async_show_form(step_id="local")
        return self.async_create_entry(
            title=TITLES[PROVIDER_LOCAL], data={CONF_PROVIDER: PROVIDER_LOCAL}
        )

    async def _async_provider_step(
        self, provider: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            self._async_abort_entries_match(_entry_match(provider, user_input))
            if error := await _errors_for(self.hass, provider, user_input):
                errors["base"] = error
            else:
                data = {CONF_PROVIDER: provider, **user_input}
                options: dict[str, Any] = {}
                if data.pop(CONF_FREE_MODEL, False):
                    # Said once, explicitly: a self-hosted model costs nothing per token.
                    free = {"input": 0, "cached_input": 0, "output": 0}
                    options[CONF_PRICES] = {user_input[CONF_MODEL]: free}
                return self.async_create_entry(
                    title=f"{TITLES[provider]} ({user_input[CONF_MODEL]})",
                    data=data,
                    options=options,
                )
        return self.async_show_form(
            step_id=provider,
            data_schema=self.add_suggested_values_to_schema(
                _provider_schema(provider, user_input or {}), user_input or {}
            ),
            errors=errors,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        entry = self._get_reauth_entry()
        provider = entry.data[CONF_PROVIDER]
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, **user_input}
            if error := await _errors_for(self.hass, provider, data):
                errors["base"] = error
            else:
                return self.async_update_reload_and_abort(entry, data_updates=user_input)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_API_KEY): _PASSWORD}),
            errors=errors,
            description_placeholders={"provider": TITLES[provider]},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        entry = self._get_reconfigure_entry()
        provider = entry.data[CONF_PROVIDER]
        if provider == PROVIDER_LOCAL:
            return self.async_abort(reason="nothing_to_reconfigure")
        errors: dict[str, str] = {}
        if user_input is not None:
            # An empty key field keeps the stored key: users should not have to paste it again.
            data = {**entry.data, **{k: v for k, v in user_input.items() if v not in ("", None)}}
            if error := await _errors_for(self.hass, provider, data):
                errors["base"] = error
            else:
                return self.async_update_reload_and_abort(
                    entry, data=data, title=f"{TITLES[provider]} ({data[CONF_MODEL]})"
                )
        schema = _provider_schema(provider, entry.data)
        if provider != PROVIDER_COMPATIBLE:
            schema = schema.extend({vol.Optional(CONF_API_KEY): _PASSWORD})
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=schema,
            errors=errors,
            description_placeholders={"provider": TITLES[provider]},
        )

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> LLMIntentOptionsFlow:
        return LLMIntentOptionsFlow()


def _number(low: float, high: float, step: float, unit: str | None = None) -> NumberSelector:
    config = NumberSelectorConfig(min=low, max=high, step=step, mode=NumberSelectorMode.BOX)
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


def options_schema(options: Mapping[str, Any]) -> vol.Schema:
    """The options form; also the source of every option's default."""

    def opt(key: str, default: Any) -> vol.Optional:
        return vol.Optional(key, default=options.get(key, default))

    return vol.Schema(
        {
            opt(CONF_PREFER_LOCAL, DEFAULT_PREFER_LOCAL): BooleanSelector(),
            opt(CONF_MODEL, ""): str,
            opt(CONF_TEMPERATURE, DEFAULT_TEMPERATURE): _number(0, 1, 0.05),
            opt(CONF_MAX_OUTPUT_TOKENS, DEFAULT_MAX_OUTPUT_TOKENS): _number(32, 1000, 1),
            opt(CONF_REQUEST_TIMEOUT, DEFAULT_REQUEST_TIMEOUT): _number(0.5, 30, 0.1, "s"),
            opt(CONF_CACHE_TTL, DEFAULT_CACHE_TTL): _number(0, MAX_CACHE_TTL, 1, "s"),
            opt(CONF_CONTEXT_TTL, DEFAULT_CONTEXT_TTL): _number(0, 3600, 1, "s"),
            opt(CONF_DAILY_BUDGET, DEFAULT_DAILY_BUDGET): _number(0, 1000, 0.01, "USD"),
            opt(CONF_MONTHLY_BUDGET, DEFAULT_MONTHLY_BUDGET): _number(0, 10000, 0.01, "USD"),
            opt(CONF_SECONDARY_PROVIDER, SECONDARY_NONE): SelectSelector(
                SelectSelectorConfig(
                    options=[
                        SECONDARY_NONE,
                        PROVIDER_OPENAI,
                        PROVIDER_ANTHROPIC,
                        PROVIDER_COMPATIBLE,
                    ],
                    translation_key="secondary_provider",
                    mode=SelectSelectorMode.DROPDOWN,
                )
            ),
            vol.Optional(CONF_SECONDARY_API_KEY): _PASSWORD,
            opt(CONF_SECONDARY_BASE_URL, ""): str,
            opt(CONF_SECONDARY_MODEL, ""): str,
            opt(CONF_HEDGE, False): BooleanSelector(),
            opt(CONF_FAILURE_THRESHOLD, DEFAULT_FAILURE_THRESHOLD): _number(1, 50, 1),
            opt(CONF_MAX_CONCURRENCY, DEFAULT_MAX_CONCURRENCY): _number(1, 64, 1),
            opt(CONF_MAX_QUEUE, DEFAULT_MAX_QUEUE): _number(0, 1000, 1),
            opt(CONF_REDIS_URL, ""): str,
            opt(CONF_OTLP_ENDPOINT, ""): str,
            opt(CONF_STORE_TEXT, False): BooleanSelector(),
            opt(CONF_PRICES, {}): ObjectSelector(),
        }
    )


class LLMIntentOptionsFlow(OptionsFlowWithReload):
    """Model, limits, budgets and failover."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            merged = {**self.config_entry.options, **user_input}
            if not user_input.get(CONF_SECONDARY_API_KEY) and (
                old := self.config_entry.options.get(CONF_SECONDARY_API_KEY)
            ):
                merged[CONF_SECONDARY_API_KEY] = old
            try:
                parse_overrides(merged.get(CONF_PRICES) or {})
            except ValueError:
                errors[CONF_PRICES] = "invalid_prices"
            secondary = merged.get(CONF_SECONDARY_PROVIDER, SECONDARY_NONE)
            if secondary != SECONDARY_NONE:
                check = {
                    CONF_API_KEY: merged.get(CONF_SECONDARY_API_KEY),
                    CONF_BASE_URL: merged.get(CONF_SECONDARY_BASE_URL) or None,
                    CONF_MODEL: merged.get(CONF_SECONDARY_MODEL) or DEFAULT_MODELS[secondary],
                }
                if error := await _errors_for(self.hass, secondary, check):
                    errors["base"] = f"secondary_{error}"
            if not errors:
                await self._async_store_budgets(merged)
                return self.async_create_entry(data=merged)
        return self.async_show_form(
            step_id="init",
            data_schema=options_schema({**self.config_entry.options, **(user_input or {})}),
            errors=errors,
        )

    async def _async_store_budgets(self, options: Mapping[str, Any]) -> None:
        """Budgets from the form replace those the number entities stored."""
        entry = self.config_entry
        if entry.state is ConfigEntryState.LOADED:
            state = entry.runtime_data.entry_state
        else:
            state = EntryState(self.hass, entry.entry_id)
            await state.async_load()
        await async_save_budget_options(state, options)
