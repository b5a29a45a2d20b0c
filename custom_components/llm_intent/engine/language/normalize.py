"""Cleaning transcripts and reducing them to a form that matches regardless of spelling.

Speech-to-text and hand-typed commands differ in case, diacritics ("wlacz
swiatlo w lazience") and punctuation; comparing the *folded* form makes those
differences disappear. Number words are parsed here too because both the local
matcher and slot checks need "dwadzieścia dwa i pół" as 22.5.
"""

from __future__ import annotations

from collections.abc import Sequence
import re
import unicodedata

__all__ = ["find_number", "fold", "parse_number", "sanitize", "tokens"]

# Characters that render as nothing or reorder text (zero-width, bidi
# overrides, BOM) or are not text at all; they must not reach a prompt or log.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_SEPARATOR_CATEGORIES = frozenset({"Zl", "Zp"})

# NFKD leaves these letters whole; spoken/typed without diacritics they are plain letters.
_LETTER_FOLDS = str.maketrans(
    {
        "ł": "l",
        "đ": "d",
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ħ": "h",
        "ı": "i",
        # Apostrophes join rather than split: "kitchen's" -> "kitchens", "don't" -> "dont".
        "'": "",
        "\u2019": "",
        "\u02bc": "",
        "`": "",
        "\u00b4": "",
    }
)
# A word is a run of letters/digits; "22,5" and "22.5" stay one token, as "22.5".
_TOKEN_RE = re.compile(r"(?:\d+[.,](?=\d))?[^\W_]+")
_DECIMAL_RE = re.compile(r"\d{1,18}(?:\.\d{1,9})?")


def sanitize(text: str, max_chars: int = 300) -> str:
    """Returns ``text`` safe to show, log and send: visible characters only, NFC, bounded.

    Never raises: the input comes from microphones, chat boxes and other programs.
    """
    if not text or max_chars <= 0:
        return ""
    # Bound the work before looking at characters; what lies beyond this cannot
    # survive the cap anyway unless the text is almost all invisible characters.
    text = text[: max_chars * 4 + 1024]
    kept: list[str] = []
    for ch in text:
        if ch.isspace():
            kept.append(" ")
            continue
        category = unicodedata.category(ch)
        if category in _SEPARATOR_CATEGORIES:
            kept.append(" ")
        elif category not in _DROPPED_CATEGORIES:
            kept.append(ch)
    cleaned = " ".join(unicodedata.normalize("NFC", "".join(kept)).split())
    if len(cleaned) <= max_chars:
        return cleaned
    cut = cleaned.rfind(" ", 0, max_chars + 1)
    return (cleaned[:cut] if cut > 0 else cleaned[:max_chars]).rstrip()


def fold(text: str) -> str:
    """The matching form: casefolded, no diacritics, words separated by single spaces."""
    folded = text.casefold().translate(_LETTER_FOLDS)
    if not folded.isascii():
        folded = "".join(
            ch
            for ch in unicodedata.normalize("NFKD", folded)
            if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf"
        )
    return " ".join(m.replace(",", ".") for m in _TOKEN_RE.findall(folded))


def tokens(text: str) -> list[str]:
    """Words of ``fold(text)``; spans reported by name matching index this list."""
    return fold(text).split()


_PL_UNITS = {
    "zero": 0,
    "jeden": 1, "jedna": 1, "jedno": 1, "jednego": 1, "jednej": 1,
    "dwa": 2, "dwie": 2, "dwoch": 2, "dwu": 2,
    "trzy": 3, "trzech": 3,
    "cztery": 4, "czterech": 4,
    "piec": 5, "pieciu": 5,
    "szesc": 6, "szesciu": 6,
    "siedem": 7, "siedmiu": 7,
    "osiem": 8, "osmiu": 8,
    "dziewiec": 9, "dziewieciu": 9,
    "dziesiec": 10, "dziesieciu": 10,
    "jedenascie": 11, "jedenastu": 11,
    "dwanascie": 12, "dwunastu": 12,
    "trzynascie": 13, "trzynastu": 13,
    "czternascie": 14, "czternastu": 14,
    "pietnascie": 15, "pietnastu": 15,
    "szesnascie": 16, "szesnastu": 16,
    "siedemnascie": 17, "siedemnastu": 17,
    "osiemnascie": 18, "osiemnastu": 18,
    "dziewietnascie": 19, "dziewietnastu": 19,
    "sto": 100, "stu": 100,
}  # fmt: skip
_PL_TENS = {
    "dwadziescia": 20, "dwudziestu": 20,
    "trzydziesci": 30, "trzydziestu": 30,
    "czterdziesci": 40, "czterdziestu": 40,
    "piecdziesiat": 50, "piecdziesieciu": 50,
    "szescdziesiat": 60, "szescdziesieciu": 60,
    "siedemdziesiat": 70, "siedemdziesieciu": 70,
    "osiemdziesiat": 80, "osiemdziesieciu": 80,
    "dziewiecdziesiat": 90, "dziewiecdziesieciu": 90,
}  # fmt: skip
_EN_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "hundred": 100,
}  # fmt: skip
_EN_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip

