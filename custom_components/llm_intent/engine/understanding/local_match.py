"""Understanding commands locally from the catalogue's patterns and the home's names.

HA's own matcher needs names in the exact form the user typed them; this one
folds diacritics and tolerates Polish inflection ("wlacz swiatlo w salonie"
finds area "Salon"), uses the satellite's area and the previous turn for
follow-ups, and says how much of the sentence it understood: a match that
leaves words unexplained is only trusted when the language model is unusable.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
import re
from typing import Any

from ..home import Home
from ..language.names import NameMatch
from ..language.normalize import fold, parse_number
from .catalogue import Catalogue, IntentSpec
from .context import Context
from .precision import class_in_plural
from .recognition import Recognition, lock_states

# Words that carry no meaning for recognition; a sentence made of a pattern,
# names, numbers and these is fully understood.
_FILLER = {
    "pl": {
        "a",
        "i",
        "w",
        "we",
        "na",
        "do",
        "z",
        "ze",
        "o",
        "od",
        "po",
        "mi",
        "prosze",
        "to",
        "te",
        "ten",
        "ta",
        "je",
        "ja",
        "go",
        "jej",
        "jego",
        "caly",
        "cala",
        "cale",
        "calej",
        "calym",
        "wszystkie",
        "wszystkich",
        "wszystko",
        "teraz",
        "tez",
        "takze",
        "rowniez",
        "juz",
        "moze",
        "mozesz",
        "czy",
        "jest",
        "sa",
        "jak",
        "ile",
        "oraz",
        "tam",
        "tu",
        "tutaj",
        "troche",
        "bardziej",
        "stopni",
        "stopnie",
        "stopien",
        "stopnia",
        "procent",
        "procenta",
        "procentow",
        "%",
        "minut",
        "minuty",
        "minute",
        "godzin",
        "godziny",
        "godzine",
        "sekund",
        "sekundy",
        "sekunde",
        "pol",
    },
    "en": {
        "a",
        "an",
        "the",
        "in",
        "on",
        "at",
        "to",
        "of",
        "for",
        "and",
        "please",
        "now",
        "too",
        "also",
        "all",
        "my",
        "me",
        "it",
        "them",
        "this",
        "that",
        "is",
        "are",
        "what",
        "whats",
        "how",
        "degrees",
        "degree",
        "percent",
        "%",
        "minutes",
        "minute",
        "hours",
        "hour",
        "seconds",
        "second",
        "half",
    },
}
_LEAD_IN = {
    "pl": frozenset(
        {"a", "i", "to", "no", "dobra", "dobrze", "ok", "okej", "teraz", "hej", "juz"}
        | {"wez", "prosze", "mozesz", "moglbys", "moglabys", "sluchaj"}
    ),
    "en": frozenset({"and", "now", "then", "ok", "okay", "so", "hey"}),
}
FOLLOW_UP_TOO = {"pl": {"tez", "takze", "rowniez"}, "en": {"too", "also"}}
_COLORS = {
    "czerwon": "red",
    "zielon": "green",
    "niebiesk": "blue",
    "zolt": "yellow",
    "bial": "white",
    "pomarancz": "orange",
    "fiolet": "purple",
    "rozow": "pink",
    "red": "red",
    "green": "green",
    "blue": "blue",
    "yellow": "yellow",
    "white": "white",
    "orange": "orange",
    "purple": "purple",
    "pink": "pink",
}
# Brightness said in words ("na maksa", "najciemniej"), as HA's Polish templates read them.
_BRIGHTNESS_WORDS = {
    "maks": 100,
    "maksymaln": 100,
    "najjasniej": 100,
    "peln": 100,
    "minimaln": 1,
    "najciemniej": 1,
    "max": 100,
    "full": 100,
    "brightest": 100,
    "dimmest": 1,
}
# State words in questions ("czy drzwi są zamknięte?"): stem → state, per device kind.
_STATES: dict[str, dict[str | None, str]] = {
    "zamkniet": {"lock": "locked", None: "closed"},
    "zamkniec": {"lock": "locked", None: "closed"},
    "zablokowan": {"lock": "locked", None: "closed"},
    "odblokowan": {"lock": "unlocked", None: "unlocked"},
    "otwart": {"lock": "unlocked", None: "open"},
    "wlaczon": {None: "on"},
    "zapalon": {None: "on"},
    "wylaczon": {None: "off"},
    "zgaszon": {None: "off"},
    "locked": {None: "locked"},
    "unlocked": {None: "unlocked"},
    "open": {"lock": "unlocked", None: "open"},
    "closed": {"lock": "locked", None: "closed"},
}
# Questions may be about every device of a kind without saying so ("czy drzwi są zamknięte").
_HOUSE_WIDE_QUESTIONS = frozenset({"HassGetState"})
_MODES = {
    "grzan": "heat",
    "ogrzewan": "heat",
    "chlodz": "cool",
    "auto": "auto",
    "automat": "auto",
    "osusz": "dry",
    "wentylac": "fan_only",
    "heat": "heat",
    "cool": "cool",
    "dry": "dry",
}
_NUMERIC_SLOTS = ("brightness", "position", "volume_level", "temperature", "delta", "step")
_TIMER_UNITS = {
    "godzin": "hours",
    "hour": "hours",
    "minut": "minutes",
    "sekund": "seconds",
    "second": "seconds",
}


# Intents HA carries out without a place: its handlers pick the player that is
# playing, the only vacuum, the running timer.
TARGETLESS_INTENTS = frozenset(
    {
        "HassMediaPause",
        "HassMediaUnpause",
        "HassMediaNext",
        "HassMediaPrevious",
        "HassVacuumStart",
        "HassVacuumReturnToBase",
        "HassStartTimer",
        "HassCancelTimer",
        "HassNevermind",
    }
)
_MEDIA_INTENTS = frozenset(
    {"HassMediaPause", "HassMediaUnpause", "HassMediaNext", "HassMediaPrevious", "HassSetVolume"}
)
# Words that make a command about every device of a kind ("wyłącz wszystkie światła").
_EVERYWHERE = {
    "pl": ("wszystk", "wszedzie", "caly", "calym", "calego", "cala", "calej"),
    "en": ("all", "every", "everything", "everywhere", "whole"),
}


def needs_target(spec: IntentSpec) -> bool:
    """Whether the intent acts on something that must be named or placed."""
    if spec.name in TARGETLESS_INTENTS:
        return False
    return any(slot.type in ("entity", "area", "floor") for slot in spec.slots.values())


def _everywhere(tokens: list[str], lang: str) -> bool:
    words = _EVERYWHERE.get(lang, ())
    if lang == "pl":
        return any(t.startswith(words) for t in tokens)
    return any(t in words for t in tokens)


@dataclass(frozen=True, slots=True)
class _Hit:
    spec: IntentSpec
    start: int
    end: int
    slots: dict[str, Any]
    # Tokens the pattern's own words matched; what a ``.*`` swallowed is not understood.
    covered: frozenset[int]


def _token_spans(folded: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"\S+", folded)]


_GAP = re.compile(r"(?<!\\)\.\*")


@lru_cache(maxsize=1024)
def _gapped(pattern: str, flags: int) -> re.Pattern[str] | None:
    """The pattern with each ``.*`` captured, so its span can be told apart."""
    count = iter(range(1000))
    source = _GAP.sub(lambda _m: f"(?P<llmgap{next(count)}>.*)", pattern)
    if source == pattern:
        return None
    try:
        return re.compile(source, flags)
    except re.error:
        return None


def _lead_in(tokens: list[str], lang: str) -> int:
    """How many words open the sentence without meaning ("a teraz wyłącz", "and now …")."""
    words = _LEAD_IN.get(lang, frozenset())
    count = 0
    while count < len(tokens) - 1 and tokens[count] in words:
        count += 1
    return count


def _hits(catalogue: Catalogue, folded: str, lang: str, spans: list[tuple[int, int]]) -> list[_Hit]:
    """Every pattern that matches, the longest (most specific) first.

    Patterns are anchored at the command's verb, so they are matched after the
    lead-in words; spans are mapped back to the whole sentence.
    """
    lead = _lead_in(folded.split(), lang)
    offset = spans[lead][0] if lead else 0
    text = folded[offset:]
    found: list[_Hit] = []
    for spec in catalogue.intents.values():
        for pattern in spec.local.get(lang, ()):
            m = pattern.regex.search(text)
            if m is None:
                continue
            gaps: list[tuple[int, int]] = []
            gapped = _gapped(pattern.regex.pattern, pattern.regex.flags)
            if gapped is not None and (g := gapped.search(text)) is not None:
                gaps = [
                    (g.start(name) + offset, g.end(name) + offset)
                    for name in gapped.groupindex
                    if name.startswith("llmgap")
                ]
            start, end = m.start() + offset, m.end() + offset
            covered = frozenset(
                i
                for i in _covered(spans, start, end)
                if not any(gs <= spans[i][0] and spans[i][1] <= ge for gs, ge in gaps)
            )
            found.append(_Hit(spec, start, end, dict(pattern.slots), covered))
    # The longest pattern match is the most specific ("wylacz alarm" beats "wylacz").
    found.sort(key=lambda h: h.end - h.start, reverse=True)
    return found


def _fits(
    hit: _Hit,
    entities: list[NameMatch],
    home: Home,
    catalogue: Catalogue,
    tokens: list[str],
    lang: str,
) -> bool:
    """A pattern for lights does not fit a sentence about a speaker or the blinds."""
    kind = hit.spec.defaults.get("domain")
    if not isinstance(kind, str):
        return True
    if "name" in hit.spec.slots and entities:
        return any(home.entity_by_id[m.key].domain == kind for m in entities)
    named = _kinds(catalogue, tokens, lang, hit.covered)
    return not named or kind in named


def _kinds(catalogue: Catalogue, tokens: list[str], lang: str, skip: frozenset[int]) -> set[str]:
    """Every device kind the words outside ``skip`` name."""
    found: set[str] = set()
    for domain, words in catalogue.domains.items():
        for stem in words.get(lang, ()):
            size = stem.count(" ") + 1
            for i in range(len(tokens)):
                if i not in skip and " ".join(tokens[i : i + size]).startswith(stem):
                    found.add(domain)
    return found


def _covered(spans: list[tuple[int, int]], start: int, end: int) -> set[int]:
    return {i for i, (s, e) in enumerate(spans) if s < end and e > start}


def _domain_of(
    catalogue: Catalogue, tokens: list[str], lang: str, verb: frozenset[int] = frozenset()
) -> tuple[str | None, set[int]]:
    """The kind of device the words name; the command's verb ("switch on") counts last."""
    for skip_verb in (True, False):
        for domain, words in catalogue.domains.items():
            stems = words.get(lang, ())
            for i, tok in enumerate(tokens):
                if skip_verb and i in verb:
                    continue
                for stem in stems:
                    if " " in stem:
                        joined = " ".join(tokens[i : i + stem.count(" ") + 1])
                        if joined.startswith(stem):
                            return domain, set(range(i, i + stem.count(" ") + 1))
                    elif tok.startswith(stem):
                        return domain, {i}
    return None, set()


