"""Model prices and request costs, in Decimal US dollars.

Money never passes through a float: a float cannot hold 0.15 exactly, and
ledger sums drift. Costs are quantised to a millionth of a dollar (a
ten-thousandth of a cent), far below anything a provider bills separately.

Prices change; the table is dated and users can override any model from the
options. A model without a known price has no price (``lookup`` returns None)
and must be treated as unaffordable, never as free.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
import re
from typing import Final

from ..types import Usage

PRICES_AS_OF: Final = "2026-11-01"

MICRO_USD: Final = Decimal("0.000001")
_PER_MILLION: Final = Decimal(1_000_000)
_CENTS_PER_USD: Final = Decimal(100)
_MICRO_USD_IN_CENTS: Final = Decimal("0.0001")
_PRICE_FIELDS: Final = ("input", "cached_input", "output")

# Snapshot suffixes: OpenAI dates with dashes, Anthropic without.
_SNAPSHOT_SUFFIX: Final = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8})$")


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """USD per million tokens. ``cached_input`` applies to cache-read input tokens."""

    input: Decimal
    cached_input: Decimal
    output: Decimal

    @property
    def is_free(self) -> bool:
        return not (self.input or self.cached_input or self.output)


def _price(input_: str, cached_input: str, output: str) -> ModelPrice:
    return ModelPrice(Decimal(input_), Decimal(cached_input), Decimal(output))


PRICE_TABLE: Final[Mapping[str, ModelPrice]] = {
    # OpenAI
    "gpt-4o-mini": _price("0.15", "0.075", "0.60"),
    "gpt-4o": _price("2.50", "1.25", "10.00"),
    "gpt-4.1-mini": _price("0.40", "0.10", "1.60"),
    "gpt-4.1-nano": _price("0.10", "0.025", "0.40"),
    "gpt-4.1": _price("2.00", "0.50", "8.00"),
    "gpt-5-mini": _price("0.25", "0.025", "2.00"),
    "gpt-5-nano": _price("0.05", "0.005", "0.40"),
    # Anthropic
    "claude-haiku-4-5": _price("1.00", "0.10", "5.00"),
    "claude-sonnet-4-5": _price("3.00", "0.30", "15.00"),
    "claude-3-5-haiku-latest": _price("0.80", "0.08", "4.00"),
}

FREE: Final = ModelPrice(Decimal(0), Decimal(0), Decimal(0))


def to_decimal(value: object, *, what: str = "value") -> Decimal:
    """A finite, non-negative Decimal from a number or numeric string.

    Floats (as HA options deliver them) go through their shortest repr, so
    ``0.15`` becomes ``Decimal("0.15")``, not its binary approximation.
    Raises ValueError naming ``what``.
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise ValueError(f"{what} must be a number, not {value!r}")  # noqa: TRY004 - options input
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{what} must be a number, not {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"{what} must be finite, not {value!r}")
    if number < 0:
        raise ValueError(f"{what} must not be negative, not {value!r}")
    return number


def normalize_model(model: str) -> str:
    return model.strip().lower()


def parse_overrides(
    raw: Mapping[str, Mapping[str, object]] | None,
    table: Mapping[str, ModelPrice] = PRICE_TABLE,
) -> dict[str, ModelPrice]:
    """Validate user price overrides (``model -> {input, cached_input, output}``).

    Fields left out keep the table's price for that model; for a model the
    table lacks, ``input`` and ``output`` are required and ``cached_input``
    defaults to ``input`` (no discount assumed). All-zero marks a local model
    the user declared free. Raises ValueError naming the model and field.
    """
    result: dict[str, ModelPrice] = {}
    for model, fields in (raw or {}).items():
        name = normalize_model(str(model))
        if not name:
            raise ValueError("price override with an empty model name")
        if not isinstance(fields, Mapping):
            raise ValueError(f"price override for {name!r} must be a mapping of prices")  # noqa: TRY004
        unknown = set(fields) - set(_PRICE_FIELDS)
        if unknown:
            raise ValueError(f"price override for {name!r} has unknown fields {sorted(unknown)}")
        base = _table_match(name, table)
        values = {
            key: to_decimal(fields[key], what=f"{name} {key} price")
            for key in _PRICE_FIELDS
            if key in fields
        }
        if base is None:
            missing = [key for key in ("input", "output") if key not in values]
            if missing:
                raise ValueError(f"price override for unknown model {name!r} needs {missing}")
            values.setdefault("cached_input", values["input"])
        else:
            values = {
                "input": values.get("input", base.input),
                "cached_input": values.get("cached_input", base.cached_input),
                "output": values.get("output", base.output),
            }
        result[name] = ModelPrice(values["input"], values["cached_input"], values["output"])
    return result


def _table_match(model: str, table: Mapping[str, ModelPrice]) -> ModelPrice | None:
    """Exact name, else the family of a dated snapshot; never a different model by prefix."""
    if model in table:
        return table[model]
    family = _SNAPSHOT_SUFFIX.sub("", model)
    if family == model:
        return None
    return table.get(family) or table.get(f"{family}-latest")


class PriceBook:
    """The dated table with the user's overrides merged over it."""

    def __init__(
        self,
        overrides: Mapping[str, Mapping[str, object]] | None = None,
        table: Mapping[str, ModelPrice] = PRICE_TABLE,
    ) -> None:
        self._prices = {**table, **parse_overrides(overrides, table)}

    def lookup(self, model: str) -> ModelPrice | None:
        """The price of ``model`` (or its dated snapshot); None when unknown."""
        return _table_match(normalize_model(model), self._prices)


def lookup(
    model: str, overrides: Mapping[str, Mapping[str, object]] | None = None
) -> ModelPrice | None:
    """One-off lookup; keep a ``PriceBook`` when looking up repeatedly."""
    return PriceBook(overrides).lookup(model)


def cost(price: ModelPrice, usage: Usage) -> Decimal:
    """What ``usage`` costs in USD, to the micro-dollar (half up)."""
    for field_name in ("input_tokens", "cached_input_tokens", "output_tokens"):
        if getattr(usage, field_name) < 0:
            raise ValueError(f"{field_name} must not be negative")
    cached = min(usage.cached_input_tokens, usage.input_tokens)
    total = (
        (usage.input_tokens - cached) * price.input
        + cached * price.cached_input
        + usage.output_tokens * price.output
    )
    return (total / _PER_MILLION).quantize(MICRO_USD, rounding=ROUND_HALF_UP)


def worst_case_cost(
    price: ModelPrice, estimated_input_tokens: int, max_output_tokens: int
) -> Decimal:
    """The most a request can cost: no input cached, every allowed output token used.

    Rounded up, so a reservation is never smaller than the bill.
    """
    if estimated_input_tokens < 0 or max_output_tokens < 0:
        raise ValueError("token counts must not be negative")
    total = estimated_input_tokens * price.input + max_output_tokens * price.output
    return (total / _PER_MILLION).quantize(MICRO_USD, rounding=ROUND_CEILING)


def to_cents(usd: Decimal) -> Decimal:
    """USD to cents, keeping the micro-dollar precision (4 decimal places of a cent)."""
    return (usd * _CENTS_PER_USD).quantize(_MICRO_USD_IN_CENTS)


def format_usd(usd: Decimal, places: int = 4) -> str:
    """``$0.0123`` style, rounded half up to ``places`` decimals."""
    return f"${usd.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)}"


def format_cents(usd: Decimal, places: int = 2) -> str:
    """``1.23¢`` style, rounded half up to ``places`` decimals of a cent."""
    cents = (usd * _CENTS_PER_USD).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{cents}¢"
