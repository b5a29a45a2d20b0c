"""Router: failover, deadline, breaker/queue skipping, accounting, hedging."""

from __future__ import annotations

import asyncio
import random

import pytest

from custom_components.llm_intent.engine.calling.breaker import BreakerState, CircuitBreaker
from custom_components.llm_intent.engine.calling.limiter import RateLimiter
from custom_components.llm_intent.engine.calling.providers.base import Provider
from custom_components.llm_intent.engine.calling.retry import RetryPolicy
from custom_components.llm_intent.engine.calling.router import (
    CANCELLED,
    Route,
    Router,
    RouterOutcome,
)
from custom_components.llm_intent.engine.clock import Clock, ManualClock, SystemClock
from custom_components.llm_intent.engine.errors import (
    AuthError,
    BadRequestError,
    BudgetExceededError,
    CircuitOpenError,
    DeadlineExceededError,
    InvalidOutputError,
    ProviderError,
    ProviderTimeoutError,
    QueueFullError,
    RateLimitError,
    ServerError,
)
from custom_components.llm_intent.engine.types import ProviderRequest, ProviderResult, Usage

from .scripted_provider import Answer, Fail, Hang, ScriptedProvider, Step

REQUEST = ProviderRequest(system="catalogue", user="włącz lampę w kuchni", schema={})
NO_JITTER = RetryPolicy(jitter=0.0)


def route(provider: Provider, clock: Clock, **limiter: int) -> Route:
    return Route(
        provider,
        CircuitBreaker(provider.label, clock=clock),
        RateLimiter(provider.label, clock=clock, **limiter),
    )


def router(
    clock: Clock, *providers: Provider, policy: RetryPolicy = NO_JITTER, **kwargs: object
) -> Router:
    return Router(
        [route(p, clock) for p in providers],
        clock=clock,
        retry_policy=policy,
        rng=random.Random(1),
        **kwargs,  # type: ignore[arg-type]
    )


def summary(outcome: RouterOutcome) -> list[tuple[str, int, str | None]]:
    return [(a.provider, a.retry_no, a.error_type) for a in outcome.attempts]


async def settle(rounds: int = 10) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)


async def test_primary_answers() -> None:
    clock = ManualClock()
    primary = ScriptedProvider("openai", clock=clock, default=Answer(latency=0.4))
    secondary = ScriptedProvider("anthropic", clock=clock)
    outcome = await router(clock, primary, secondary).recognize(REQUEST)

    assert outcome.result is not None
    assert outcome.served_by == "openai"
    assert outcome.error is None
    assert summary(outcome) == [("openai", 0, None)]
    assert outcome.attempts[0].latency_s == pytest.approx(0.4)
    assert outcome.attempts[0].sent
    assert outcome.attempts[0].breaker_state is BreakerState.CLOSED
    assert primary.timeouts == pytest.approx([2.5])
    assert secondary.calls == 0


async def test_retries_then_fails_over_to_the_secondary() -> None:
    clock = ManualClock()
    primary = ScriptedProvider("openai", default=Fail(ServerError("down", status=503)))
    secondary = ScriptedProvider("anthropic")
    outcome = await router(clock, primary, secondary).recognize(REQUEST)

    assert outcome.served_by == "anthropic"
    assert summary(outcome) == [
        ("openai", 0, "ServerError"),
        ("openai", 1, "ServerError"),
        ("openai", 2, "ServerError"),
        ("openai", 3, "ServerError"),
        ("anthropic", 0, None),
    ]
    assert [a.status for a in outcome.attempts[:4]] == [503] * 4
    assert clock.sleeps == pytest.approx([0.2, 0.4, 0.8])