def _numbers(tokens: list[str], lang: str) -> list[tuple[float, int, int]]:
    found: list[tuple[float, int, int]] = []
    i = 0
    while i < len(tokens):
        value, used = parse_number(tokens[i:], lang)
        if value is not None and used > 0:
            found.append((value, i, i + used))
            i += used
        else:
            i += 1
    return found


def match_local(
    text: str, lang: str, home: Home, catalogue: Catalogue, context: Context
) -> Recognition | None:
    """Recognise ``text`` without a language model, or return None."""
    folded = fold(text)
    tokens = folded.split()
    if not tokens:
        return None
    spans = _token_spans(folded)
    understood: set[int] = {i for i, t in enumerate(tokens) if t in _FILLER.get(lang, set())}
    slots: dict[str, Any] = {}
    context_used = False
    area_match = home.index("area", lang).best(text)
    entity_matches = _not_kind_words(
        home.index("entity", lang).find_all(text), tokens, catalogue, lang
    )
    floor_match = home.index("floor", lang).best(text)
    hit = next(
        (
            h
            for h in _hits(catalogue, folded, lang, spans)
            if _fits(h, entity_matches, home, catalogue, tokens, lang)
        ),
        None,
    )
    if hit is not None:
        understood |= hit.covered
        # "jaka jest temperatura w salonie": the intent's own word is not a
        # device called "Temperatura ogród" unless the whole name is said.
        entity_matches = [
            m
            for m in entity_matches
            if not set(range(m.start, m.end)) <= hit.covered
            or m.end - m.start >= len(fold(m.name).split())
        ]

    # An entity whose name contains the area name ("Lampa w kuchni") wins over the bare area.
    if area_match is not None:
        a = area_match
        if any(
            m.start <= a.start and m.end >= a.end and m.end - m.start > a.end - a.start
            for m in entity_matches
        ):
            area_match = None
        else:
            # A name that only repeats the area's words ("Światło gabinet" for
            # "w gabinecie") means the area, not that one device.
            entity_matches = [m for m in entity_matches if m.end <= a.start or m.start >= a.end]

    spec = hit.spec if hit else None
    if spec is None:
        # "i w kuchni też" / "a w sypialni?": repeat the last action somewhere else.
        if context.last is not None and area_match is not None:
            last_spec = catalogue.get(context.last.intent)
            if last_spec is not None and "area" in last_spec.slots:
                spec = last_spec
                slots.update(
                    {k: v for k, v in context.last.slots.items() if k not in ("area", "name")}
                )
                understood |= {i for i, t in enumerate(tokens) if t in FOLLOW_UP_TOO[lang]}
                context_used = True
        if spec is None:
            return None
    slots.update(hit.slots if hit else {})
    where_words: str | None = None
    target_words: str | None = None
    area_id: str | None = None
    entity_ids: list[str] = []

    if area_match is not None and "area" in spec.slots:
        area = home.area_by_id[area_match.key]
        slots["area"] = area.name
        area_id = area.area_id
        understood |= set(range(area_match.start, area_match.end))
        start = area_match.start
        if start > 0 and tokens[start - 1] in ("w", "we", "na", "in", "on", "at"):
            start -= 1
        where_words = _original_words(text, tokens, start, area_match.end)
    if floor_match is not None and "floor" in spec.slots and "area" not in slots:
        slots["floor"] = home.floor_by_id[floor_match.key].name
        understood |= set(range(floor_match.start, floor_match.end))

    if entity_matches and "name" in spec.slots:
        chosen = _choose_entity(entity_matches, home, area_id)
        if chosen is not None and class_in_plural(chosen.name, tokens, catalogue, lang):
            # "wyłącz wentylatory": the kind, not the one fan named "Wentylator".
            chosen = None
        if chosen is not None:
            entity = home.entity_by_id[chosen.key]
            slots["name"] = entity.name
            # Named in a room it is not in: no such device there, which HA's handler
            # answers; never the one in the other room.
            entity_ids = [] if area_id and entity.area_id != area_id else [entity.entity_id]
            understood |= set(range(chosen.start, chosen.end))
            target_words = _original_words(text, tokens, chosen.start, chosen.end)
            if area_id is None and entity.area_id and "area" in spec.slots:
                # The name alone is enough for HA; keep the area only as context.
                area_id = entity.area_id

    found_domain: str | None = None
    if "name" not in slots:
        domain, used = _domain_of(catalogue, tokens, lang, hit.covered if hit else frozenset())
        found_domain = domain
        if domain is not None and "domain" in spec.slots:
            slots["domain"] = domain
            understood |= used
            target_words = _original_words(text, tokens, min(used), max(used) + 1)
        elif used:
            understood |= used
        if domain == "cover" and "device_class" in spec.slots and used:
            # "rolety" are the blinds, not the garage door or the awning.
            place = area_id or context.satellite_area_id
            classes = _cover_classes(tokens[min(used)], lang, home, place)
            # Only where the home files its covers by class; unclassed covers stay reachable.
            if classes:
                slots["device_class"] = classes

    _fill_values(spec, tokens, lang, slots, understood)
    lock_states(slots, entity_ids)

    missing: dict[str, Any] = {}
    has_target = any(k in slots for k in ("name", "area", "floor"))
    if (
        spec.name in _MEDIA_INTENTS
        and not has_target
        and "area" in spec.slots
        and context.satellite_area_id
        and home.entities_in(context.satellite_area_id, "media_player")
    ):
        # "pauza" said to a speaker means this room's players, not every one in the house.
        heard_in = home.area_by_id.get(context.satellite_area_id)
        if heard_in is not None:
            slots["area"] = heard_in.name
            area_id = heard_in.area_id
            context_used = has_target = True
    if needs_target(spec) and not has_target:
        if context.last is not None and hit is not None and _is_bare(tokens, hit, spans):
            # "a teraz wyłącz" / "jaśniej": act on what the previous turn acted on.
            for key in ("name", "area", "domain"):
                if key in context.last.slots and key in spec.slots:
                    slots.setdefault(key, context.last.slots[key])
            area_id = context.last.area_id
            entity_ids = list(context.last.entity_ids)
            context_used = True
        elif context.satellite_area_id and "area" in spec.slots:
            heard_in = home.area_by_id.get(context.satellite_area_id)
            if heard_in is not None:
                slots["area"] = heard_in.name
                area_id = heard_in.area_id
                context_used = True
    if needs_target(spec) and not any(k in slots for k in ("name", "area", "floor")):
        kind = slots.get("domain") or spec.defaults.get("domain")
        if "area" not in spec.slots or ("domain" in spec.slots and "domain" not in slots):
            # Only a name can say which scene; "włącz" alone does not say what.
            return None
        if not (kind and (_everywhere(tokens, lang) or spec.name in _HOUSE_WIDE_QUESTIONS)):
            # "włącz muzykę": what to do is clear, where is not; the pipeline asks.
            missing = {"missing": "area", "domain": kind or found_domain}

    for key, value in spec.defaults.items():
        slots.setdefault(key, value)
    coverage = len(understood) / len(tokens)
    confidence = 0.95 if coverage >= 0.999 else round(0.4 + 0.4 * coverage, 2)
    return Recognition(
        intent=spec.name,
        slots=slots,
        confidence=confidence,
        context_used=context_used,
        area_id=area_id,
        entity_ids=tuple(entity_ids),
        target_words=target_words,
        where_words=where_words,
        extra=missing,
    )


