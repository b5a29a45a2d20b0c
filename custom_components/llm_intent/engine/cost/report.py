"""The cost report: ledger entries summed per local day, provider and model.

Shared by ``scripts/llm-cost-report.py`` and the HA action, so both show the
same figures. Standard library only (beyond the engine), so the script runs
with a plain Python. The billing comparison checks the ledger against a
provider's exported bill.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
import csv
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
import io
import json
from typing import Any, Final
from zoneinfo import ZoneInfo

from .ledger import CallState, LedgerEntry

BILLING_TOLERANCE_USD: Final = Decimal("0.01")
_USD_PLACES: Final = Decimal("0.0001")
_CENT_PLACES: Final = Decimal("0.01")
_MICRO_USD: Final = Decimal("0.000001")
_MICRO_CENTS: Final = Decimal("0.0001")

COLUMNS: Final = (
    "date",
    "provider",
    "model",
    "requests",
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "cost_usd",
    "cost_cents",
    "cache_hits",
    "avg_latency_ms",
    "estimate_error_pct",
)
_TABLE_HEADERS: Final = (
    "date",
    "provider",
    "model",
    "requests",
    "input",
    "cached",
    "output",
    "cost_usd",
    "cents",
    "cache_hits",
    "avg_ms",
    "est_err_%",
)
_NUMERIC_FROM: Final = 3  # columns from here on are right-aligned


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One day, provider and model. ``provider``/``model`` are "" for entries without one."""

    day: str
    provider: str
    model: str
    requests: int
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    cost_usd: Decimal
    cache_hits: int
    # Mean over entries that had a latency / a pre-flight estimate and a billed count.
    avg_latency_ms: float | None
    # Mean of (estimated - reported) / reported input tokens, in percent.
    estimate_error_pct: float | None
    # Requests sent whose usage never came back (or still in flight), counted
    # at their worst case; part of ``requests`` and ``cost_usd``.
    estimated_requests: int = 0
    estimated_usd: Decimal = Decimal(0)


@dataclass(slots=True)
class _Accumulator:
    requests: int = 0
    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal = Decimal(0)
    cache_hits: int = 0
    latency_sum: float = 0.0
    latency_n: int = 0
    error_sum: float = 0.0
    error_n: int = 0
    estimated_requests: int = 0
    estimated_usd: Decimal = Decimal(0)

    def add(self, entry: LedgerEntry) -> None:
        self.requests += 1
        self.input_tokens += entry.input_tokens
        self.cached_input_tokens += entry.cached_input_tokens
        self.output_tokens += entry.output_tokens
        self.cost_usd += entry.cost_usd
        self.cache_hits += entry.cache_hit
        if entry.latency_ms is not None:
            self.latency_sum += entry.latency_ms
            self.latency_n += 1
        if entry.state is not CallState.SETTLED:
            self.estimated_requests += 1
            self.estimated_usd += entry.cost_usd
            # Its tokens are the estimate itself: nothing to check it against.
            return
        if entry.estimated_input_tokens is not None and entry.input_tokens > 0:
            error = (entry.estimated_input_tokens - entry.input_tokens) / entry.input_tokens
            self.error_sum += error * 100
            self.error_n += 1

    def row(self, day: str, provider: str, model: str) -> ReportRow:
        return ReportRow(
            day=day,
            provider=provider,
            model=model,
            requests=self.requests,
            input_tokens=self.input_tokens,
            cached_input_tokens=self.cached_input_tokens,
            output_tokens=self.output_tokens,
            cost_usd=self.cost_usd.quantize(_MICRO_USD),
            cache_hits=self.cache_hits,
            avg_latency_ms=self.latency_sum / self.latency_n if self.latency_n else None,
            estimate_error_pct=self.error_sum / self.error_n if self.error_n else None,
            estimated_requests=self.estimated_requests,
            estimated_usd=self.estimated_usd.quantize(_MICRO_USD),
        )


def local_day(ts: float, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts, tz).date().isoformat()


def day_start(day: date, tz: ZoneInfo) -> float:
    """The timestamp of local midnight starting ``day``."""
    return datetime(day.year, day.month, day.day, tzinfo=tz).timestamp()


