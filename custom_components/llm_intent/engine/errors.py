"""Provider failures, classified once so retry and failover logic stays simple."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .types import Usage


class LLMIntentError(Exception):
    """Base class for engine errors."""


class ProviderError(LLMIntentError):
    """A provider call failed.

    ``retryable`` says whether trying again may help; ``retry_after`` is the
    delay in seconds the provider asked for, when it did. ``rate_limits`` holds
    the provider's rate-limit headers, normalised as in ``ProviderResult``.
    ``usage`` is what the failed call was billed, when the provider answered
    (an unusable answer still costs its tokens).
    """

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        status: int | None = None,
        retry_after: float | None = None,
        rate_limits: dict[str, float] | None = None,
        usage: Usage | None = None,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.status = status
        self.retry_after = retry_after
        self.rate_limits = rate_limits
        self.usage = usage


class AuthError(ProviderError):
    """401/403: the key is wrong or lacks permission. Starts reauth on 401."""


class BadRequestError(ProviderError):
    """400/404/422: the request itself is wrong; repeating it cannot help."""


class InvalidOutputError(ProviderError):
    """The provider answered, but not with the structured intent we asked for."""


class RateLimitError(ProviderError):
    """429: too many requests or tokens."""

    retryable = True


class ServerError(ProviderError):
    """5xx or Anthropic's 529 overloaded, 408 and 409."""

    retryable = True


class ProviderTimeoutError(ProviderError):
    """No answer within the time allowed for this attempt."""

    retryable = True


class ProviderConnectionError(ProviderError):
    """The provider could not be reached."""

    retryable = True


class CircuitOpenError(ProviderError):
    """The provider's circuit breaker is open; no request was sent."""


class QueueFullError(ProviderError):
    """The provider's wait queue is full, or waiting would pass the deadline."""


class DeadlineExceededError(LLMIntentError):
    """The per-request deadline passed before any provider answered."""


class BudgetExceededError(LLMIntentError):
    """Spending this request's worst case would pass a budget."""


class CatalogueError(LLMIntentError):
    """The intent catalogue is malformed; message names file, line and problem."""

    def __init__(self, message: str, *, path: str = "", line: int | None = None) -> None:
        where = path + (f":{line}" if line is not None else "")
        super().__init__(f"{where}: {message}" if where else message)
        self.path = path
        self.line = line
