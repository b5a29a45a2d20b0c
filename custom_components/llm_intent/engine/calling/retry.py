"""When to try a provider again, and how long to wait first.

A voice command has about 2.5 s in total, so retries are few, short and never
allowed to push the request past its deadline: past that point the router is
better off asking the next provider.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
import random

from ..clock import Clock
from ..errors import ProviderError


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter for retryable provider errors.

    The delay before retry ``n`` (0-based) is ``base_delay * 2**n`` spread by
    ``±jitter`` (a fraction) and capped at ``max_delay``. A ``retry_after`` the
    provider sent wins when it is longer: retrying sooner would only earn
    another 429.
    """

    max_retries: int = 3
    base_delay: float = 0.2
    max_delay: float = 2.0
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("delays must be >= 0")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter must be between 0 and 1")

    def backoff(self, retry_no: int, rng: random.Random) -> float:
        """Delay before retry ``retry_no`` (0 = the first retry), ignoring retry-after."""
        nominal = self.base_delay * (2.0**retry_no)
        spread = 1.0 - self.jitter + 2.0 * self.jitter * rng.random()
        return min(self.max_delay, nominal * spread)

    def delay_before_retry(
        self, error: BaseException, retries_done: int, rng: random.Random
    ) -> float | None:
        """Seconds to wait before retrying after ``error``, or None to give up.

        Only errors marked ``retryable`` (timeouts, connection errors, 408, 409,
        429, 5xx, 529) are retried; auth, bad-request and invalid-output errors
        would fail the same way again.
        """
        if not isinstance(error, ProviderError) or not error.retryable:
            return None
        if retries_done >= self.max_retries:
            return None
        delay = self.backoff(retries_done, rng)
        if error.retry_after is not None and error.retry_after > delay:
            delay = error.retry_after
        return delay


async def run_with_retries[T](
    attempt: Callable[[int], Awaitable[T]],
    *,
    policy: RetryPolicy,
    clock: Clock,
    deadline: float,
    rng: random.Random,
    may_retry: Callable[[], bool] | None = None,
) -> T:
    """Call ``attempt(retry_no)`` until it succeeds or retrying is pointless.

    ``deadline`` is on ``clock.monotonic()``'s scale. A retry whose wait would
    reach the deadline is not attempted, and neither is one ``may_retry``
    vetoes (the breaker opened meanwhile): the last error is re-raised at once
    so the caller can move on to another provider without wasting the wait.
    """
    retry_no = 0
    while True:
        try:
            return await attempt(retry_no)
        except ProviderError as err:
            delay = policy.delay_before_retry(err, retry_no, rng)
            if delay is None or clock.monotonic() + delay >= deadline:
                raise
            if may_retry is not None and not may_retry():
                raise
        await clock.sleep(delay)
        retry_no += 1
