"""A frame's recognition, kept in Redis before the command acts on it.

A bridge entry may be handled twice: its consumer crashed after the model
answered but before the result was published, and another consumer (or the
same one after a restart) reclaims it. Asking the model again would pay twice
for one command, and the second answer could differ. So the model's reply is
stored under the entry's ``frame_id`` as soon as it arrives, before acting;
a reclaimed entry takes it from there and the model is not called again.

``RememberingLLM`` wraps the pipeline's model backend. Outside a bridge entry
(a conversation in Home Assistant) it only passes calls through; inside one,
``FRAME`` says which frame is being handled and where its recognition lives.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
import json
import logging
from typing import Any

from ..pipeline import Command, LLMAnswer, LLMBackend
from ..types import IntentReply, ProviderRequest, ProviderResult, Usage

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FrameRecognition:
    """Where the recognition of the frame in hand is loaded from and saved to."""

    frame_id: str
    load: Callable[[], Awaitable[str | None]]
    save: Callable[[str], Awaitable[None]]


FRAME: ContextVar[FrameRecognition | None] = ContextVar("llm_intent_frame", default=None)


@contextmanager
def handling_frame(frame: FrameRecognition) -> Iterator[None]:
    token = FRAME.set(frame)
    try:
        yield
    finally:
        FRAME.reset(token)


def encode(reply: IntentReply, result: ProviderResult) -> str:
    return json.dumps(
        {
            "provider": result.provider,
            "model": result.model,
            "intent": reply.intent,
            "slots": reply.slots,
            "confidence": reply.confidence,
            "clarify_question": reply.clarify_question,
        },
        ensure_ascii=False,
    )


def decode(text: str) -> ProviderResult | None:
    try:
        data: dict[str, Any] = json.loads(text)
        reply = IntentReply(
            str(data["intent"]),
            dict(data.get("slots") or {}),
            float(data.get("confidence", 0.0)),
            data.get("clarify_question"),
        )
        return ProviderResult(
            provider=str(data["provider"]),
            model=str(data["model"]),
            reply=reply,
            usage=Usage(),
            latency_s=0.0,
        )
    except ValueError, TypeError, KeyError:
        _LOGGER.warning("Ignoring an unreadable stored recognition")
        return None


class RememberingLLM:
    """The model backend, answering a frame seen before from its stored recognition."""

    def __init__(self, inner: LLMBackend) -> None:
        self.inner = inner

    async def recognize(self, request: ProviderRequest, command: Command) -> LLMAnswer:
        frame = FRAME.get()
        if frame is None:
            return await self.inner.recognize(request, command)
        stored = await frame.load()
        remembered = decode(stored) if stored else None
        if remembered is not None:
            _LOGGER.info("Frame %s: reusing its stored recognition", frame.frame_id)
            # Paid for (and written to the ledger) when it was first asked.
            return LLMAnswer(
                result=remembered,
                provider=remembered.provider,
                model=remembered.model,
                usage=Usage(),
                cost_usd=Decimal(0),
            )
        answer = await self.inner.recognize(request, command)
        if answer.result is not None and answer.result.reply is not None:
            await frame.save(encode(answer.result.reply, answer.result))
        return answer
