"""Circuit breaker: stop calling a provider that keeps failing.

While a provider is down every request to it would burn part of the voice
command's deadline before failing over, so after ``failure_threshold``
consecutive failures the breaker opens and calls are refused without touching
the network. After the cooldown one probe request is let through; its outcome
decides whether the provider is back (closed) or still down (open again, with
the cooldown doubled up to ``max_cooldown``).

What counts as a failure: anything that says the provider itself is unusable,
i.e. retryable errors (timeouts, connection errors, 408/409/429/5xx/529) and
``AuthError``: a rejected key fails every request until someone fixes it, so
the provider is as unusable as during an outage, and the half-open probe finds
out cheaply once the key works again. ``BadRequestError`` and
``InvalidOutputError`` do not count: the provider answered, so it is up; they
are recorded as successes for the breaker (a half-open probe that gets one
closes the circuit). ``CircuitOpenError`` and ``QueueFullError`` never reached
the provider and are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
import logging
from typing import Any

from ..clock import Clock, SystemClock
from ..errors import (
    BadRequestError,
    CircuitOpenError,
    InvalidOutputError,
    QueueFullError,
)

_LOGGER = logging.getLogger(__name__)


class BreakerState(StrEnum):
    """The three classic breaker states; values are what sensors show."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


BreakerListener = Callable[[BreakerState, BreakerState], None]


@dataclass(frozen=True, slots=True)
class BreakerSnapshot:
    """What a breaker must remember across a restart.

    ``opened_at`` is wall time: the monotonic clock restarts with the process.
    """

    state: BreakerState
    consecutive_failures: int
    cooldown: float
    opened_at: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": str(self.state),
            "consecutive_failures": self.consecutive_failures,
            "cooldown": self.cooldown,
            "opened_at": self.opened_at,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BreakerSnapshot:
        return cls(
            BreakerState(data["state"]),
            int(data["consecutive_failures"]),
            float(data["cooldown"]),
            float(data["opened_at"]),
        )


def counts_as_failure(error: BaseException) -> bool:
    """Whether ``error`` says the provider is unhealthy (see module docstring)."""
    return not isinstance(
        error, BadRequestError | InvalidOutputError | CircuitOpenError | QueueFullError
    )


