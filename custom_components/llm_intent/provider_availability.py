"""Log a provider outage once when it starts and once when it ends.

Home Assistant's ``log-when-unavailable`` rule: while a provider is down,
every voice command that tries it would otherwise add a log line. A provider
counts as unavailable when a request sent to it could not be answered at all
(no connection, no answer in time, a 5xx); any other answer, even a refusal,
shows it is reachable again.
"""

from __future__ import annotations

from collections.abc import Iterable

from .const import LOGGER
from .engine.calling.router import Attempt
from .engine.errors import ProviderConnectionError, ProviderTimeoutError, ServerError

UNREACHABLE: frozenset[type[Exception]] = frozenset(
    {ProviderConnectionError, ProviderTimeoutError, ServerError}
)
_UNREACHABLE_NAMES = frozenset(error.__name__ for error in UNREACHABLE)
# A hedging loser was cancelled by us, which says nothing about the provider.
_NO_VERDICT = "cancelled"


class ProviderAvailability:
    """Which providers are down now, logging only the changes."""

    def __init__(self) -> None:
        self._down: dict[str, str] = {}

    def is_down(self, provider: str) -> bool:
        return provider in self._down

    def unreachable(self, provider: str, reason: str) -> None:
        if provider in self._down:
            return
        self._down[provider] = reason
        LOGGER.warning(
            "Provider %s is unavailable (%s); commands it would answer use local matching "
            "until it answers again",
            provider,
            reason,
        )

    def reachable(self, provider: str) -> None:
        if self._down.pop(provider, None) is not None:
            LOGGER.info("Provider %s is available again", provider)

    def observe(self, attempts: Iterable[Attempt]) -> None:
        """Update from one command's attempts, in the order they were made."""
        for attempt in attempts:
            if not attempt.sent or attempt.error_type == _NO_VERDICT:
                continue
            if attempt.error_type in _UNREACHABLE_NAMES:
                self.unreachable(attempt.provider, attempt.error_type or "")
            else:
                self.reachable(attempt.provider)
