"""Limiter: concurrency, bounded FIFO queue, requests per minute, deadlines."""

from __future__ import annotations

import asyncio

import pytest

from custom_components.llm_intent.engine.calling.limiter import RateLimiter
from custom_components.llm_intent.engine.clock import ManualClock
from custom_components.llm_intent.engine.errors import QueueFullError

FAR = 1_000.0


async def settle(rounds: int = 5) -> None:
    """Let every ready task run until it blocks."""
    for _ in range(rounds):
        await asyncio.sleep(0)


async def test_200_requests_against_concurrency_5_and_queue_100() -> None:
    clock = ManualClock()
    limiter = RateLimiter("openai", max_concurrency=5, max_queue=100, clock=clock)
    gate = asyncio.Event()
    entered: list[int] = []
    rejected: list[int] = []
    inside = 0
    most_inside = 0

    async def user(i: int) -> None:
        nonlocal inside, most_inside
        try:
            async with limiter.slot(clock.monotonic() + FAR):
                entered.append(i)
                inside += 1
                most_inside = max(most_inside, inside)
                await gate.wait()
                inside -= 1
        except QueueFullError:
            rejected.append(i)

    tasks = [asyncio.create_task(user(i)) for i in range(200)]
    await settle()
    assert entered == list(range(5))
    assert limiter.queue_depth == 100
    # The overflow was refused at once, not after waiting.
    assert rejected == list(range(105, 200))
    assert all(t.done() for t in tasks[105:])
    assert clock.sleeps == []

    gate.set()
    await asyncio.gather(*tasks)
    assert entered == list(range(105))  # FIFO
    assert most_inside == 5
    assert limiter.max_queue_depth_seen == 100
    assert limiter.queue_depth == 0
    assert limiter.in_flight == 0
    assert limiter.rejected_total == 95


async def test_freed_slot_wakes_the_next_waiter() -> None:
    clock = ManualClock()
    limiter = RateLimiter("openai", max_concurrency=1, clock=clock)
    first_done = asyncio.Event()
    order: list[str] = []

    async def first() -> None:
        async with limiter.slot(clock.monotonic() + FAR):
            order.append("first")
            await first_done.wait()

    async def second() -> None:
        async with limiter.slot(clock.monotonic() + FAR):
            order.append("second")

    t1 = asyncio.create_task(first())
    await settle()
    t2 = asyncio.create_task(second())
    await settle()
    assert order == ["first"]
    assert limiter.queue_depth == 1
    first_done.set()
    await asyncio.gather(t1, t2)
    assert order == ["first", "second"]


async def test_passed_deadline_is_refused_at_once() -> None:
    clock = ManualClock()
    limiter = RateLimiter("openai", clock=clock)
    with pytest.raises(QueueFullError):
        async with limiter.slot(clock.monotonic()):
            pass
    assert limiter.in_flight == 0


async def test_deadline_while_queued_raises_instead_of_hanging() -> None:
    clock = ManualClock()
    limiter = RateLimiter("openai", max_concurrency=1, clock=clock)
    release = asyncio.Event()

    async def holder() -> None:
        async with limiter.slot(clock.monotonic() + FAR):
            await release.wait()

    task = asyncio.create_task(holder())
    await settle()
    with pytest.raises(QueueFullError):
        # The only real wait in these tests: a concurrency wait is bounded by
        # the loop's clock, since nobody knows when the holder will finish.
        async with limiter.slot(clock.monotonic() + 0.02):
            pass
    assert limiter.queue_depth == 0
    release.set()
    await task
    assert limiter.in_flight == 0


async def test_cancelled_waiter_leaves_the_queue_and_takes_no_slot() -> None:
    clock = ManualClock()
    limiter = RateLimiter("openai", max_concurrency=1, clock=clock)
    release = asyncio.Event()

    async def holder() -> None:
        async with limiter.slot(clock.monotonic() + FAR):
            await release.wait()

    async def waiter() -> None:
        async with limiter.slot(clock.monotonic() + FAR):
            pass

    held = asyncio.create_task(holder())
    await settle()
    waiting = asyncio.create_task(waiter())
    await settle()
    assert limiter.queue_depth == 1
    waiting.cancel()
    await settle()
    assert waiting.cancelled()
    assert limiter.queue_depth == 0
    release.set()
    await held
    assert limiter.in_flight == 0


async def test_waiter_cancelled_right_after_being_granted_returns_the_slot() -> None:
    clock = ManualClock()
    limiter = RateLimiter("openai", max_concurrency=1, clock=clock)

    async def waiter() -> None:
        async with limiter.slot(clock.monotonic() + FAR):
            pass

    held = limiter.slot(clock.monotonic() + FAR)
    await held.__aenter__()
    waiting = asyncio.create_task(waiter())
    await settle()
    assert limiter.queue_depth == 1
    # Releasing grants the waiter's turn; it is cancelled before it can run.
    await held.__aexit__(None, None, None)
    waiting.cancel()
    await settle()
    assert waiting.cancelled()
    assert limiter.in_flight == 0
    async with limiter.slot(clock.monotonic() + FAR):
        assert limiter.in_flight == 1