@pytest.mark.parametrize(
    "error",
    [BadRequestError("bad", status=400), InvalidOutputError("prose")],
    ids=["400", "invalid-output"],
)
async def test_non_retryable_error_moves_on_after_one_call(error: ProviderError) -> None:
    clock = ManualClock()
    primary = ScriptedProvider("openai", default=Fail(error))
    secondary = ScriptedProvider("anthropic")
    outcome = await router(clock, primary, secondary).recognize(REQUEST)
    assert outcome.served_by == "anthropic"
    assert primary.calls == 1
    assert clock.sleeps == []


async def test_auth_failure_is_reported_for_reauth() -> None:
    clock = ManualClock()
    primary = ScriptedProvider("openai", default=Fail(AuthError("bad key", status=401)))
    secondary = ScriptedProvider("anthropic")
    outcome = await router(clock, primary, secondary).recognize(REQUEST)
    assert outcome.served_by == "anthropic"
    assert outcome.auth_failed_provider == "openai"
    assert primary.calls == 1
    assert outcome.attempts[0].status == 401


async def test_all_failing_gives_an_outcome_not_an_exception() -> None:
    clock = ManualClock()
    primary = ScriptedProvider("openai", default=Fail(ServerError("down", status=500)))
    secondary = ScriptedProvider("anthropic", default=Fail(BadRequestError("no", status=400)))
    outcome = await router(clock, primary, secondary).recognize(REQUEST)

    assert outcome.result is None
    assert outcome.served_by is None
    assert isinstance(outcome.error, BadRequestError)
    assert len(outcome.attempts) == 5
    assert outcome.auth_failed_provider is None


async def test_one_deadline_covers_attempts_retries_and_failover() -> None:
    clock = ManualClock()
    slow_timeout = Fail(ProviderTimeoutError("slow"), latency=1.0)
    primary = ScriptedProvider("openai", clock=clock, default=slow_timeout)
    secondary = ScriptedProvider("anthropic", clock=clock)
    outcome = await router(clock, primary, secondary).recognize(REQUEST)

    # t=0 try (1 s), wait 0.2, t=1.2 try (1 s); a 0.4 s wait at t=2.2 would
    # pass 2.5, so the secondary gets the remaining 0.3 s.
    assert primary.timeouts == pytest.approx([2.5, 1.3])
    assert clock.sleeps == pytest.approx([0.2])
    assert secondary.timeouts == pytest.approx([0.3])
    assert outcome.served_by == "anthropic"


async def test_per_call_deadline_override() -> None:
    clock = ManualClock()
    primary = ScriptedProvider("openai")
    await router(clock, primary).recognize(REQUEST, deadline_s=1.0)
    assert primary.timeouts == pytest.approx([1.0])


async def test_deadline_exhausted_is_reported_as_such() -> None:
    clock = ManualClock()
    primary = ScriptedProvider(
        "openai", clock=clock, default=Fail(ProviderTimeoutError("slow"), latency=2.5)
    )
    secondary = ScriptedProvider("anthropic")
    outcome = await router(clock, primary, secondary).recognize(REQUEST)
    assert outcome.result is None
    assert isinstance(outcome.error, DeadlineExceededError)
    assert isinstance(outcome.error.__cause__, ProviderTimeoutError)
    assert secondary.calls == 0


async def test_provider_ignoring_its_timeout_is_cut_off_at_the_deadline() -> None:
    primary = ScriptedProvider("openai", default=Hang())
    outcome = await router(SystemClock(), primary).recognize(REQUEST, deadline_s=0.05)
    assert outcome.result is None
    assert isinstance(outcome.error, DeadlineExceededError)
    assert summary(outcome) == [("openai", 0, "ProviderTimeoutError")]
    assert primary.cancelled == 1


async def test_breaker_opens_after_five_failures_and_sixth_sends_nothing() -> None:
    clock = ManualClock()
    primary = ScriptedProvider("openai", default=Fail(ServerError("down", status=503)))
    rt = router(clock, primary, policy=RetryPolicy(max_retries=0))
    outcomes = [await rt.recognize(REQUEST) for _ in range(6)]

    assert primary.calls == 5
    assert [o.attempts[0].error_type for o in outcomes] == ["ServerError"] * 5 + [
        "CircuitOpenError"
    ]
    assert outcomes[4].attempts[0].breaker_state is BreakerState.OPEN
    assert not outcomes[5].attempts[0].sent
    assert isinstance(outcomes[5].error, CircuitOpenError)
    assert outcomes[5].result is None


