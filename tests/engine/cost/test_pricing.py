"""Prices, model matching and Decimal cost arithmetic."""

from __future__ import annotations

from decimal import Decimal

import pytest

from custom_components.llm_intent.engine.cost.pricing import (
    PRICE_TABLE,
    PRICES_AS_OF,
    ModelPrice,
    PriceBook,
    cost,
    format_cents,
    format_usd,
    lookup,
    parse_overrides,
    to_cents,
    to_decimal,
    worst_case_cost,
)
from custom_components.llm_intent.engine.types import Usage

EXPECTED_TABLE = {
    "gpt-4o-mini": ("0.15", "0.075", "0.60"),
    "gpt-4o": ("2.50", "1.25", "10.00"),
    "gpt-4.1-mini": ("0.40", "0.10", "1.60"),
    "gpt-4.1-nano": ("0.10", "0.025", "0.40"),
    "gpt-4.1": ("2.00", "0.50", "8.00"),
    "gpt-5-mini": ("0.25", "0.025", "2.00"),
    "gpt-5-nano": ("0.05", "0.005", "0.40"),
    "claude-haiku-4-5": ("1.00", "0.10", "5.00"),
    "claude-sonnet-4-5": ("3.00", "0.30", "15.00"),
    "claude-3-5-haiku-latest": ("0.80", "0.08", "4.00"),
}


def price(input_: str, cached: str, output: str) -> ModelPrice:
    return ModelPrice(Decimal(input_), Decimal(cached), Decimal(output))


def test_table_is_dated_and_holds_every_offered_model() -> None:
    assert PRICES_AS_OF
    assert {model: price(*values) for model, values in EXPECTED_TABLE.items()} == dict(PRICE_TABLE)


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("gpt-4o-mini", "gpt-4o-mini"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4.1-2025-04-14", "gpt-4.1"),
        ("gpt-5-nano-2025-08-07", "gpt-5-nano"),
        ("claude-haiku-4-5-20251001", "claude-haiku-4-5"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("claude-3-5-haiku-20241022", "claude-3-5-haiku-latest"),
        (" GPT-4o-Mini ", "gpt-4o-mini"),
    ],
)
def test_lookup_matches_exact_names_and_snapshots(model: str, family: str) -> None:
    assert lookup(model) == PRICE_TABLE[family]


@pytest.mark.parametrize(
    "model",
    [
        "gpt-4o-audio-preview",  # gpt-4o is a prefix, but a different model
        "gpt-5",  # gpt-5-mini/gpt-5-nano exist, gpt-5 is not priced
        "gpt-4.1-mini-high",
        "claude-haiku-4",
        "llama3.2",
        "gpt-4o-mini-2024",  # not a full date
    ],
)
def test_lookup_never_prices_a_different_model_by_prefix(model: str) -> None:
    assert lookup(model) is None


def test_gpt_4o_and_gpt_4o_mini_have_their_own_prices() -> None:
    assert lookup("gpt-4o") != lookup("gpt-4o-mini")
    assert lookup("gpt-4o-2024-11-20") == PRICE_TABLE["gpt-4o"]


def test_overrides_merge_over_table_field_by_field() -> None:
    book = PriceBook({"gpt-4o-mini": {"output": "0.70"}, "gpt-4o": {"input": 2}})
    assert book.lookup("gpt-4o-mini") == price("0.15", "0.075", "0.70")
    assert book.lookup("gpt-4o-mini-2024-07-18") == price("0.15", "0.075", "0.70")
    assert book.lookup("gpt-4o") == price("2", "1.25", "10.00")
    assert book.lookup("gpt-4.1") == PRICE_TABLE["gpt-4.1"]


def test_float_overrides_become_exact_decimals() -> None:
    """Decimal(0.15) would be 0.1499999999999999944488848768742172978818416595458984375."""
    book = PriceBook({"gpt-4o-mini": {"input": 0.15, "cached_input": 0.075, "output": 0.6}})
    assert book.lookup("gpt-4o-mini") == price("0.15", "0.075", "0.6")