async def test_error_in_the_body_releases_the_slot() -> None:
    clock = ManualClock()
    limiter = RateLimiter("openai", max_concurrency=1, clock=clock)
    with pytest.raises(RuntimeError):
        async with limiter.slot(clock.monotonic() + FAR):
            raise RuntimeError("provider blew up")
    assert limiter.in_flight == 0


async def test_requests_per_minute_waits_for_the_window() -> None:
    clock = ManualClock()
    limiter = RateLimiter("openai", requests_per_minute=2, clock=clock)
    for _ in range(2):
        async with limiter.slot(clock.monotonic() + FAR):
            pass
    clock.advance(10)
    async with limiter.slot(clock.monotonic() + FAR):
        pass
    assert clock.sleeps == pytest.approx([50.0])


async def test_rate_wait_past_the_deadline_is_refused_without_waiting() -> None:
    clock = ManualClock()
    limiter = RateLimiter("openai", requests_per_minute=2, clock=clock)
    for _ in range(2):
        async with limiter.slot(clock.monotonic() + FAR):
            pass
    with pytest.raises(QueueFullError):
        async with limiter.slot(clock.monotonic() + 2.5):
            pass
    assert clock.sleeps == []
    assert limiter.in_flight == 0


async def test_queued_request_that_rate_limit_would_make_late_is_refused_at_once() -> None:
    clock = ManualClock()
    limiter = RateLimiter("openai", max_concurrency=1, requests_per_minute=1, clock=clock)
    release = asyncio.Event()

    async def holder() -> None:
        async with limiter.slot(clock.monotonic() + FAR):
            await release.wait()

    held = asyncio.create_task(holder())
    await settle()
    with pytest.raises(QueueFullError):
        async with limiter.slot(clock.monotonic() + 2.5):
            pass
    assert limiter.max_queue_depth_seen == 0
    release.set()
    await held


async def test_window_slides() -> None:
    clock = ManualClock()
    limiter = RateLimiter("openai", requests_per_minute=2, clock=clock)
    for _ in range(2):
        async with limiter.slot(clock.monotonic() + FAR):
            pass
    clock.advance(60.5)
    async with limiter.slot(clock.monotonic() + 1):
        pass
    assert clock.sleeps == []


async def test_limit_is_learned_from_headers() -> None:
    clock = ManualClock()
    limiter = RateLimiter("openai", clock=clock)
    limiter.update_from_headers(limit=1)
    assert limiter.requests_per_minute == 1
    async with limiter.slot(clock.monotonic() + FAR):
        pass
    async with limiter.slot(clock.monotonic() + FAR):
        pass
    assert clock.sleeps == pytest.approx([60.0])


async def test_remaining_and_reset_from_headers_are_respected() -> None:
    clock = ManualClock()
    limiter = RateLimiter("openai", clock=clock)
    limiter.update_from_headers(remaining=1, reset_s=10.0)
    async with limiter.slot(clock.monotonic() + FAR):
        pass
    with pytest.raises(QueueFullError):
        async with limiter.slot(clock.monotonic() + 2.5):
            pass
    async with limiter.slot(clock.monotonic() + FAR):
        pass
    assert clock.sleeps == pytest.approx([10.0])
    # After the reset the provider's stale "remaining" no longer applies.
    async with limiter.slot(clock.monotonic() + 1):
        pass
    assert clock.sleeps == pytest.approx([10.0])


async def test_learns_from_normalised_provider_headers() -> None:
    clock = ManualClock()
    limiter = RateLimiter("anthropic", clock=clock)
    limiter.learn(None)
    limiter.learn({"tokens_limit": 40000.0})
    learned = [limiter.requests_per_minute]
    limiter.learn({"requests_limit": 50.0, "requests_remaining": 0.0, "requests_reset_s": 3.0})
    learned.append(limiter.requests_per_minute)
    assert learned == [None, 50]
    async with limiter.slot(clock.monotonic() + FAR):
        pass
    assert clock.sleeps == pytest.approx([3.0])


async def test_pause_for_retry_after() -> None:
    clock = ManualClock()
    limiter = RateLimiter("openai", clock=clock)
    limiter.pause_for(4.0)
    async with limiter.slot(clock.monotonic() + FAR):
        pass
    assert clock.sleeps == pytest.approx([4.0])


async def test_cancelled_during_rate_wait_returns_the_slot() -> None:
    clock = ManualClock()
    limiter = RateLimiter("openai", max_concurrency=1, clock=clock)
    limiter.pause_for(30.0)
    sleeping = asyncio.Event()

    async def blocked_sleep(seconds: float) -> None:
        sleeping.set()
        await asyncio.Event().wait()

    clock.sleep = blocked_sleep  # type: ignore[method-assign]

    async def user() -> None:
        async with limiter.slot(clock.monotonic() + FAR):
            pass

    task = asyncio.create_task(user())
    await sleeping.wait()
    assert limiter.in_flight == 1
    task.cancel()
    await settle()
    assert task.cancelled()
    assert limiter.in_flight == 0


def test_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError):
        RateLimiter("x", max_concurrency=0)
    with pytest.raises(ValueError):
        RateLimiter("x", max_queue=-1)
    with pytest.raises(ValueError):
        RateLimiter("x", requests_per_minute=0)
