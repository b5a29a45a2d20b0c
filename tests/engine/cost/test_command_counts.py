"""Counters rebuilt from ledger rows: hits never exceed lookups, not-understood rows counted."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from custom_components.llm_intent.engine.cost.command_counts import count_commands
from custom_components.llm_intent.engine.cost.ledger import LedgerEntry

PATHS = ("local", "cache", "llm", "fallback", "none")
OUTCOMES = ("success", "failed", "asked", "not_understood")

rows = st.lists(
    st.builds(
        LedgerEntry,
        ts=st.just(1.0),
        path=st.sampled_from(PATHS),
        outcome=st.sampled_from(OUTCOMES),
        cache_hit=st.booleans(),
    ),
    max_size=40,
)


def test_counts_of_a_day() -> None:
    day = [
        LedgerEntry(ts=1, path="llm", outcome="success"),
        LedgerEntry(ts=2, path="cache", outcome="success", cache_hit=True),
        LedgerEntry(ts=3, path="local", outcome="success"),
        LedgerEntry(ts=4, path="none", outcome="not_understood"),
        LedgerEntry(ts=5, path="local", outcome="not_understood"),
    ]
    counts = count_commands(day)
    assert (counts.cache_hits, counts.cache_lookups, counts.not_understood) == (1, 3, 2)


@settings(max_examples=200, deadline=None)
@given(rows)
def test_hit_ratio_is_a_share(day: list[LedgerEntry]) -> None:
    counts = count_commands(day)
    assert 0 <= counts.cache_hits <= counts.cache_lookups <= len(day)
    assert counts.not_understood == sum(1 for r in day if r.outcome == "not_understood")
