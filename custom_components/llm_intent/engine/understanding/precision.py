"""Is a recognition precise enough to act on without a model or a question?

Home Assistant's built-in agent and the local matcher both recognise from
templates; a template with a wildcard slot can swallow words, and a name can
be heard in part. A recognition acts only when nothing the user said is left
out of it: a place that was named is the place acted on, a number that was
said is a value of the command, a timer has a length, a question names what
it asks about, and the target is of a kind the intent can act on. Anything
less is handed on (cache, model) or asked; a wrong action is worse than a
question.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..home import Home
from ..language.normalize import fold, parse_number
from .catalogue import Catalogue
from .recognition import Recognition
from .sentence_library import says_here

# Intents whose targets must be of these kinds (a cover intent never acts on a script).
INTENT_KINDS: Mapping[str, frozenset[str]] = {
    "HassOpenCover": frozenset({"cover", "valve"}),
    "HassCloseCover": frozenset({"cover", "valve"}),
    "HassSetPosition": frozenset({"cover", "valve"}),
    "HassLightSet": frozenset({"light"}),
    "LightBrightnessStep": frozenset({"light"}),
    "HassClimateSetTemperature": frozenset({"climate"}),
    "HassClimateGetTemperature": frozenset({"climate", "sensor"}),
    "ClimateAdjustTemperature": frozenset({"climate"}),
    "ClimateSetMode": frozenset({"climate"}),
    "HassMediaPause": frozenset({"media_player"}),
    "HassMediaUnpause": frozenset({"media_player"}),
    "HassMediaNext": frozenset({"media_player"}),
    "HassMediaPrevious": frozenset({"media_player"}),
    "HassSetVolume": frozenset({"media_player"}),
    "HassVacuumStart": frozenset({"vacuum"}),
    "HassVacuumReturnToBase": frozenset({"vacuum"}),
    "LockLock": frozenset({"lock"}),
    "LockUnlock": frozenset({"lock"}),
    "AlarmDisarm": frozenset({"alarm_control_panel"}),
    "SceneActivate": frozenset({"scene", "script"}),
    "HassTurnOn": frozenset(
        {"light", "switch", "fan", "media_player", "climate", "cover", "lock", "scene", "script"}
        | {"input_boolean", "valve", "vacuum", "humidifier", "siren", "automation", "group"}
    ),
}
INTENT_KINDS = {**INTENT_KINDS, "HassTurnOff": INTENT_KINDS["HassTurnOn"]}
_VALUE_SLOTS = frozenset(
    {"brightness", "position", "volume_level", "temperature", "delta", "step", "color"}
    | {"hours", "minutes", "seconds", "start_hours", "start_minutes", "start_seconds"}
)
# Words for "half" ("do połowy", "pół minuty") are a value too.
_HALF = ("polow", "pol", "poltor", "half")
# Intents that must say what they act on beyond a place: "czy w kuchni?" asks nothing.
_NEEDS_KIND = frozenset({"HassGetState", "HassTurnOn", "HassTurnOff"})
_TARGET_KEYS = ("name", "domain", "device_class")
_NEEDS_A_VALUE: Mapping[str, tuple[str, ...]] = {
    "HassLightSet": ("brightness", "color"),
    "HassSetPosition": ("position",),
    "HassClimateSetTemperature": ("temperature",),
    "HassSetVolume": ("volume_level",),
}
_COVER_INTENTS = frozenset({"HassOpenCover", "HassCloseCover"})
_ONE_LAMP = frozenset({"lampa", "lampe", "lampka", "lampke", "lampko"})
_SOMETHING = frozenset({"cos", "cokolwiek", "jakas", "jakis", "jakies", "something", "anything"})
_LEVEL_WORDS = ("maks", "minimaln", "minimum", "najjasniej", "najciemniej", "max", "full")
_TIMER_WORDS = ("minutnik", "czasomierz", "tajmer", "timer", "stoper")
_SKIP_STEMS = ("nastepn", "kolejn", "poprzedn")


def _kinds_of(rec: Recognition, home: Home) -> set[str]:
    found = {home.entity_by_id[e].domain for e in rec.entity_ids if e in home.entity_by_id}
    domain = rec.slots.get("domain")
    if isinstance(domain, str) and domain:
        found.add(domain)
    elif isinstance(domain, list | tuple):
        found |= {str(d) for d in domain}
    return found


def _said_a_number(tokens: list[str], lang: str) -> bool:
    for i in range(len(tokens)):
        value, used = parse_number(tokens[i:], lang)
        if value is not None and used > 0:
            return True
    return any(t.startswith(_HALF) for t in tokens if len(t) >= 3 or t == "pol")


def _named_places(text: str, lang: str, home: Home) -> tuple[set[str], set[str]]:
    areas = {m.key for m in home.index("area", lang).find_all(text)}
    floors = {m.key for m in home.index("floor", lang).find_all(text)}
    return areas, floors


def local_acceptable(
    rec: Recognition, text: str, lang: str, home: Home, catalogue: Catalogue
) -> bool:
    """Whether the local matcher's ``rec`` of ``text`` may act without a model or a question."""
    if rec.extra.get("missing"):
        # Not an action: the pipeline asks where.
        return True
    spec = catalogue.get(rec.intent)
    if spec is None:
        return False
    slots = rec.slots
    kinds = _kinds_of(rec, home)
    allowed = INTENT_KINDS.get(rec.intent)
    if allowed is not None and kinds and not kinds <= allowed:
        return False
    tokens = fold(text).split()
    if (
        _said_a_number(tokens, lang)
        and not any(k in slots for k in _VALUE_SLOTS)
        and not rec.context_used
    ):
        # "podnieś rolety do połowy", "zamknij markizę na 30 %": a value the match lost.
        return False
    if (
        not rec.context_used
        and not any(slots.get(k) for k in ("area", "floor"))
        and says_here(text, lang)
    ):
        # "wyłącz wszystko tutaj" from no satellite: which room is "here" is not known.
        return False
    if rec.intent in _NEEDS_A_VALUE and not any(slots.get(k) for k in _NEEDS_A_VALUE[rec.intent]):
        # "ustaw jasność lampy": set it to what?
        return False
    if (
        rec.intent in _COVER_INTENTS
        and not any(slots.get(k) for k in ("name", "area", "floor", "device_class"))
        and not rec.entity_ids
        and not rec.context_used
    ):
        # "zamknij wszystkie okna" with no window among the covers: not every cover.
        return False
    if rec.intent == "HassMediaUnpause" and set(tokens) & _SOMETHING:
        # "puść coś w gabinecie" wishes for something to play, not the paused track.
        return False
    if rec.intent == "LightBrightnessStep" and any(t.startswith(_LEVEL_WORDS) for t in tokens):
        # "rozjaśnij na maksa" is a level, not a step.
        return False
    if rec.intent.startswith(("HassMedia", "HassSetVolume")) and any(
        t.startswith(_TIMER_WORDS) for t in tokens
    ):
        # "wznów czasomierz" is the timer, not the music.
        return False
    if rec.intent == "HassStartTimer" and not any(
        isinstance(slots.get(k), int | float) and slots[k] > 0
        for k in ("hours", "minutes", "seconds")
    ):
        return False
    if (
        rec.intent in _NEEDS_KIND
        and not any(slots.get(k) for k in _TARGET_KEYS)
        and not rec.entity_ids
    ):
        # "czy ciepło w sypialni", "włącz następny utwór w salonie": not everything in the room.
        return False
    if rec.intent not in ("HassMediaNext", "HassMediaPrevious") and any(
        t.startswith(_SKIP_STEMS) for t in tokens
    ):
        # "graj następną ścieżkę": a track change the match did not hear.
        return False
    kind_stems = catalogue.kind_stems(lang, allowed or ())
    if _other_device_named(rec, text, lang, home, allowed, kind_stems):
        return False
    if _class_heard_as_a_name(rec, tokens, home, catalogue, lang):
        return False
    if _short_for_a_longer_name(rec, tokens, home, lang):
        return False
    if _one_lamp_of_several(rec, tokens, home):
        return False
    if _name_heard_in_part(rec, text, lang, home):
        return False
    areas, floors = _named_places(text, lang, home)
    acted_area = rec.area_id
    named_area = {home.entity_by_id[e].area_id for e in rec.entity_ids if e in home.entity_by_id}
    if allowed is not None and allowed <= {"vacuum"}:
        # "odkurz na parterze": where to clean, for the one vacuum there is.
        return True
    if rec.entity_ids and areas and not areas & named_area and not slots.get("floor"):
        # "czy zasłona w salonie…" heard as the one named "Zasłona", in the bedroom.
        return False
    if floors and not slots.get("floor") and _area_heard_in_part(rec, text, home):
        # "wentylatory na górze" is the upper floor, not "Łazienka na górze".
        return False
    if floors and not slots.get("floor") and not slots.get("area") and not rec.entity_ids:
        # "… na parterze" heard, but the match acts on the whole house.
        return False
    return not (areas and not (areas & ({acted_area} | named_area)) and not slots.get("floor"))


