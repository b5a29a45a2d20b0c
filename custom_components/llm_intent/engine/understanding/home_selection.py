"""Which devices of the home the model needs to see for one command.

Sending every exposed entity makes each request grow with the home: a home of
a thousand entities would cost eight times what a small one does, on every
command. The model only needs the things the command can be about, so they
are chosen here, locally, with the same inflection-aware name index the local
matcher uses:

1. entities whose name or alias the command says (fully, or by a distinctive
   word: "kawę" finds "Ekspres do kawy");
2. the previous turn's entities ("a teraz wyłącz");
3. entities in the areas the command names, narrowed to the device kinds it
   names when it names one ("zgaś lampkę w sypialni": the bedroom's lights);
4. the names an open question was about, then the satellite's area;
5. when none of that gives a device of the kind the command is about, every
   device of the kinds its words or verb allow ("zamknij drzwi": the locks),
   shown compactly.

Every area and floor name is always sent (see ``prompt.render_areas``), so a
command about a room or floor never depends on this choice. At most
``MAX_ENTITIES`` are chosen, best first, which keeps a request the same size
however big the home is. ``benchmarks/recall.py`` measures how often the
labelled targets of the evaluation sets are among the chosen ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..home import Entity, Home
from ..language.normalize import fold, tokens
from .catalogue import Catalogue
from .context import Context

__all__ = ["MAX_ENTITIES", "HomeSelection", "select_home"]

MAX_ENTITIES = 40
# A floor's or the whole home's devices of a kind say little about which one is
# meant (the floor or kind alone is a valid target): a few are enough to show
# the model what exists, more would make the biggest requests the vaguest.
BROAD_ENTITIES = 16

# The device kinds an intent can act on, for a command that names an action
# but no device kind or name ("zamknij wszystko" -> covers, locks...). An
# intent not listed here (or with a ``domain`` default in the catalogue) allows
# what its default says; none at all means it targets no device.
_INTENT_DOMAINS: Mapping[str, tuple[str, ...]] = {
    "HassTurnOn": ("light", "switch", "fan", "media_player", "climate", "input_boolean"),
    "HassTurnOff": ("light", "switch", "fan", "media_player", "climate", "input_boolean"),
    "HassLightSet": ("light",),
    "LightBrightnessStep": ("light",),
    "HassOpenCover": ("cover",),
    "HassCloseCover": ("cover",),
    "HassSetPosition": ("cover",),
    "HassClimateSetTemperature": ("climate",),
    "ClimateAdjustTemperature": ("climate",),
    "ClimateSetMode": ("climate",),
    "HassClimateGetTemperature": ("climate", "sensor"),
    "HassMediaUnpause": ("media_player",),
    "HassMediaPause": ("media_player",),
    "HassMediaNext": ("media_player",),
    "HassSetVolume": ("media_player",),
    "LockLock": ("lock",),
    "LockUnlock": ("lock",),
    "AlarmDisarm": ("alarm_control_panel",),
    "SceneActivate": ("scene", "script"),
    "HassVacuumStart": ("vacuum",),
    "HassVacuumReturnToBase": ("vacuum",),
}


@dataclass(frozen=True, slots=True)
class HomeSelection:
    """The chosen entities (best first) and what the command named."""

    entities: tuple[Entity, ...]
    # Areas and floors the command (or its context) names: shown with their aliases.
    area_ids: tuple[str, ...] = ()
    floor_ids: tuple[str, ...] = ()
    # The kinds named or allowed, and whether the list is the compact fallback.
    kinds: tuple[str, ...] = ()
    fallback: bool = False


class _Picked:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.ids: dict[str, None] = {}

    @property
    def full(self) -> bool:
        return len(self.ids) >= self.limit

    def add(self, entity_ids: Iterable[str], at_most: int | None = None) -> None:
        added = 0
        for entity_id in entity_ids:
            if self.full or (at_most is not None and added >= at_most):
                return
            if entity_id not in self.ids:
                self.ids[entity_id] = None
                added += 1


def named_kinds(catalogue: Catalogue, text: str, lang: str) -> list[str]:
    """Device kinds the command's words name ("światło" -> light), in catalogue order."""
    toks = tokens(text)
    found: list[str] = []
    for domain, words in catalogue.domains.items():
        for stem in words.get(lang, ()):
            size = stem.count(" ") + 1
            if (
                any(" ".join(toks[i : i + size]).startswith(stem) for i in range(len(toks)))
                and domain not in found
            ):
                found.append(domain)
    return found