# Cover words and the device classes they name, in order of preference: the class
# HA's own sentence library gives the word, then what a home may file it as instead
# (shutters filed as blinds).
_COVER_CLASSES: dict[str, dict[str, tuple[tuple[str, ...], ...]]] = {
    "pl": {
        "rolet": (("blind",), ("shutter",)),
        "zaluzj": (("shutter",), ("blind",)),
        "okiennic": (("shutter",),),
        "zaslon": (("curtain",),),
        "oslon": (("shade",), ("blind",)),
        "markiz": (("awning",),),
        "bram": (("gate",), ("garage",)),
        "garaz": (("garage",),),
        "klap": (("damper",),),
    },
    "en": {
        "blind": (("blind",), ("shutter",)),
        "shutter": (("shutter",), ("blind",)),
        "shade": (("shade",), ("blind",)),
        "curtain": (("curtain",),),
        "awning": (("awning",),),
        "garage": (("garage",),),
        "gate": (("gate",),),
    },
}


def _not_kind_words(
    matches: list[NameMatch], tokens: list[str], catalogue: Catalogue, lang: str
) -> list[NameMatch]:
    """Drop names heard only in part through a word for a kind of device.

    "czy roleta w salonie jest otwarta" asks about the blinds, not the script
    "Pozycjonowanie rolet" whose name shares the word.
    """
    stems = catalogue.kind_stems(lang)
    return [
        m
        for m in matches
        if m.end - m.start >= len(fold(m.name).split())
        or not all(t.startswith(stems) for t in tokens[m.start : m.end])
    ]


