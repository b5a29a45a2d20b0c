"""Circuit breaker: opening, probing, cooldown growth and what counts."""

from __future__ import annotations

import contextlib

import pytest

from custom_components.llm_intent.engine.calling.breaker import BreakerState, CircuitBreaker
from custom_components.llm_intent.engine.clock import ManualClock
from custom_components.llm_intent.engine.errors import (
    AuthError,
    BadRequestError,
    CircuitOpenError,
    InvalidOutputError,
    ProviderError,
    QueueFullError,
    ServerError,
)
from custom_components.llm_intent.engine.types import ProviderRequest, ProviderResult

from .scripted_provider import Answer, Fail, ScriptedProvider

REQUEST = ProviderRequest(system="s", user="turn on the lamp", schema={})
CLOSED, OPEN, HALF_OPEN = BreakerState.CLOSED, BreakerState.OPEN, BreakerState.HALF_OPEN


async def guarded_call(breaker: CircuitBreaker, provider: ScriptedProvider) -> ProviderResult:
    """How a caller is expected to use the breaker around one provider call."""
    breaker.before_call()
    try:
        result = await provider.recognize(REQUEST, timeout=1.0)
    except ProviderError as err:
        breaker.record_failure(err)
        raise
    breaker.record_success()
    return result


def make(clock: ManualClock, **kwargs: float) -> tuple[CircuitBreaker, list[tuple[str, str]]]:
    breaker = CircuitBreaker("openai", clock=clock, **kwargs)  # type: ignore[arg-type]
    changes: list[tuple[str, str]] = []
    breaker.add_listener(lambda old, new: changes.append((old, new)))
    return breaker, changes


async def test_sixth_call_is_refused_without_reaching_the_provider() -> None:
    clock = ManualClock()
    breaker, changes = make(clock)
    provider = ScriptedProvider("openai", default=Fail(ServerError("down", status=503)))
    for _ in range(5):
        with pytest.raises(ServerError):
            await guarded_call(breaker, provider)
    assert provider.calls == 5
    assert breaker.state is OPEN

    with pytest.raises(CircuitOpenError) as info:
        await guarded_call(breaker, provider)
    assert provider.calls == 5
    assert info.value.retry_after == pytest.approx(30.0)
    assert changes == [(CLOSED, OPEN)]


async def test_success_resets_the_consecutive_count() -> None:
    clock = ManualClock()
    breaker, _ = make(clock)
    fail = Fail(ServerError("down"))
    provider = ScriptedProvider("openai", steps=[fail] * 4 + [Answer()] + [fail] * 4)
    for _ in range(9):
        with contextlib.suppress(ServerError):
            await guarded_call(breaker, provider)
    assert provider.calls == 9
    assert breaker.state is CLOSED
    assert breaker.consecutive_failures == 4


async def test_cooldown_then_single_probe_then_close() -> None:
    clock = ManualClock()
    breaker, changes = make(clock, failure_threshold=2, cooldown=30.0)
    for _ in range(2):
        breaker.before_call()
        breaker.record_failure(ServerError("down"))
    clock.advance(29.9)
    with pytest.raises(CircuitOpenError):
        breaker.before_call()

    clock.advance(0.1)
    assert breaker.allows_request()
    assert breaker.before_call() is True
    assert breaker.state is HALF_OPEN
    # Concurrent callers while the probe is in flight are refused.
    assert not breaker.allows_request()
    with pytest.raises(CircuitOpenError):
        breaker.before_call()

    breaker.record_success()
    assert breaker.state is CLOSED
    assert breaker.before_call() is False
    assert changes == [(CLOSED, OPEN), (OPEN, HALF_OPEN), (HALF_OPEN, CLOSED)]


async def test_failed_probes_double_the_cooldown_up_to_the_maximum() -> None:
    clock = ManualClock()
    breaker, changes = make(clock, failure_threshold=1, cooldown=30.0, max_cooldown=300.0)
    breaker.before_call()
    breaker.record_failure(ServerError("down"))

    waited: list[float] = []
    for _ in range(6):
        wait = breaker.seconds_until_probe()
        waited.append(wait)
        clock.advance(wait - 0.01)
        with pytest.raises(CircuitOpenError):
            breaker.before_call()
        clock.advance(0.01)
        assert breaker.before_call() is True
        breaker.record_failure(ServerError("still down"))
    assert waited == pytest.approx([30.0, 60.0, 120.0, 240.0, 300.0, 300.0])
    assert breaker.cooldown == 300.0
    # Each probe cycle is one open->half_open->open pair, reported once each.
    assert changes == [(CLOSED, OPEN)] + [(OPEN, HALF_OPEN), (HALF_OPEN, OPEN)] * 6