def verb_kinds(catalogue: Catalogue, text: str, lang: str) -> list[str]:
    """Device kinds the intents whose local patterns match the command can act on."""
    folded = fold(text)
    found: list[str] = []
    for spec in catalogue.intents.values():
        if not any(p.regex.search(folded) for p in spec.local.get(lang, ())):
            continue
        default = spec.defaults.get("domain")
        kinds = (default,) if isinstance(default, str) else _INTENT_DOMAINS.get(spec.name, ())
        found += [k for k in kinds if k not in found]
    return found


def _by_area(home: Home) -> dict[str | None, list[Entity]]:
    grouped: dict[str | None, list[Entity]] = {}
    for entity in home.entities:
        grouped.setdefault(entity.area_id, []).append(entity)
    return grouped


def _of_kinds(entities: Iterable[Entity], kinds: Iterable[str]) -> list[str]:
    wanted = set(kinds)
    return [e.entity_id for e in entities if not wanted or e.domain in wanted]


def select_home(
    text: str,
    lang: str,
    home: Home,
    catalogue: Catalogue,
    context: Context,
    *,
    limit: int = MAX_ENTITIES,
) -> HomeSelection:
    """The entities a command can be about; see the module docstring for the order."""
    entity_index = home.index("entity", lang)
    area_index = home.index("area", lang)
    floor_index = home.index("floor", lang)
    by_area = _by_area(home)
    picked = _Picked(limit)

    kinds = named_kinds(catalogue, text, lang)
    # 1. Names said: full matches rank before partial ones in ``candidates``.
    picked.add(m.key for m in entity_index.candidates(text))
    # 2. What the previous command acted on.
    last = context.last
    if last is not None:
        picked.add(e for e in last.entity_ids if e in home.entity_by_id)
    # 3. The areas named, narrowed to the kinds named.
    area_ids = list(dict.fromkeys(m.key for m in area_index.candidates(text)))
    floor_ids = list(dict.fromkeys(m.key for m in floor_index.candidates(text)))
    for area_id in area_ids:
        picked.add(_of_kinds(by_area.get(area_id, ()), kinds))
    # 4. The names an open question offered, then where the speaker is.
    question = context.open_question
    if question is not None:
        asked = f"{question.question} {question.about}"
        picked.add(m.key for m in entity_index.candidates(asked))
        for m in area_index.candidates(asked):
            if m.key not in area_ids:
                area_ids.append(m.key)
            picked.add(_of_kinds(by_area.get(m.key, ()), kinds))
    context_areas = [
        a
        for a in (context.satellite_area_id, last.area_id if last is not None else None)
        if a is not None and a in home.area_by_id
    ]
    for area_id in context_areas:
        picked.add(_of_kinds(by_area.get(area_id, ()), kinds or verb_kinds(catalogue, text, lang)))

    wanted = kinds or verb_kinds(catalogue, text, lang)
    if kinds:
        # "zgaś światło na parterze": the floor's devices of that kind.
        on_floors = [
            e for a in home.areas if a.floor_id in floor_ids for e in by_area.get(a.area_id, ())
        ]
        picked.add(_of_kinds(on_floors, kinds), BROAD_ENTITIES)
    # 5. Nothing of the kind the command is about: every device of that kind.
    chosen = [home.entity_by_id[i] for i in picked.ids]
    relevant = [e for e in chosen if not wanted or e.domain in wanted]
    fallback = False
    if not relevant and wanted and not (area_ids and not kinds):
        fallback = True
        picked.add(_of_kinds(home.entities, wanted), BROAD_ENTITIES)
        chosen = [home.entity_by_id[i] for i in picked.ids]
    return HomeSelection(
        entities=tuple(chosen),
        area_ids=tuple(area_ids),
        floor_ids=tuple(floor_ids),
        kinds=tuple(wanted),
        fallback=fallback,
    )
