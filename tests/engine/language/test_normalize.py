"""Transcript cleaning, folding and number words."""

from __future__ import annotations

import time

import pytest

from custom_components.llm_intent.engine.language.normalize import (
    find_number,
    fold,
    parse_number,
    sanitize,
    tokens,
)

# --- sanitize -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("włącz\x00 światło\x07", "włącz światło"),  # NUL/BEL would reach logs and prompts
        ("\x1b[31mczerwony\x1b[0m", "[31mczerwony[0m"),  # ESC dropped, no terminal control
        ("sa\u200blon", "salon"),  # zero-width space splits nothing
        ("sa\u200dlon", "salon"),  # zero-width joiner
        ("sa\u200clon", "salon"),  # zero-width non-joiner
        ("\ufeffsalon", "salon"),  # BOM from a pasted file
        ("kuch\u00adnia", "kuchnia"),  # soft hyphen
        ("lampa\u202e lanoiccuf", "lampa lanoiccuf"),  # RTL override cannot reorder the log
        ("\u2066salon\u2069", "salon"),  # bidi isolates
        ("a\u2028b\u2029c", "a b c"),  # line/paragraph separators become spaces
        ("  włącz \t\n  światło  ", "włącz światło"),
        ("włącz\nświatło\tw\r\nsalonie", "włącz światło w salonie"),  # breaks separate words
        ("\ud800salon\udfff", "salon"),  # lone surrogates cannot be encoded later
        ("\ue000salon", "salon"),  # private use
    ],
)
def test_sanitize_removes_invisible_and_control_characters(raw: str, expected: str) -> None:
    assert sanitize(raw) == expected


def test_sanitize_composes_to_nfc() -> None:
    # "ą" typed as a + combining ogonek must equal the precomposed letter, or
    # cache keys and comparisons differ for the same sentence.
    assert sanitize("wla\u0328cz") == "wlącz"
    assert sanitize("wla\u0328cz") == sanitize("wlącz")


def test_sanitize_caps_long_input_at_a_word_boundary() -> None:
    text = "włącz światło w salonie " * 500  # 12,000 characters
    result = sanitize(text)
    assert len(result) <= 300
    assert result.split() == text.split()[: len(result.split())]  # no word cut in half
    assert not result.endswith(" ")


def test_sanitize_cuts_one_giant_word_hard() -> None:
    assert sanitize("x" * 10_000) == "x" * 300


def test_sanitize_respects_custom_limit() -> None:
    assert sanitize("jeden dwa trzy", max_chars=9) == "jeden dwa"
    assert sanitize("jeden dwa trzy", max_chars=0) == ""


def test_sanitize_work_is_bounded_by_the_limit() -> None:
    # A multi-megabyte paste must not stall the event loop while it is cleaned.
    huge = "słowo " * 1_000_000
    started = time.perf_counter()
    result = sanitize(huge)
    assert time.perf_counter() - started < 0.1
    assert result == ("słowo " * 50).strip()


def test_sanitize_survives_hostile_input() -> None:
    hostile = "".join(chr(c) for c in range(0, 0x3000, 7)) * 5
    result = sanitize(hostile)
    assert len(result) <= 300
    assert all(ch.isprintable() for ch in result)
    assert sanitize("") == ""
    assert sanitize("\u200b" * 10_000) == ""


# --- fold / tokens --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Włącz ŚWIATŁO, w łazience!", "wlacz swiatlo w lazience"),
        ("ŁÓDŹ", "lodz"),  # NFKD leaves Ł whole; it must still fold to l
        ("ąćęłńóśźż ĄĆĘŁŃÓŚŹŻ", "acelnoszz acelnoszz"),
        ("pokój-dziecięcy/łazienka", "pokoj dzieciecy lazienka"),
        ("kitchen's lights", "kitchens lights"),  # possessive joins, not "kitchen s"
        ("kitchen’s lights", "kitchens lights"),  # typographic apostrophe
        ("ustaw 22,5 stopnia", "ustaw 22.5 stopnia"),  # decimal comma keeps the number whole
        ("ustaw 22.5°C", "ustaw 22.5 c"),
        ("sa\u200blon", "salon"),
        ("Straße", "strasse"),
        ("  ...  ", ""),
    ],
)
def test_fold(raw: str, expected: str) -> None:
    assert fold(raw) == expected


