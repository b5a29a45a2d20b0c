"""The product path on a labelled dataset, inside Home Assistant's test harness.

Each command goes through what the integration runs: Home Assistant's
built-in agent first (when "HA's matching first" is on), then the engine's
pipeline (local matcher, then the model when one is configured). Nothing is
executed: the built-in agent only recognises, and the engine's executor only
resolves, with Home Assistant's own target matching, the entities a command
would act on. The label is resolved the same way, so a prediction is scored
by its effect (see ``effect.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from homeassistant.components import conversation
from homeassistant.components.conversation import ConversationInput
from homeassistant.core import Context as HAContext, HomeAssistant
from homeassistant.helpers import device_registry as dr, intent
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.llm_intent.engine.calling.paid_call import PaidLLM
from custom_components.llm_intent.engine.clock import Clock, SystemClock
from custom_components.llm_intent.engine.home import Home
from custom_components.llm_intent.engine.pipeline import (
    Command,
    ExecResult,
    Gate,
    LocalAnswer,
    Outcome,
    Pipeline,
    Settings,
)
from custom_components.llm_intent.engine.understanding.builtin import RESOLVED_TARGETS
from custom_components.llm_intent.engine.understanding.catalogue import (
    Catalogue,
    IntentSpec,
    load_catalogue,
)
from custom_components.llm_intent.engine.understanding.context import Context, ContextStore
from custom_components.llm_intent.engine.understanding.precision import builtin_acceptable
from custom_components.llm_intent.engine.understanding.recognition import Recognition
from custom_components.llm_intent.ha_actions import _HA_SLOTS, HAExecutor, _targets

from .dataset import OUT_OF_SCOPE, UNCLEAR, Record
from .effect import Effect, effect_values, outcome_of
from .eval_run import CATALOGUE, _previous_turn, _StaticHome, loaded_library
from .fixture_home import FixtureHome
from .ha_setup import build_home
from .scoring import _INTENT_DOMAINS as SCORING_DOMAINS

BUILTIN = "ha_local"
# Handlers that are not service handlers still act on one kind of device.
_INTENT_DOMAINS = {
    **{k: set(v) for k, v in SCORING_DOMAINS.items()},
    "HassClimateGetTemperature": {"climate"},
    "HassClimateSetTemperature": {"climate"},
    "HassMediaPrevious": {"media_player"},
    "HassMediaSearchAndPlay": {"media_player"},
    "HassSetVolumeRelative": {"media_player"},
    "HassMediaPlayerMute": {"media_player"},
    "HassMediaPlayerUnmute": {"media_player"},
}


def _as_set(value: Any) -> set[str] | None:
    if isinstance(value, str) and value:
        return {value}
    if isinstance(value, list | tuple | set | frozenset):
        return {str(v) for v in value if v}
    return None


def match_targets(
    hass: HomeAssistant, intent_type: str, slots: Mapping[str, Any], preferred_area: str | None
) -> frozenset[str] | None:
    """The entities HA's handler for ``intent_type`` would act on; None when none match.

    The same constraints the service handlers build: the slots, the handler's
    own domains and features, exposure to Assist.
    """
    handler = next((h for h in intent.async_get(hass) if h.intent_type == intent_type), None)
    name = slots.get("name")
    if name == "all":
        name = None
    domains = (
        _as_set(slots.get("domain"))
        or getattr(handler, "required_domains", None)
        or _INTENT_DOMAINS.get(intent_type)
    )
    constraints = intent.MatchTargetsConstraints(
        name=name if isinstance(name, str) else None,
        area_name=slots.get("area") if isinstance(slots.get("area"), str) else None,
        floor_name=slots.get("floor") if isinstance(slots.get("floor"), str) else None,
        domains=domains,
        device_classes=_as_set(slots.get("device_class")),
        assistant=conversation.DOMAIN,
        features=getattr(handler, "required_features", None),
        # Not the handler's required states: "pause" means the room's players
        # whether or not one plays at this moment in the fixture.
    )
    if not constraints.has_constraints:
        return frozenset()
    result = intent.async_match_targets(
        hass, constraints, intent.MatchTargetsPreferences(area_id=preferred_area)
    )
    if not result.is_match:
        return None
    return frozenset(s.entity_id for s in result.states)


@dataclass
class _Seen:
    """What the last command was recognised as, by whichever agent."""

    effect: Effect | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    # Recognised by the built-in agent, held back for the integration's safety gate.
    held: bool = False


class RecognisingBuiltinAgent:
    """HA's built-in agent, recognising only; its recognitions pass the precision check."""

    def __init__(self, hass: HomeAssistant, home: Home, seen: _Seen) -> None:
        self.hass = hass
        self.home = home
        self.seen = seen

    async def try_handle(self, command: Command, gate: Gate) -> LocalAnswer | None:
        agent = conversation.get_agent_manager(self.hass).default_agent
        assert agent is not None
        user_input = ConversationInput(
            text=command.text,
            context=HAContext(),
            conversation_id=command.conversation_id,
            device_id=command.device_id,
            satellite_id=None,
            language=command.language,
            agent_id=conversation.HOME_ASSISTANT_AGENT,
        )
        result = await agent.async_recognize_intent(user_input, strict_intents_only=True)
        if result is None or result.unmatched_entities:
            return None
        slots = {e.name: e.value for e in result.entities_list}
        if not builtin_acceptable(
            command.text, command.language[:2], result.intent.name, slots, self.home
        ):
            return None
        targets = match_targets(self.hass, result.intent.name, slots, command.satellite_area_id)
        if targets is None:
            # HA answers "no such device" with an error, which the integration passes on.
            return None
        rec = Recognition(
            result.intent.name,
            slots,
            1.0,
            entity_ids=tuple(sorted(targets)),
            extra={RESOLVED_TARGETS: True},
        )
        if not gate(rec):
            # Held back for the integration's own safety gate, which acts (here: resolves) on it.
            self.seen.held = True
            return LocalAnswer("", result.intent.name, False, held=rec)
        self.seen.effect = Effect(result.intent.name, targets or None, effect_values(slots))
        self.seen.slots = slots
        return LocalAnswer("", result.intent.name, True, tuple(sorted(targets)))