def _other_device_named(
    rec: Recognition,
    text: str,
    lang: str,
    home: Home,
    allowed: frozenset[str] | None,
    kind_stems: tuple[str, ...] = (),
) -> bool:
    """A device of another kind is named ("zamknij okno w kuchni" names a window sensor)."""
    if allowed is None:
        return False
    places = {i for m in home.index("area", lang).find_all(text) for i in range(m.start, m.end)}
    for m in home.index("entity", lang).find_all(text):
        entity = home.entity_by_id.get(m.key)
        if entity is None or entity.entity_id in rec.entity_ids:
            continue
        if entity.domain not in allowed and not set(range(m.start, m.end)) <= places:
            return True
    # A name heard only in part still names that device: "okno" is "Okno kuchnia";
    # but not a word of the target's own name ("drzwi" of "Główne drzwi").
    own = [
        w
        for e in rec.entity_ids
        if e in home.entity_by_id
        for n in (home.entity_by_id[e].name, *home.entity_by_id[e].aliases)
        for w in fold(n).split()
    ]
    words = {
        t
        for i, t in enumerate(fold(text).split())
        if i not in places
        and len(t) >= 4
        and not any(t.startswith(_stem(w)) for w in own)
        # The word for the kind the intent acts on ("drzwi" of a lock) names the kind.
        and not (rec.slots.get("domain") and t.startswith(kind_stems) and kind_stems)
    }
    heads = _name_heads(home)
    for word in words:
        for entity_id, domain, stem in heads.get(word[:4], ()):
            if domain not in allowed and entity_id not in rec.entity_ids and word.startswith(stem):
                return True
    return False


