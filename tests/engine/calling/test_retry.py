"""Retry policy: how often, how long, and when not at all."""

from __future__ import annotations

import random

import pytest

from custom_components.llm_intent.engine.calling.retry import RetryPolicy, run_with_retries
from custom_components.llm_intent.engine.clock import ManualClock
from custom_components.llm_intent.engine.errors import (
    AuthError,
    BadRequestError,
    InvalidOutputError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    ServerError,
)


class FailingCall:
    """Fails with the given errors in turn, then returns ``"ok"``."""

    def __init__(self, *errors: ProviderError, forever: ProviderError | None = None) -> None:
        self._errors = list(errors)
        self._forever = forever
        self.retry_nos: list[int] = []

    @property
    def calls(self) -> int:
        return len(self.retry_nos)

    async def __call__(self, retry_no: int) -> str:
        self.retry_nos.append(retry_no)
        if self._errors:
            raise self._errors.pop(0)
        if self._forever is not None:
            raise self._forever
        return "ok"


async def _run(
    call: FailingCall,
    clock: ManualClock,
    policy: RetryPolicy,
    *,
    deadline_in: float = 100.0,
    seed: int = 1,
) -> str:
    return await run_with_retries(
        call,
        policy=policy,
        clock=clock,
        deadline=clock.monotonic() + deadline_in,
        rng=random.Random(seed),
    )


async def test_three_retries_with_doubling_delays_then_gives_up() -> None:
    clock = ManualClock()
    call = FailingCall(forever=ServerError("boom", status=503))
    with pytest.raises(ServerError):
        await _run(call, clock, RetryPolicy(jitter=0.0))
    assert call.calls == 4
    assert call.retry_nos == [0, 1, 2, 3]
    assert clock.sleeps == pytest.approx([0.2, 0.4, 0.8])


async def test_seeded_jitter_gives_exact_reproducible_delays() -> None:
    clock = ManualClock()
    call = FailingCall(forever=ProviderTimeoutError("slow"))
    with pytest.raises(ProviderTimeoutError):
        await _run(call, clock, RetryPolicy(jitter=0.2), seed=42)

    draws = random.Random(42)
    expected = [0.2 * 2**n * (0.8 + 0.4 * draws.random()) for n in range(3)]
    assert clock.sleeps == pytest.approx(expected)
    # Jitter really moved them off the nominal 0.2/0.4/0.8 grid, within ±20%.
    for delay, nominal in zip(clock.sleeps, [0.2, 0.4, 0.8], strict=True):
        assert delay != pytest.approx(nominal)
        assert 0.8 * nominal <= delay <= 1.2 * nominal


async def test_backoff_is_capped() -> None:
    clock = ManualClock()
    call = FailingCall(forever=ProviderConnectionError("refused"))
    policy = RetryPolicy(base_delay=1.0, max_delay=1.5, jitter=0.0)
    with pytest.raises(ProviderConnectionError):
        await _run(call, clock, policy)
    assert clock.sleeps == pytest.approx([1.0, 1.5, 1.5])


async def test_max_retries_option() -> None:
    clock = ManualClock()
    call = FailingCall(forever=ServerError("boom"))
    with pytest.raises(ServerError):
        await _run(call, clock, RetryPolicy(max_retries=1, jitter=0.0))
    assert call.calls == 2


async def test_success_after_retries_returns_the_value() -> None:
    clock = ManualClock()
    call = FailingCall(ServerError("a", status=500), ServerError("b", status=529))
    assert await _run(call, clock, RetryPolicy(jitter=0.0)) == "ok"
    assert call.calls == 3
    assert clock.sleeps == pytest.approx([0.2, 0.4])


async def test_longer_retry_after_is_honoured() -> None:
    clock = ManualClock()
    call = FailingCall(RateLimitError("slow down", status=429, retry_after=1.25))
    assert await _run(call, clock, RetryPolicy(jitter=0.0)) == "ok"
    assert clock.sleeps == pytest.approx([1.25])


async def test_shorter_retry_after_does_not_shorten_backoff() -> None:
    clock = ManualClock()
    call = FailingCall(RateLimitError("slow down", status=429, retry_after=0.01))
    assert await _run(call, clock, RetryPolicy(jitter=0.0)) == "ok"
    assert clock.sleeps == pytest.approx([0.2])


@pytest.mark.parametrize(
    "error",
    [
        BadRequestError("bad", status=400),
        AuthError("no key", status=401),
        InvalidOutputError("not json"),
    ],
    ids=["400", "401", "invalid-output"],
)
async def test_non_retryable_errors_fail_fast(error: ProviderError) -> None:
    clock = ManualClock()
    call = FailingCall(forever=error)
    with pytest.raises(type(error)):
        await _run(call, clock, RetryPolicy())
    assert call.calls == 1
    assert clock.sleeps == []


async def test_deadline_bounds_retries() -> None:
    clock = ManualClock()
    call = FailingCall(forever=ServerError("boom"))
    with pytest.raises(ServerError):
        # 0.2 s fits before the deadline; the next 0.4 s wait would not.
        await _run(call, clock, RetryPolicy(jitter=0.0), deadline_in=0.5)
    assert call.calls == 2
    assert clock.sleeps == pytest.approx([0.2])


async def test_retry_after_past_deadline_is_not_waited_for() -> None:
    clock = ManualClock()
    call = FailingCall(RateLimitError("later", status=429, retry_after=30.0))
    with pytest.raises(RateLimitError):
        await _run(call, clock, RetryPolicy(), deadline_in=2.5)
    assert call.calls == 1
    assert clock.sleeps == []


async def test_vetoed_retry_raises_without_waiting() -> None:
    clock = ManualClock()
    call = FailingCall(forever=ServerError("boom"))
    with pytest.raises(ServerError):
        await run_with_retries(
            call,
            policy=RetryPolicy(),
            clock=clock,
            deadline=clock.monotonic() + 100,
            rng=random.Random(0),
            may_retry=lambda: False,
        )
    assert call.calls == 1
    assert clock.sleeps == []


async def test_non_provider_errors_are_not_retried() -> None:
    clock = ManualClock()
    calls = 0

    async def broken(retry_no: int) -> str:
        nonlocal calls
        calls += 1
        raise KeyError("bug")

    with pytest.raises(KeyError):
        await run_with_retries(
            broken,
            policy=RetryPolicy(),
            clock=clock,
            deadline=clock.monotonic() + 100,
            rng=random.Random(0),
        )
    assert calls == 1


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_retries=-1)
    with pytest.raises(ValueError):
        RetryPolicy(jitter=1.5)
    with pytest.raises(ValueError):
        RetryPolicy(base_delay=-0.1)
