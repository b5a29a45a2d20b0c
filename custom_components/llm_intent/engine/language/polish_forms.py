"""Declension forms of Polish nouns and adjectives, generated from the nominative.

Commands name things in oblique cases ("w salonie", "w łazience", "lampę
stojącą"), while the home stores nominatives. A dictionary would be large;
ending and gender rules cover home vocabulary well. The rules deliberately
over-generate (a masculine noun also gets feminine endings, every word ending
in a vowel also gets adjective endings): a form nobody says costs nothing,
while a missing one loses a match. Stem alternations are what make naive
prefix matching fail, so they are spelled out: łazienka→łazience,
gabinet→gabinecie, ogród→ogrodzie, biuro→biurze, stół→stole, ganek→ganku,
światło→świetle.
"""

from __future__ import annotations

from functools import lru_cache

from .normalize import fold

__all__ = ["polish_forms"]

# Consonants (and clusters) after which case endings start with -y/-e rather
# than alternating the stem ("piwnica"→"piwnicy", "garaż"→"garażu").
HARDENED = ("rz", "cz", "sz", "dz", "dż", "ż", "c")
_SOFT = ("l", "j")
_VELAR = ("k", "g", "ch")
# A soft final consonant is spelled with -i- before a vowel ending ("koń"→"konia").
SOFT_FINAL = {"ń": "ni", "ś": "si", "ć": "ci", "ź": "zi"}
# Locative/dative -e with the preceding consonant softened; longest first.
# HARDENED, SOFT_FINAL and LOC_ALTERNATION also serve ``polish_phrases``.
LOC_ALTERNATION = (
    ("st", "ście"),
    ("zd", "ździe"),
    ("sn", "śnie"),
    ("zn", "źnie"),
    ("sł", "śle"),
    ("zł", "źle"),
    ("ch", "sze"),
    ("k", "ce"),
    ("g", "dze"),
    ("r", "rze"),
    ("t", "cie"),
    ("d", "dzie"),
    ("ł", "le"),
    ("s", "sie"),
    ("z", "zie"),
    ("n", "nie"),
    ("m", "mie"),
    ("b", "bie"),
    ("p", "pie"),
    ("w", "wie"),
    ("f", "fie"),
)
# Matching also alternates a final v (loanwords); spoken phrases leave it as it is.
_LOC_ALTERNATION = (*LOC_ALTERNATION, ("v", "vie"))
_CONSONANTS = frozenset("bcćdfghjklłmnńprsśtvwxzźż")
_ADJ_HARD = ("y", "ego", "emu", "ym", "ymi", "ych", "a", "ą", "ej", "e")
_ADJ_SOFT = ("i", "iego", "iemu", "im", "imi", "ich", "ie", "iej", "a", "ą", "ia", "ią")
_PLURAL_OBLIQUE = ("om", "ami", "ach")

_QUICK_FOLD = str.maketrans("ąćęłńóśźż", "acelnoszz")


def _fold_form(form: str) -> str:
    quick = form.translate(_QUICK_FOLD)
    return quick if quick.isascii() else fold(quick)


def _ends(word: str, endings: tuple[str, ...]) -> bool:
    return word.endswith(endings)


def _alternated_loc(stem: str) -> set[str]:
    """Hard stem + softened -e: "gabinet"→"gabinecie", "światł"→"świetle"."""
    for hard, soft in _LOC_ALTERNATION:
        if stem.endswith(hard):
            base = stem[: -len(hard)]
            forms = {base + soft}
            # Vowel alternation a→e before a softened consonant: miasto→mieście.
            at = base.rfind("ia")
            if at >= 0 and at >= len(base) - 4:
                forms.add(base[:at] + "ie" + base[at + 2 :] + soft)
            return forms
    return set()


def _loc(stem: str, feminine: bool) -> set[str]:
    """Singular locative (for feminines also dative) of a stem that takes endings."""
    if stem.endswith("i"):
        return {stem} if feminine else {stem + "u"}
    if stem.endswith("j"):
        return {stem[:-1] + "i"} if feminine else {stem + "u"}
    if _ends(stem, HARDENED):
        return {stem + "y"} if feminine else {stem + "u"}
    if stem.endswith("l"):
        return {stem + "i"} if feminine else {stem + "u"}
    if not feminine and _ends(stem, _VELAR):
        return {stem + "u"}
    forms = _alternated_loc(stem)
    if not feminine:
        forms.add(stem + "u")  # "dom"→"domu", "syn"→"synu"
    return forms


def _fleeting_e(stem: str) -> set[str]:
    """Genitive plural inserts -e- into a final cluster: lampk→lampek, okn→okien."""
    if len(stem) < 3 or stem[-1] not in _CONSONANTS or stem[-2] not in _CONSONANTS:
        return set()
    forms = {stem[:-1] + "e" + stem[-1]}
    if stem[-1] == "n":
        forms.add(stem[:-1] + "ie" + stem[-1])
    return forms


