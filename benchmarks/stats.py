"""Percentiles and the spread of repeated runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
import math
import resource
import statistics
import sys


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) with linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def percentiles(values: Sequence[float]) -> dict[str, float | None]:
    return {
        "n": float(len(values)),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": max(values) if values else None,
    }


@dataclass(frozen=True, slots=True)
class Spread:
    """A figure over repeated runs: the median run, and the lowest and highest."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread | None:
        clean = [v for v in values if v is not None and not math.isnan(v)]
        if not clean:
            return None
        return cls(statistics.median(clean), min(clean), max(clean))

    def text(self, digits: int = 1, unit: str = "") -> str:
        middle = f"{self.median:.{digits}f}{unit}"
        if self.low == self.high:
            return middle
        return f"{middle} ({self.low:.{digits}f}–{self.high:.{digits}f})"

    def as_json(self) -> dict[str, float]:
        return {"median": self.median, "min": self.low, "max": self.high}


def spread_text(values: Sequence[float | None], digits: int = 1, unit: str = "") -> str:
    spread = Spread.of([v for v in values if v is not None])
    return "–" if spread is None else spread.text(digits, unit)


def peak_rss_mib() -> float:
    """This process's peak resident set size so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
