"""Build providers on HA's shared HTTP client and check credentials."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.httpx_client import get_async_client

from .const import CONF_API_KEY, CONF_BASE_URL, CONF_MODEL, DEFAULT_MODELS, VALIDATE_TIMEOUT
from .engine.calling.providers.base import Provider
from .engine.calling.providers.factory import create_provider
from .engine.errors import AuthError, ProviderConnectionError, ProviderTimeoutError
from .engine.types import ProviderConfig


class InvalidAuth(HomeAssistantError):
    """The provider rejected the key."""


class CannotConnect(HomeAssistantError):
    """The provider could not be reached."""


def provider_config(kind: str, data: Mapping[str, Any], name: str = "") -> ProviderConfig:
    return ProviderConfig(
        kind=kind,
        model=data.get(CONF_MODEL) or DEFAULT_MODELS[kind],
        api_key=data.get(CONF_API_KEY) or None,
        base_url=data.get(CONF_BASE_URL) or None,
        name=name,
    )


async def async_create_provider(hass: HomeAssistant, config: ProviderConfig) -> Provider:
    # The SDK constructors read certificate bundles from disk.
    return await hass.async_add_executor_job(
        partial(create_provider, config, get_async_client(hass))
    )


async def async_validate_provider(hass: HomeAssistant, kind: str, data: Mapping[str, Any]) -> None:
    provider = await async_create_provider(hass, provider_config(kind, data))
    try:
        await provider.validate(timeout=VALIDATE_TIMEOUT)
    except AuthError as err:
        raise InvalidAuth from err
    except (ProviderConnectionError, ProviderTimeoutError) as err:
        raise CannotConnect from err
