"""The stream contract (parsing, result and dead-letter fields) and the pipeline adapter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
import json
from pathlib import Path

import pytest

from custom_components.llm_intent.engine.bridge.messages import (
    MAX_FRAME_ID,
    BridgeResult,
    Malformed,
    Transcript,
    dead_letter_fields,
    parse_timestamp,
    parse_transcript,
    result_fields,
)
from custom_components.llm_intent.engine.bridge.pipeline_process import (
    pipeline_process,
    resolve_area,
)
from custom_components.llm_intent.engine.clock import ManualClock
from custom_components.llm_intent.engine.home import Area, Entity, Home
from custom_components.llm_intent.engine.pipeline import Command, ExecResult, Pipeline
from custom_components.llm_intent.engine.understanding.catalogue import IntentSpec, load_catalogue
from custom_components.llm_intent.engine.understanding.context import ContextStore
from custom_components.llm_intent.engine.understanding.recognition import Recognition

BUILTIN = Path(__file__).parents[2] / "custom_components" / "llm_intent" / "intents.yaml"


def fields(**values: str | bytes) -> dict[bytes, bytes]:
    return {k.encode(): v if isinstance(v, bytes) else v.encode() for k, v in values.items()}


# --- incoming -----------------------------------------------------------------


def test_full_entry_is_read() -> None:
    parsed = parse_transcript(
        "1-0",
        fields(
            frame_id="f1",
            transcript="włącz światło w kuchni",
            language="pl",
            device_id="sat1",
            area="kuchnia",
            conversation_id="c1",
            traceparent="00-abc-def-01",
            timestamp="1767225600",
            execute="1",
        ),
    )
    assert parsed == Transcript(
        message_id="1-0",
        frame_id="f1",
        transcript="włącz światło w kuchni",
        language="pl",
        device_id="sat1",
        area="kuchnia",
        conversation_id="c1",
        traceparent="00-abc-def-01",
        timestamp=datetime(2026, 1, 1, tzinfo=UTC),
        execute=True,
    )


def test_optional_fields_default_and_blank_means_absent() -> None:
    parsed = parse_transcript("1-0", fields(frame_id="f1", transcript="x", language=" "))
    assert isinstance(parsed, Transcript)
    assert parsed.language is None
    assert parsed.execute is True
    assert parsed.timestamp is None


def test_blank_transcript_is_a_command_not_malformed() -> None:
    # Silence from STT still deserves an answer ("I did not catch that").
    parsed = parse_transcript("1-0", fields(frame_id="f1", transcript=""))
    assert isinstance(parsed, Transcript)


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (fields(transcript="x"), "missing_frame_id"),
        (fields(frame_id="  ", transcript="x"), "missing_frame_id"),
        (fields(frame_id="f"), "missing_transcript"),
        (fields(frame_id="f", transcript=b"\xc3\x28"), "undecodable"),
        ({b"\xff": b"x", b"frame_id": b"f", b"transcript": b"x"}, "undecodable"),
        (fields(frame_id="f" * (MAX_FRAME_ID + 1), transcript="x"), "bad_frame_id"),
        (fields(frame_id="f", transcript="x" * 5000), "field_too_long"),
        (fields(frame_id="f", transcript="x", execute="perhaps"), "bad_execute"),
    ],
)
def test_malformed_entries_name_their_reason(entry: dict[bytes, bytes], reason: str) -> None:
    # Bug caught: a malformed entry reaching the pipeline (or crashing the parser).
    parsed = parse_transcript("7-0", entry)
    assert isinstance(parsed, Malformed)
    assert (parsed.message_id, parsed.reason) == ("7-0", reason)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", False),
        ("false", False),
        ("FALSE", False),
        ("no", False),
        ("off", False),
        ("1", True),
        ("true", True),
        ("", True),
    ],
)
def test_execute_flag(value: str, expected: bool) -> None:
    parsed = parse_transcript("1-0", fields(frame_id="f", transcript="x", execute=value))
    assert isinstance(parsed, Transcript)
    assert parsed.execute is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1767225600", datetime(2026, 1, 1, tzinfo=UTC)),
        ("1767225600000", datetime(2026, 1, 1, tzinfo=UTC)),
        ("1767225600.5", datetime(2026, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)),
        ("2026-01-01T01:00:00+01:00", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T00:00:00", datetime(2026, 1, 1, tzinfo=UTC)),
        ("yesterday", None),
        ("nan", None),
        ("1e300", None),
        (None, None),
    ],
)
def test_timestamps(value: str | None, expected: datetime | None) -> None:
    assert parse_timestamp(value) == expected


# --- outgoing -----------------------------------------------------------------


def test_result_fields_follow_the_contract() -> None:
    transcript = Transcript("5-1", "f9", "włącz", language="pl", traceparent="tp")
    result = BridgeResult(
        intent="HassTurnOn",
        slots={"area": "Łazienka", "domain": "light"},
        confidence=0.9512,
        path="llm",
        provider="openai",
        cost_usd=Decimal("0.0000375"),
        latency_ms=812.345,
        speech="Włączono",
        success=True,
        executed=True,
    )
    out = dict(result_fields(transcript, result, processor_id="ha-1"))
    assert list(out) == [
        "frame_id",
        "message_id",
        "transcript",
        "language",
        "intent",
        "entities",
        "confidence",
        "path",
        "provider",
        "cost",
        "latency",
        "speech",
        "success",
        "executed",
        "processor_id",
        "traceparent",
        "replayed",
    ]
    assert json.loads(out["entities"]) == {"area": "Łazienka", "domain": "light"}
    assert "Łazienka" in out["entities"]  # readable, not \u-escaped
    assert out["confidence"] == "0.951"
    assert out["cost"] == "0.0000375"
    assert out["latency"] == "812.3"
    assert out["provider"] == "openai"
    assert out["traceparent"] == "tp"


def test_dead_letter_keeps_original_bytes_and_says_why() -> None:
    original = {b"frame_id": b"f1", b"transcript": b"\xff", b"reason": b"producer's own"}
    out = dict(
        dead_letter_fields(
            original,
            reason="undecodable",
            detail="field 'transcript' is not UTF-8",
            message_id="3-0",
            source_stream="voice:transcribed",
            consumer="ha-1",
            deliveries=1,
        )
    )
    assert out[b"transcript"] == b"\xff"
    assert out[b"original.reason"] == b"producer's own"
    assert out[b"reason"] == b"undecodable"
    assert out[b"source_id"] == b"3-0"
    assert out[b"deliveries"] == b"1"


# --- the pipeline adapter -----------------------------------------------------

HOME = Home(
    areas=(Area("kuchnia", "Kuchnia"), Area("salon", "Salon", ("Pokój dzienny",))),
    entities=(
        Entity("light.kuchnia", "Światło kuchnia", area_id="kuchnia", state="off"),
        Entity("light.salon", "Światło salon", area_id="salon", state="off"),
    ),
)


class _Homes:
    def home(self) -> Home:
        return HOME


class _RecordingExecutor:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, object], Command]] = []

    async def execute(self, spec: IntentSpec, rec: Recognition, command: Command) -> ExecResult:
        self.calls.append((rec.intent, dict(rec.slots), command))
        return ExecResult(success=True, entity_ids=rec.entity_ids)


@pytest.mark.parametrize(
    ("area", "expected"),
    [
        ("kuchnia", "kuchnia"),
        ("Kuchnia", "kuchnia"),
        ("w kuchni", "kuchnia"),
        ("pokoju dziennym", "salon"),
        ("garaż", None),
        (None, None),
    ],
)
def test_area_field_accepts_ids_and_spoken_names(area: str | None, expected: str | None) -> None:
    assert resolve_area(HOME, area, "pl") == expected


async def test_pipeline_process_runs_the_real_pipeline() -> None:
    # Bug caught: the transcript's fields not reaching the Command (execute,
    # language, device, time), or the outcome flattened wrongly.
    clock = ManualClock()
    executor = _RecordingExecutor()
    pipeline = Pipeline(load_catalogue(BUILTIN), _Homes(), executor, clock, ContextStore(clock))
    local_now = datetime(2026, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=1)))
    process = pipeline_process(pipeline, default_language=lambda: "pl", now=lambda: local_now)

    said = datetime(2026, 3, 1, 10, 59, tzinfo=UTC)
    result = await process(
        Transcript("1-0", "f1", "włącz światło w kuchni", device_id="sat1", timestamp=said)
    )
    assert result.intent == "HassTurnOn"
    assert result.executed and result.success
    assert result.path == "local"
    ((intent, slots, command),) = executor.calls
    assert intent == "HassTurnOn"
    assert slots.get("area") == "Kuchnia"
    assert command.language == "pl"
    assert command.device_id == "sat1"
    assert command.now == said
    assert command.now is not None and command.now.utcoffset() == timedelta(hours=1)

    dry = await process(
        Transcript("2-0", "f2", "turn off the light in the salon", language="en", execute=False)
    )
    assert len(executor.calls) == 1  # recognised, not executed
    assert not dry.executed
    assert dry.intent == "HassTurnOff"