def _cover_classes(
    token: str, lang: str, home: Home, area_id: str | None = None
) -> list[str] | None:
    """The classes a cover word names in this home (in that room, when one is said).

    None when no cover there is filed so: the word then reaches the room's covers.
    """
    for stem, choices in _COVER_CLASSES.get(lang, {}).items():
        if token.startswith(stem):
            for classes in choices:
                if any(
                    e.domain == "cover"
                    and e.device_class in classes
                    and (area_id is None or e.area_id == area_id)
                    for e in home.entities
                ):
                    return list(classes)
            return None
    return None


def _is_bare(tokens: list[str], hit: _Hit, spans: list[tuple[int, int]]) -> bool:
    """True when the sentence is only the verb plus filler ("a teraz wyłącz")."""
    return all(i in hit.covered or len(t) <= 5 for i, t in enumerate(tokens))


def _original_words(text: str, tokens: list[str], start: int, end: int) -> str:
    words = text.split()
    if len(words) == len(tokens):
        return " ".join(w.strip(",.!?;:") for w in words[start:end])
    return " ".join(tokens[start:end])


def _choose_entity(matches: list[NameMatch], home: Home, area_id: str | None) -> NameMatch | None:
    if area_id is not None:
        for m in matches:
            if home.entity_by_id[m.key].area_id == area_id:
                return m
    return matches[0] if matches else None