async def test_breaker_opening_mid_retries_stops_waiting_and_fails_over() -> None:
    clock = ManualClock()
    primary = ScriptedProvider("openai", default=Fail(ServerError("down")))
    secondary = ScriptedProvider("anthropic")
    rt = router(clock, primary, secondary)
    await rt.recognize(REQUEST)  # 4 failures
    clock.sleeps.clear()
    outcome = await rt.recognize(REQUEST)  # 5th failure opens the breaker
    assert primary.calls == 5
    assert clock.sleeps == []  # no backoff spent on a provider now refused
    assert outcome.served_by == "anthropic"


async def test_open_breaker_is_skipped_at_once() -> None:
    clock = ManualClock()
    primary = ScriptedProvider("openai")
    secondary = ScriptedProvider("anthropic")
    rt = router(clock, primary, secondary)
    for _ in range(5):
        rt.routes[0].breaker.record_failure(ServerError("down"))
    start = clock.monotonic()
    outcome = await rt.recognize(REQUEST)
    assert outcome.served_by == "anthropic"
    assert primary.calls == 0
    assert summary(outcome)[0] == ("openai", 0, "CircuitOpenError")
    assert clock.monotonic() == start


async def test_full_queue_is_skipped_at_once() -> None:
    clock = ManualClock()
    primary = ScriptedProvider("openai", steps=[Hang()])
    secondary = ScriptedProvider("anthropic")
    rt = Router(
        [route(primary, clock, max_concurrency=1, max_queue=0), route(secondary, clock)],
        clock=clock,
    )
    blocked = asyncio.create_task(rt.recognize(REQUEST))
    await settle()
    assert primary.hanging == 1

    outcome = await rt.recognize(REQUEST)
    assert outcome.served_by == "anthropic"
    assert summary(outcome)[0] == ("openai", 0, "QueueFullError")
    assert primary.calls == 1

    primary.release()
    first = await blocked
    assert first.served_by == "openai"
    assert rt.routes[0].limiter.in_flight == 0


async def test_rate_limit_retry_after_pauses_the_provider_for_other_requests() -> None:
    clock = ManualClock()
    limited = Fail(RateLimitError("slow down", status=429, retry_after=20.0))
    primary = ScriptedProvider("openai", steps=[limited])
    secondary = ScriptedProvider("anthropic")
    rt = router(clock, primary, secondary)
    first = await rt.recognize(REQUEST)
    second = await rt.recognize(REQUEST)
    assert first.served_by == second.served_by == "anthropic"
    assert primary.calls == 1  # the second request was not sent into the 429
    assert summary(second)[0] == ("openai", 0, "QueueFullError")


async def test_rate_limit_headers_teach_the_limiter() -> None:
    clock = ManualClock()
    headers = {"requests_limit": 1.0, "requests_remaining": 0.0, "requests_reset_s": 40.0}
    primary = ScriptedProvider("openai", steps=[Answer(rate_limits=headers)])
    secondary = ScriptedProvider("anthropic")
    rt = router(clock, primary, secondary)
    assert (await rt.recognize(REQUEST)).served_by == "openai"
    assert rt.routes[0].limiter.requests_per_minute == 1
    # The provider said nothing is left for 40 s: not worth queueing for.
    second = await rt.recognize(REQUEST)
    assert second.served_by == "anthropic"
    assert primary.calls == 1
    clock.advance(60)
    assert (await rt.recognize(REQUEST)).served_by == "openai"


