"""Polish phrases built from the home's names, for answers that read naturally.

The home stores nominatives ("Kuchnia", "Lampa stojąca", "Pokój dziecięcy");
an answer needs "w kuchni", "lampę stojącą", "w pokoju dziecięcym". These rules
cover the nouns and adjectives homes are named with: the first word is the
head noun (unless it looks like an adjective and a noun follows), adjectives
next to it agree with it, and anything after a preposition or a capitalised
word ("Pokój Ani", "Łazienka dla gości") stays as written. Unlike
``polish_forms`` (which over-generates folded forms for matching), each
function here returns exactly one form, with diacritics, meant to be spoken.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from .normalize import fold
from .polish_forms import HARDENED, LOC_ALTERNATION, SOFT_FINAL

__all__ = [
    "Gender",
    "accusative",
    "gender_of",
    "in_place",
    "join_and",
    "lower_first",
    "on_floor",
    "state_word",
]

Gender = Literal["m", "f", "n", "pl"]


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_VOWELS = frozenset("aąeęioóuy")
_PREPOSITIONS = _set("w we na nad pod przy do od z ze dla u za przed obok koło kolo po")
# Irregular or -u locatives that the rules would get wrong.
_LOC_EXCEPTIONS = {"dom": "domu", "dół": "dole", "pan": "panu", "syn": "synu"}
# Places one is "na", not "w" (folded stems).
_ON_PLACES = (
    "taras",
    "balkon",
    "strych",
    "poddasz",
    "parter",
    "pietr",
    "podwor",
    "dzialk",
    "werand",
    "antresol",
    "gor",
    "dol",
    "patio",
    "ganek",
    "ganku",
    "schod",
)
# Floors one is "w", not "na".
_IN_FLOORS = ("piwnic", "suteren", "podziem")
# Endings that make a word an adjective rather than a noun ("nocna", not "lampka").
_ADJ_SUFFIXES = (
    "owy",
    "owa",
    "owe",
    "ały",
    "ała",
    "ałe",
    "ący",
    "ąca",
    "ące",
    "ęcy",
    "ęca",
    "ęce",
    "ski",
    "ska",
    "skie",
    "cki",
    "cka",
    "ckie",
)
_PLURAL_NOUNS = _set("drzwi rolety żaluzje zasłony schody okna światła markizy sanie")


def lower_first(text: str) -> str:
    """ "Lampa stojąca" → "lampa stojąca"; "TV salon" and "iPhone" stay as they are."""
    if not text:
        return text
    first = text.split(" ", 1)[0]
    if len(first) > 1 and not first[1:].islower():
        return text
    return text[:1].lower() + text[1:]


def join_and(items: list[str], lang: str = "pl") -> str:
    """ "a", "a i b", "a, b i c" (English: "a and b", "a, b and c")."""
    word = " i " if lang == "pl" else " and "
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + word + items[-1]


@dataclass(frozen=True, slots=True)
class _Word:
    text: str
    role: Literal["head", "adj", "keep"]


def _is_adjective(word: str) -> bool:
    if len(word) < 4:
        return False
    if word.endswith(_ADJ_SUFFIXES):
        return True
    # "nocna", "dzienny", "kuchenne" — but not "zasłona", "ściana" (a vowel before -n-).
    return word.endswith(("ny", "na", "ne")) and word[-3] not in _VOWELS


def _words(name: str) -> list[_Word]:
    """Which words of a name inflect: the head noun and the adjectives agreeing with it."""
    parts = name.split()
    if not parts:
        return []
    head = 0
    if len(parts) > 1 and _is_adjective(parts[0].lower()) and not parts[1][:1].isupper():
        head = 1
    out: list[_Word] = []
    frozen = False
    for i, part in enumerate(parts):
        lower = part.lower()
        if frozen or lower in _PREPOSITIONS or (i > 0 and part[:1].isupper()):
            frozen = True
            out.append(_Word(part, "keep"))
        elif i == head:
            out.append(_Word(part, "head"))
        elif (i < head or i == head + 1 or (out and out[-1].role == "adj")) and _is_adjective(
            lower
        ):
            out.append(_Word(part, "adj"))
        else:
            # A genitive complement ("Oświetlenie ogrodu") ends the inflected phrase.
            frozen = True
            out.append(_Word(part, "keep"))
    return out


def gender_of(name: str) -> Gender:
    """Grammatical gender (or plural) of a name, from its head noun."""
    words = _words(name)
    head = next((w.text.lower() for w in words if w.role == "head"), "")
    return _gender(head)


def _gender(word: str) -> Gender:
    if word in _PLURAL_NOUNS or (word.endswith(("y", "i")) and len(word) > 2):
        return "pl"
    if word.endswith("je"):
        return "pl"
    if word.endswith("a"):
        return "f"
    if word.endswith(("o", "e", "ę", "um")):
        return "n"
    if word.endswith("ść"):
        return "f"
    return "m"


def _alternated(stem: str) -> str | None:
    for hard, soft in LOC_ALTERNATION:
        if stem.endswith(hard):
            return stem[: -len(hard)] + soft
    return None


def _unfleeting(word: str) -> str:
    """Masculine stems that drop -e- in other cases: ganek→gank-, przedsionek→przedsionk-."""
    if word.endswith("ek") and len(word) > 4:
        return word[:-2] + "k"
    return word


def _o_to_o(word: str) -> str:
    """The ó of a closed last syllable opens: pokój→pokoj-, ogród→ogrod-."""
    at = word.rfind("ó")
    if at >= 0 and at >= len(word) - 3 and all(c not in _VOWELS for c in word[at + 1 :]):
        return word[:at] + "o" + word[at + 1 :]
    return word


def _noun_locative(word: str) -> str:
    if word in _LOC_EXCEPTIONS:
        return _LOC_EXCEPTIONS[word]
    gender = _gender(word)
    if gender == "pl":
        return (word[:-1] if word.endswith("y") else word) + "ach"
    if word.endswith("um"):
        return word
    if gender == "f" and word.endswith("a"):
        stem = word[:-1]
        if stem.endswith(("ni", "ci", "si", "zi", "dzi")):
            return stem  # kuchni, pralni
        if stem.endswith("i"):
            return stem + "i"  # galerii
        if stem.endswith("j"):
            return stem[:-1] + "i"  # alei
        if stem.endswith(HARDENED):
            return stem + "y"  # piwnicy, wieży
        if stem.endswith("l"):
            return stem + "i"  # sali
        return _alternated(stem) or stem + "e"  # łazience, komorze, werandzie
    if gender == "f":
        return word[:-1] + "ci" if word.endswith("ść") else word
    if gender == "n":
        if word.endswith("e"):
            return word[:-1] + "u"  # poddaszu, mieszkaniu
        stem = word[:-1]
        if stem.endswith(("k", "g", "ch", "i")):
            return stem + "u"  # podwórku, studiu
        return _alternated(stem) or stem + "u"  # piętrze, biurze
    stem = _o_to_o(_unfleeting(word))
    if stem[-1] in SOFT_FINAL:
        return stem[:-1] + SOFT_FINAL[stem[-1]] + "u"
    if stem.endswith(("k", "g", "ch", "j", "l", *HARDENED)):
        return stem + "u"  # garażu, pokoju, holu, strychu, korytarzu
    return _alternated(stem) or stem + "u"  # salonie, gabinecie, ogrodzie


def _adjective_locative(word: str, gender: Gender) -> str:
    if gender == "pl":
        stem = word[:-1] if word.endswith(("e", "y", "i")) else word
        return stem + ("ich" if stem.endswith(("k", "g")) or word.endswith("ie") else "ych")
    if gender == "f":
        stem = word[:-1]
        if stem.endswith(("k", "g")):
            return stem + "iej"  # wielkiej
        if stem.endswith("i"):
            return stem + "ej"  # letniej
        return stem + "ej"  # głównej
    if word.endswith("y"):
        return word[:-1] + "ym"
    if word.endswith("i"):
        return word + "m"  # wielkim, letnim
    if word.endswith("ie"):
        return word[:-1] + "m"  # wielkie → wielkim
    if word.endswith("e"):
        return word[:-1] + "ym"  # domowe → domowym
    return word


def _adjective_accusative(word: str, gender: Gender) -> str:
    if gender == "f" and word.endswith("a"):
        return word[:-1] + "ą"
    return word


def _noun_accusative(word: str) -> str:
    if _gender(word) == "f" and word.endswith("a"):
        return word[:-1] + "ę"
    return word


def _inflect(name: str, noun: str, adjective: str) -> str:
    words = _words(name)
    head = next((w.text.lower() for w in words if w.role == "head"), "")
    gender = _gender(head)
    out: list[str] = []
    for word in words:
        lower = word.text.lower()
        if word.role == "keep":
            out.append(word.text)
            continue
        if word.role == "head":
            form = _noun_locative(lower) if noun == "loc" else _noun_accusative(lower)
        elif adjective == "loc":
            form = _adjective_locative(lower, gender)
        else:
            form = _adjective_accusative(lower, gender)
        out.append(_match_case(word.text, form))
    return " ".join(out)


def _match_case(original: str, form: str) -> str:
    if original[:1].isupper() and original[1:].islower():
        return form[:1].upper() + form[1:]
    if original.isupper() and len(original) > 1:
        return form.upper()
    return form


@lru_cache(maxsize=1024)
def _locative(name: str) -> str:
    return _inflect(name, "loc", "loc")


@lru_cache(maxsize=1024)
def accusative(name: str) -> str:
    """The name as the object of a verb: "Lampa stojąca" → "lampę stojącą"."""
    return lower_first(_inflect(name, "acc", "acc"))


def _preposition(name: str, default: str, exceptions: tuple[str, ...]) -> str:
    folded = fold(name)
    first = folded.split(" ", 1)[0] if folded else ""
    if first.startswith(exceptions):
        return "w" if default == "na" else "na"
    return default


def _with_preposition(preposition: str, phrase: str) -> str:
    # "we" before w/f + consonant: "we Wrocławiu", "we wnęce".
    head = phrase[:2].lower()
    if preposition == "w" and len(head) == 2 and head[0] in "wf" and head[1] not in _VOWELS:
        preposition = "we"
    return f"{preposition} {phrase}"


def in_place(area_name: str) -> str:
    """Where something is, for an area: "Kuchnia" → "w kuchni", "Taras" → "na tarasie"."""
    preposition = _preposition(area_name, "w", _ON_PLACES)
    return _with_preposition(preposition, lower_first(_locative(area_name)))


def on_floor(floor_name: str) -> str:
    """Where something is, for a floor: "Parter" → "na parterze", "Piwnica" → "w piwnicy"."""
    preposition = _preposition(floor_name, "na", _IN_FLOORS)
    return _with_preposition(preposition, lower_first(_locative(floor_name)))


# Participles as the masculine singular; other genders are derived from it.
_STATE_PL = {
    "on": "włączony",
    "off": "wyłączony",
    "locked": "zamknięty",
    "unlocked": "otwarty",
    "open": "otwarty",
    "closed": "zamknięty",
    "opening": "w trakcie otwierania",
    "closing": "w trakcie zamykania",
    "jammed": "zablokowany",
    "locking": "w trakcie zamykania",
    "unlocking": "w trakcie otwierania",
    "playing": "włączony",
    "paused": "wstrzymany",
    "idle": "bezczynny",
    "standby": "w trybie czuwania",
    "buffering": "w trakcie buforowania",
    "cleaning": "w trakcie sprzątania",
    "docked": "w stacji",
    "returning": "w drodze do stacji",
    "home": "w domu",
    "not_home": "poza domem",
    "armed_home": "uzbrojony",
    "armed_away": "uzbrojony",
    "armed_night": "uzbrojony",
    "armed_vacation": "uzbrojony",
    "disarmed": "rozbrojony",
    "triggered": "w stanie alarmu",
    "heat": "w trybie grzania",
    "cool": "w trybie chłodzenia",
    "auto": "w trybie automatycznym",
    "heat_cool": "w trybie automatycznym",
    "dry": "w trybie osuszania",
    "fan_only": "w trybie wentylacji",
    "unavailable": "niedostępny",
    "unknown": "w nieznanym stanie",
}
_STATE_EN = {
    "on": "on",
    "off": "off",
    "not_home": "away",
    "heat_cool": "on auto",
    "fan_only": "on fan only",
    "armed_home": "armed",
    "armed_away": "armed",
    "armed_night": "armed",
    "armed_vacation": "armed",
}


def state_word(state: str, gender: Gender, lang: str = "pl") -> str:
    """A state as a predicate: ("locked", "pl") → "zamknięte", ("on", "f") → "włączona"."""
    if lang != "pl":
        return _STATE_EN.get(state, state.replace("_", " "))
    word = _STATE_PL.get(state)
    if word is None:
        return state.replace("_", " ")
    if " " in word or not word.endswith("y"):
        return word
    if gender == "f":
        return word[:-1] + "a"
    if gender in ("n", "pl"):
        return word[:-1] + "e"
    return word