def _fill_values(
    spec: IntentSpec, tokens: list[str], lang: str, slots: dict[str, Any], understood: set[int]
) -> None:
    numbers = _numbers(tokens, lang)
    if spec.name == "HassStartTimer":
        for value, start, end in numbers:
            unit = tokens[end] if end < len(tokens) else ""
            for stem, slot in _TIMER_UNITS.items():
                if unit.startswith(stem):
                    slots[slot] = int(value)
                    understood |= set(range(start, end + 1))
        halves = {"godzin": ("minutes", 30), "minut": ("seconds", 30)}
        for i, tok in enumerate(tokens[:-1]):
            unit_word = tokens[i + 1]
            if tok != "pol" or unit_word.startswith("minutnik"):
                continue
            for unit, (slot, value) in halves.items():
                if unit_word.startswith(unit):
                    # "pół minuty" is thirty seconds, not zero minutes.
                    if not slots.get("hours" if unit == "godzin" else "minutes"):
                        slots.pop("hours" if unit == "godzin" else "minutes", None)
                    slots.setdefault(slot, value)
                    understood |= {i, i + 1}
        if any(t.startswith("poltor") for t in tokens) and any(
            t.startswith("godzin") for t in tokens
        ):
            slots.pop("hours", None)
            slots["minutes"] = 90
            understood |= {i for i, t in enumerate(tokens) if t.startswith(("poltor", "godzin"))}
        return
    numeric = next((s for s in _NUMERIC_SLOTS if s in spec.slots), None)
    if numeric == "brightness" and not numbers:
        for i, tok in enumerate(tokens):
            level = next((v for stem, v in _BRIGHTNESS_WORDS.items() if tok.startswith(stem)), None)
            if level is not None:
                slots["brightness"] = level
                understood.add(i)
    if numeric is not None and numbers:
        value, start, end = numbers[-1]
        sign = -1 if numeric in ("delta", "step") and slots.get(numeric, 1) < 0 else 1
        slot_spec = spec.slots[numeric]
        cast: float = value if slot_spec.type == "number" else int(value)
        slots[numeric] = sign * abs(cast)
        understood |= set(range(start, end))
    if "color" in spec.slots:
        for i, tok in enumerate(tokens):
            for stem, color in _COLORS.items():
                if tok.startswith(stem):
                    slots["color"] = color
                    understood.add(i)
    if "mode" in spec.slots:
        for i, tok in enumerate(tokens):
            for stem, mode in _MODES.items():
                if tok.startswith(stem):
                    slots["mode"] = mode
                    understood.add(i)
    state_slot = spec.slots.get("state")
    if state_slot is not None:
        kind = slots.get("domain")
        for i, tok in enumerate(tokens):
            for stem, by_kind in _STATES.items():
                state = by_kind.get(kind if isinstance(kind, str) else None, by_kind[None])
                if tok.startswith(stem) and (not state_slot.values or state in state_slot.values):
                    slots["state"] = state
                    understood.add(i)