def build_report(entries: Iterable[LedgerEntry], tz: ZoneInfo) -> list[ReportRow]:
    """Rows per local day, provider and model, sorted by those keys."""
    groups: dict[tuple[str, str, str], _Accumulator] = defaultdict(_Accumulator)
    for entry in entries:
        key = (local_day(entry.ts, tz), entry.provider or "", entry.model or "")
        groups[key].add(entry)
    return [groups[key].row(*key) for key in sorted(groups)]


def _totals(rows: Sequence[ReportRow]) -> dict[str, Any]:
    requests = sum(row.requests for row in rows)
    cost = sum((row.cost_usd for row in rows), Decimal(0)).quantize(_MICRO_USD)
    return {
        "requests": requests,
        "input_tokens": sum(row.input_tokens for row in rows),
        "cached_input_tokens": sum(row.cached_input_tokens for row in rows),
        "output_tokens": sum(row.output_tokens for row in rows),
        "cost_usd": str(cost),
        "cost_cents": str((cost * 100).quantize(_MICRO_CENTS)),
        "cache_hits": sum(row.cache_hits for row in rows),
        "estimated_requests": sum(row.estimated_requests for row in rows),
        "estimated_usd": str(
            sum((row.estimated_usd for row in rows), Decimal(0)).quantize(_MICRO_USD)
        ),
    }


def report_data(rows: Sequence[ReportRow]) -> dict[str, Any]:
    """JSON-ready report: exact costs as strings (micro-dollars), rounded means."""
    return {
        "rows": [
            {
                "date": row.day,
                "provider": row.provider,
                "model": row.model,
                "requests": row.requests,
                "input_tokens": row.input_tokens,
                "cached_input_tokens": row.cached_input_tokens,
                "output_tokens": row.output_tokens,
                "cost_usd": str(row.cost_usd),
                "cost_cents": str((row.cost_usd * 100).quantize(_MICRO_CENTS)),
                "cache_hits": row.cache_hits,
                "avg_latency_ms": _round(row.avg_latency_ms),
                "estimate_error_pct": _round(row.estimate_error_pct),
                "estimated_requests": row.estimated_requests,
                "estimated_usd": str(row.estimated_usd),
            }
            for row in rows
        ],
        "total": _totals(rows),
    }


def render_json(rows: Sequence[ReportRow]) -> str:
    return json.dumps(report_data(rows), indent=2, ensure_ascii=False) + "\n"


def _display_cells(row: ReportRow) -> list[str]:
    return [
        row.day,
        row.provider or "-",
        row.model or "-",
        str(row.requests),
        str(row.input_tokens),
        str(row.cached_input_tokens),
        str(row.output_tokens),
        format_usd(row.cost_usd),
        format_cents(row.cost_usd),
        str(row.cache_hits),
        _format_mean(row.avg_latency_ms),
        _format_mean(row.estimate_error_pct),
    ]


