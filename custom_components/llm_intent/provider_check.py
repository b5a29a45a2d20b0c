"""Build providers on HA's shared HTTP client and check credentials."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.httpx_client import get_async_client

from .const import (
    CONF_API_KEY,
    CONF_BASE_URL,
    CONF_MODEL,
    DEFAULT_MODELS,
    LOGGER,
    SETUP_CHECK_TIMEOUT,
    VALIDATE_TIMEOUT,
)
from .engine.calling.providers.base import Provider
from .engine.calling.providers.factory import create_provider
from .engine.calling.router import Route
from .engine.errors import AuthError, ProviderConnectionError, ProviderError, ProviderTimeoutError
from .engine.types import ProviderConfig
from .provider_availability import UNREACHABLE, ProviderAvailability


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


async def async_check_at_setup(
    hass: HomeAssistant,
    entry: ConfigEntry[Any],
    routes: Sequence[Route],
    availability: ProviderAvailability,
) -> None:
    """Ask every provider once before setup finishes, each within SETUP_CHECK_TIMEOUT.

    Neither outcome fails setup: local commands need no provider, so an agent
    that disappears because the internet or a key is down would be worse than
    one that answers what it can. A rejected primary key starts reauthentication
    at once; an unreachable provider is logged as unavailable.
    """

    async def check(route: Route, primary: bool) -> None:
        label = route.label
        try:
            async with asyncio.timeout(SETUP_CHECK_TIMEOUT):
                await route.provider.validate(timeout=SETUP_CHECK_TIMEOUT)
        except AuthError:
            availability.reachable(label)
            if primary:
                entry.async_start_reauth(hass)
            else:
                LOGGER.warning("Provider %s rejected its API key; check the options", label)
        except TimeoutError:
            availability.unreachable(label, ProviderTimeoutError.__name__)
        except ProviderError as err:
            if type(err) in UNREACHABLE:
                availability.unreachable(label, type(err).__name__)
            else:
                # It answered (e.g. a server without a models list): reachable.
                LOGGER.debug("Provider %s check at setup: %s", label, type(err).__name__)
                availability.reachable(label)
        else:
            availability.reachable(label)

    await asyncio.gather(*(check(route, i == 0) for i, route in enumerate(routes)))
