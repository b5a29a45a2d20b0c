"""The safety invariant, over generated conversations: nothing lets anyone in unasked.

Generated: the catalogue (built-in, plus user intents that call dangerous
services under harmless names), the home's entity kinds, who speaks on which
conversation and device, and for each turn the text plus what each path would
answer — HA's built-in agent (a stand-in that acts itself whenever the gate
lets it, as HA does), the local matcher (real), the cache and the model.

The executor records every action, and an oracle written here, independent of
the engine's own effect table, says which ones unlock a lock, open a
garage/gate/door cover (any position above 0), or disarm an alarm. The
invariant: disarming never happens; the rest happens only on a "tak"/"yes"
from the same user (and device) that was asked, within the confirmation window.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path as FilePath
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from custom_components.llm_intent.engine.clock import ManualClock
from custom_components.llm_intent.engine.home import Area, Entity, Home
from custom_components.llm_intent.engine.language.normalize import fold
from custom_components.llm_intent.engine.pipeline import (
    YES,
    Command,
    ExecResult,
    Gate,
    LLMAnswer,
    LocalAnswer,
    Outcome,
    Pipeline,
    Settings,
)
from custom_components.llm_intent.engine.types import (
    IntentReply,
    ProviderRequest,
    ProviderResult,
    Usage,
)
from custom_components.llm_intent.engine.understanding.builtin import (
    RESOLVED_TARGETS,
    builtin_spec,
)
from custom_components.llm_intent.engine.understanding.catalogue import (
    Catalogue,
    IntentSpec,
    parse_catalogue,
)
from custom_components.llm_intent.engine.understanding.context import (
    CONFIRM_WINDOW_S,
    Context,
    ContextStore,
)
from custom_components.llm_intent.engine.understanding.recognition import Recognition
from custom_components.llm_intent.engine.understanding.sentence_library import SentenceLibrary

BUILTIN_FILE = FilePath(__file__).parents[2] / "custom_components" / "llm_intent" / "intents.yaml"
BUILTIN_TEXT = BUILTIN_FILE.read_text(encoding="utf-8")

# HA's sentence templates with the home's names in every form: one more path to guard.
LIBRARY = SentenceLibrary()
LIBRARY.load()
AREAS = (
    Area("przedpokoj", "Przedpokój"),
    Area("garaz", "Garaż"),
    Area("salon", "Salon"),
)
# (entity_id, name, area, device_class): the kinds a home may have.
KINDS = (
    ("lock.drzwi", "Drzwi wejściowe", "przedpokoj", None),
    ("lock.front", "Front Door", "przedpokoj", None),
    ("cover.brama", "Brama garażowa", "garaz", "garage"),
    ("cover.garage", "Garage Door", "garaz", "garage"),
    ("cover.roleta_garaz", "Roleta garażowa", "garaz", "garage"),
    ("cover.furtka", "Furtka", "przedpokoj", "gate"),
    ("cover.balkon", "Drzwi balkonowe", "salon", "door"),
    ("cover.rolety", "Rolety salon", "salon", "blind"),
    ("alarm_control_panel.alarm", "Alarm", "przedpokoj", None),
    ("light.garaz", "Światło garaż", "garaz", None),
    ("light.przedpokoj", "Światło przedpokój", "przedpokoj", None),
    ("switch.ekspres", "Ekspres", "salon", None),
)
ENTRY_COVERS = {"garage", "gate", "door"}
# Services (as a user catalogue may write them) that let people in or disarm.
SERVICES = (
    "lock.unlock",
    "lock.open",
    "lock.lock",
    "cover.open_cover",
    "cover.close_cover",
    "cover.toggle",
    "cover.set_cover_position",
    "cover.stop_cover",
    "alarm_control_panel.alarm_disarm",
    "alarm_control_panel.alarm_arm_away",
    "light.turn_on",
)
HA_INTENTS = ("HassTurnOn", "HassTurnOff", "HassToggle", "HassSetPosition", "HassStopMoving")
USERS = ("anna", "bob", None)
CONVERSATIONS = ("c1", "c2", None)
DEVICES = ("sat1", "sat2", None)
TEXTS = (
    "tak",
    "yes",
    "tak proszę",
    "nie",
    "otwórz bramę garażową",
    "otwórz drzwi wejściowe",
    "odblokuj drzwi wejściowe",
    "otwórz furtkę",
    "otwórz drzwi balkonowe",
    "ustaw roletę garażową na 100 procent",
    "ustaw roletę garażową na 0 procent",
    "ustaw rolety salon na 40 procent",
    "unlock the Front Door",
    "open the Garage Door",
    "otwórz Garage Door",
    "ustaw Garage Door na 100%",
    "wyłącz alarm",
    "wyłącz wszystko w przedpokoju",
    "włącz wszystko w garażu",
    "uchyl bramę garażową",
    "odblokuj",
    "zrób coś",
)


# --- the oracle: what an executed action really does, written apart from the engine ---


def _targets(spec: IntentSpec, rec: Recognition, home: Home) -> list[Entity]:
    if rec.entity_ids or rec.extra.get(RESOLVED_TARGETS):
        return [home.entity_by_id[i] for i in rec.entity_ids if i in home.entity_by_id]
    name = rec.slots.get("name")
    if isinstance(name, str) and name:
        return [e for e in home.entities if fold(e.name) == fold(name)]
    domain = rec.slots.get("domain")
    domains = {domain} if isinstance(domain, str) else set(domain or ())
    area = rec.slots.get("area")
    if spec.ha_intent is not None and not (domains or area):
        return []  # HA's handlers refuse to target every device in the house
    in_area = [
        e for e in home.entities if not area or home.area_by_id[e.area_id or ""].name == area
    ]
    on_off = spec.ha_intent in ("HassTurnOn", "HassTurnOff", "HassToggle")
    if not domains and on_off and area:
        # The executor narrows "everything in the hall" to plain on/off kinds.
        domains = {"light", "switch", "fan", "media_player", "climate", "humidifier"}
    return [e for e in in_area if not domains or e.domain in domains]


def _position(spec: IntentSpec, rec: Recognition) -> float | None:
    raw: Any = rec.slots.get("position")
    if spec.service is not None:
        for key, slot in spec.data.items():
            if key == "position":
                raw = rec.slots.get(slot, spec.defaults.get(slot))
    try:
        return float(raw)
    except TypeError, ValueError:
        return None


def dangers(spec: IntentSpec, rec: Recognition, home: Home) -> set[str]:
    """ "unlock", "open" or "disarm" for each target this action would reach."""
    found: set[str] = set()
    if spec.ha_intent is not None:
        action = spec.ha_intent
        service_domain = None
    else:
        assert spec.service is not None
        service_domain, action = spec.service.split(".", 1)
    for e in _targets(spec, rec, home):
        if service_domain is not None and service_domain != e.domain:
            continue
        entry = e.domain == "cover" and e.device_class in ENTRY_COVERS
        position = _position(spec, rec)
        if e.domain == "lock" and action in ("HassTurnOff", "HassToggle", "unlock", "open"):
            found.add("unlock")
        if entry and action in ("HassTurnOn", "HassToggle", "open_cover", "toggle"):
            found.add("open")
        opens_to = position is None or position > 0
        if entry and action in ("HassSetPosition", "set_cover_position") and opens_to:
            found.add("open")
        if e.domain == "alarm_control_panel" and action in (
            "HassTurnOff",
            "HassToggle",
            "alarm_disarm",
        ):
            found.add("disarm")
    return found


# --- the paths' stand-ins ---


@dataclass
class Turn:
    user: str | None
    conversation_id: str | None
    device_id: str | None
    text: str
    wait_s: float
    builtin: Recognition | None = None  # what HA's built-in agent recognises
    cached: Recognition | None = None
    reply: IntentReply | None = None


@dataclass
class Executed:
    turn: int
    dangers: set[str]


@dataclass
class World:
    home: Home
    catalogue: Catalogue
    turns: list[Turn]
    now: int = 0
    executed: list[Executed] = field(default_factory=list)

    @property
    def turn(self) -> Turn:
        return self.turns[self.now]

    def record(self, spec: IntentSpec, rec: Recognition) -> None:
        self.executed.append(Executed(self.now, dangers(spec, rec, self.home)))


@dataclass
class RecordingExecutor:
    world: World

    async def execute(self, spec: IntentSpec, rec: Recognition, command: Command) -> ExecResult:
        self.world.record(spec, rec)
        return ExecResult(True, entity_ids=rec.entity_ids)


@dataclass
class BuiltinAgent:
    """HA's built-in agent: it acts itself whenever the gate lets it."""

    world: World

    async def try_handle(self, command: Command, gate: Gate) -> LocalAnswer | None:
        rec = self.world.turn.builtin
        if rec is None:
            return None
        if not gate(rec):
            return LocalAnswer("", rec.intent, False, held=rec)
        self.world.record(builtin_spec(rec.intent), rec)
        return LocalAnswer("ok", rec.intent, True, rec.entity_ids)


