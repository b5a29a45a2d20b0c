"""Labelled utterances for ``scripts/eval``, one JSON object per line.

``{"id", "lang", "text", "intent", "slots": {...}, "context"?: {"area"?: str,
"previous"?: {"intent", "slots"}}}``: intent and slot names are Home
Assistant's (the catalogue's), slot values canonical names ("Salon", not
"salonie"). ``unclear`` labels a command that should get a question back,
``out_of_scope`` one that should be refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import json
from pathlib import Path
from typing import Any


class FormatError(ValueError):
    """A dataset or fixtures file that does not follow its format."""


UNCLEAR = "unclear"
OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True, slots=True)
class PreviousTurn:
    intent: str
    slots: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Record:
    id: str
    lang: str
    text: str
    intent: str
    slots: dict[str, Any] = field(default_factory=dict)
    area: str | None = None
    previous: PreviousTurn | None = None


def parse_record(raw: Any, where: str = "") -> Record:
    """Raises FormatError naming ``where`` and the problem."""
    if not isinstance(raw, dict):
        raise FormatError(f"{where}: a record must be a JSON object")
    missing = [k for k in ("id", "lang", "text", "intent") if not isinstance(raw.get(k), str)]
    if missing:
        raise FormatError(f"{where}: missing or non-string {missing}")
    slots = raw.get("slots", {})
    if not isinstance(slots, dict):
        raise FormatError(f"{where}: slots must be an object")
    context = raw.get("context") or {}
    if not isinstance(context, dict):
        raise FormatError(f"{where}: context must be an object")
    previous = None
    if (prev := context.get("previous")) is not None:
        if not isinstance(prev, dict) or not isinstance(prev.get("intent"), str):
            raise FormatError(f"{where}: context.previous needs an intent")
        previous = PreviousTurn(prev["intent"], dict(prev.get("slots") or {}))
    area = context.get("area")
    if area is not None and not isinstance(area, str):
        raise FormatError(f"{where}: context.area must be a string")
    return Record(raw["id"], raw["lang"], raw["text"], raw["intent"], dict(slots), area, previous)


def load_dataset(path: str | Path) -> list[Record]:
    records: list[Record] = []
    seen: set[str] = set()
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        record = parse_record(json.loads(line), f"{path}:{number}")
        if record.id in seen:
            raise FormatError(f"{path}:{number}: duplicate id {record.id!r}")
        seen.add(record.id)
        records.append(record)
    return records