class ResolvingExecutor:
    """The integration's executor up to the point of acting: it resolves, never calls."""

    def __init__(self, hass: HomeAssistant, home: Home) -> None:
        self.hass = hass
        self.home = home
        self.ha = HAExecutor(hass, _StaticHome(home))

    def targets(self, spec: IntentSpec, rec: Recognition, satellite: str | None) -> frozenset[str]:
        if spec.ha_intent is None:
            domain = (spec.service or "").split(".", 1)[0]
            return frozenset(_targets(self.home, rec, domain, satellite))
        slots = {k: v for k, v in rec.slots.items() if k in _HA_SLOTS and v not in (None, "", [])}
        domains = self.ha._domains(spec, rec)
        if domains is None:
            slots.pop("domain", None)
        elif not domains:
            return frozenset()
        else:
            slots["domain"] = domains
        preferred = satellite if "area" not in slots else None
        return match_targets(self.hass, spec.ha_intent, slots, preferred) or frozenset()

    async def execute(self, spec: IntentSpec, rec: Recognition, command: Command) -> ExecResult:
        found = self.targets(spec, rec, command.satellite_area_id)
        if not found and (spec.ha_intent is None or _needs_targets(spec)):
            return ExecResult(False, error="no_match")
        return ExecResult(True, entity_ids=tuple(sorted(found)))


def _needs_targets(spec: IntentSpec) -> bool:
    return any(slot.type in ("entity", "area", "floor") for slot in spec.slots.values())


@dataclass(frozen=True, slots=True)
class ProductPrediction:
    id: str
    lang: str
    text: str
    expected_intent: str
    expected_slots: dict[str, Any]
    path: str
    intent: str | None
    slots: dict[str, Any]
    entity_ids: tuple[str, ...]
    expected_entity_ids: tuple[str, ...] | None
    outcome: str
    acted: bool
    latency_ms: float

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "path": self.path,
            "intent": self.intent,
            "slots": self.slots,
            "entity_ids": list(self.entity_ids),
            "expected_intent": self.expected_intent,
            "expected_entity_ids": None
            if self.expected_entity_ids is None
            else list(self.expected_entity_ids),
            "outcome": self.outcome,
            "acted": self.acted,
            "lang": self.lang,
            "latency_ms": round(self.latency_ms, 2),
        }


async def prepare_hass(hass: HomeAssistant, fixtures: FixtureHome) -> dict[str, str]:
    """The fixture home with Assist loaded; a satellite device in every area, by area id."""
    await build_home(hass, fixtures)
    assert await async_setup_component(hass, "conversation", {})
    entry = MockConfigEntry(domain="bench_satellites")
    entry.add_to_hass(hass)
    devices = dr.async_get(hass)
    satellites: dict[str, str] = {}
    for area in fixtures.areas:
        device = devices.async_get_or_create(
            config_entry_id=entry.entry_id, identifiers={("bench_satellites", area.area_id)}
        )
        devices.async_update_device(device.id, area_id=area.area_id)
        satellites[area.area_id] = device.id
    await hass.async_block_till_done()
    return satellites


def _label_effect(
    record: Record, executor: ResolvingExecutor, catalogue: Catalogue, satellite: str | None
) -> Effect | None:
    if record.intent in (UNCLEAR, OUT_OF_SCOPE):
        return None
    spec = catalogue.get(record.intent)
    slots = dict(record.slots)
    if spec is None:
        return Effect(record.intent, None, effect_values(slots))
    rec = Recognition(record.intent, {**spec.defaults, **slots}, 1.0)
    lang = "pl" if record.lang.startswith("pl") else "en"
    rec = _with_ids(rec, executor.home, lang)
    targets = executor.targets(spec, rec, satellite)
    return Effect(record.intent, targets or None, effect_values(slots, spec.defaults))


