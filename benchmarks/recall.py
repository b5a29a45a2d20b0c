"""Target recall of the home selection: are a command's labelled targets in its prompt?

    python -m benchmarks.recall DATASET.jsonl [DATASET.jsonl ...] \\
        [--fixtures tests/data/eval_home.json] [--home-size 52,250,1000]

A command's targets are what its labelled slots name: the device (a ``name``
slot of type entity, which must be among the devices chosen for the prompt),
the area and the floor (always in the prompt, but they must exist). A
command without targets (a timer, "unclear", "out_of_scope") is counted apart.
Recall is the share of commands with targets whose targets are all there.
The context of each record (satellite area, previous turn) is given to the
selection as the pipeline would, the previous turn with the devices it acted on.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
import sys

from custom_components.llm_intent.engine.home import Home
from custom_components.llm_intent.engine.understanding.catalogue import (
    Catalogue,
    load_catalogue,
)
from custom_components.llm_intent.engine.understanding.context import Context, Turn
from custom_components.llm_intent.engine.understanding.home_selection import select_home
from custom_components.llm_intent.engine.understanding.prompt import build_request

from .dataset import Record, load_dataset
from .eval_run import CATALOGUE
from .fixture_home import FixtureHome, load_fixture_home
from .generated_home import grow_home
from .request_tokens import MODEL, RequestCounter
from .scoring import resolve_targets

ROOT = Path(__file__).parents[1]
DEFAULT_FIXTURES = ROOT / "tests" / "data" / "eval_home.json"


@dataclass
class RecallResult:
    commands: int = 0
    with_targets: int = 0
    found: int = 0
    entities_chosen: int = 0
    # o200k input tokens of each command's whole request (framing and schema included).
    tokens: list[int] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.with_targets if self.with_targets else 1.0

    @property
    def mean_chosen(self) -> float:
        return self.entities_chosen / self.commands if self.commands else 0.0


def _lang(record: Record) -> str:
    return "pl" if record.lang.lower().startswith("pl") else "en"


def record_context(
    record: Record, fixtures: FixtureHome, home: Home, catalogue: Catalogue
) -> Context:
    lang = _lang(record)
    context = Context(satellite_area_id=fixtures.area_id(record.area) if record.area else None)
    prev = record.previous
    if prev is not None:
        area = prev.slots.get("area")
        area_id = home.index("area", lang).resolve(area) if isinstance(area, str) else None
        targets = resolve_targets(prev.intent, prev.slots, home, catalogue, lang) or frozenset()
        context.last = Turn(prev.intent, dict(prev.slots), area_id, tuple(sorted(targets)))
    return context


def _needed(record: Record, home: Home, catalogue: Catalogue) -> tuple[set[str], bool]:
    """Entity ids that must be chosen, and whether every area/floor named exists."""
    spec = catalogue.get(record.intent)
    if spec is None:
        return set(), True
    lang = _lang(record)
    entities: set[str] = set()
    places_ok = True
    for slot, value in record.slots.items():
        kind = spec.slots[slot].type if slot in spec.slots else None
        if not isinstance(value, str) or kind not in ("entity", "area", "floor"):
            continue
        index = home.index(kind, lang)
        key = index.resolve(value)
        if kind == "entity":
            entities.add(key or f"?{value}")
        elif key is None:
            places_ok = False
    return entities, places_ok


def measure(records: Sequence[Record], fixtures: FixtureHome) -> RecallResult:
    catalogue = load_catalogue(CATALOGUE)
    home = fixtures.engine_home()
    result = RecallResult()
    counter = RequestCounter()
    for record in records:
        result.commands += 1
        needed, places_ok = _needed(record, home, catalogue)
        context = record_context(record, fixtures, home, catalogue)
        chosen = select_home(record.text, _lang(record), home, catalogue, context)
        result.entities_chosen += len(chosen.entities)
        request = build_request(record.text, _lang(record), catalogue, home, context)
        messages = [
            {"role": "system", "content": request.system},
            {"role": "user", "content": request.user},
        ]
        result.tokens.append(
            counter.request(
                {
                    "model": MODEL,
                    "messages": messages,
                    "response_format": {
                        "type": "json_schema",
                        "json_schema": {"name": "intent", "schema": request.schema},
                    },
                }
            ).billed
        )
        spec = catalogue.get(record.intent)
        if not needed and (spec is None or not any(s in record.slots for s in ("area", "floor"))):
            continue
        result.with_targets += 1
        ids = {e.entity_id for e in chosen.entities}
        if places_ok and needed <= ids:
            result.found += 1
        else:
            result.misses.append(f"{record.id} {record.text!r}: {sorted(needed - ids)}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.recall")
    parser.add_argument("datasets", nargs="+", type=Path)
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    parser.add_argument("--home-size", default="52", help="comma-separated entity counts")
    args = parser.parse_args(argv)
    base = load_fixture_home(args.fixtures)
    worst = 1.0
    for size in (int(s) for s in args.home_size.split(",") if s):
        fixtures = grow_home(base, size)
        for path in args.datasets:
            result = measure(load_dataset(path), fixtures)
            worst = min(worst, result.recall)
            print(
                f"{path.name} home {len(fixtures.entities)} entities: target recall "
                f"{result.found}/{result.with_targets} = {result.recall:.2%} "
                f"({result.commands} commands, {result.mean_chosen:.1f} devices chosen on average;"
                f" input tokens per request mean {sum(result.tokens) / len(result.tokens):.0f},"
                f" max {max(result.tokens)})"
            )
            for miss in result.misses:
                print(f"  missed {miss}")
    return 0 if worst >= 0.995 else 1


if __name__ == "__main__":
    sys.exit(main())
