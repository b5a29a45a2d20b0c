"""A sentence-library match in the engine's terms: the targets, the spec, and whether to act.

A template heard the whole sentence, so what is left to check is what the
words mean in this home: the devices HA's handler would pick (a name said in
one room of two is no target; a class word targets the class), an intent that
fits those devices, wildcard slots that swallowed a place, and an answer the
engine can give. Anything less is handed on to the cache or the model.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..home import Entity, Home
from ..language.normalize import fold
from .builtin import DELAYED_COMMAND, RESOLVED_TARGETS, builtin_spec
from .catalogue import Catalogue, IntentSpec
from .effects import (
    AREA_WIDE_DOMAINS,
    ON_OFF_INTENTS,
    READ_ONLY_INTENTS,
    TIMER_INTENTS,
    handler_domains,
    named,
    said_area_ids,
)
from .precision import EVERY_WORDS, INTENT_KINDS, builtin_acceptable, class_in_plural
from .recognition import Recognition, lock_states
from .sentence_library import LibraryMatch, says_here

# Slots that say which devices; anything else is a value or a word of the template.
_TARGET_SLOTS = ("name", "area", "floor", "domain", "device_class")
# Read-only intents whose answer is HA's own spoken response: the engine has no
# words for them unless the catalogue does, so the model answers instead.
_NEEDS_OWN_ANSWER = (
    READ_ONLY_INTENTS
    - (TIMER_INTENTS - {"HassTimerStatus"})
    - {"HassShoppingListAddItem", "HassListAddItem", "HassBroadcast"}
)
# A search slot swallows anything: "puść dalej muzykę" is no search for "dalej muzykę".
# The model reads such a wish better than a wildcard does.
_FREE_TEXT_ACTIONS = frozenset({"HassMediaSearchAndPlay"})
# "cały dom" says the whole house too.
_EVERY = (*EVERY_WORDS, "cal")
# Commands for "the music" without a place mean the satellite's room, or the one player.
_ROOM_FIRST = frozenset(
    {
        "HassMediaPause",
        "HassMediaUnpause",
        "HassMediaNext",
        "HassMediaPrevious",
        "HassSetVolume",
        "HassSetVolumeRelative",
        "HassMediaPlayerMute",
        "HassMediaPlayerUnmute",
    }
)
# HA's generic on/off on one kind of device, as the catalogue names (and answers) it.
_BY_KIND = {
    ("HassTurnOn", "cover"): "HassOpenCover",
    ("HassTurnOff", "cover"): "HassCloseCover",
    ("HassTurnOn", "lock"): "LockLock",
    ("HassTurnOff", "lock"): "LockUnlock",
    ("HassTurnOn", "scene"): "SceneActivate",
}
# Intents that answer about devices and so need some to answer about.
_ASKS_ABOUT_DEVICES = frozenset({"HassGetState", "HassClimateGetTemperature"})


def _values(raw: Any) -> set[str] | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, list | tuple | set | frozenset):
        return {str(v) for v in raw}
    return {str(raw)}


def _area_ids(slots: dict[str, Any], home: Home, place: str | None) -> set[str] | None:
    said = said_area_ids(slots, home)
    if said is not None:
        return said
    return {place} if place else None


def targets(
    intent: str,
    slots: dict[str, Any],
    home: Home,
    place: str | None,
    satellite_area_id: str | None,
) -> tuple[str, ...] | None:
    """The entities HA's matching would pick for these slots; None when it cannot tell which.

    ``place`` is the area the template took from the satellite. A name two
    devices share in different rooms is narrowed to the satellite's room;
    otherwise it names no one device and nothing is picked. Without a kind,
    HA's handler takes its own kinds ("przestań grać" the players), and an
    on/off for a whole room the things that are simply on or off.
    """
    found: Iterable[Entity] = home.entities
    name = slots.get("name")
    if isinstance(name, str) and name:
        found = [e for e in found if named(e, name)]
    areas = _area_ids(slots, home, place)
    if areas is not None:
        found = [e for e in found if e.area_id in areas]
    domains = _values(slots.get("domain")) or handler_domains(intent)
    if not domains and not name and intent in ON_OFF_INTENTS:
        domains = set(AREA_WIDE_DOMAINS)
    if domains:
        found = [e for e in found if e.domain in domains]
    if classes := _values(slots.get("device_class")):
        found = [e for e in found if e.device_class in classes]
    picked = list(found)
    if intent in _ROOM_FIRST and not name and areas is None:
        here = [e for e in picked if e.area_id == satellite_area_id]
        if here:
            return tuple(e.entity_id for e in here)
        if len(picked) > 1:
            return None  # "przestań grać" with players in several rooms: which?
    if isinstance(name, str) and name and areas is None:
        rooms = {e.area_id for e in picked}
        if len(rooms) > 1 and satellite_area_id in rooms:
            picked = [e for e in picked if e.area_id == satellite_area_id]
        elif len(rooms) > 1:
            return None
    return tuple(e.entity_id for e in picked)


def _one_of_several(match: LibraryMatch, picked: tuple[str, ...], text: str, lang: str) -> bool:
    """ "zamknij roletę w salonie" with two blinds there: which one is meant is not said."""
    if match.slots.get("name") or not match.slots.get("device_class") or len(picked) < 2:
        return False
    word = match.heard.get("device_class", "")
    if lang == "en":
        singular = not fold(word).endswith("s")
    else:
        # "drzwi" is one door or several: the word alone does not say which.
        first = fold(word).split()[:1]
        singular = word.casefold().endswith(("ę", "ą", "a", "o")) or first == ["drzwi"]
    return singular and not _says_everything(text)


def _says_everything(text: str) -> bool:
    return any(w.startswith(_EVERY) for w in fold(text).split())


def _spec(intent: str, catalogue: Catalogue) -> IntentSpec | None:
    """The catalogue's own words for HA's intent if it has them, else HA's handler as it is."""
    own = catalogue.get(intent)
    if own is not None and own.ha_intent == intent:
        return own
    if intent in _NEEDS_OWN_ANSWER:
        return None
    return builtin_spec(intent)