def _feminine_a(word: str) -> set[str]:
    stem = word[:-1]
    forms = {word, stem, stem + "ę", stem + "ą", stem + "o"}
    forms.update(stem + e for e in _PLURAL_OBLIQUE)
    forms |= _loc(stem, feminine=True)
    if stem.endswith("i") or stem.endswith("j") or stem.endswith("l") or _ends(stem, HARDENED):
        forms.add(stem + "e")  # kuchnie, piwnice, sale
        forms.add(stem + "y" if _ends(stem, HARDENED) else stem + "i")
    else:
        forms.add(stem + ("i" if stem.endswith(("k", "g")) else "y"))  # łazienki, rolety
        forms |= _fleeting_e(stem)
    return forms


def _masculine(word: str) -> set[str]:
    stems = {word}
    # Fleeting -e-: ganek→ganku, kominek→kominka, węzeł→węzła (piec→pieca kept too).
    for tail in ("ek", "ec", "eł"):
        if word.endswith(tail) and len(word) > 3:
            stems.add(word[:-2] + tail[1])
    forms = {word}
    for stem in stems:
        soft_final = stem[-1] in SOFT_FINAL
        vstem = stem[:-1] + SOFT_FINAL[stem[-1]] if soft_final else stem
        forms.update(
            vstem + e
            for e in ("a", "u", "owi", "em", "y", "e", "ów", "owie", "ą", *_PLURAL_OBLIQUE)
        )
        if stem.endswith(("k", "g")):
            forms.update((vstem + "i", vstem + "iem"))  # kominki, kominkiem
        elif soft_final:
            forms.add(vstem)  # koni
        elif stem.endswith("l"):
            forms.add(stem + "i")  # hoteli
        elif stem.endswith("j"):
            forms.add(stem[:-1] + "i")  # pokoi
        if not soft_final:
            forms |= _loc(stem, feminine=False)
    return forms


def _neuter(word: str) -> set[str]:
    stem = word[:-1]
    forms = {word, stem, stem + "a", stem + "u", stem + "em"}
    forms.update(stem + e for e in _PLURAL_OBLIQUE)
    if stem.endswith(("k", "g")):
        forms.add(stem + "iem")  # łóżkiem
    if word.endswith("o"):
        forms |= _loc(stem, feminine=False)
        forms |= _fleeting_e(stem)  # okien, łóżek, luster
    elif stem[-2:] in ("ni", "ci", "si", "zi"):
        forms.add(stem[:-2] + {"n": "ń", "c": "ć", "s": "ś", "z": "ź"}[stem[-2]])  # mieszkań
    return forms


def _plural_only(word: str) -> set[str]:
    """Plural nouns as names: "Drzwi", "Rolety", "Schody"."""
    stem = word[:-1] if word.endswith("y") else word
    forms = {word, stem, stem + "ów"}
    forms.update(stem + e for e in _PLURAL_OBLIQUE)
    return forms


def _adjective(word: str) -> set[str]:
    stem = word[:-1]
    if word.endswith("a") or word.endswith("e"):
        if stem.endswith("i"):
            stem = stem[:-1]  # "tylnia", "wielkie"
            return {stem + e for e in _ADJ_SOFT}
        endings = _ADJ_SOFT if stem.endswith(("k", "g")) else _ADJ_HARD
        return {stem + e for e in endings}
    if word.endswith("y"):
        return {stem + e for e in _ADJ_HARD}
    if word.endswith("i"):
        return {stem + e for e in _ADJ_SOFT}
    return set()


@lru_cache(maxsize=8192)
def polish_forms(word: str) -> frozenset[str]:
    """Folded forms of one lower-case word (with diacritics, as written) in all cases.

    Short words, numbers and indeclinables ending in -u come back unchanged.
    """
    word = word.casefold()
    if len(word) <= 2 or not word.isalpha():
        return frozenset({_fold_form(word)})
    last = word[-1]
    forms: set[str] = {word}
    if word.endswith("um"):
        forms.update(word[:-2] + e for e in ("a", "ów", *_PLURAL_OBLIQUE))
    elif last == "a":
        forms |= _feminine_a(word)
        forms |= _adjective(word)
    elif last in ("o", "e"):
        forms |= _neuter(word)
        forms |= _adjective(word)
    elif last in ("y", "i"):
        forms |= _plural_only(word)
        forms |= _adjective(word)
    elif last in _CONSONANTS:
        forms |= _masculine(word)
    return frozenset(_fold_form(f) for f in forms if len(f) >= 2)
