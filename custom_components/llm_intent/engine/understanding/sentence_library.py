"""Home Assistant's sentence library, matched with this home's names in every form.

The ``home-assistant-intents`` package holds sentence templates written by
native speakers for HA's built-in agent. That agent matches the home's names
only as they are stored, which in Polish is almost never how a command says
them: "w salonie", "lampę stojącą", "z kuchni". Here ``hassil`` matches the
same templates with slot lists whose values are the home's area, floor and
entity names in any inflected form (see ``language.polish_forms``), each
form giving the canonical name. A template covers the whole sentence, so a
match here is complete by construction, apart from its wildcard slots, which
the precision check looks at.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
import re
import threading
from typing import Any

from hassil.expression import TextChunk
from hassil.intents import Intents, TextSlotList, TextSlotValue
from hassil.recognize import RecognizeResult, recognize_all, recognize_best
from hassil.sample import sample_expression

from ..home import Entity, Home
from ..language.names import NameEntry, NameIndex
from ..language.normalize import fold

__all__ = ["InflectedNames", "LibraryMatch", "SentenceLibrary", "says_here"]

_WORD = re.compile(r"[^\W_]+")
# A name is never longer than this many words; the lookup reads no further.
_MAX_NAME_WORDS = 8
_HOMES_KEPT = 4
# Longer transcripts are not commands the templates hold; matching them costs time.
_MAX_CHARS = 200
# Sentences whose first recognition prepares what hassil leaves lazy (a bare
# one, then numbers after "na" / "to": ~60 ms the first time, on the loop otherwise).
_WARM_UP: Mapping[str, tuple[str, ...]] = {
    "pl": ("x", "ustaw na pięć", "ustaw minutnik na pięć minut"),
    "en": ("x", "set to five", "set a timer for five minutes"),
}
# The room of a command said nowhere and heard from no satellite.
ANYWHERE = "\x00anywhere"
# Parses of one sentence looked at; a real command has a handful.
_MAX_PARSES = 64


class InflectedNames(TextSlotList):
    """A slot list of one kind of name (areas, floors, entities), in every form.

    ``values`` keeps the names as stored, which ``hassil`` tries where a
    wildcard makes the position uncertain. Where the value must start right
    here, the candidates are the names the next words say in any form, each
    as a value whose text is exactly those words.
    """

    def __init__(
        self,
        list_name: str,
        index: NameIndex,
        outputs: Mapping[str, list[tuple[str, dict[str, Any]]]],
        said: list[TextSlotValue] | None = None,
    ) -> None:
        values = said or [
            TextSlotValue(text_in=TextChunk(out), value_out=out, context=ctx)
            for key in outputs
            for out, ctx in outputs[key]
        ]
        super().__init__(name=list_name, values=values)
        self._index = index
        self._outputs = outputs

    def get_candidates(self, text: str) -> list[TextSlotValue]:
        words = []
        for m in _WORD.finditer(text):
            words.append(m)
            if len(words) >= _MAX_NAME_WORDS:
                break
        if not words:
            return []
        toks = [fold(m.group()).replace(" ", "") for m in words]
        by_span: dict[int, list[tuple[str, str, bool]]] = {}
        for key, name, used, whole in self._index.leading(toks):
            by_span.setdefault(used, []).append((key, name, whole))
        found: list[TextSlotValue] = []
        for used, names in by_span.items():
            if toks[used - 1] in _PLACE_PREPOSITIONS and text[words[used - 1].end() :].strip():
                # A name ending in "w" or "na" with words after it: that preposition
                # begins the place ("włącz wszystko w salonie"), it is no part of a name.
                continue
            exact = [n for n in names if n[2]]
            if not exact and self._index.begins_a_longer_name(toks[0]):
                # "zgaś kinkiet" is as much "Kinkiet przy łóżku" said short as it is
                # "Kinkiety" in another case: which one is not said.
                continue
            chosen = exact or names
            keys = {key for key, _, _ in chosen}
            if len(keys) > 1 and len({fold(name) for _, name, _ in chosen}) > 1:
                # The same words in some form are two different names: not this way.
                continue
            chunk = TextChunk(text[: words[used - 1].end()])
            for key in sorted(keys):
                found.extend(
                    TextSlotValue(text_in=chunk, value_out=out, context=ctx)
                    for out, ctx in self._outputs.get(key, ())
                )
        return found


def _entity_context(entity: Entity) -> dict[str, Any]:
    context: dict[str, Any] = {"domain": entity.domain}
    if entity.device_class:
        context["device_class"] = entity.device_class
    return context


def slot_lists(home: Home, lang: str) -> dict[str, InflectedNames]:
    """The ``area``, ``floor`` and ``name`` lists of ``home`` for ``lang``'s templates."""
    areas: dict[str, list[tuple[str, dict[str, Any]]]] = {
        a.area_id: [(a.name, {})] for a in home.areas
    }
    floors: dict[str, list[tuple[str, dict[str, Any]]]] = {
        f.floor_id: [(f.name, {})] for f in home.floors
    }
    names: dict[str, list[tuple[str, dict[str, Any]]]] = {
        e.entity_id: [(e.name, _entity_context(e))] for e in home.entities
    }
    return {
        "area": InflectedNames("area", home.index("area", lang), areas),
        "floor": InflectedNames("floor", home.index("floor", lang), floors),
        "name": InflectedNames("name", home.index("entity", lang), names),
    }