_HEADS: dict[str, dict[str, list[tuple[str, str, str]]]] = {}


def _name_heads(home: Home) -> dict[str, list[tuple[str, str, str]]]:
    """Each entity's first name word, by its first four letters; built once per home version."""
    found = _HEADS.get(home.version)
    if found is None:
        found = {}
        for entity in home.entities:
            head = fold(entity.name).split()[0] if entity.name.strip() else ""
            if len(head) >= 4:
                stem = head[: max(4, len(head) - 2)]
                found.setdefault(head[:4], []).append((entity.entity_id, entity.domain, stem))
        if len(_HEADS) >= 4:
            _HEADS.clear()
        _HEADS[home.version] = found
    return found


def _name_heard_in_part(rec: Recognition, text: str, lang: str, home: Home) -> bool:
    """A named target must be heard whole: "sufitowe" alone is not "Światło sufitowe salon".

    Each word of the name (or of one alias) must be said in some form; a word
    that is the device's own room counts as said when that room is the place
    in the command ("zamknij żaluzje w kuchni" for "Żaluzje kuchnia").
    """
    name = rec.slots.get("name")
    if not isinstance(name, str) or not name or rec.context_used:
        return False
    key = home.index("entity", lang).resolve(name)
    entity = home.entity_by_id.get(key) if key else None
    if entity is None:
        return False
    said = fold(text).split()
    room: set[str] = set()
    area = home.area_by_id.get(entity.area_id or "")
    heard = {m.key for m in home.index("area", lang).find_all(text)}
    if area is not None and area.area_id in heard:
        room = {w for n in (area.name, *area.aliases) for w in fold(n).split()}
    for candidate in (entity.name, *entity.aliases):
        words = [w for w in fold(candidate).split() if w not in room]
        if _all_said(words, said):
            return False
    return True


