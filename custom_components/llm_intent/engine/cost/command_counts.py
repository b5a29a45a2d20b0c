"""Per-day command counters rebuilt from ledger rows after a restart.

The cache hit ratio divides hits by lookups, so both must come from the same
rows: restoring one without the other gave ratios far above 100 %.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from .ledger import LedgerEntry

# Paths of commands that got past local matching, i.e. the ones the cache could
# have answered. A "none" row may also be an empty or failed command that never
# reached the cache; counting it keeps the ratio a little low, never above 100 %.
LOOKUP_PATHS: Final = frozenset({"cache", "llm", "fallback", "none"})


@dataclass(frozen=True, slots=True)
class CommandCounts:
    cache_hits: int = 0
    cache_lookups: int = 0
    not_understood: int = 0


def count_commands(rows: Iterable[LedgerEntry]) -> CommandCounts:
    hits = lookups = not_understood = 0
    for row in rows:
        if row.path in LOOKUP_PATHS or row.cache_hit:
            lookups += 1
        if row.cache_hit:
            hits += 1
        if row.outcome == "not_understood":
            not_understood += 1
    return CommandCounts(hits, lookups, not_understood)