# HA's own lists of nouns, which its templates hold in one or two cases only
# ("brama garażowa", not "bramę garażową").
_NOUN_LISTS = ("cover_classes",)


def inflected_lists(intents: Intents, lang: str) -> dict[str, InflectedNames]:
    """HA's noun lists of ``intents`` with every form of each noun phrase."""
    found: dict[str, InflectedNames] = {}
    for list_name in _NOUN_LISTS:
        listed = intents.slot_lists.get(list_name)
        if not isinstance(listed, TextSlotList):
            continue
        phrases: dict[str, set[str]] = {}
        for value in listed.values:
            out = str(value.value_out)
            for text in sample_expression(value.text_in, language=lang):
                if text.strip():
                    phrases.setdefault(out, set()).add(text.strip())
        index = NameIndex(
            [NameEntry(out, tuple(sorted(texts))) for out, texts in phrases.items()], lang
        )
        outputs: dict[str, list[tuple[str, dict[str, Any]]]] = {out: [(out, {})] for out in phrases}
        found[list_name] = InflectedNames(list_name, index, outputs, said=list(listed.values))
    return found


@dataclass(frozen=True, slots=True)
class LibraryMatch:
    """What a template heard: HA's intent, its slots with canonical names, the words."""

    intent: str
    slots: dict[str, Any]
    # Slots a wildcard filled (free text such as a timer's name or a search).
    wildcards: frozenset[str]
    # Words that said each slot, as heard.
    heard: dict[str, str]
    # The satellite's area filled the place ("włącz tu światło").
    context_area: bool
    # The place was said outside the template and taken out to match the rest.
    place_taken_out: bool = False


def _match_of(result: RecognizeResult) -> LibraryMatch:
    slots: dict[str, Any] = {}
    heard: dict[str, str] = {}
    wildcards: set[str] = set()
    from_context = False
    for entity in result.entities_list:
        if entity.name == "area" and entity.text_span is None:
            # Filled from the context (the satellite's room, or anywhere), not said.
            from_context = True
            continue
        if entity.is_wildcard:
            wildcards.add(entity.name)
            slots[entity.name] = entity.text_clean
        else:
            slots[entity.name] = entity.value
        heard[entity.name] = entity.text_clean
    needs_room = "area" in (result.intent_data.requires_context or {})
    return LibraryMatch(
        intent=result.intent.name,
        slots=slots,
        wildcards=frozenset(wildcards),
        heard=heard,
        context_area="area" not in slots and (from_context or needs_room),
    )