async def test_usage_of_every_attempt_is_reported() -> None:
    clock = ManualClock()
    billed = InvalidOutputError("prose instead of JSON", usage=Usage(300, 40))
    primary = ScriptedProvider("openai", default=Fail(billed))
    secondary = ScriptedProvider("anthropic", default=Answer(usage=Usage(250, 30)))
    outcome = await router(clock, primary, secondary).recognize(REQUEST)

    assert [a.usage for a in outcome.attempts] == [Usage(300, 40), Usage(250, 30)]
    assert [a.model for a in outcome.attempts] == ["test-model", "test-model"]
    assert outcome.usage == Usage(550, 70)


async def test_before_send_reserves_and_can_skip_a_route() -> None:
    clock = ManualClock()
    primary = ScriptedProvider("openai")
    secondary = ScriptedProvider("anthropic")
    seen: list[str] = []

    async def reserve(provider: Provider, request: ProviderRequest) -> object:
        seen.append(provider.label)
        if provider.label == "openai":
            raise BudgetExceededError("daily budget reached")
        return f"reservation-{provider.label}"

    outcome = await router(clock, primary, secondary, before_send=reserve).recognize(REQUEST)
    assert seen == ["openai", "anthropic"]
    assert primary.calls == 0
    assert outcome.served_by == "anthropic"
    assert summary(outcome) == [("openai", 0, "BudgetExceededError"), ("anthropic", 0, None)]
    assert [(a.sent, a.reservation) for a in outcome.attempts] == [
        (False, None),
        (True, "reservation-anthropic"),
    ]


async def test_budget_refused_everywhere_says_so() -> None:
    clock = ManualClock()

    async def refuse(provider: Provider, request: ProviderRequest) -> object:
        raise BudgetExceededError("monthly budget reached")

    outcome = await router(clock, ScriptedProvider("openai"), before_send=refuse).recognize(REQUEST)
    assert outcome.result is None
    assert isinstance(outcome.error, BudgetExceededError)


class BuggyProvider:
    label = "buggy"
    model = "m"
    calls = 0

    async def recognize(self, request: ProviderRequest, *, timeout: float) -> ProviderResult:
        self.calls += 1
        raise KeyError("choices")

    async def validate(self, *, timeout: float) -> None:
        return None


async def test_provider_bug_does_not_escape() -> None:
    clock = ManualClock()
    buggy = BuggyProvider()
    secondary = ScriptedProvider("anthropic")
    rt = router(clock, buggy, secondary)
    outcome = await rt.recognize(REQUEST)
    assert outcome.served_by == "anthropic"
    assert summary(outcome)[0] == ("buggy", 0, "ProviderError")
    assert buggy.calls == 1
    assert rt.routes[0].breaker.consecutive_failures == 1


async def test_caller_cancellation_propagates_and_frees_everything() -> None:
    clock = ManualClock()
    primary = ScriptedProvider("openai", default=Hang())
    rt = router(clock, primary)
    task = asyncio.create_task(rt.recognize(REQUEST))
    await settle()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert primary.cancelled == 1
    assert rt.routes[0].limiter.in_flight == 0


async def test_cancelled_probe_lets_the_next_request_probe() -> None:
    clock = ManualClock()
    primary = ScriptedProvider("openai", steps=[Hang()])
    rt = router(clock, primary)
    breaker = rt.routes[0].breaker
    for _ in range(5):
        breaker.record_failure(ServerError("down"))
    clock.advance(30)
    task = asyncio.create_task(rt.recognize(REQUEST))
    await settle()
    assert breaker.state is BreakerState.HALF_OPEN
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    outcome = await rt.recognize(REQUEST)
    assert outcome.served_by == "openai"
    assert rt.routes[0].breaker.state is BreakerState.CLOSED


def test_rejects_bad_configuration() -> None:
    clock = ManualClock()
    with pytest.raises(ValueError):
        Router([], clock=clock)
    with pytest.raises(ValueError):
        router(clock, ScriptedProvider("same"), ScriptedProvider("same"))


# --- hedging -----------------------------------------------------------------


