"""Fault injection through the real SDKs: retries, backoff, deadline, breaker, failover."""

from __future__ import annotations

from collections.abc import AsyncIterator
import time

import httpx
import pytest

from custom_components.llm_intent.engine.clock import ManualClock, SystemClock
from custom_components.llm_intent.engine.errors import CircuitOpenError
from custom_components.llm_intent.engine.pipeline import Command

from ..fake_provider import (
    ErrorReply,
    FakeProviderServer,
    Hang,
    Malformed,
    Reply,
    Reset,
    overloaded,
    rate_limited,
)
from .harness import REQUEST, build

CMD = Command("włącz światło w kuchni")
INTENT = {"intent": "HassTurnOn", "slots": {}, "confidence": 0.9, "clarify_question": None}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as c:
        yield c


@pytest.fixture
async def second_provider(socket_enabled: None) -> AsyncIterator[FakeProviderServer]:
    server = FakeProviderServer()
    await server.start()
    yield server
    await server.stop()


def _sleeps(clock: ManualClock) -> list[float]:
    return [round(s, 3) for s in clock.sleeps]


async def test_429_honours_retry_after_then_succeeds(
    fake_provider: FakeProviderServer, client: httpx.AsyncClient
) -> None:
    clock = ManualClock()
    llm = build([(fake_provider, "openai", "")], clock, client)
    fake_provider.script(rate_limited(retry_after=1.5), Reply(content=INTENT))
    answer = await llm.recognize(REQUEST, CMD)
    assert answer.result is not None
    assert answer.attempts == 2
    assert fake_provider.count == 2
    assert _sleeps(clock) == [1.5]


async def test_500_and_529_back_off_exponentially(
    fake_provider: FakeProviderServer, client: httpx.AsyncClient
) -> None:
    clock = ManualClock()
    llm = build([(fake_provider, "anthropic", "")], clock, client)
    fake_provider.script(ErrorReply(500), overloaded(), ErrorReply(503), Reply(content=INTENT))
    answer = await llm.recognize(REQUEST, CMD)
    assert answer.result is not None
    assert fake_provider.count == 4
    first, second, third = clock.sleeps
    # Each delay is twice the previous one, spread by at most ±20 % jitter.
    assert 0.16 <= first <= 0.24
    assert 0.32 <= second <= 0.48
    assert 0.64 <= third <= 0.96


async def test_gives_up_after_three_retries(
    fake_provider: FakeProviderServer, client: httpx.AsyncClient
) -> None:
    clock = ManualClock()
    llm = build([(fake_provider, "openai", "")], clock, client)
    fake_provider.script(*[ErrorReply(500)] * 6)
    answer = await llm.recognize(REQUEST, CMD)
    assert answer.result is None
    assert answer.error == "error"
    assert fake_provider.count == 4, "one call plus at most three retries"


@pytest.mark.parametrize("status", [400, 401, 403, 404])
async def test_client_errors_fail_fast(
    fake_provider: FakeProviderServer, client: httpx.AsyncClient, status: int
) -> None:
    clock = ManualClock()
    llm = build([(fake_provider, "openai", "")], clock, client)
    fake_provider.script(ErrorReply(status))
    answer = await llm.recognize(REQUEST, CMD)
    assert answer.result is None
    assert fake_provider.count == 1
    assert clock.sleeps == []
    if status == 401:
        assert answer.error == "auth"
        assert answer.routed is not None
        assert answer.routed.auth_failed_provider == "openai"


async def test_malformed_body_fails_fast(
    fake_provider: FakeProviderServer, client: httpx.AsyncClient
) -> None:
    clock = ManualClock()
    llm = build([(fake_provider, "openai", "")], clock, client)
    fake_provider.script(Malformed())
    answer = await llm.recognize(REQUEST, CMD)
    assert answer.result is None
    assert fake_provider.count == 1


async def test_hang_is_cut_by_the_deadline_and_fails_over(
    fake_provider: FakeProviderServer,
    second_provider: FakeProviderServer,
    client: httpx.AsyncClient,
) -> None:
    llm = build(
        [(fake_provider, "openai", "primary"), (second_provider, "anthropic", "secondary")],
        SystemClock(),
        client,
        deadline_s=0.6,
    )
    fake_provider.script(Hang())
    started = time.monotonic()
    answer = await llm.recognize(REQUEST, CMD)
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, "the deadline bounds the whole request"
    # The primary used up the deadline: no time was left for the secondary.
    assert answer.result is None
    assert answer.error == "timeout"


async def test_connection_refused_and_reset_fail_over_to_secondary(
    fake_provider: FakeProviderServer,
    second_provider: FakeProviderServer,
    client: httpx.AsyncClient,
) -> None:
    clock = ManualClock()
    llm = build(
        [(fake_provider, "openai", "primary"), (second_provider, "anthropic", "secondary")],
        clock,
        client,
    )
    fake_provider.script(*[Reset()] * 4)
    answer = await llm.recognize(REQUEST, CMD)
    assert answer.result is not None
    assert answer.provider == "secondary"
    assert fake_provider.count == 4
    assert second_provider.count == 1


async def test_breaker_opens_after_five_failures_without_touching_the_network(
    fake_provider: FakeProviderServer, client: httpx.AsyncClient
) -> None:
    clock = ManualClock()
    llm = build([(fake_provider, "openai", "")], clock, client, threshold=5)
    breaker = llm.router.routes[0].breaker
    provider = llm.router.routes[0].provider
    fake_provider.script(*[ErrorReply(500)] * 5)
    for call in range(1, 6):
        breaker.before_call()
        try:
            await provider.recognize(REQUEST, timeout=2)
        except Exception as err:
            breaker.record_failure(err)
        assert fake_provider.count == call
    with pytest.raises(CircuitOpenError):
        breaker.before_call()
    assert fake_provider.count == 5, "call 6 never reached the provider"
    # After the cooldown one probe goes through and a success closes the breaker.
    clock.advance(30)
    assert breaker.before_call() is True
    fake_provider.script(Reply(content=INTENT))
    await provider.recognize(REQUEST, timeout=2)
    breaker.record_success()
    assert breaker.state.value == "closed"