def _one_lamp_of_several(rec: Recognition, tokens: list[str], home: Home) -> bool:
    """ "zapal lampkę" names one lamp; with two lights in the room, which is not said.

    "światło" is the room's light as a whole and stays so.
    """
    if rec.slots.get("name") or rec.entity_ids or not set(tokens) & _ONE_LAMP:
        return False
    if says_everything(tokens):
        return False
    area = rec.area_id or next(
        (a.area_id for a in home.areas if fold(a.name) == fold(str(rec.slots.get("area", "")))),
        None,
    )
    if area is None:
        return False
    return len(home.entities_in(area, "light")) > 1


def _short_for_a_longer_name(rec: Recognition, tokens: list[str], home: Home, lang: str) -> bool:
    """ "zgaś kinkiet": "Kinkiety" in another case, or "Kinkiet przy łóżku" said short?"""
    name = rec.slots.get("name")
    if not isinstance(name, str) or rec.context_used:
        return False
    words = fold(name).split()
    if len(words) != 1 or words[0] in tokens:
        return False
    index = home.index("entity", lang)
    return any(t.startswith(words[0][:4]) and index.begins_a_longer_name(t) for t in tokens)


def _area_heard_in_part(rec: Recognition, text: str, home: Home) -> bool:
    area = rec.slots.get("area")
    if not isinstance(area, str) or not area or rec.context_used:
        return False
    said = fold(text).split()
    for a in home.areas:
        if fold(a.name) != fold(area):
            continue
        return not any(_all_said(fold(n).split(), said) for n in (a.name, *a.aliases))
    return False


def _all_said(words: list[str], said: list[str]) -> bool:
    """Every one of ``words`` was said in some form."""
    return all(any(t.startswith(_stem(w)) for t in said) for w in words)


def _stem(word: str) -> str:
    return word[: max(3, min(len(word) - 2, 6))]


def _class_heard_as_a_name(
    rec: Recognition, tokens: list[str], home: Home, catalogue: Catalogue, lang: str
) -> bool:
    name = rec.slots.get("name")
    return isinstance(name, str) and class_in_plural(name, tokens, catalogue, lang)


def class_in_plural(name: str, tokens: list[str], catalogue: Catalogue, lang: str) -> bool:
    """ "wentylatory" names every fan, not the one fan called "Wentylator"."""
    word = fold(name)
    if " " in word:
        return False
    if not word.startswith(catalogue.kind_stems(lang)):
        return False
    heard = [t for t in tokens if t != word and t.startswith(word[: max(4, len(word) - 2)])]
    if not heard:
        return False
    return says_everything(tokens) or any(t.endswith(("y", "i", "ow", "s")) for t in heard)


# Words that make a command about every one of a kind ("wszystkie", "każdy").
EVERY_WORDS = ("wszystk", "kazd", "all", "every")


def says_everything(tokens: list[str]) -> bool:
    return any(t.startswith(EVERY_WORDS) for t in tokens)


def builtin_acceptable(
    text: str, lang: str, intent: str, slots: Mapping[str, Any], home: Home
) -> bool:
    """Whether the built-in agent's recognition of ``text`` may be acted on.

    HA's Polish templates have wildcard slots (a timer's name, a media search)
    that swallow whatever follows; when what they swallowed is a place of this
    home or a media command, the recognition is not what was said.
    """
    index = home.index("area", lang)
    state = slots.get("state")
    if intent == "HassGetState" and isinstance(state, str) and set(fold(state).split()) & _NOW:
        # "czy Maria jest teraz w domu": a zone named "teraz w domu" is no zone.
        return False
    # Only wildcard slots: an entity's name comes from HA's own list of exposed names.
    keys = ("name", "search_query") if "Timer" in intent else ("search_query", "timer_name")
    for key in keys:
        value = slots.get(key)
        if not isinstance(value, str) or not value:
            continue
        if index.find_all(value):
            return False
        if key == "search_query" and set(fold(value).split()) & _MEDIA_COMMAND_WORDS:
            return False
    return True


_NOW = frozenset({"teraz", "juz", "obecnie", "aktualnie", "chwili", "now", "currently", "already"})
# "następny utwór w salonie" is a media command, not a search for that phrase.
_MEDIA_COMMAND_WORDS = frozenset(
    {"nastepny", "nastepna", "nastepne", "poprzedni", "poprzednia", "kolejny", "kolejna", "dalej"}
    | {"next", "previous", "pause", "resume"}
)