async def warm_up(rt: Router, primary: ScriptedProvider, samples: int) -> None:
    for _ in range(samples):
        outcome = await rt.recognize(REQUEST)
        assert outcome.served_by == primary.label


async def test_hedge_waits_for_enough_samples() -> None:
    clock = ManualClock()
    primary = ScriptedProvider(
        "openai", clock=clock, steps=[Answer(latency=0.3)] * 19 + [Answer(latency=1.0)]
    )
    secondary = ScriptedProvider("anthropic", clock=clock)
    rt = router(clock, primary, secondary, hedge=True)
    await warm_up(rt, primary, 19)
    assert rt.p95_latency("openai") is None
    # With no p95 yet, a slow (1 s) primary is simply waited for.
    outcome = await rt.recognize(REQUEST)
    assert outcome.served_by == "openai"
    assert not outcome.hedged
    assert secondary.calls == 0
    assert clock.sleeps == []
    # One slow call among 20 does not move the p95.
    assert rt.p95_latency("openai") == pytest.approx(0.3)


async def test_hedge_faster_secondary_wins_and_primary_is_cancelled() -> None:
    clock = ManualClock()
    latencies = [0.2] * 18 + [0.3, 0.5]
    primary = ScriptedProvider(
        "openai", clock=clock, steps=[Answer(latency=x) for x in latencies] + [Hang()]
    )
    secondary = ScriptedProvider("anthropic", clock=clock, default=Answer(latency=0.1))
    rt = router(clock, primary, secondary, hedge=True)
    await warm_up(rt, primary, 20)
    assert rt.p95_latency("openai") == pytest.approx(0.3)

    outcome = await rt.recognize(REQUEST)
    assert outcome.served_by == "anthropic"
    assert outcome.hedged
    assert clock.sleeps == pytest.approx([0.3])  # hedged after the primary's p95
    assert primary.cancelled == 1
    assert secondary.calls == 1
    by_provider = {a.provider: a for a in outcome.attempts}
    assert by_provider["openai"].error_type == CANCELLED
    assert by_provider["openai"].sent  # may be billed: reported for costing
    assert not by_provider["openai"].hedged
    assert by_provider["anthropic"].error_type is None
    assert by_provider["anthropic"].hedged
    assert rt.routes[0].limiter.in_flight == 0
    assert rt.routes[0].breaker.state is BreakerState.CLOSED


async def test_hedge_not_sent_when_primary_answers_in_time() -> None:
    clock = ManualClock()
    primary = ScriptedProvider("openai", clock=clock, default=Answer(latency=0.3))
    secondary = ScriptedProvider("anthropic", clock=clock)
    rt = router(clock, primary, secondary, hedge=True)
    await warm_up(rt, primary, 25)
    assert secondary.calls == 0


async def test_hedge_primary_still_wins_when_secondary_fails() -> None:
    clock = ManualClock()
    primary = ScriptedProvider("openai", clock=clock, steps=[Answer(latency=0.3)] * 20 + [Hang()])
    secondary = ScriptedProvider("anthropic", default=Fail(BadRequestError("no", status=400)))
    rt = router(clock, primary, secondary, hedge=True)
    await warm_up(rt, primary, 20)

    task = asyncio.create_task(rt.recognize(REQUEST))
    for _ in range(50):
        await asyncio.sleep(0)
        if secondary.calls:
            break
    assert secondary.calls == 1
    assert not task.done()
    primary.release()
    outcome = await task
    assert outcome.served_by == "openai"
    assert outcome.hedged
    assert summary(outcome) == [("anthropic", 0, "BadRequestError"), ("openai", 0, None)]