def test_fold_is_idempotent() -> None:
    for text in ("Włącz ŚWIATŁO, w łazience!", "22,5 stopnia", "kitchen's", "x-y_z"):
        assert fold(fold(text)) == fold(text)


def test_tokens_are_words_of_the_folded_text() -> None:
    assert tokens("Włącz światło w SALONIE.") == ["wlacz", "swiatlo", "w", "salonie"]
    assert tokens("") == []


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "value", "used"),
    [
        ("22", "pl", 22, 1),
        ("22,5 stopnia", "pl", 22.5, 1),
        ("22.5", "en", 22.5, 1),
        ("1500", "pl", 1500, 1),  # digits of any size
        ("dwadzieścia dwa stopnie", "pl", 22, 2),
        ("dwadziescia dwa", "pl", 22, 2),  # no diacritics from speech-to-text
        ("dwadziescia jeden i pol", "pl", 21.5, 4),
        ("dwadzieścia jeden i pół stopnia", "pl", 21.5, 4),
        ("pięćdziesiąt procent", "pl", 50, 1),  # the unit is left for the caller
        ("sto procent", "pl", 100, 1),
        ("piętnaście minut", "pl", 15, 1),
        ("dwudziestu stopni", "pl", 20, 1),
        ("zero", "pl", 0, 1),
        ("pół godziny", "pl", 0.5, 1),
        ("półtora", "pl", 1.5, 1),
        ("22 i pół", "pl", 22.5, 3),
        ("dwadzieścia dwa przecinek pięć", "pl", 22.5, 4),
        ("dwadzieścia przecinek zero", "pl", 20, 3),  # whole after all: an int
        ("twenty two", "en", 22, 2),
        ("twenty-two degrees", "en", 22, 2),
        ("seventy five percent", "en", 75, 2),
        ("nineteen and a half", "en", 19.5, 4),
        ("twenty point five", "en", 20.5, 3),
        ("a hundred percent", "en", 100, 2),
        ("eleven", "en-US", 11, 1),
        ("osiemdziesiąt", "pl-PL", 80, 1),
    ],
)
def test_parse_number(text: str, lang: str, value: float, used: int) -> None:
    parsed, consumed = parse_number(tokens(text), lang)
    assert (parsed, consumed) == (value, used)
    assert type(parsed) is type(value)  # 50 stays an int, 22.5 a float


@pytest.mark.parametrize(
    ("text", "lang"),
    [("salon", "pl"), ("i pół", "pl"), ("", "pl"), ("a lamp", "en"), ("9" * 5000, "pl")],
)
def test_parse_number_without_a_number(text: str, lang: str) -> None:
    # "i pół" alone is not a number; 5000 digits must not hit int()'s digit limit.
    assert parse_number(tokens(text), lang) == (None, 0)


def test_parse_number_ignores_other_language_words_when_language_is_known() -> None:
    assert parse_number(["two"], "pl") == (None, 0)
    assert parse_number(["dwa"], "en") == (None, 0)
    assert parse_number(["dwa"], "de") == (2, 1)  # unknown language: both tables


def test_parse_number_accepts_unfolded_tokens() -> None:
    assert parse_number(["Pięćdziesiąt", "Procent"], "pl") == (50, 1)


def test_find_number_gives_position() -> None:
    words = tokens("ustaw jasność w salonie na pięćdziesiąt procent")
    assert find_number(words, "pl") == (50, 5, 6)
    assert find_number(tokens("włącz światło"), "pl") is None
