"""Building a provider from configuration, so switching provider is a setting."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .anthropic_provider import AnthropicProvider
from .openai_provider import KINDS as OPENAI_KINDS, OpenAIProvider

if TYPE_CHECKING:
    import httpx

    from ...types import ProviderConfig
    from .base import Provider

KINDS = (*OPENAI_KINDS, "anthropic")


def create_provider(
    config: ProviderConfig, http_client: httpx.AsyncClient | None = None
) -> Provider:
    """The provider for ``config.kind``; raises ValueError for an unknown kind or missing key.

    The SDK constructors may read certificate files, so Home Assistant calls
    this in its executor. ``http_client`` is shared and stays open after the
    provider is discarded; without one the SDK makes its own, closed by the
    provider's ``aclose()``.
    """
    if config.kind in OPENAI_KINDS:
        return OpenAIProvider(config, http_client)
    if config.kind == "anthropic":
        return AnthropicProvider(config, http_client)
    raise ValueError(f"unknown provider kind {config.kind!r}; expected one of {', '.join(KINDS)}")
