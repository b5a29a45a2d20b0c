"""The Redis stream bridge's message contract: what a transcript brings, what a result carries.

Incoming entries (``voice:transcribed``) are flat field/value byte strings;
``frame_id`` and ``transcript`` are required, everything else optional. An entry
that cannot be read as a command is not guessed at: it becomes a
``Malformed`` with a reason and goes to the dead-letter stream.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
import json
import math
from typing import Any

# Frame ids become part of a Redis key; a bound keeps a hostile producer from
# making keys of arbitrary size.
MAX_FRAME_ID = 200
MAX_FIELD = 2000

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_OPTIONAL = ("language", "device_id", "area", "conversation_id", "traceparent", "timestamp")


@dataclass(frozen=True, slots=True)
class Transcript:
    """One spoken command as the speech-to-text side reported it."""

    message_id: str
    frame_id: str
    transcript: str
    language: str | None = None
    device_id: str | None = None
    area: str | None = None
    conversation_id: str | None = None
    traceparent: str | None = None
    timestamp: datetime | None = None
    execute: bool = True


@dataclass(frozen=True, slots=True)
class Malformed:
    """An entry that is not a command; ``reason`` is a stable code, ``detail`` says more."""

    message_id: str
    reason: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class BridgeResult:
    """What processing one transcript produced (the pipeline's outcome, flattened)."""

    intent: str | None
    slots: dict[str, Any] = field(default_factory=dict)
    confidence: float = 0.0
    path: str = "none"
    provider: str | None = None
    cost_usd: Decimal = Decimal(0)
    latency_ms: float = 0.0
    speech: str = ""
    success: bool = False
    executed: bool = False


def parse_transcript(message_id: str, fields: Mapping[bytes, bytes]) -> Transcript | Malformed:
    """Decodes one stream entry; never raises."""
    text: dict[str, str] = {}
    for raw_key, raw_value in fields.items():
        try:
            key = raw_key.decode("utf-8")
        except UnicodeDecodeError:
            return Malformed(message_id, "undecodable", "a field name is not UTF-8")
        try:
            text[key] = raw_value.decode("utf-8")
        except UnicodeDecodeError:
            return Malformed(message_id, "undecodable", f"field {key!r} is not UTF-8")
    frame_id = text.get("frame_id", "").strip()
    if not frame_id:
        return Malformed(message_id, "missing_frame_id")
    if len(frame_id) > MAX_FRAME_ID:
        return Malformed(message_id, "bad_frame_id", f"longer than {MAX_FRAME_ID} characters")
    if "transcript" not in text:
        return Malformed(message_id, "missing_transcript")
    for name in ("transcript", *_OPTIONAL):
        if len(text.get(name, "")) > MAX_FIELD:
            return Malformed(message_id, "field_too_long", f"{name} exceeds {MAX_FIELD}")
    execute = _parse_bool(text.get("execute", ""))
    if execute is None:
        # Executing when the producer may have meant "only recognise" is the
        # unsafe guess; refuse to guess.
        return Malformed(message_id, "bad_execute", f"execute={text['execute']!r}")
    optional = {name: (text.get(name) or "").strip() or None for name in _OPTIONAL}
    return Transcript(
        message_id=message_id,
        frame_id=frame_id,
        # A blank transcript (STT heard nothing) is a command too: it gets an answer.
        transcript=text["transcript"],
        language=optional["language"],
        device_id=optional["device_id"],
        area=optional["area"],
        conversation_id=optional["conversation_id"],
        traceparent=optional["traceparent"],
        timestamp=parse_timestamp(optional["timestamp"]),
        execute=execute,
    )


def _parse_bool(value: str) -> bool | None:
    folded = value.strip().lower()
    if not folded or folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    return None


def parse_timestamp(value: str | None) -> datetime | None:
    """Epoch seconds or milliseconds, or ISO 8601; None when absent or unreadable.

    The timestamp only informs the command ("in ten minutes" counts from when
    it was said), so an unreadable one is dropped rather than failing the command.
    """
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        pass
    else:
        if not math.isfinite(number):
            return None
        # Anything past year 33658 in seconds is milliseconds in practice.
        seconds = number / 1000 if abs(number) >= 1e12 else number
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except OverflowError, OSError, ValueError:
            return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def result_fields(
    transcript: Transcript, result: BridgeResult, *, processor_id: str
) -> list[tuple[str, str]]:
    """The ``intents:recognized`` entry for a processed transcript, in contract order."""
    return [
        ("frame_id", transcript.frame_id),
        ("message_id", transcript.message_id),
        ("transcript", transcript.transcript),
        ("language", transcript.language or ""),
        ("intent", result.intent or ""),
        ("entities", json.dumps(result.slots, ensure_ascii=False, sort_keys=True, default=str)),
        ("confidence", f"{result.confidence:.3f}"),
        ("path", result.path),
        ("provider", result.provider or ""),
        ("cost", str(result.cost_usd)),
        ("latency", f"{result.latency_ms:.1f}"),
        ("speech", result.speech),
        ("success", "1" if result.success else "0"),
        ("executed", "1" if result.executed else "0"),
        ("processor_id", processor_id),
        ("traceparent", transcript.traceparent or ""),
        ("replayed", "0"),
    ]


def replay_overrides(transcript: Transcript, *, processor_id: str) -> list[tuple[str, str]]:
    """Fields a replayed result takes from the redelivered entry rather than the stored one."""
    return [
        ("message_id", transcript.message_id),
        ("processor_id", processor_id),
        ("traceparent", transcript.traceparent or ""),
        ("replayed", "1"),
    ]


def dead_letter_fields(
    original: Mapping[bytes, bytes],
    *,
    reason: str,
    detail: str,
    message_id: str,
    source_stream: str,
    consumer: str,
    deliveries: int,
) -> list[tuple[bytes, bytes]]:
    """The dead-letter entry: the original fields byte for byte, then why it is here.

    Original fields are kept as they came (possibly not UTF-8) so an operator
    can fix and re-add them; a name clashing with ours is kept under ``original.``.
    """
    ours = {
        "reason": reason,
        "detail": detail,
        "source_stream": source_stream,
        "source_id": message_id,
        "consumer": consumer,
        "deliveries": str(deliveries),
    }
    out: list[tuple[bytes, bytes]] = []
    for key, value in original.items():
        name = key if key.decode("utf-8", "replace") not in ours else b"original." + key
        out.append((name, value))
    out.extend((key.encode(), value.encode()) for key, value in ours.items())
    return out