def test_local_model_is_free_only_when_the_user_says_so() -> None:
    assert PriceBook().lookup("llama3.2") is None
    book = PriceBook({"llama3.2": {"input": 0, "output": 0}})
    local = book.lookup("llama3.2")
    assert local is not None
    assert local.is_free
    assert cost(local, Usage(10_000, 500)) == Decimal(0)


def test_unknown_model_override_defaults_cached_to_input() -> None:
    book = PriceBook({"mistral-small": {"input": "0.20", "output": "0.60"}})
    assert book.lookup("mistral-small") == price("0.20", "0.20", "0.60")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"gpt-4o": {"input": "cheap"}}, "gpt-4o input"),
        ({"gpt-4o": {"input": "-1"}}, "negative"),
        ({"gpt-4o": {"output": "NaN"}}, "finite"),
        ({"gpt-4o": {"output": "Infinity"}}, "finite"),
        ({"gpt-4o": {"input": True}}, "number"),
        ({"gpt-4o": {"input": None}}, "number"),
        ({"gpt-4o": {"inputs": "1"}}, "unknown fields"),
        ({"gpt-4o": "1.0"}, "mapping"),
        ({"new-model": {"input": "1"}}, "needs ['output']"),
        ({" ": {"input": "1", "output": "1"}}, "empty model name"),
    ],
)
def test_invalid_overrides_raise_clear_value_errors(
    overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_overrides(overrides)  # type: ignore[arg-type]


def test_cost_splits_cached_input_and_quantises_to_micro_dollars() -> None:
    mini = PRICE_TABLE["gpt-4o-mini"]
    # 1200 uncached * 0.15 + 800 cached * 0.075 + 90 out * 0.60 = 180 + 60 + 54 per million
    assert cost(mini, Usage(input_tokens=2000, output_tokens=90, cached_input_tokens=800)) == (
        Decimal("0.000294")
    )
    assert cost(mini, Usage(1, 0)) == Decimal("0.000000")  # 0.00000015 rounds down
    assert cost(mini, Usage(4, 0)) == Decimal("0.000001")  # 0.0000006 rounds up
    assert cost(PRICE_TABLE["claude-sonnet-4-5"], Usage(1_000_000, 1_000_000)) == Decimal(
        "18.000000"
    )


def test_cost_sums_exactly_where_floats_drift() -> None:
    mini = PRICE_TABLE["gpt-4o-mini"]
    one = cost(mini, Usage(1000, 100))
    assert one == Decimal("0.000210")
    assert sum([one] * 10_000, Decimal(0)) == Decimal("2.1")
    assert isinstance(one, Decimal)


def test_cost_never_bills_more_cached_than_input() -> None:
    mini = PRICE_TABLE["gpt-4o-mini"]
    assert cost(mini, Usage(100, 0, 500)) == cost(mini, Usage(100, 0, 100))


def test_cost_rejects_negative_usage() -> None:
    with pytest.raises(ValueError, match="output_tokens"):
        cost(PRICE_TABLE["gpt-4o"], Usage(10, -1))


def test_worst_case_bills_all_input_uncached_and_rounds_up() -> None:
    haiku = PRICE_TABLE["claude-haiku-4-5"]
    assert worst_case_cost(haiku, 1500, 150) == Decimal("0.002250")
    mini = PRICE_TABLE["gpt-4o-mini"]
    # 7 * 0.15 / 1e6 = 0.00000105 -> 0.000002, never below the bill
    assert worst_case_cost(mini, 7, 0) == Decimal("0.000002")
    assert worst_case_cost(mini, 2000, 150) >= cost(mini, Usage(2000, 150))
    with pytest.raises(ValueError, match="negative"):
        worst_case_cost(mini, -1, 10)


def test_cents_and_display_helpers() -> None:
    assert to_cents(Decimal("0.000294")) == Decimal("0.0294")
    assert format_usd(Decimal("0.00125")) == "$0.0013"
    assert format_cents(Decimal("0.123456")) == "12.35¢"
    assert format_cents(Decimal("0.000294"), places=4) == "0.0294¢"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, "1"), (1.0, "1.0"), ("2.50", "2.50"), (Decimal("0.1"), "0.1"), (0.1, "0.1")],
)
def test_to_decimal_accepts_numbers_and_strings(value: object, expected: str) -> None:
    assert to_decimal(value) == Decimal(expected)
