"""Send one recognition request to the first provider that can answer in time.

Routes are tried in order (primary, then secondary, ...) within one deadline
that covers every attempt, retry and wait. A route whose breaker is open or
whose queue is full is skipped at once. With hedging on, a primary slower than
its own p95 latency gets the same request sent to the next route, and the
first valid reply wins.

The router never raises for provider trouble: the caller always gets a
``RouterOutcome``, with ``result`` None and ``error`` saying why when nobody
answered, so it can fall back to local matching. Every attempt is listed, with
its usage when known, so spending on failed or abandoned attempts is counted.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
import logging
import math
import random
from typing import Protocol, runtime_checkable

from ..clock import Clock, SystemClock
from ..errors import (
    AuthError,
    DeadlineExceededError,
    LLMIntentError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
)
from ..types import ProviderRequest, ProviderResult, Usage
from .breaker import BreakerState, CircuitBreaker
from .limiter import RateLimiter
from .providers.base import Provider
from .retry import RetryPolicy, run_with_retries

_LOGGER = logging.getLogger(__name__)

CANCELLED = "cancelled"
_DEADLINE_SLACK_S = 0.001

# Called right before each request is sent, e.g. to reserve budget. It returns
# a reservation (kept on ``Attempt.reservation``), or raises
# ``BudgetExceededError`` to skip this route.
BeforeSend = Callable[[Provider, ProviderRequest], Awaitable[object]]


@runtime_checkable
class SendTicket(Protocol):
    """A reservation the router ends itself, on every way out of an attempt.

    ``finish`` is called exactly once, synchronously, whether the attempt
    answered, failed, hit the deadline or was cancelled (a caller that went
    away, a hedge that lost), so nothing it holds can outlive the request.
    """

    def finish(self, sent: bool, usage: Usage | None, error: BaseException | None) -> None: ...


@dataclass(frozen=True, slots=True)
class Route:
    """One provider with its own breaker and limiter."""

    provider: Provider
    breaker: CircuitBreaker
    limiter: RateLimiter

    @property
    def label(self) -> str:
        return self.provider.label


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try at one provider, sent or refused before sending."""

    provider: str
    model: str
    retry_no: int
    # Exception class name, "cancelled" for a hedging loser, None on success.
    error_type: str | None
    latency_s: float
    # Breaker state right after this attempt's outcome was recorded.
    breaker_state: BreakerState
    # Whether the request reached the provider (and may be billed).
    sent: bool = False
    # Tokens the provider reported; None when unknown (timeouts, cancellations).
    usage: Usage | None = None
    status: int | None = None
    hedged: bool = False
    # What ``before_send`` returned for this attempt, for the caller to settle.
    reservation: object = None


@dataclass(slots=True)
class RouterOutcome:
    """Everything the pipeline needs to answer, account and report."""

    result: ProviderResult | None
    served_by: str | None
    attempts: list[Attempt]
    error: Exception | None
    # Label of a provider that rejected its key; HA starts reauth for it.
    auth_failed_provider: str | None = None
    hedged: bool = False

    @property
    def usage(self) -> Usage:
        """Tokens reported across all attempts (what was billed, where known)."""
        total = Usage()
        for attempt in self.attempts:
            if attempt.usage is not None:
                total = total + attempt.usage
        return total


@dataclass(slots=True)
class _Run:
    """One ``recognize`` call: what is asked, by when, and what happened so far."""

    request: ProviderRequest
    # On the clock's monotonic scale.
    deadline: float
    attempts: list[Attempt] = field(default_factory=list)
    last_error: Exception | None = None
    auth_failed_provider: str | None = None
    hedged: bool = False