class SentenceLibrary:
    """HA's templates per language, loaded once; slot lists built once per home version.

    Loading parses every template of a language and takes a moment: the host
    calls ``load`` off its event loop; until then ``match`` finds nothing.
    """

    def __init__(
        self,
        source: Callable[[str], Mapping[str, Any] | None] | None = None,
        disabled: frozenset[str] = frozenset(),
    ) -> None:
        self._source = source
        # Intents switched off in the options: never matched here either.
        self.disabled = disabled
        self._intents: dict[str, Intents] = {}
        self._nouns: dict[str, dict[str, InflectedNames]] = {}
        self._lists: OrderedDict[tuple[str, str], dict[str, InflectedNames]] = OrderedDict()
        self._lock = threading.Lock()

    def load(self, languages: tuple[str, ...] = ("pl", "en")) -> None:
        for lang in languages:
            if lang in self._intents:
                continue
            data = self._read(lang)
            if data is None:
                continue
            intents = Intents.from_dict(dict(data))
            nouns = inflected_lists(intents, lang)
            # The first recognition prepares the templates (tens of ms): here, off the loop.
            lists = {**slot_lists(Home(), lang), **nouns}
            for text in _WARM_UP.get(lang, ("x",)):
                recognize_best(text, intents, slot_lists=dict(lists), language=lang)
            self._nouns[lang] = nouns
            self._intents[lang] = intents

    def _read(self, lang: str) -> Mapping[str, Any] | None:
        if self._source is not None:
            return self._source(lang)
        from home_assistant_intents import get_intents

        found: Mapping[str, Any] | None = get_intents(lang)
        return found

    def loaded(self, lang: str) -> bool:
        return lang in self._intents

    def _slot_lists(self, home: Home, lang: str) -> dict[str, InflectedNames]:
        key = (home.version, lang)
        with self._lock:
            found = self._lists.get(key)
            if found is not None:
                self._lists.move_to_end(key)
                return found
        built = {**slot_lists(home, lang), **self._nouns.get(lang, {})}
        with self._lock:
            self._lists[key] = built
            while len(self._lists) > _HOMES_KEPT:
                self._lists.popitem(last=False)
        return built

    def match(
        self, text: str, lang: str, home: Home, satellite_area_id: str | None = None
    ) -> LibraryMatch | None:
        """The best template match of ``text``, or None."""
        found = self.matches(text, lang, home, satellite_area_id)
        return found[0] if found else None

    def matches(
        self, text: str, lang: str, home: Home, satellite_area_id: str | None = None
    ) -> list[LibraryMatch]:
        """Template matches of ``text``, best first, down to the first tie of two meanings.

        When no template holds the sentence, one place said in it ("w
        ogrodzie") is taken out and the rest matched: the templates give
        most commands with a place only in some word orders, the place
        then narrows what the rest targets.
        """
        intents = self._intents.get(lang)
        if intents is None or not text.strip() or len(text) > _MAX_CHARS:
            return []
        area = home.area_by_id.get(satellite_area_id or "")
        # Templates for "here" need a room; without a satellite's, one that stands for
        # anywhere lets them match, and the match says the room came from context.
        context = {"area": _context(area.name if area is not None else ANYWHERE)}
        lists = self._slot_lists(home, lang)
        found = self._recognize(text, intents, lists, context, lang)
        if found:
            return found
        plain = _without_now(text, lang)
        if plain != text:
            # "gdzie jest teraz Witold": "now" is when every command means.
            return self.matches(plain, lang, home, satellite_area_id)
        here = _without_here(text, lang)
        if here is not None:
            # "zamknij rolety w tym pokoju": the satellite's room, said in words.
            if area is None:
                return []
            return [
                replace(m, context_area=True)
                for m in self._recognize(here, intents, lists, context, lang)
                if not {"area", "floor"} & m.slots.keys()
            ]
        place = _one_place(text, home.index("area", lang))
        if place is None:
            return []
        rest, area_id = place
        named = home.area_by_id[area_id].name
        said = {"area": _context(named)}
        return [
            replace(m, slots={**m.slots, "area": named}, context_area=False, place_taken_out=True)
            for m in self._recognize(rest, intents, lists, said, lang)
            if not {"area", "floor"} & m.slots.keys()
        ]

    def _recognize(
        self,
        text: str,
        intents: Intents,
        lists: dict[str, InflectedNames],
        context: dict[str, Any] | None,
        lang: str,
    ) -> list[LibraryMatch]:
        results = recognize_all(
            text, intents, slot_lists=dict(lists), intent_context=context, language=lang
        )
        return [_match_of(r) for r in _ranked(results) if r.intent.name not in self.disabled]


# Words for the room the speaker is in, longest first.
_HERE: Mapping[str, tuple[str, ...]] = {
    "pl": (
        "w tym pomieszczeniu",
        "w tym pokoju",
        "w tym miejscu",
        "w pomieszczeniu",
        "tutaj",
        "tu",
    ),
    "en": ("in this room", "in here", "here"),
}


# Words for "now", which every command means anyway; longest first.
_NOW: Mapping[str, tuple[str, ...]] = {
    "pl": ("w tej chwili", "teraz", "obecnie", "aktualnie"),
    "en": ("right now", "currently", "now"),
}