def _with_ids(rec: Recognition, home: Home, lang: str) -> Recognition:
    name = rec.slots.get("name")
    if isinstance(name, str) and name:
        key = home.index("entity", lang).resolve(name)
        if key:
            return Recognition(rec.intent, rec.slots, rec.confidence, entity_ids=(key,))
    return rec


async def run_product(
    hass: HomeAssistant,
    records: Sequence[Record],
    fixtures: FixtureHome,
    *,
    prefer_local: bool = True,
    library: bool = True,
    llm: PaidLLM | None = None,
    clock: Clock | None = None,
    on_prediction: Callable[[ProductPrediction], None] | None = None,
) -> list[ProductPrediction]:
    satellites = await prepare_hass(hass, fixtures)
    clock = clock or SystemClock()
    catalogue = load_catalogue(CATALOGUE)
    home = fixtures.engine_home()
    seen = _Seen()
    executor = ResolvingExecutor(hass, home)
    contexts = ContextStore(clock)
    pipeline = Pipeline(
        catalogue,
        _StaticHome(home),
        executor,
        clock,
        contexts,
        local_agent=RecognisingBuiltinAgent(hass, home, seen),
        library=await hass.async_add_executor_job(loaded_library) if library else None,
        llm=llm,
        settings=Settings(prefer_local=prefer_local),
        llm_block_reason=llm.block_reason if llm is not None else None,
    )
    out: list[ProductPrediction] = []
    for record in records:
        lang = "pl" if record.lang.lower().startswith("pl") else "en"
        turn = _previous_turn(record, home, catalogue, lang)
        if turn is not None:
            contexts.save(record.id, None, Context(last=turn))
        satellite = fixtures.area_id(record.area) if record.area else None
        seen.effect, seen.held = None, False
        outcome = await pipeline.handle(
            Command(
                record.text,
                language=record.lang,
                conversation_id=record.id,
                device_id=satellites.get(satellite) if satellite else None,
                satellite_area_id=satellite,
            )
        )
        label = _label_effect(record, executor, catalogue, satellite)
        predicted, acted, refused = _predicted(outcome, seen, executor, catalogue, satellite)
        result = outcome_of(
            record.intent,
            label,
            predicted=predicted,
            asked=outcome.asked and outcome.detail != "confirm",
            refused=refused,
        )
        prediction = ProductPrediction(
            id=record.id,
            lang=lang,
            text=record.text,
            expected_intent=record.intent,
            expected_slots=dict(record.slots),
            path=BUILTIN
            if seen.effect is not None or seen.held
            else outcome.matched_by or str(outcome.path),
            intent=predicted.intent if predicted is not None else None,
            slots=dict(seen.slots if seen.effect is not None else outcome.slots)
            if predicted is not None
            else {},
            entity_ids=tuple(sorted(predicted.targets or ())) if predicted else (),
            expected_entity_ids=tuple(sorted(label.targets))
            if label is not None and label.targets is not None
            else None,
            outcome=result,
            acted=acted,
            latency_ms=outcome.latency_ms,
        )
        out.append(prediction)
        if on_prediction is not None:
            on_prediction(prediction)
    return out


def _predicted(
    outcome: Outcome,
    seen: _Seen,
    executor: ResolvingExecutor,
    catalogue: Catalogue,
    satellite: str | None,
) -> tuple[Effect | None, bool, bool]:
    """The effect the outcome would have; whether it acted; whether it refused."""
    if seen.effect is not None:
        return seen.effect, True, False
    if outcome.detail == "refused" or outcome.intent == OUT_OF_SCOPE:
        return None, False, True
    if not outcome.intent or not outcome.understood:
        return None, False, False
    if outcome.asked and outcome.detail != "confirm":
        return None, False, False
    spec = catalogue.get(outcome.intent)
    defaults = spec.defaults if spec is not None else {}
    if outcome.detail == "confirm" and spec is not None:
        # It would act once the user says yes: scored as the action it proposes.
        rec = _with_ids(
            Recognition(outcome.intent, dict(outcome.slots), 1.0),
            executor.home,
            outcome.language[:2],
        )
        targets: frozenset[str] | None = executor.targets(spec, rec, satellite) or None
    elif outcome.executed and outcome.success:
        targets = frozenset(outcome.entity_ids) or None
    elif outcome.executed:
        # The executor found nothing to act on: the user hears "no such device".
        return None, False, False
    else:
        targets = None
    return Effect(outcome.intent, targets, effect_values(outcome.slots, defaults)), True, False