async def test_hedge_primary_failing_early_falls_over_normally() -> None:
    clock = ManualClock()
    primary = ScriptedProvider(
        "openai",
        clock=clock,
        steps=[Answer(latency=0.3)] * 20 + [Fail(AuthError("revoked", status=401))],
    )
    secondary = ScriptedProvider("anthropic")
    rt = router(clock, primary, secondary, hedge=True)
    await warm_up(rt, primary, 20)
    outcome = await rt.recognize(REQUEST)
    assert outcome.served_by == "anthropic"
    assert outcome.auth_failed_provider == "openai"
    assert not outcome.hedged
    assert not outcome.attempts[-1].hedged


# --- reliability ---------------------------------------------------------------


def flaky(seed: int, rate: float) -> ScriptedProvider:
    rng = random.Random(seed)
    errors: list[ProviderError] = [
        ServerError("overloaded", status=529),
        ProviderTimeoutError("slow"),
        RateLimitError("busy", status=429),
    ]

    def step(call_no: int) -> Step:
        if rng.random() < rate:
            return Fail(errors[call_no % len(errors)])
        return Answer()

    return ScriptedProvider("flaky", default=step)


async def test_2000_requests_with_a_30_percent_failing_primary_all_get_answers() -> None:
    clock = ManualClock()
    primary = flaky(seed=2026, rate=0.3)
    secondary = ScriptedProvider("healthy")
    rt = router(clock, primary, secondary, policy=RetryPolicy())
    opened: list[BreakerState] = []
    rt.routes[0].breaker.add_listener(
        lambda old, new: opened.append(new) if new is BreakerState.OPEN else None
    )

    outcomes = []
    for _ in range(2000):
        outcomes.append(await rt.recognize(REQUEST))
        clock.advance(5.0)  # commands come seconds apart; breaker cooldowns run out

    assert all(o.result is not None and o.error is None for o in outcomes)
    served = {label: sum(o.served_by == label for o in outcomes) for label in ("flaky", "healthy")}
    assert served["flaky"] + served["healthy"] == 2000
    # Retries keep most requests on the primary; the rest were failed over.
    assert served["flaky"] > 1800
    assert served["healthy"] > 0
    assert opened, "the scenario should have opened the primary's breaker"
    assert secondary.calls == served["healthy"]


async def test_2000_concurrent_requests_never_raise_and_never_vanish() -> None:
    clock = ManualClock()
    primary = flaky(seed=7, rate=0.3)
    secondary = ScriptedProvider("healthy")
    rt = router(clock, primary, secondary, policy=RetryPolicy())

    outcomes: list[RouterOutcome | BaseException] = []
    for _ in range(20):
        batch = [rt.recognize(REQUEST) for _ in range(100)]
        outcomes += await asyncio.gather(*batch, return_exceptions=True)

    assert len(outcomes) == 2000
    assert not [o for o in outcomes if isinstance(o, BaseException)]
    for o in outcomes:
        assert isinstance(o, RouterOutcome)
        assert (o.result is None) != (o.error is None)
        assert o.attempts
    answered = sum(isinstance(o, RouterOutcome) and o.result is not None for o in outcomes)
    # Concurrency 4 and a 100-deep queue per provider absorb batches of 100.
    assert answered == 2000
    assert all(r.limiter.in_flight == 0 and r.limiter.queue_depth == 0 for r in rt.routes)


async def test_queue_full_everywhere_gives_outcome_not_exception() -> None:
    clock = ManualClock()
    primary = ScriptedProvider("openai", default=Hang())
    secondary = ScriptedProvider("anthropic", default=Hang())
    rt = Router(
        [
            route(primary, clock, max_concurrency=1, max_queue=0),
            route(secondary, clock, max_concurrency=1, max_queue=0),
        ],
        clock=clock,
    )
    first = asyncio.create_task(rt.recognize(REQUEST))
    second = asyncio.create_task(rt.recognize(REQUEST))
    await settle()
    outcome = await rt.recognize(REQUEST)
    assert outcome.result is None
    assert isinstance(outcome.error, QueueFullError)
    primary.release()
    secondary.release()
    assert {(await first).served_by, (await second).served_by} == {"openai", "anthropic"}