def _without_now(text: str, lang: str) -> str:
    """``text`` without its words for "now"."""
    words = list(_WORD.finditer(text))
    folded = [fold(m.group()) for m in words]
    cut: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        for phrase in _NOW.get(lang, ()):
            size = len(phrase.split())
            if " ".join(folded[i : i + size]) == phrase:
                cut.append((words[i].start(), words[i + size - 1].end()))
                i += size
                break
        else:
            i += 1
    return _cut(text, cut) if cut else text


def _without_here(text: str, lang: str) -> str | None:
    """``text`` without its one word or phrase for "here", or None if it has none."""
    found = list(_WORD.finditer(text))
    words = [fold(m.group()) for m in found]
    for phrase in _HERE.get(lang, ()):
        size = len(phrase.split())
        at = [i for i in range(len(words) - size + 1) if " ".join(words[i : i + size]) == phrase]
        if len(at) == 1:
            return _cut(text, [(found[at[0]].start(), found[at[0] + size - 1].end())]) or None
    return None


def _cut(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` without the character ``spans`` (in order), its spaces tidied."""
    kept, start = [], 0
    for a, b in spans:
        kept.append(text[start:a])
        start = b
    kept.append(text[start:])
    return " ".join(" ".join(kept).split())


def says_here(text: str, lang: str) -> bool:
    """``text`` has a word or phrase for the room the speaker is in."""
    return _without_here(text, lang) is not None or any(
        fold(m.group()) in _HERE.get(lang, ()) for m in _WORD.finditer(text)
    )


def _context(name: str) -> dict[str, str]:
    return {"value": name, "text": name}


_PLACE_PREPOSITIONS = frozenset({"w", "we", "na", "z", "ze", "do", "u", "przy"})


def _one_place(text: str, areas: NameIndex) -> tuple[str, str] | None:
    """``text`` without the one area it names (with its preposition), and that area's id."""
    words = list(_WORD.finditer(text))
    toks = [fold(m.group()).replace(" ", "") for m in words]
    found: list[tuple[int, int, str]] = []
    i = 0
    while i < len(toks):
        leading = areas.leading(toks[i : i + _MAX_NAME_WORDS])
        if leading:
            key, _name, used, _exact = max(leading, key=lambda hit: hit[2])
            found.append((i, i + used, key))
            i += used
        else:
            i += 1
    if len({key for _, _, key in found}) != 1:
        return None
    # The room may also be a word of a device's name ("roleta salonu w salonie"):
    # the place is the mention with its preposition.
    placed = [f for f in found if f[0] > 0 and toks[f[0] - 1] in _PLACE_PREPOSITIONS]
    if len(found) > 1 and len(placed) != 1:
        return None
    first, last, key = placed[0] if placed else found[0]
    if first > 0 and toks[first - 1] in _PLACE_PREPOSITIONS:
        first -= 1
    rest = _cut(text, [(words[first].start(), words[last - 1].end())])
    return (rest, key) if rest else None


def _rank(result: RecognizeResult) -> tuple[int, int, int]:
    """Lower is better: a name heard (more of it), fewer wildcards, more template words."""
    name = result.entities.get("name")
    named = name is not None and not name.is_wildcard and isinstance(name.value, str)
    wild = [e for e in result.entities_list if e.is_wildcard]
    return (
        -len(name.text) if named and name is not None else 1,
        len(wild),
        -result.text_chunks_matched,
    )


def _meaning(result: RecognizeResult) -> tuple[str, str]:
    slots = sorted((e.name, str(e.value)) for e in result.entities_list)
    return result.intent.name, repr(slots)


def _ranked(results: Iterable[RecognizeResult]) -> list[RecognizeResult]:
    """One parse per rank, best first, ending before two equally good ones that disagree.

    "przestaw na parterze na 40" fits a brightness and a temperature equally
    well; acting on either would be a guess.
    """
    groups: dict[tuple[int, int, int], list[RecognizeResult]] = {}
    for n, result in enumerate(results):
        if n >= _MAX_PARSES:
            break
        groups.setdefault(_rank(result), []).append(result)
    ranked: list[RecognizeResult] = []
    for rank in sorted(groups):
        group = groups[rank]
        if len({_meaning(r) for r in group}) > 1:
            break
        ranked.append(group[0])
    return ranked