class CircuitBreaker:
    """Per-provider breaker. Not thread-safe: use it from one event loop."""

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        cooldown: float = 30.0,
        max_cooldown: float = 300.0,
        clock: Clock | None = None,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be >= 1")
        if cooldown <= 0 or max_cooldown < cooldown:
            raise ValueError("need 0 < cooldown <= max_cooldown")
        self.name = name
        self._threshold = failure_threshold
        self._base_cooldown = cooldown
        self._max_cooldown = max_cooldown
        self._clock: Clock = clock or SystemClock()
        self._state = BreakerState.CLOSED
        self._consecutive_failures = 0
        self._cooldown = cooldown
        self._opened_at = 0.0
        self._probe_in_flight = False
        self._listeners: list[BreakerListener] = []

    @property
    def state(self) -> BreakerState:
        """Current state; OPEN turns HALF_OPEN only when a caller takes the probe."""
        return self._state

    @property
    def consecutive_failures(self) -> int:
        return self._consecutive_failures

    @property
    def cooldown(self) -> float:
        """The cooldown the breaker waits (or will wait) while open."""
        return self._cooldown

    def seconds_until_probe(self) -> float:
        """How long an open breaker still refuses calls; 0 when not open."""
        if self._state is not BreakerState.OPEN:
            return 0.0
        return max(0.0, self._opened_at + self._cooldown - self._clock.monotonic())

    def snapshot(self) -> BreakerSnapshot:
        """The state to keep across a restart (see ``restore``)."""
        opened_at = self._clock.time() - (self._clock.monotonic() - self._opened_at)
        return BreakerSnapshot(
            self._state,
            self._consecutive_failures,
            self._cooldown,
            opened_at if self._state is not BreakerState.CLOSED else 0.0,
        )

    def restore(self, snapshot: BreakerSnapshot) -> None:
        """Continue from ``snapshot``, taken before a restart; listeners are not called.

        An open breaker stays open for what is left of its cooldown. A half-open
        one had its probe in flight when the process ended, so no verdict came:
        it is open again with its cooldown over, and the next call probes.
        """
        self._consecutive_failures = max(snapshot.consecutive_failures, 0)
        self._cooldown = min(max(snapshot.cooldown, self._base_cooldown), self._max_cooldown)
        self._probe_in_flight = False
        if snapshot.state is BreakerState.CLOSED:
            self._state = BreakerState.CLOSED
            return
        # Clamped, so a wall clock set back after the opening makes the breaker
        # wait one full cooldown at most.
        elapsed = min(max(self._clock.time() - snapshot.opened_at, 0.0), self._cooldown)
        if snapshot.state is BreakerState.HALF_OPEN:
            elapsed = self._cooldown
        self._opened_at = self._clock.monotonic() - elapsed
        self._state = BreakerState.OPEN

    def add_listener(self, listener: BreakerListener) -> Callable[[], None]:
        """Call ``listener(old, new)`` once per state change; returns an unsubscribe."""
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    def allows_request(self) -> bool:
        """Whether ``before_call`` would let a request through now (no side effects)."""
        if self._state is BreakerState.CLOSED:
            return True
        if self._state is BreakerState.HALF_OPEN:
            return not self._probe_in_flight
        return self.seconds_until_probe() <= 0

    def before_call(self) -> bool:
        """Admit a call or raise ``CircuitOpenError``; True when it is the probe.

        A caller that gets True must report the outcome with ``record_success``
        / ``record_failure``, or ``release_probe`` if the call never completed,
        otherwise the breaker would wait for that probe forever.
        """
        if self._state is BreakerState.CLOSED:
            return False
        if self._state is BreakerState.OPEN:
            wait = self.seconds_until_probe()
            if wait > 0:
                raise CircuitOpenError(
                    f"circuit open for {self.name}; next probe in {wait:.1f} s",
                    provider=self.name,
                    retry_after=wait,
                )
            self._transition(BreakerState.HALF_OPEN)
        if self._probe_in_flight:
            raise CircuitOpenError(
                f"circuit half-open for {self.name}; probe in flight", provider=self.name
            )
        self._probe_in_flight = True
        return True

    def record_success(self) -> None:
        """The provider answered."""
        if self._state is BreakerState.OPEN:
            # A straggler sent before the circuit opened; the probe decides.
            return
        self._consecutive_failures = 0
        self._probe_in_flight = False
        if self._state is BreakerState.HALF_OPEN:
            self._cooldown = self._base_cooldown
            self._transition(BreakerState.CLOSED)

    def record_failure(self, error: BaseException) -> None:
        """A call failed with ``error``; only provider-side failures count."""
        if isinstance(error, CircuitOpenError | QueueFullError):
            return
        if not counts_as_failure(error):
            self.record_success()
            return
        if self._state is BreakerState.OPEN:
            return
        self._consecutive_failures += 1
        if self._state is BreakerState.HALF_OPEN:
            self._probe_in_flight = False
            self._cooldown = min(self._cooldown * 2.0, self._max_cooldown)
            self._open()
        elif self._consecutive_failures >= self._threshold:
            self._open()

    def release_probe(self, is_probe: bool) -> None:
        """The call admitted by ``before_call`` ended without a verdict (cancelled,
        or never sent); let the next caller probe instead."""
        if is_probe and self._state is BreakerState.HALF_OPEN:
            self._probe_in_flight = False

    def _open(self) -> None:
        self._opened_at = self._clock.monotonic()
        self._transition(BreakerState.OPEN)

    def _transition(self, new: BreakerState) -> None:
        old = self._state
        if old is new:
            return
        self._state = new
        _LOGGER.debug("Circuit %s: %s -> %s (cooldown %.0f s)", self.name, old, new, self._cooldown)
        for listener in list(self._listeners):
            try:
                listener(old, new)
            except Exception:
                _LOGGER.exception("Circuit listener failed for %s", self.name)