def _p95(samples: Sequence[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _usage_of(error: BaseException) -> Usage | None:
    # Set on errors raised after a billed answer (e.g. InvalidOutputError).
    return error.usage if isinstance(error, ProviderError) else None


class Router:
    """Failover, retries, deadline and optional hedging over a list of routes."""

    def __init__(
        self,
        routes: Sequence[Route],
        *,
        clock: Clock | None = None,
        retry_policy: RetryPolicy | None = None,
        deadline_s: float = 2.5,
        hedge: bool = False,
        rng: random.Random | None = None,
        before_send: BeforeSend | None = None,
        hedge_min_samples: int = 20,
        latency_window: int = 100,
    ) -> None:
        if not routes:
            raise ValueError("a router needs at least one route")
        labels = [route.label for route in routes]
        if len(set(labels)) != len(labels):
            raise ValueError(f"route labels must be unique: {labels}")
        if deadline_s <= 0:
            raise ValueError("deadline_s must be > 0")
        self._routes = tuple(routes)
        self._clock: Clock = clock or SystemClock()
        self._policy = retry_policy or RetryPolicy()
        self._deadline_s = deadline_s
        self._hedge = hedge
        self._rng = rng or random.Random()
        self._before_send = before_send
        self._hedge_min_samples = max(1, hedge_min_samples)
        self._latencies: dict[str, deque[float]] = {
            label: deque(maxlen=max(latency_window, self._hedge_min_samples)) for label in labels
        }

    @property
    def routes(self) -> tuple[Route, ...]:
        return self._routes

    def p95_latency(self, label: str) -> float | None:
        """p95 of recent successful call latencies, once there are enough samples."""
        window = self._latencies.get(label)
        if not window or len(window) < self._hedge_min_samples:
            return None
        return _p95(window)

    async def recognize(
        self, request: ProviderRequest, *, deadline_s: float | None = None
    ) -> RouterOutcome:
        """Get one answer for ``request`` within the deadline; never raises for
        provider failures (cancellation by the caller still propagates)."""
        budget = self._deadline_s if deadline_s is None else deadline_s
        run = _Run(request, self._clock.monotonic() + budget)
        served: tuple[Route, ProviderResult] | None = None
        try:
            hedge_after = self._hedge_delay()
            if hedge_after is None:
                served = await self._failover(self._routes, run, hedged=False)
            else:
                served = await self._hedged(run, hedge_after)
        except Exception as err:
            _LOGGER.exception("Router failed unexpectedly; treating as no answer")
            run.last_error = err

        if served is not None:
            route, result = served
            return RouterOutcome(
                result, route.label, run.attempts, None, run.auth_failed_provider, run.hedged
            )
        error = run.last_error
        # The loop may fire a timeout a hair before the deadline; within the
        # slack, running out of time is still the reason nobody answered.
        if self._clock.monotonic() >= run.deadline - _DEADLINE_SLACK_S or error is None:
            timeout = DeadlineExceededError(f"no provider answered within {budget:.2f} s")
            timeout.__cause__ = error
            error = timeout
        return RouterOutcome(None, None, run.attempts, error, run.auth_failed_provider, run.hedged)

    def _hedge_delay(self) -> float | None:
        if not self._hedge or len(self._routes) < 2:
            return None
        return self.p95_latency(self._routes[0].label)

    async def _hedged(self, run: _Run, hedge_after: float) -> tuple[Route, ProviderResult] | None:
        primary_route, rest = self._routes[:1], self._routes[1:]
        primary = asyncio.create_task(self._failover(primary_route, run, hedged=False))
        timer = asyncio.create_task(self._clock.sleep(hedge_after))
        tasks = [primary, timer]
        try:
            await asyncio.wait((primary, timer), return_when=asyncio.FIRST_COMPLETED)
            if primary.done():
                served = primary.result()
                if served is not None:
                    return served
                return await self._failover(rest, run, hedged=False)
            run.hedged = True
            secondary = asyncio.create_task(self._failover(rest, run, hedged=True))
            tasks.append(secondary)
            pending = {primary, secondary}
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                # Route order breaks ties between replies finishing together.
                for task in (primary, secondary):
                    if task in done and (served := task.result()) is not None:
                        return served
            return None
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _failover(
        self, routes: Sequence[Route], run: _Run, *, hedged: bool
    ) -> tuple[Route, ProviderResult] | None:
        for route in routes:
            if self._clock.monotonic() >= run.deadline:
                return None
            try:
                result = await run_with_retries(
                    partial(self._attempt, route, run, hedged=hedged),
                    policy=self._policy,
                    clock=self._clock,
                    deadline=run.deadline,
                    rng=self._rng,
                    may_retry=route.breaker.allows_request,
                )
            except LLMIntentError as err:
                run.last_error = err
                continue
            return route, result
        return None

    async def _attempt(
        self, route: Route, run: _Run, retry_no: int, *, hedged: bool
    ) -> ProviderResult:
        provider = route.provider
        clock = self._clock
        started = clock.monotonic()
        is_probe = False
        sent = False
        reservation: object = None

        def record(error: BaseException | None, usage: Usage | None) -> None:
            run.attempts.append(
                Attempt(
                    provider=provider.label,
                    model=provider.model,
                    retry_no=retry_no,
                    error_type=None
                    if error is None
                    else CANCELLED
                    if isinstance(error, asyncio.CancelledError)
                    else type(error).__name__,
                    latency_s=clock.monotonic() - started,
                    breaker_state=route.breaker.state,
                    sent=sent,
                    usage=usage,
                    status=error.status if isinstance(error, ProviderError) else None,
                    hedged=hedged,
                    reservation=reservation,
                )
            )
            if isinstance(reservation, SendTicket):
                reservation.finish(sent, usage, error)

        try:
            is_probe = route.breaker.before_call()
            async with route.limiter.slot(run.deadline):
                if self._before_send is not None:
                    reservation = await self._before_send(provider, run.request)
                remaining = self._time_left(run.deadline)
                sent = True
                call_started = clock.monotonic()
                result = await self._send(provider, run.request, remaining)
        except asyncio.CancelledError as cancelled:
            route.breaker.release_probe(is_probe)
            record(cancelled, None)
            raise
        except Exception as exc:
            error = exc if isinstance(exc, LLMIntentError) else self._unexpected(provider, exc)
            if sent:
                route.breaker.record_failure(error)
                if isinstance(error, ProviderError):
                    route.limiter.learn(error.rate_limits)
                if isinstance(error, RateLimitError) and error.retry_after:
                    route.limiter.pause_for(error.retry_after)
            else:
                route.breaker.release_probe(is_probe)
            if isinstance(error, AuthError) and run.auth_failed_provider is None:
                run.auth_failed_provider = provider.label
            record(error, _usage_of(error))
            if error is exc:
                raise
            raise error from exc
        route.breaker.record_success()
        route.limiter.learn(result.rate_limits)
        self._latencies[provider.label].append(clock.monotonic() - call_started)
        record(None, result.usage)
        return result

    def _time_left(self, deadline: float) -> float:
        remaining = deadline - self._clock.monotonic()
        if remaining <= 0:
            raise DeadlineExceededError("deadline passed before the request was sent")
        return remaining

    @staticmethod
    def _unexpected(provider: Provider, exc: Exception) -> ProviderError:
        # A provider bug must not escape as if it were the router's: it becomes
        # a non-retryable provider failure that also counts for the breaker.
        _LOGGER.warning(
            "Provider %s raised %s instead of a ProviderError", provider.label, type(exc).__name__
        )
        return ProviderError(
            f"unexpected {type(exc).__name__} from provider", provider=provider.label
        )

    @staticmethod
    async def _send(
        provider: Provider, request: ProviderRequest, remaining: float
    ) -> ProviderResult:
        # Enforced here too, so a provider that ignores its timeout cannot
        # hold the voice command past the deadline.
        scope = asyncio.timeout(remaining)
        try:
            async with scope:
                return await provider.recognize(request, timeout=remaining)
        except TimeoutError:
            if scope.expired():
                raise ProviderTimeoutError(
                    f"no answer within {remaining:.2f} s", provider=provider.label
                ) from None
            raise
