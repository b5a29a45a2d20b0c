"""Bursts and random failures: every command is answered and accounted, none is lost."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
import random

import httpx
import pytest

from custom_components.llm_intent.engine.clock import ManualClock, SystemClock
from custom_components.llm_intent.engine.pipeline import Command

from ..fake_provider import ErrorReply, FakeProviderServer, RecordedRequest, Reply
from .harness import build
from .pipeline_harness import RecordingExecutor, build_pipeline

# Commands the local matcher cannot understand, so each needs the model.
COMMANDS = {
    "zrob tak zeby w kuchni bylo jasno": ("HassTurnOn", "Kuchnia"),
    "chce miec jasno w sypialni": ("HassTurnOn", "Sypialnia"),
    "niech w salonie bedzie ciemno": ("HassTurnOff", "Salon"),
    "prosze o mrok w lazience": ("HassTurnOff", "Łazienka"),
}


def _command_of(request: RecordedRequest) -> str:
    for message in request.body.get("messages", []):
        content = message.get("content")
        if isinstance(content, str) and "COMMAND:" in content:
            return content.rsplit("COMMAND:", 1)[1].strip()
    return ""


def _answer(text: str) -> dict[str, object]:
    intent, area = COMMANDS[text]
    return {
        "intent": intent,
        "slots": {"area": area, "domain": "light"},
        "confidence": 0.95,
        "clarify_question": None,
    }


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=100)
    async with httpx.AsyncClient(limits=limits) as c:
        yield c


async def test_burst_of_200_against_5_concurrent_slow_provider(
    fake_provider: FakeProviderServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    in_flight = 0
    peak = 0

    async def slow_model(request: RecordedRequest) -> Reply:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            await asyncio.sleep(0.15)
        finally:
            in_flight -= 1
        return Reply(content=_answer(_command_of(request)))

    fake_provider.default_handler = slow_model
    clock = SystemClock()
    llm = build([(fake_provider, "openai", "")], clock, client, concurrency=5, max_queue=100)
    executor = RecordingExecutor()
    pipeline, accounting = build_pipeline(llm, clock, tmp_path / "ledger.db", executor)
    texts = list(COMMANDS)
    commands = [Command(texts[i % len(texts)], conversation_id=f"c{i}") for i in range(200)]
    outcomes = await asyncio.gather(*(pipeline.handle(c) for c in commands))

    assert len(outcomes) == 200
    assert all(o.speech for o in outcomes), "every command gets an answer"
    limiter = llm.router.routes[0].limiter
    assert limiter.max_queue_depth_seen <= 100
    assert peak <= 5, "never more than 5 requests at the provider at once"
    paths = Counter(str(o.path) for o in outcomes)
    assert paths["llm"] > 0
    assert set(paths) <= {"llm", "fallback", "none"}
    await accounting.ledger.flush()  # type: ignore[union-attr]
    rows = await accounting.ledger.query()  # type: ignore[union-attr]
    assert len(rows) == 200
    assert Counter(r.path for r in rows) == paths
    await accounting.ledger.close()  # type: ignore[union-attr]


async def test_2000_commands_against_a_provider_failing_30_percent(
    fake_provider: FakeProviderServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    rng = random.Random(2024)

    def flaky_model(request: RecordedRequest) -> Reply | ErrorReply:
        if rng.random() < 0.3:
            return ErrorReply(rng.choice([500, 503, 429, 529]))
        return Reply(content=_answer(_command_of(request)))

    fake_provider.default_handler = flaky_model
    # Backoff waits advance a manual clock: the run tests logic, not patience.
    clock = ManualClock()
    llm = build([(fake_provider, "openai", "")], clock, client, threshold=10_000)
    executor = RecordingExecutor()
    pipeline, accounting = build_pipeline(llm, clock, tmp_path / "ledger.db", executor)
    texts = list(COMMANDS)
    right = 0
    acted_right = 0
    for i in range(2000):
        text = texts[i % len(texts)]
        before = len(executor.actions)
        outcome = await pipeline.handle(Command(text, conversation_id=f"r{i}"))
        acted = executor.actions[before:]
        expected_intent, expected_area = COMMANDS[text]
        if acted and acted[0][1] == expected_intent and acted[0][2].get("area") == expected_area:
            right += 1
            acted_right += 1
        elif not acted and outcome.speech:
            right += 1  # an explicit answer, nothing wrong done
    assert right / 2000 >= 0.999
    # Retries turn a 30 % failure rate into (almost) no lost actions: 0.3⁴ ≈ 0.8 %.
    assert acted_right / 2000 >= 0.97
    await accounting.ledger.close()  # type: ignore[union-attr]
