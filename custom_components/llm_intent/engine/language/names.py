"""Finding the home's area, floor and entity names in a transcript, in any inflected form.

Every name word is expanded once, when the index is built, into its folded
forms (Polish: all cases and numbers, see ``polish_forms``; English: plurals
and possessives), so a lookup is a dictionary probe per transcript word.

Matching rules, in order of trust:

* A *full* match covers every word of a name, in order (or, for two-word
  names, swapped: "nocną lampkę" for "Lampka nocna", scored lower).
* A word the rules did not generate still matches when it shares a stem of at
  least four letters with the name word, the name word has at most one letter
  beyond it and what follows is an ordinary case ending ("roomie" for "room");
  such a word scores lower. "garażowa" does not match "Garaż" (-owa forms a
  new word, it is not an ending).
* A *partial* match covers only some words of a multi-word name ("w sypialni"
  for "Sypialnia główna"). It scores below any full match of the same length
  and must include at least one *distinctive* word: not a preposition,
  conjunction or article, not a number, not a word that says what to do or
  what kind of device is meant (light, lamp, home, turn on...), and not a word
  shared by names of two different entries. So "światło" never points at the
  area "Światło dzienne", and "sypialni" does not pick "Sypialnia główna"
  when "Sypialnia" also exists.
* Function words (w, na, do, i, the, on...) never match on their own.

Among overlapping candidates the one covering more words wins, then a full
one over a partial one, then the higher score; a name that is the best fit
for two different entries equally is ambiguous and reported as no match.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
import re
import unicodedata

from .normalize import fold, sanitize, tokens
from .polish_forms import polish_forms

__all__ = ["NameEntry", "NameIndex", "NameMatch"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOPWORDS = _words(
    # Polish
    "a i w we z ze na do o u od po przy pod nad za przed dla bez oraz lub albo czy to ten "
    "ta te tej tego tym mi mnie sie jest sa prosze moj moja moje mojej moim teraz tez juz "
    "tam tu tutaj jak co "
    # English
    "an the in on at to of for and or my me please is are it off from with into"
)
# Words that say what to do or what kind of thing is meant rather than which
# one; they appear in commands for other reasons, so they never identify a
# name on their own.
_GENERIC = _words(
    "swiatlo swiatla lampa lampy lampka lampki oswietlenie zarowka zarowki led ledy dom "
    "mieszkanie wszystko wszystkie caly cale cala wlacz wylacz zapal zgas ustaw otworz zamknij "
    "podnies opusc zatrzymaj uruchom "
    "light lights lamp lamps lighting bulb bulbs home house all everything turn switch set "
    "open close"
)
# Case endings accepted after a shared stem by the fallback (folded).
# Not the empty ending: a word one letter short of a name is another word ("piekarni" is
# not "Piekarnik").
_ENDINGS = _words(
    "a u e ie y i o em iem om ami ach ow owi owie ego emu ej ym ych ymi im ich imi iego iemu iej"
)
_STEM_MIN = 4
_APOSTROPHES = str.maketrans({"'": "", "\u2019": "", "\u02bc": "", "`": "", "\u00b4": ""})
_WORD_RE = re.compile(r"(?:\d+[.,](?=\d))?[^\W_]+")
_MAX_TOKENS = 400

_BASE = 1.0  # the word exactly as the name has it
_FORM = 0.95  # a generated inflected form
_STEM = 0.75  # shared-stem fallback
_SWAPPED = 0.9  # factor for "nocną lampkę" against "Lampka nocna"


@dataclass(frozen=True, slots=True)
class NameEntry:
    """One thing that can be named: ``key`` is its id, ``names`` its name and aliases."""

    key: str
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NameMatch:
    """``name`` of entry ``key`` found at tokens ``start:end`` of ``tokens(fold(text))``."""

    key: str
    name: str
    start: int
    end: int
    score: float


@dataclass(frozen=True, slots=True)
class _Name:
    key: str
    display: str
    words: tuple[str, ...]
    distinctive: tuple[bool, ...]


@dataclass(frozen=True, slots=True)
class _Candidate:
    name: int
    start: int
    end: int
    score: float
    full: bool

    def rank(self) -> tuple[int, bool, float, int, int]:
        return (-(self.end - self.start), not self.full, -self.score, self.start, self.name)


def _lang_code(lang: str) -> str:
    return lang.casefold().replace("_", "-").split("-", 1)[0]


def _english_forms(word: str) -> set[str]:
    forms = {word, word + "s", word + "es"}
    if len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou":
        forms.add(word[:-1] + "ies")
    elif word.endswith("fe"):
        forms.add(word[:-2] + "ves")
    elif word.endswith("f"):
        forms.add(word[:-1] + "ves")
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        forms.add(word[:-1])  # a plural name ("Garden lights") said in the singular
    return forms


def _name_words(name: str) -> list[tuple[str, str]]:
    """(word as written, lower-case; folded word) pairs of one name."""
    written = unicodedata.normalize("NFC", sanitize(name, 200).casefold()).translate(_APOSTROPHES)
    words: list[tuple[str, str]] = []
    for raw in _WORD_RE.findall(written):
        folded = fold(raw).split()
        if len(folded) == 1:
            words.append((raw, folded[0]))
        else:
            words.extend((part, part) for part in folded)
    return words


def _stem_fits(token: str, word: str) -> bool:
    if token == word:
        return False
    common = 0
    for a, b in zip(token, word, strict=False):
        if a != b:
            break
        common += 1
    return common >= _STEM_MIN and len(word) - common <= 1 and token[common:] in _ENDINGS


class NameIndex:
    """Names of one kind (areas, floors or entities) ready for matching in ``lang``."""

    def __init__(self, entries: Iterable[NameEntry], lang: str) -> None:
        self._lang = _lang_code(lang)
        self._names: list[_Name] = []
        self._forms: dict[str, list[tuple[int, int, float]]] = {}
        self._stems: dict[str, list[tuple[int, int]]] = {}
        self._keys: set[str] = set()

        parsed: list[tuple[str, str, list[tuple[str, str]]]] = []
        owners: dict[str, set[str]] = {}
        seen: set[tuple[str, tuple[str, ...]]] = set()
        for entry in entries:
            self._keys.add(entry.key)
            for display in entry.names:
                words = _name_words(display)
                folded = tuple(f for _, f in words)
                if not words or all(f in _STOPWORDS for f in folded):
                    continue
                if (entry.key, folded) in seen:
                    continue
                seen.add((entry.key, folded))
                parsed.append((entry.key, display, words))
                for word in folded:
                    owners.setdefault(word, set()).add(entry.key)

        for key, display, words in parsed:
            index = len(self._names)
            folded = tuple(f for _, f in words)
            distinctive = tuple(
                f not in _STOPWORDS
                and f not in _GENERIC
                and not f[0].isdigit()
                and len(owners[f]) == 1
                for f in folded
            )
            self._names.append(_Name(key, display, folded, distinctive))
            for pos, (raw, base) in enumerate(words):
                for form in self._word_forms(raw, base):
                    quality = _BASE if form == base else _FORM
                    self._forms.setdefault(form, []).append((index, pos, quality))
                if self._lang == "pl" and len(base) >= _STEM_MIN and base.isalpha():
                    self._stems.setdefault(base[:_STEM_MIN], []).append((index, pos))

    def _word_forms(self, raw: str, base: str) -> set[str]:
        if self._lang == "pl" and raw.isalpha():
            forms = set(polish_forms(raw))
        elif self._lang == "en" and base.isalpha():
            forms = _english_forms(base)
        else:
            forms = set()
        # A generated form that is a function word would match everywhere.
        forms = {f for f in forms if f not in _STOPWORDS}
        forms.add(base)
        return forms

    def _hits(self, toks: list[str]) -> list[dict[tuple[int, int], float]]:
        """For each token: (name, word position) pairs it can stand for, with quality."""
        hits: list[dict[tuple[int, int], float]] = []
        for tok in toks:
            found: dict[tuple[int, int], float] = {}
            for name, pos, quality in self._forms.get(tok, ()):
                if found.get((name, pos), 0.0) < quality:
                    found[(name, pos)] = quality
            if len(tok) > _STEM_MIN and tok not in _STOPWORDS:
                for name, pos in self._stems.get(tok[:_STEM_MIN], ()):
                    if (name, pos) not in found and _stem_fits(tok, self._names[name].words[pos]):
                        found[(name, pos)] = _STEM
            hits.append(found)
        return hits

    def _candidates(self, toks: list[str]) -> list[_Candidate]:
        hits = self._hits(toks)
        found: list[_Candidate] = []
        for i, here in enumerate(hits):
            for (n, pos), quality in here.items():
                name = self._names[n]
                size = len(name.words)
                if size == 2 and pos == 1 and i + 1 < len(toks) and (n, 0) in hits[i + 1]:
                    score = (quality + hits[i + 1][(n, 0)]) / 2 * _SWAPPED
                    found.append(_Candidate(n, i, i + 2, score, full=True))
                if i > 0 and pos > 0 and (n, pos - 1) in hits[i - 1]:
                    continue  # the run starting one word earlier covers this one
                qualities = [quality]
                while (
                    pos + len(qualities) < size
                    and i + len(qualities) < len(toks)
                    and (n, pos + len(qualities)) in hits[i + len(qualities)]
                ):
                    qualities.append(hits[i + len(qualities)][(n, pos + len(qualities))])
                run = len(qualities)
                mean = sum(qualities) / run
                if run == size:
                    found.append(_Candidate(n, i, i + run, mean, full=True))
                elif any(name.distinctive[pos : pos + run]):
                    score = mean * (0.4 + 0.3 * run / size)
                    found.append(_Candidate(n, i, i + run, score, full=False))
        found.sort(key=_Candidate.rank)
        return found

    def _match(self, candidate: _Candidate) -> NameMatch:
        name = self._names[candidate.name]
        return NameMatch(
            name.key, name.display, candidate.start, candidate.end, round(candidate.score, 3)
        )

    def candidates(self, text: str) -> list[NameMatch]:
        """Every candidate, overlapping and ambiguous ones included, best first.

        For asking "which one?" when ``find_all`` reports nothing for a span.
        """
        toks = tokens(text)[:_MAX_TOKENS]
        return [self._match(c) for c in self._candidates(toks)]

    def find_all(self, text: str) -> list[NameMatch]:
        """Non-overlapping matches in ``text``, longest and best first."""
        toks = tokens(text)[:_MAX_TOKENS]
        found = self._candidates(toks)
        keys_at: dict[tuple[int, int, bool, float], set[str]] = {}
        for c in found:
            keys_at.setdefault((c.start, c.end, c.full, round(c.score, 6)), set()).add(
                self._names[c.name].key
            )
        taken = [False] * len(toks)
        matches: list[NameMatch] = []
        for c in found:
            if any(taken[c.start : c.end]):
                continue
            taken[c.start : c.end] = [True] * (c.end - c.start)
            if len(keys_at[(c.start, c.end, c.full, round(c.score, 6))]) == 1:
                matches.append(self._match(c))
        return matches

    def leading(self, toks: list[str]) -> list[tuple[str, str, int, bool]]:
        """Names said whole at the start of ``toks`` (folded words), in order.

        Each is ``(key, name, words used, exact)``; ``exact`` when every word is
        the name's own (no case ending changed). Only generated forms count
        here, not the shared-stem fallback: a sentence template decides what
        the words around the name are, so the name itself must be sure.
        """
        if not toks:
            return []
        found: list[tuple[str, str, int, bool]] = []
        for n, pos, quality in self._forms.get(toks[0], ()):
            if pos != 0:
                continue
            name = self._names[n]
            size = len(name.words)
            if size > len(toks):
                continue
            exact = quality == _BASE
            for i in range(1, size):
                here = [q for m, p, q in self._forms.get(toks[i], ()) if m == n and p == i]
                if not here:
                    break
                exact = exact and max(here) == _BASE
            else:
                found.append((name.key, name.display, size, exact))
        return found

    def begins_a_longer_name(self, tok: str) -> bool:
        """``tok`` (folded) is, as written, the first word of a name of several words."""
        return any(
            pos == 0 and quality == _BASE and len(self._names[n].words) > 1
            for n, pos, quality in self._forms.get(tok, ())
        )

    def best(self, text: str) -> NameMatch | None:
        """The single best match in ``text``, or None."""
        matches = self.find_all(text)
        return matches[0] if matches else None

    def resolve(self, value: str) -> str | None:
        """The key a slot value names ("salonie", "w kuchni", "Salon", or a key itself).

        None when the value names nothing known, more than one entry, or has
        words that are neither part of the name nor function words.
        """
        if value in self._keys:
            return value
        toks = tokens(value)[:_MAX_TOKENS]
        matches = self.find_all(value)
        keys = {m.key for m in matches}
        if len(keys) != 1:
            return None
        covered = {i for m in matches for i in range(m.start, m.end)}
        if any(i not in covered and tok not in _STOPWORDS for i, tok in enumerate(toks)):
            return None
        return keys.pop()