_UNITS = {"pl": _PL_UNITS, "en": _EN_UNITS}
_TENS = {"pl": _PL_TENS, "en": _EN_TENS}
_ALONE = {"pl": {"pol": 0.5, "poltora": 1.5}, "en": {"half": 0.5}}
# Word sequences after a whole number that add a half: "i pół", "and a half".
_AND_HALF = {"pl": (("i", "pol"),), "en": (("and", "a", "half"), ("and", "half"))}
_DECIMAL_POINT = {"pl": ("przecinek",), "en": ("point",)}


def _tables(lang: str) -> tuple[str, ...]:
    code = lang.casefold().replace("_", "-").split("-", 1)[0]
    return (code,) if code in _UNITS else ("pl", "en")


def _lookup(table: dict[str, dict[str, int]], langs: tuple[str, ...], word: str) -> int | None:
    for code in langs:
        value = table[code].get(word)
        if value is not None:
            return value
    return None


def _word(words: Sequence[str], index: int) -> str:
    if index >= len(words):
        return ""
    word = words[index]
    return word if word.isascii() and word.islower() else fold(word)


def _whole(value: float) -> float:
    # Whole numbers come back as int so "50 procent" gives 50, not 50.0.
    return int(value) if float(value).is_integer() else value


def parse_number(words: Sequence[str], lang: str) -> tuple[float | None, int]:
    """Reads a number at the start of ``words`` (tokens); returns (value, tokens used).

    Digits of any size ("22", "22.5" after folding "22,5"), number words 0-100
    in Polish or English, halves ("dwadzieścia jeden i pół", "twenty and a half",
    "pół", "półtora") and a spoken decimal point ("dwadzieścia dwa przecinek pięć").
    Units are not consumed: "pięćdziesiąt procent" gives (50, 1), so the caller
    sees the unit word next. ``(None, 0)`` when no number starts there.
    """
    langs = _tables(lang)
    first = _word(words, 0)
    if not first:
        return None, 0
    if _DECIMAL_RE.fullmatch(first):
        value: float = float(first) if "." in first else int(first)
        used = 1
    else:
        for code in langs:
            alone = _ALONE.get(code, {}).get(first)
            if alone is not None:
                return _whole(alone), 1
        tens = _lookup(_TENS, langs, first)
        if tens is not None:
            value, used = tens, 1
            unit = _lookup(_UNITS, langs, _word(words, 1))
            if unit is not None and 1 <= unit <= 9:
                value, used = tens + unit, 2
        elif first in ("a", "one") and _word(words, 1) == "hundred" and "en" in langs:
            value, used = 100, 2
        else:
            unit = _lookup(_UNITS, langs, first)
            if unit is None:
                return None, 0
            value, used = unit, 1
    if float(value).is_integer():
        for code in langs:
            for phrase in _AND_HALF[code]:
                if all(_word(words, used + k) == w for k, w in enumerate(phrase)):
                    return _whole(value + 0.5), used + len(phrase)
            if _word(words, used) in _DECIMAL_POINT[code]:
                digit = _word(words, used + 1)
                tenth = int(digit) if digit.isdigit() and len(digit) == 1 else None
                if tenth is None:
                    tenth = _lookup(_UNITS, langs, digit)
                if tenth is not None and 0 <= tenth <= 9:
                    return _whole(value + tenth / 10), used + 2
    return _whole(value), used


def find_number(words: Sequence[str], lang: str) -> tuple[float, int, int] | None:
    """The first number in ``words`` as (value, start, end) token positions, or None."""
    for start in range(len(words)):
        value, used = parse_number(words[start:], lang)
        if value is not None:
            return value, start, start + used
    return None
