"""A bridge entry handled twice asks the model once: the recognition is kept per frame."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from redis.asyncio import Redis

from custom_components.llm_intent.engine.bridge.frame_recognitions import RememberingLLM
from custom_components.llm_intent.engine.bridge.messages import BridgeResult, Transcript
from custom_components.llm_intent.engine.pipeline import Command, LLMAnswer
from custom_components.llm_intent.engine.types import (
    IntentReply,
    ProviderRequest,
    ProviderResult,
    Usage,
)

from ..redis_server import RedisServer
from .harness import add_transcript, make_bridge, results, running, wait_until

REQUEST = ProviderRequest(system="catalogue", user="włącz światło w kuchni", schema={})


@pytest.fixture
async def client(redis_server: RedisServer) -> AsyncIterator[Redis]:
    redis = Redis.from_url(redis_server.url)
    yield redis
    await redis.aclose()


@dataclass
class PaidModel:
    """Counts the requests a provider would bill."""

    calls: int = 0

    async def recognize(self, request: ProviderRequest, command: Command) -> LLMAnswer:
        self.calls += 1
        result = ProviderResult(
            "openai",
            "gpt-4o-mini",
            IntentReply("HassTurnOn", {"area": "Kuchnia"}, 0.93),
            Usage(900, 20),
            0.4,
        )
        return LLMAnswer(result, "openai", "gpt-4o-mini", result.usage)


@dataclass
class CrashAfterRecognising:
    """A command handler that asks the model, then dies once before acting."""

    llm: RememberingLLM
    crash_frames: set[str]
    executed: list[tuple[str, str, float]] = field(default_factory=list)

    async def __call__(self, transcript: Transcript) -> BridgeResult:
        answer = await self.llm.recognize(REQUEST, Command(transcript.transcript))
        assert answer.result is not None
        if transcript.frame_id in self.crash_frames:
            self.crash_frames.discard(transcript.frame_id)
            raise RuntimeError("process died after the model answered")
        reply = answer.result.reply
        self.executed.append((transcript.frame_id, reply.intent, reply.confidence))
        return BridgeResult(
            intent=reply.intent,
            slots=dict(reply.slots),
            confidence=reply.confidence,
            path="llm",
            provider=answer.provider,
            cost_usd=answer.cost_usd,
            latency_ms=1.0,
            speech="OK",
            success=True,
            executed=True,
        )


async def test_a_reclaimed_entry_reuses_the_recognition_instead_of_paying_again(
    redis_server: RedisServer, client: Redis
) -> None:
    model = PaidModel()
    handler = CrashAfterRecognising(RememberingLLM(model), crash_frames={"f1"})
    bridge = make_bridge(redis_server.url, handler, claim_timeout=0.2)  # type: ignore[arg-type]
    async with running(bridge):
        await add_transcript(client, "f1", "włącz światło w kuchni")
        await add_transcript(client, "f2", "włącz światło w kuchni")
        await wait_until(lambda: _results(client, 2), "both answered")

    assert model.calls == 2  # once per frame, not once per delivery
    assert sorted(handler.executed) == [("f1", "HassTurnOn", 0.93), ("f2", "HassTurnOn", 0.93)]
    by_frame = {r["frame_id"]: r for r in await results(client)}
    assert by_frame.keys() == {"f1", "f2"}


async def test_outside_a_bridge_entry_every_call_reaches_the_model() -> None:
    model = PaidModel()
    llm = RememberingLLM(model)
    for _ in range(2):
        answer = await llm.recognize(REQUEST, Command("włącz światło w kuchni"))
        assert answer.result is not None
    assert model.calls == 2


async def _results(client: Redis, expected: int) -> bool:
    return len(await results(client)) >= expected
