"""A breaker's state across a restart: an open one stays open for what is left of its cooldown."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.llm_intent.engine.calling.breaker import (
    BreakerSnapshot,
    BreakerState,
    CircuitBreaker,
)
from custom_components.llm_intent.engine.errors import CircuitOpenError, ServerError

CLOSED, OPEN, HALF_OPEN = BreakerState.CLOSED, BreakerState.OPEN, BreakerState.HALF_OPEN


class ProcessClock:
    """Wall time shared by every process; monotonic time that starts anew with each one."""

    def __init__(self, wall: float, monotonic: float) -> None:
        self.wall = wall
        self.mono = monotonic

    def monotonic(self) -> float:
        return self.mono

    def time(self) -> float:
        return self.wall

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def restarted(self, downtime: float) -> ProcessClock:
        return ProcessClock(self.wall + downtime, 3.0)


def opened(clock: ProcessClock, cooldown: float = 30.0) -> CircuitBreaker:
    breaker = CircuitBreaker("p", failure_threshold=2, cooldown=cooldown, clock=clock)
    for _ in range(2):
        breaker.before_call()
        breaker.record_failure(ServerError("down", status=500))
    assert breaker.state is OPEN
    return breaker


def test_open_breaker_keeps_its_remaining_cooldown() -> None:
    clock = ProcessClock(wall=1_700_000_000.0, monotonic=50_000.0)
    breaker = opened(clock)
    clock.advance(10)
    snapshot = breaker.snapshot()

    after = clock.restarted(downtime=5)
    again = CircuitBreaker("p", failure_threshold=2, cooldown=30, clock=after)
    again.restore(BreakerSnapshot.from_dict(snapshot.as_dict()))
    assert again.state is OPEN
    assert again.seconds_until_probe() == pytest.approx(15)
    with pytest.raises(CircuitOpenError):
        again.before_call()
    after.advance(15)
    assert again.before_call() is True, "the cooldown over, the next call probes"
    assert again.state is HALF_OPEN


def test_half_open_at_the_crash_probes_at_once() -> None:
    clock = ProcessClock(wall=1_700_000_000.0, monotonic=50_000.0)
    breaker = opened(clock)
    clock.advance(31)
    assert breaker.before_call() is True
    snapshot = breaker.snapshot()
    assert snapshot.state is HALF_OPEN

    again = CircuitBreaker("p", failure_threshold=2, cooldown=30, clock=clock.restarted(1))
    again.restore(snapshot)
    assert again.state is OPEN
    assert again.allows_request()
    assert again.before_call() is True


def test_closed_breaker_restores_closed_and_a_grown_cooldown_is_kept() -> None:
    clock = ProcessClock(wall=1_700_000_000.0, monotonic=50_000.0)
    breaker = opened(clock)
    clock.advance(31)
    breaker.before_call()
    breaker.record_failure(ServerError("still down", status=500))  # cooldown doubles to 60 s
    snapshot = breaker.snapshot()
    assert snapshot.cooldown == 60

    again = CircuitBreaker("p", failure_threshold=2, cooldown=30, clock=clock.restarted(0))
    again.restore(snapshot)
    assert again.cooldown == 60
    assert again.seconds_until_probe() == pytest.approx(60)

    closed = CircuitBreaker("p", failure_threshold=2, cooldown=30, clock=clock.restarted(0))
    closed.restore(BreakerSnapshot(CLOSED, 1, 30.0, 0.0))
    assert closed.state is CLOSED
    assert closed.consecutive_failures == 1


def test_restore_does_not_notify_listeners() -> None:
    clock = ProcessClock(wall=1_700_000_000.0, monotonic=50_000.0)
    again = CircuitBreaker("p", clock=clock)
    seen: list[tuple[BreakerState, BreakerState]] = []
    again.add_listener(lambda old, new: seen.append((old, new)))
    again.restore(BreakerSnapshot(OPEN, 5, 30.0, clock.time()))
    assert again.state is OPEN
    assert seen == []


@settings(max_examples=200, deadline=None)
@given(
    elapsed=st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    cooldown=st.floats(min_value=-10, max_value=1e4, allow_nan=False),
    state=st.sampled_from(list(BreakerState)),
)
def test_a_restored_breaker_never_waits_longer_than_its_longest_cooldown(
    elapsed: float, cooldown: float, state: BreakerState
) -> None:
    """Whatever was stored (a clock set back, a corrupt cooldown), the wait is bounded."""
    clock = ProcessClock(wall=1_700_000_000.0, monotonic=7.0)
    breaker = CircuitBreaker("p", cooldown=30, max_cooldown=300, clock=clock)
    breaker.restore(BreakerSnapshot(state, 3, cooldown, clock.time() - elapsed))
    assert 0 <= breaker.seconds_until_probe() <= 300
    assert 30 <= breaker.cooldown <= 300
    if state is CLOSED:
        assert breaker.allows_request()
