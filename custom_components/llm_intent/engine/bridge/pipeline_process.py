"""The bridge's ``process`` for a real pipeline: a transcript becomes a ``Command``.

The ``area`` field may carry an area id or a spoken/inflected area name
("kuchnia", "w kuchni"); either becomes the satellite's area, so "włącz
światło" from the kitchen satellite means the kitchen light.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ..home import Home
from ..observability.tracing import incoming_command
from ..pipeline import Command, Outcome, Pipeline
from ..understanding.answers import lang_of
from .frame_recognitions import RememberingLLM
from .messages import BridgeResult, Transcript
from .stream_bridge import Process


def pipeline_process(
    pipeline: Pipeline,
    *,
    default_language: Callable[[], str],
    now: Callable[[], datetime],
) -> Process:
    if pipeline.llm is not None and not isinstance(pipeline.llm, RememberingLLM):
        # Entries the bridge hands over twice must not pay the model twice.
        pipeline.llm = RememberingLLM(pipeline.llm)

    async def process(transcript: Transcript) -> BridgeResult:
        language = transcript.language or default_language()
        current = now()
        # The moment it was said, in the home's time zone: "in ten minutes"
        # counts from then even when the entry waited in the stream.
        said = transcript.timestamp.astimezone(current.tzinfo) if transcript.timestamp else None
        command = Command(
            text=transcript.transcript,
            language=language,
            conversation_id=transcript.conversation_id,
            device_id=transcript.device_id,
            satellite_area_id=resolve_area(pipeline.homes.home(), transcript.area, language),
            execute=transcript.execute,
            now=said or current,
        )
        # The voice pipeline's trace continues through recognition and action.
        with incoming_command(transcript.traceparent):
            return result_of(await pipeline.handle(command))

    return process


def resolve_area(home: Home, area: str | None, language: str) -> str | None:
    """An area id for ``area`` (id, name, alias or inflected name); None if it names none."""
    if not area:
        return None
    if area in home.area_by_id:
        return area
    return home.index("area", lang_of(language)).resolve(area)


def result_of(outcome: Outcome) -> BridgeResult:
    return BridgeResult(
        intent=outcome.intent,
        slots=dict(outcome.slots),
        confidence=outcome.confidence,
        path=str(outcome.path),
        provider=outcome.provider,
        cost_usd=outcome.cost_usd,
        latency_ms=outcome.latency_ms,
        speech=outcome.speech,
        success=outcome.success,
        executed=outcome.executed,
    )