async def test_probe_success_resets_the_cooldown() -> None:
    clock = ManualClock()
    breaker, _ = make(clock, failure_threshold=1, cooldown=10.0)
    breaker.before_call()
    breaker.record_failure(ServerError("down"))
    clock.advance(10)
    breaker.before_call()
    breaker.record_failure(ServerError("down"))
    assert breaker.cooldown == 20.0
    clock.advance(20)
    breaker.before_call()
    breaker.record_success()
    assert breaker.cooldown == 10.0
    breaker.before_call()
    breaker.record_failure(ServerError("down again"))
    assert breaker.seconds_until_probe() == pytest.approx(10.0)


@pytest.mark.parametrize(
    "error",
    [BadRequestError("bad", status=400), InvalidOutputError("not json")],
    ids=["bad-request", "invalid-output"],
)
async def test_request_specific_errors_do_not_open_a_healthy_provider(
    error: ProviderError,
) -> None:
    clock = ManualClock()
    breaker, changes = make(clock)
    provider = ScriptedProvider("openai", default=Fail(error))
    for _ in range(20):
        with pytest.raises(type(error)):
            await guarded_call(breaker, provider)
    assert provider.calls == 20
    assert breaker.state is CLOSED
    assert changes == []


async def test_answer_with_bad_output_closes_a_half_open_breaker() -> None:
    clock = ManualClock()
    breaker, _ = make(clock, failure_threshold=1)
    breaker.before_call()
    breaker.record_failure(ServerError("down"))
    clock.advance(30)
    breaker.before_call()
    breaker.record_failure(InvalidOutputError("prose instead of JSON"))
    assert breaker.state is CLOSED


async def test_auth_errors_open_the_breaker() -> None:
    clock = ManualClock()
    breaker, _ = make(clock)
    provider = ScriptedProvider("openai", default=Fail(AuthError("bad key", status=401)))
    for _ in range(5):
        with pytest.raises(AuthError):
            await guarded_call(breaker, provider)
    assert breaker.state is OPEN


async def test_refusals_that_never_reached_the_provider_are_ignored() -> None:
    clock = ManualClock()
    breaker, _ = make(clock, failure_threshold=1)
    breaker.record_failure(QueueFullError("queue full"))
    breaker.record_failure(CircuitOpenError("open"))
    assert breaker.state is CLOSED
    assert breaker.consecutive_failures == 0


async def test_released_probe_lets_the_next_caller_probe() -> None:
    clock = ManualClock()
    breaker, _ = make(clock, failure_threshold=1)
    breaker.before_call()
    breaker.record_failure(ServerError("down"))
    clock.advance(30)
    assert breaker.before_call() is True
    breaker.release_probe(True)
    assert breaker.state is HALF_OPEN
    assert breaker.before_call() is True


async def test_non_probe_release_does_not_free_the_probe() -> None:
    clock = ManualClock()
    breaker, _ = make(clock, failure_threshold=1)
    breaker.before_call()
    breaker.record_failure(ServerError("down"))
    clock.advance(30)
    assert breaker.before_call() is True
    breaker.release_probe(False)
    with pytest.raises(CircuitOpenError):
        breaker.before_call()


async def test_straggler_result_while_open_changes_nothing() -> None:
    clock = ManualClock()
    breaker, changes = make(clock, failure_threshold=1)
    breaker.before_call()
    breaker.record_failure(ServerError("down"))
    breaker.record_success()  # a call sent before the circuit opened
    breaker.record_failure(ServerError("down"))
    assert breaker.state is OPEN
    assert breaker.seconds_until_probe() == pytest.approx(30.0)
    assert changes == [(CLOSED, OPEN)]


async def test_a_failing_listener_neither_breaks_the_breaker_nor_others() -> None:
    clock = ManualClock()
    breaker = CircuitBreaker("openai", failure_threshold=1, clock=clock)
    seen: list[tuple[str, str]] = []

    def broken(old: BreakerState, new: BreakerState) -> None:
        raise RuntimeError("listener bug")

    breaker.add_listener(broken)
    unsubscribe = breaker.add_listener(lambda old, new: seen.append((old, new)))
    breaker.before_call()
    breaker.record_failure(ServerError("down"))
    assert breaker.state is OPEN
    assert seen == [(CLOSED, OPEN)]

    unsubscribe()
    clock.advance(30)
    breaker.before_call()
    assert seen == [(CLOSED, OPEN)]


def test_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker("x", failure_threshold=0)
    with pytest.raises(ValueError):
        CircuitBreaker("x", cooldown=60.0, max_cooldown=30.0)