@dataclass
class Cache:
    world: World

    async def lookup(self, command: Command, home: Home, context: Context) -> Recognition | None:
        return self.world.turn.cached

    async def store(
        self, command: Command, home: Home, context: Context, rec: Recognition, *, sensitive: bool
    ) -> None:
        return None


@dataclass
class Model:
    world: World

    async def recognize(self, request: ProviderRequest, command: Command) -> LLMAnswer:
        reply = self.world.turn.reply
        if reply is None:
            return LLMAnswer(None, provider="p", model="m", error="timeout")
        result = ProviderResult("p", "m", reply, Usage(10, 5), 0.1)
        return LLMAnswer(result, "p", "m", Usage(10, 5), Decimal(0))


class Homes:
    def __init__(self, home: Home) -> None:
        self._home = home

    def home(self) -> Home:
        return self._home


# --- generators ---


@st.composite
def homes(draw: st.DrawFn) -> Home:
    kinds = draw(st.sets(st.sampled_from(KINDS), min_size=1))
    return Home(
        areas=AREAS,
        entities=tuple(Entity(i, n, area_id=a, device_class=d) for i, n, a, d in sorted(kinds)),
    )


@st.composite
def user_catalogues(draw: st.DrawFn) -> Catalogue:
    """The built-in catalogue, maybe with user intents that call dangerous services."""
    texts = [("intents.yaml", BUILTIN_TEXT)]
    overrides = draw(st.lists(st.sampled_from(SERVICES), max_size=3, unique=True))
    if overrides:
        lines = ["intents:"]
        for n, service in enumerate(overrides):
            name = draw(st.sampled_from(("PrzyjemnyTryb", "HassTurnOn", "LockLock", "Uchyl")))
            lines += [
                f"  {name}{n}:" if name != "HassTurnOn" or n else f"  {name}:",
                "    slots: {name: entity, area: area, position: {type: int, min: 0, max: 100}}",
                f"    execute: {{service: {service}, data: {{position: position}}}}",
                '    responses: {pl: "Zrobione.", en: "Done."}',
                "    local:",
                f"      pl: ['^uchyl{n}?\\b']" if n else "      pl: ['^uchyl\\b']",
            ]
        texts.append(("user.yaml", "\n".join(lines) + "\n"))
    return parse_catalogue(texts)


