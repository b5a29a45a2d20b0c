"""The interface every provider implements."""

from __future__ import annotations

from typing import Protocol

from ...types import ProviderRequest, ProviderResult


class Provider(Protocol):
    """One configured model at one provider."""

    @property
    def label(self) -> str:
        """Name used in metrics, ledger and breaker state ("openai", ...)."""
        ...

    @property
    def model(self) -> str: ...

    async def recognize(self, request: ProviderRequest, *, timeout: float) -> ProviderResult:
        """Send one request; raise a ``ProviderError`` subclass on failure.

        Exactly one HTTP request is made: the SDK's own retries are off, so
        the router owns the retry count.
        """
        ...

    async def validate(self, *, timeout: float) -> None:
        """A cheap authenticated call (list models); raises on failure."""
        ...