def render_csv(rows: Sequence[ReportRow]) -> str:
    """CSV with a header row; costs rounded to 4 decimals of a dollar and 2 of a cent."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        cells = _display_cells(row)
        cells[1], cells[2] = row.provider, row.model
        writer.writerow(cells)
    return out.getvalue()


def render_table(rows: Sequence[ReportRow]) -> str:
    """A fixed-width table with a TOTAL line."""
    if not rows:
        return "No ledger entries in the selected period.\n"
    body = [_display_cells(row) for row in rows]
    total = _totals(rows)
    cost = Decimal(total["cost_usd"])
    body.append(
        [
            "TOTAL",
            "",
            "",
            str(total["requests"]),
            str(total["input_tokens"]),
            str(total["cached_input_tokens"]),
            str(total["output_tokens"]),
            format_usd(cost),
            format_cents(cost),
            str(total["cache_hits"]),
            "",
            "",
        ]
    )
    widths = [
        max(len(header), *(len(cells[i]) for cells in body))
        for i, header in enumerate(_TABLE_HEADERS)
    ]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(width) if i >= _NUMERIC_FROM else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    lines = [line(_TABLE_HEADERS), rule, *(line(cells) for cells in body[:-1]), rule]
    lines.append(line(body[-1]))
    return "\n".join(lines) + "\n"


def format_usd(usd: Decimal) -> str:
    """Dollars to 4 decimals, half up."""
    return str(usd.quantize(_USD_PLACES, rounding=ROUND_HALF_UP))


def format_cents(usd: Decimal) -> str:
    """Cents to 2 decimals, half up."""
    return str((usd * 100).quantize(_CENT_PLACES, rounding=ROUND_HALF_UP))


def _format_mean(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass(frozen=True, slots=True)
class BillingStatement:
    """A provider bill: cost per day, and per provider/model if the file has those columns."""

    by_provider: bool
    by_model: bool
    lines: tuple[tuple[str, str | None, str | None, Decimal], ...]


@dataclass(frozen=True, slots=True)
class BillingMismatch:
    day: str
    provider: str | None
    model: str | None
    ledger_usd: Decimal
    billing_usd: Decimal
    # The part of ``ledger_usd`` that is worst-case estimates, not reported usage.
    estimated_usd: Decimal = Decimal(0)

    @property
    def difference_usd(self) -> Decimal:
        return self.ledger_usd - self.billing_usd


def parse_billing_csv(text: str) -> BillingStatement:
    """Read ``date[,provider][,model],cost_usd`` rows; raises ValueError naming the line."""
    reader = csv.DictReader(io.StringIO(text))
    header = {name.strip().lower() for name in reader.fieldnames or ()}
    missing = {"date", "cost_usd"} - header
    if missing:
        raise ValueError(f"billing CSV lacks column(s) {sorted(missing)}")
    by_provider, by_model = "provider" in header, "model" in header
    lines: list[tuple[str, str | None, str | None, Decimal]] = []
    for number, raw in enumerate(reader, start=2):
        record = {key.strip().lower(): (value or "").strip() for key, value in raw.items() if key}
        try:
            day = date.fromisoformat(record["date"]).isoformat()
            amount = Decimal(record["cost_usd"])
        except ValueError, InvalidOperation:
            raise ValueError(f"billing CSV line {number}: bad date or cost_usd") from None
        if not amount.is_finite():
            raise ValueError(f"billing CSV line {number}: bad cost_usd")
        lines.append(
            (
                day,
                record["provider"].lower() if by_provider else None,
                record["model"].lower() if by_model else None,
                amount,
            )
        )
    return BillingStatement(by_provider, by_model, tuple(lines))


def compare_billing(
    rows: Sequence[ReportRow],
    billing: BillingStatement,
    tolerance: Decimal = BILLING_TOLERANCE_USD,
) -> list[BillingMismatch]:
    """Keys (day, and provider/model when billed so) where ledger and bill differ by more
    than ``tolerance``. Ledger days inside the bill's date range that the bill lacks count
    as billed at zero. Names compare case-insensitively and exactly: a bill listing
    dated snapshots needs a ledger recording them.

    Estimated rows (sent, usage never reported) are in the ledger at their worst
    case, and the provider may have billed them anywhere from nothing up to that:
    a bill between the reported part and the whole ledger figure matches."""
    if not billing.lines:
        return []

    def key(day: str, provider: str, model: str) -> tuple[str, str | None, str | None]:
        return (
            day,
            provider.lower() if billing.by_provider else None,
            model.lower() if billing.by_model else None,
        )

    first = min(line[0] for line in billing.lines)
    last = max(line[0] for line in billing.lines)
    billed: dict[tuple[str, str | None, str | None], Decimal] = defaultdict(Decimal)
    for day, provider, model, amount in billing.lines:
        billed[(day, provider, model)] += amount
    recorded: dict[tuple[str, str | None, str | None], Decimal] = defaultdict(Decimal)
    estimated: dict[tuple[str, str | None, str | None], Decimal] = defaultdict(Decimal)
    for row in rows:
        if first <= row.day <= last:
            recorded[key(row.day, row.provider, row.model)] += row.cost_usd
            estimated[key(row.day, row.provider, row.model)] += row.estimated_usd
    mismatches = []
    for k in sorted(set(billed) | set(recorded), key=lambda k: (k[0], k[1] or "", k[2] or "")):
        ledger_usd, billing_usd = recorded.get(k, Decimal(0)), billed.get(k, Decimal(0))
        guessed = estimated.get(k, Decimal(0))
        lowest = ledger_usd - guessed
        if billing_usd < lowest - tolerance or billing_usd > ledger_usd + tolerance:
            mismatches.append(BillingMismatch(*k, ledger_usd, billing_usd, guessed))
    return mismatches