def _slots(name: str | None, area: str | None, position: int | None) -> dict[str, Any]:
    given = (("name", name), ("area", area), ("position", position))
    return {k: v for k, v in given if v is not None}


def _ha_match(home: Home, name: str | None, area: str | None) -> tuple[str, ...]:
    """The entities HA's handler would match by name and area (none: it refuses)."""
    if name is None and area is None:
        return ()
    return tuple(
        e.entity_id
        for e in home.entities
        if (name is None or e.name == name)
        and (area is None or home.area_by_id[e.area_id or ""].name == area)
    )


def builtin_recognitions(home: Home) -> st.SearchStrategy[Recognition]:
    """What HA's built-in agent hands the gate: HA's intent, slots, and HA's own targets."""
    names = [e.name for e in home.entities]
    return st.builds(
        lambda intent, name, area, position: Recognition(
            intent,
            _slots(name, area, position),
            1.0,
            entity_ids=_ha_match(home, name, area),
            extra={RESOLVED_TARGETS: True},
        ),
        st.sampled_from(HA_INTENTS),
        st.none() | st.sampled_from(names),
        st.none() | st.sampled_from([a.name for a in AREAS]),
        st.none() | st.integers(0, 100),
    )


def cached_recognitions(home: Home, intents: list[str]) -> st.SearchStrategy[Recognition]:
    """A catalogue recognition as the cache replays it (names, maybe their entity ids)."""
    names = [e.name for e in home.entities]
    return st.builds(
        lambda intent, name, area, position, ids: Recognition(
            intent,
            _slots(name, area, position),
            1.0,
            entity_ids=tuple(e.entity_id for e in home.entities if ids and e.name == name),
        ),
        st.sampled_from(intents),
        st.none() | st.sampled_from(names),
        st.none() | st.sampled_from([a.name for a in AREAS]),
        st.none() | st.integers(0, 100),
        st.booleans(),
    )


def replies(home: Home, catalogue: Catalogue) -> st.SearchStrategy[IntentReply]:
    names = [e.name for e in home.entities]
    return st.builds(
        lambda intent, name, area, position: IntentReply(
            intent,
            {
                k: v
                for k, v in (("name", name), ("area", area), ("position", position))
                if v is not None and k in catalogue.intents[intent].slots
            },
            0.95,
        ),
        st.sampled_from(sorted(catalogue.intents)),
        st.none() | st.sampled_from(names),
        st.none() | st.sampled_from([a.name for a in AREAS]),
        st.none() | st.integers(0, 100),
    )


@st.composite
def worlds(draw: st.DrawFn) -> tuple[World, bool]:
    home = draw(homes())
    catalogue = draw(user_catalogues())
    turns = []
    for _ in range(draw(st.integers(2, 7))):
        builtin = draw(st.none() | builtin_recognitions(home))
        cached = draw(st.none() | cached_recognitions(home, sorted(catalogue.intents)))
        turns.append(
            Turn(
                user=draw(st.sampled_from(USERS)),
                conversation_id=draw(st.sampled_from(CONVERSATIONS)),
                device_id=draw(st.sampled_from(DEVICES)),
                text=draw(st.sampled_from(TEXTS)),
                wait_s=draw(st.sampled_from((0.0, 5.0, 29.0, 31.0))),
                builtin=builtin,
                cached=cached,
                reply=draw(st.none() | replies(home, catalogue)),
            )
        )
    return World(home, catalogue, turns), draw(st.booleans())