def _own_name(
    intent: str, entity_ids: tuple[str, ...], catalogue: Catalogue
) -> tuple[str, IntentSpec] | None:
    """The catalogue's name for HA's on/off on one kind ("otwórz bramę" opens, not "turns on").

    Only when that entry runs the very same HA handler: its answer is the
    difference, never what it does.
    """
    kinds = {e.split(".", 1)[0] for e in entity_ids}
    if len(kinds) != 1:
        return None
    name = _BY_KIND.get((intent, kinds.pop()))
    spec = catalogue.get(name) if name else None
    if name is None or spec is None or spec.ha_intent != intent:
        return None
    return name, spec


def library_recognition(
    match: LibraryMatch,
    text: str,
    lang: str,
    home: Home,
    catalogue: Catalogue,
    satellite_area_id: str | None = None,
) -> tuple[Recognition, IntentSpec] | None:
    """``match`` as a recognition to act on, with the spec that runs it, or None to hand on."""
    spec = _spec(match.intent, catalogue)
    if spec is None or match.intent in _FREE_TEXT_ACTIONS:
        return None
    if match.slots.get(DELAYED_COMMAND):
        # "za 5 minut odblokuj drzwi": HA runs the command when the timer ends, through
        # its own agent, which asks for no "tak" before it unlocks or opens.
        return None
    slots = dict(match.slots)
    if not builtin_acceptable(text, lang, match.intent, slots, home):
        return None
    # "zamknij rolety" from no room: which room's? "wszystkie" would say the house,
    # and the one garage door of the house needs no room.
    roomless = match.context_area and satellite_area_id is None and not _says_everything(text)
    if match.context_area and satellite_area_id is None and says_here(text, lang):
        # "zgaś tu światło" from a phone: "here" is a room, and which one is not known.
        return None
    place = satellite_area_id if match.context_area else None
    if place is not None and place in home.area_by_id and not slots.get("floor"):
        # HA's handler only narrows to the room it is told: the satellite's, here.
        slots.setdefault("area", home.area_by_id[place].name)
    entity_ids: tuple[str, ...] = ()
    says_devices = any(slots.get(k) for k in _TARGET_SLOTS) or place is not None
    if match.intent not in READ_ONLY_INTENTS or match.intent in _ASKS_ABOUT_DEVICES:
        if not says_devices:
            return None
        picked = targets(match.intent, slots, home, place, satellite_area_id)
        if not picked:
            return None
        if _one_of_several(match, picked, text, lang) or (roomless and len(picked) > 1):
            return None
        allowed = INTENT_KINDS.get(match.intent)
        if allowed is not None and not {i.split(".", 1)[0] for i in picked} <= allowed:
            return None
        entity_ids = picked
    elif roomless:
        return None
    lock_states(slots, entity_ids)
    intent = match.intent
    if (own := _own_name(intent, entity_ids, catalogue)) is not None:
        intent, spec = own
    areas = _area_ids(slots, home, place)
    rec = Recognition(
        intent,
        slots,
        1.0,
        context_used=place is not None,
        area_id=next(iter(areas)) if areas is not None and len(areas) == 1 else None,
        entity_ids=entity_ids,
        target_words=match.heard.get("name"),
        extra={RESOLVED_TARGETS: True} if entity_ids else {},
    )
    return rec, spec


def _neuter_plural(match: LibraryMatch, name: str, catalogue: Catalogue, lang: str) -> bool:
    """ "zapal światła" is the lights, not the one named "Światło".

    The object of an on/off is in the accusative, which for a neuter noun is
    its base form; "-a" in place of its "-o" is then the plural, the kind.
    """
    if match.intent not in ON_OFF_INTENTS:
        return False
    word, said = fold(name), fold(match.heard.get("name", ""))
    if " " in word or not word.endswith("o") or said != word[:-1] + "a":
        return False
    return word.startswith(catalogue.kind_stems(lang))


def library_choice(
    matches: list[LibraryMatch],
    text: str,
    lang: str,
    home: Home,
    catalogue: Catalogue,
    satellite_area_id: str | None = None,
) -> tuple[Recognition, IntentSpec] | None:
    """The best parse to act on: the first, unless it took a plural class word for a name.

    "zamknij zasłony" is every curtain, not the one named "Zasłona"; the
    template that reads "zasłony" as the class is the next parse.
    """
    words = fold(text).split()
    for match in matches:
        name = match.slots.get("name")
        if isinstance(name, str) and name and class_in_plural(name, words, catalogue, lang):
            continue
        if isinstance(name, str) and _neuter_plural(match, name, catalogue, lang):
            continue
        return library_recognition(match, text, lang, home, catalogue, satellite_area_id)
    return None
