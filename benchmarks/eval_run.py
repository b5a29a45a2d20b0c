"""Recognition accuracy on a labelled dataset, through the engine's own pipeline.

Each record is one command against the fixture home, with its context (the
satellite's area, the previous turn) set up first; commands are recognised
with ``execute=False``, so nothing runs. With ``llm=None`` this is the
local-only configuration; with a ``PaidLLM`` it is exactly the integration's
paid path (tokens counted, budget reserved, retries, validation).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from custom_components.llm_intent.engine.calling.paid_call import PaidLLM
from custom_components.llm_intent.engine.clock import Clock, SystemClock
from custom_components.llm_intent.engine.home import Home
from custom_components.llm_intent.engine.pipeline import (
    Command,
    ExecResult,
    Outcome,
    Pipeline,
    Settings,
)
from custom_components.llm_intent.engine.understanding.catalogue import (
    Catalogue,
    IntentSpec,
    load_catalogue,
)
from custom_components.llm_intent.engine.understanding.context import Context, ContextStore, Turn
from custom_components.llm_intent.engine.understanding.recognition import Recognition
from custom_components.llm_intent.engine.understanding.sentence_library import SentenceLibrary

from .dataset import OUT_OF_SCOPE, UNCLEAR, Record
from .fixture_home import FixtureHome
from .scoring import intent_right, resolve_targets, slots_match

CATALOGUE = Path(__file__).parents[1] / "custom_components" / "llm_intent" / "intents.yaml"


@dataclass(frozen=True, slots=True)
class Prediction:
    id: str
    lang: str
    text: str
    expected_intent: str
    expected_slots: dict[str, Any]
    intent: str | None
    slots: dict[str, Any]
    path: str
    cost_usd: Decimal
    latency_ms: float
    input_tokens: int
    output_tokens: int
    intent_ok: bool
    slots_ok: bool
    detail: str | None = None

    @property
    def correct(self) -> bool:
        return self.intent_ok and self.slots_ok

    @property
    def not_understood(self) -> bool:
        return self.intent is None

    def as_json(self) -> dict[str, Any]:
        """The ``--predictions`` line."""
        return {
            "id": self.id,
            "intent": self.intent,
            "slots": self.slots,
            "path": self.path,
            "cost_usd": str(self.cost_usd),
            "latency_ms": round(self.latency_ms, 2),
        }


@dataclass
class EvalResult:
    predictions: list[Prediction] = field(default_factory=list)
    provider: str = "local-only"
    model: str | None = None


class _NeverExecutes:
    """Commands are recognised with ``execute=False``; reaching this is a bug."""

    async def execute(self, spec: IntentSpec, rec: Recognition, command: Command) -> ExecResult:
        raise AssertionError(f"eval must not execute {rec.intent}")


@dataclass(frozen=True, slots=True)
class _StaticHome:
    snapshot: Home

    def home(self) -> Home:
        return self.snapshot


def predicted_intent(outcome: Outcome) -> str | None:
    """What the agent made of the command: an intent, a question, a refusal, or nothing."""
    if outcome.asked and outcome.detail != "confirm":
        return UNCLEAR
    if outcome.intent == OUT_OF_SCOPE:
        return OUT_OF_SCOPE
    if outcome.intent and outcome.understood:
        return outcome.intent
    return None


def _previous_turn(record: Record, home: Home, catalogue: Catalogue, lang: str) -> Turn | None:
    prev = record.previous
    if prev is None:
        return None
    area_id = None
    if isinstance(area := prev.slots.get("area"), str):
        area_id = home.index("area", lang).resolve(area)
    targets = resolve_targets(prev.intent, prev.slots, home, catalogue, lang) or frozenset()
    return Turn(prev.intent, dict(prev.slots), area_id, tuple(sorted(targets)))


@cache
def loaded_library() -> SentenceLibrary:
    """HA's sentence templates, parsed once per process."""
    library = SentenceLibrary()
    library.load()
    return library


def build_pipeline(
    home: Home, catalogue: Catalogue, clock: Clock, llm: PaidLLM | None
) -> tuple[Pipeline, ContextStore]:
    contexts = ContextStore(clock)
    pipeline = Pipeline(
        catalogue,
        _StaticHome(home),
        _NeverExecutes(),
        clock,
        contexts,
        library=loaded_library(),
        llm=llm,
        settings=Settings(prefer_local=False),
        llm_block_reason=llm.block_reason if llm is not None else None,
    )
    return pipeline, contexts


async def run_eval(
    records: Sequence[Record],
    fixtures: FixtureHome,
    llm: PaidLLM | None = None,
    *,
    clock: Clock | None = None,
    on_prediction: Callable[[Prediction], None] | None = None,
) -> EvalResult:
    clock = clock or SystemClock()
    catalogue = load_catalogue(CATALOGUE)
    home = fixtures.engine_home()
    pipeline, contexts = build_pipeline(home, catalogue, clock, llm)
    result = EvalResult()
    if llm is not None:
        route = llm.router.routes[0]
        result.provider, result.model = route.label, route.provider.model
    for record in records:
        lang = "pl" if record.lang.lower().startswith("pl") else "en"
        turn = _previous_turn(record, home, catalogue, lang)
        if turn is not None:
            contexts.save(record.id, None, Context(last=turn))
        satellite = fixtures.area_id(record.area) if record.area else None
        outcome = await pipeline.handle(
            Command(
                record.text,
                language=record.lang,
                conversation_id=record.id,
                satellite_area_id=satellite,
                execute=False,
            )
        )
        intent = predicted_intent(outcome)
        slots = {} if intent in (UNCLEAR, OUT_OF_SCOPE, None) else dict(outcome.slots)
        intent_ok = intent_right(record.intent, intent)
        prediction = Prediction(
            id=record.id,
            lang=lang,
            text=record.text,
            expected_intent=record.intent,
            expected_slots=dict(record.slots),
            intent=intent,
            slots=slots,
            path=str(outcome.path),
            cost_usd=outcome.cost_usd,
            latency_ms=outcome.latency_ms,
            input_tokens=outcome.usage.input_tokens,
            output_tokens=outcome.usage.output_tokens,
            intent_ok=intent_ok,
            slots_ok=intent_ok
            and slots_match(record.intent, record.slots, slots, home, catalogue, lang),
            detail=outcome.detail or outcome.llm_error,
        )
        result.predictions.append(prediction)
        if on_prediction is not None:
            on_prediction(prediction)
    return result