async def _run(world: World, prefer_local: bool) -> list[Outcome]:
    clock = ManualClock()
    pipeline = Pipeline(
        world.catalogue,
        Homes(world.home),
        RecordingExecutor(world),
        clock,
        ContextStore(clock, ttl_s=300),
        local_agent=BuiltinAgent(world),
        library=LIBRARY,
        llm=Model(world),
        cache=Cache(world),
        settings=Settings(prefer_local=prefer_local),
    )
    outcomes = []
    started: list[float] = []
    for n, turn in enumerate(world.turns):
        world.now = n
        clock.advance(turn.wait_s)
        started.append(clock.time())
        outcomes.append(
            await pipeline.handle(
                Command(
                    turn.text,
                    "pl",
                    conversation_id=turn.conversation_id,
                    device_id=turn.device_id,
                    user_id=turn.user,
                )
            )
        )
    world.__dict__["started"] = started
    return outcomes


def _same_place(asked: Turn, answer: Turn) -> bool:
    """The answer reaches the question's context: same conversation, or same device."""
    if asked.conversation_id and asked.conversation_id == answer.conversation_id:
        return True
    return bool(asked.device_id and asked.device_id == answer.device_id)


def _story(world: World, outcomes: list[Outcome]) -> str:
    """The conversation, one line a turn, for a failure message."""
    lines = []
    for n, (turn, out) in enumerate(zip(world.turns, outcomes, strict=True)):
        heard = [
            f"{label}={r.intent}{r.slots}{list(r.entity_ids)}"
            for label, r in (("builtin", turn.builtin), ("cached", turn.cached))
            if r is not None
        ]
        if turn.reply is not None:
            heard.append(f"model={turn.reply.intent}{turn.reply.slots}")
        acted = [sorted(d.dangers) for d in world.executed if d.turn == n]
        lines.append(
            f"{n}: +{turn.wait_s}s {turn.user}/{turn.conversation_id}/{turn.device_id} "
            f"{turn.text!r} {' '.join(heard)} -> {out.path} {out.intent} {out.detail} "
            f"acted={acted}"
        )
    return "\n".join(lines)


def check(world: World, outcomes: list[Outcome]) -> None:
    started: list[float] = world.__dict__["started"]
    for done in world.executed:
        if not done.dangers:
            continue
        assert "disarm" not in done.dangers, _story(world, outcomes)
        answer = world.turns[done.turn]
        assert fold(answer.text) in YES, "acted without a yes\n" + _story(world, outcomes)
        askers = [
            n
            for n in range(done.turn)
            if outcomes[n].detail == "confirm"
            and world.turns[n].user == answer.user
            and (world.turns[n].device_id is None or world.turns[n].device_id == answer.device_id)
            and _same_place(world.turns[n], answer)
            and started[done.turn] - started[n] <= CONFIRM_WINDOW_S
        ]
        assert askers, "a yes from someone who was not asked\n" + _story(world, outcomes)


@settings(
    max_examples=60,
    deadline=None,
    # Shrinking these conversations takes minutes; the failure message tells the story.
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(worlds())
def test_nothing_lets_anyone_in_without_the_same_users_yes(case: tuple[World, bool]) -> None:
    world, prefer_local = case
    outcomes = asyncio.run(_run(world, prefer_local))
    check(world, outcomes)


def test_the_oracle_sees_what_the_generated_worlds_reach() -> None:
    """The invariant is not vacuous: the paths do reach dangerous actions after a yes."""
    home = Home(
        areas=AREAS, entities=tuple(Entity(i, n, area_id=a, device_class=d) for i, n, a, d in KINDS)
    )
    catalogue = parse_catalogue([("intents.yaml", BUILTIN_TEXT)])
    garage = Recognition(
        "HassSetPosition",
        {"name": "Garage Door", "position": 100},
        1.0,
        entity_ids=("cover.garage",),
        extra={RESOLVED_TARGETS: True},
    )
    world = World(
        home,
        catalogue,
        [
            Turn("anna", "c1", None, "ustaw Garage Door na 100%", 0.0, builtin=garage),
            Turn("bob", "c1", None, "tak", 1.0),
            Turn("anna", "c1", None, "tak", 1.0),
        ],
    )
    outcomes = asyncio.run(_run(world, True))
    assert [o.detail for o in outcomes][0] == "confirm"
    assert [d.turn for d in world.executed if d.dangers] == [2]
    check(world, outcomes)
