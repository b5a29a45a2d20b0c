"""Per-provider admission: a concurrency cap, a requests-per-minute cap and a
bounded FIFO queue in front of both.

Waiting is only worth it while the request can still make its deadline, so a
request is refused with ``QueueFullError`` at once when the queue is full or
when the rate limit already says it could not start in time; the router then
moves on to the next provider instead of hanging.

Time: start times and deadlines are on the injected ``Clock``'s monotonic
scale, rate-limit waits go through ``Clock.sleep`` (so tests with a
``ManualClock`` see them in ``clock.sleeps``), and waiting for a free
concurrency slot is an ``asyncio`` future bounded by ``asyncio.timeout`` on
the loop's own time, since nobody can know in advance when a slot frees.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
import logging

from ..clock import Clock, SystemClock
from ..errors import QueueFullError

_LOGGER = logging.getLogger(__name__)

_WINDOW_S = 60.0


class RateLimiter:
    """Admission control for one provider. Use from a single event loop."""

    def __init__(
        self,
        name: str,
        *,
        max_concurrency: int = 4,
        requests_per_minute: int | None = None,
        max_queue: int = 100,
        clock: Clock | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be >= 1")
        if max_queue < 0:
            raise ValueError("max_queue must be >= 0")
        if requests_per_minute is not None and requests_per_minute < 1:
            raise ValueError("requests_per_minute must be >= 1")
        self.name = name
        self._max_concurrency = max_concurrency
        self._rpm = requests_per_minute
        self._max_queue = max_queue
        self._clock: Clock = clock or SystemClock()
        self._in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        # Start times granted in the last minute, including future ones
        # reserved by requests sleeping until their turn; non-decreasing.
        self._starts: deque[float] = deque()
        # What the provider's headers said is left until its window resets.
        self._server_left: int | None = None
        self._server_reset_at = 0.0
        self.max_queue_depth_seen = 0
        self.rejected_total = 0

    @property
    def queue_depth(self) -> int:
        """Requests waiting for a concurrency slot right now."""
        return len(self._waiters)

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def requests_per_minute(self) -> int | None:
        return self._rpm

    def update_from_headers(
        self,
        *,
        limit: int | None = None,
        remaining: int | None = None,
        reset_s: float | None = None,
    ) -> None:
        """Learn the provider's request limit from its rate-limit headers.

        ``limit`` is requests per minute (``x-ratelimit-limit-requests``,
        ``anthropic-ratelimit-requests-limit``); ``remaining`` requests are left
        until the provider's window resets in ``reset_s`` seconds. The provider
        counts requests from every client of the key, so its ``remaining`` is
        trusted over our own count until the reset.
        """
        if limit is not None and limit > 0:
            self._rpm = limit
        if remaining is not None and reset_s is not None and reset_s > 0:
            self._server_left = max(0, remaining)
            self._server_reset_at = self._clock.monotonic() + reset_s

    def learn(self, rate_limits: Mapping[str, float] | None) -> None:
        """Apply a provider's normalised rate-limit headers (``requests_limit``,
        ``requests_remaining``, ``requests_reset_s``), as providers report them
        on ``ProviderResult.rate_limits`` and ``ProviderError.rate_limits``."""
        if not rate_limits:
            return
        limit = rate_limits.get("requests_limit")
        remaining = rate_limits.get("requests_remaining")
        self.update_from_headers(
            limit=None if limit is None else int(limit),
            remaining=None if remaining is None else int(remaining),
            reset_s=rate_limits.get("requests_reset_s"),
        )

    def pause_for(self, seconds: float) -> None:
        """Start nothing for ``seconds`` (the provider sent retry-after)."""
        if seconds > 0:
            self.update_from_headers(remaining=0, reset_s=seconds)

    @asynccontextmanager
    async def slot(self, deadline: float) -> AsyncIterator[None]:
        """Hold one of the provider's slots for the body of the ``async with``.

        Waits its FIFO turn; raises ``QueueFullError`` at once when the queue is
        full or the rate limit would push the start past ``deadline`` (on the
        clock's monotonic scale), and when the deadline arrives while waiting.
        """
        await self._acquire(deadline)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, deadline: float) -> None:
        now = self._clock.monotonic()
        if deadline <= now:
            raise self._reject("deadline already passed")
        if self._waiters or self._in_flight >= self._max_concurrency:
            if len(self._waiters) >= self._max_queue:
                raise self._reject(f"queue full ({self._max_queue} waiting)")
            ahead = len(self._waiters)
            if self._planned_starts(ahead + 1, now)[-1] > deadline:
                raise self._reject("rate limit would delay the start past the deadline")
            await self._wait_turn(deadline - now)
        else:
            self._in_flight += 1
        try:
            await self._wait_for_rate(deadline)
        except BaseException:
            self._release()
            raise

    async def _wait_turn(self, wait_s: float) -> None:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self.max_queue_depth_seen = max(self.max_queue_depth_seen, len(self._waiters))
        try:
            async with asyncio.timeout(wait_s):
                await waiter
        except BaseException as err:
            if waiter.done() and not waiter.cancelled():
                # Granted a slot in the same loop turn the wait was abandoned.
                self._release()
            else:
                self._discard(waiter)
            if isinstance(err, TimeoutError):
                raise self._reject("deadline passed while queued") from None
            raise

    async def _wait_for_rate(self, deadline: float) -> None:
        now = self._clock.monotonic()
        start = self._planned_starts(1, now)[0]
        if start > deadline:
            raise self._reject("rate limit would delay the start past the deadline")
        self._reserve(start)
        if start > now:
            await self._clock.sleep(start - now)

    def _planned_starts(self, count: int, now: float) -> list[float]:
        """When the next ``count`` requests could start, in FIFO order."""
        if self._rpm is None and self._server_left is None:
            return [now] * count
        self._prune(now)
        starts = list(self._starts)
        left = self._server_left if now < self._server_reset_at else None
        planned: list[float] = []
        for _ in range(count):
            start = max(now, starts[-1]) if starts else now
            if self._rpm is not None and len(starts) >= self._rpm:
                start = max(start, starts[-self._rpm] + _WINDOW_S)
            if left is not None and start < self._server_reset_at:
                if left > 0:
                    left -= 1
                else:
                    start = self._server_reset_at
            starts.append(start)
            planned.append(start)
        return planned

    def _reserve(self, start: float) -> None:
        self._starts.append(start)
        if (
            self._server_left is not None
            and self._server_left > 0
            and start < self._server_reset_at
        ):
            self._server_left -= 1

    def _prune(self, now: float) -> None:
        while self._starts and self._starts[0] <= now - _WINDOW_S:
            self._starts.popleft()
        if self._server_left is not None and now >= self._server_reset_at:
            self._server_left = None

    def _release(self) -> None:
        self._in_flight -= 1
        self._grant()

    def _grant(self) -> None:
        while self._waiters and self._in_flight < self._max_concurrency:
            waiter = self._waiters.popleft()
            if waiter.done():
                continue
            self._in_flight += 1
            waiter.set_result(None)

    def _discard(self, waiter: asyncio.Future[None]) -> None:
        with suppress(ValueError):
            self._waiters.remove(waiter)

    def _reject(self, why: str) -> QueueFullError:
        self.rejected_total += 1
        _LOGGER.debug("Limiter %s refused a request: %s", self.name, why)
        return QueueFullError(f"{self.name}: {why}", provider=self.name)
