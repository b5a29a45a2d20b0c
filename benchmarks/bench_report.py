"""Turning repeated benchmark runs into the tables ``scripts/bench`` prints.

A cell over repeats shows the median run and, where runs differ, the lowest
and highest in brackets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
import statistics
from typing import Any

from custom_components.llm_intent.engine.cache.store import DEFAULT_TTL

from .ha_jobs import CORE, LLM_INTENT
from .stats import Spread, spread_text
from .table import text_table

Runs = Sequence[Mapping[str, Any]]


def _dig(run: Mapping[str, Any], path: str) -> float | None:
    value: Any = run
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return float(value) if isinstance(value, int | float) else None


def cell(runs: Runs, path: str, digits: int = 1, unit: str = "") -> str:
    return spread_text([_dig(r, path) for r in runs], digits, unit)


def median(runs: Runs, path: str) -> float | None:
    values = [v for r in runs if (v := _dig(r, path)) is not None]
    return statistics.median(values) if values else None


def ratio(core: float | None, ours: float | None) -> str:
    if core is None or not ours:
        return "–"
    return f"{core / ours:.2f}×"


# --- cost ----------------------------------------------------------------------------

_COST_ROWS: tuple[tuple[str, str, int], ...] = (
    ("input tokens / command", "summary.input_tokens_per_command", 0),
    ("output tokens / command", "summary.output_tokens_per_command", 1),
    ("total tokens / command", "summary.total_tokens_per_command", 0),
    ("round trips / command", "summary.round_trips_per_command", 2),
    ("input tokens / request", "summary.input_tokens_per_request", 0),
    ("whole JSON body tokens / command", "summary.raw_body_tokens_per_command", 0),
    ("$ / 1000 commands, gpt-4o-mini", "summary.usd_per_1000_commands_gpt-4o-mini", 4),
    ("$ / 1000 commands, claude-haiku-4-5", "summary.usd_per_1000_commands_claude-haiku-4-5", 4),
    ("peak RSS (MiB)", "peak_rss_mib", 0),
)


def cost_table(ours: Runs, core: Runs, title: str) -> str:
    rows = [
        [
            name,
            cell(ours, path, digits),
            cell(core, path, digits),
            ratio(median(core, path), median(ours, path)),
        ]
        for name, path, digits in _COST_ROWS
    ]
    paths = ours[0]["summary"]["paths"] if ours else {}
    rows.append(
        ["LLM Intent paths", ", ".join(f"{k} {v}" for k, v in sorted(paths.items())), "", ""]
    )
    return title + "\n" + text_table(["", LLM_INTENT, CORE, "core ÷ ours"], rows)


def home_size_table(
    by_size: Mapping[int, Mapping[str, Runs]],
    recall: Mapping[int, Mapping[str, Mapping[str, Any]]],
    title: str,
) -> str:
    """One row per home size: both agents' input and cached tokens, $, round trips, recall."""
    header = [
        "entities",
        "ours input",
        "core input",
        "core ÷ ours",
        "ours cached",
        "core cached",
        "ours $/1000",
        "core $/1000",
        "ours trips",
        "core trips",
        "target recall",
    ]
    usd = "summary.usd_per_1000_commands_gpt-4o-mini"
    rows = []
    for size, systems in by_size.items():
        ours, core = systems.get(LLM_INTENT, []), systems.get(CORE, [])
        tokens = "summary.input_tokens_per_command"
        cached = "summary.cached_input_tokens_per_command"
        trips = "summary.round_trips_per_command"
        sets = recall.get(size, {})
        rows.append(
            [
                str(size),
                cell(ours, tokens, 0),
                cell(core, tokens, 0),
                ratio(median(core, tokens), median(ours, tokens)),
                cell(ours, cached, 0),
                cell(core, cached, 0),
                cell(ours, usd, 4),
                cell(core, usd, 4),
                cell(ours, trips, 2),
                cell(core, trips, 2),
                ", ".join(
                    f"{name} {r['found']}/{r['with_targets']} = {r['recall']:.1%}"
                    for name, r in sets.items()
                ),
            ]
        )
    note = "$ with gpt-4o-mini prices, cached input at its cached-input price."
    return "\n".join([title, text_table(header, rows), note])


# --- latency -------------------------------------------------------------------------

_PATH_ORDER = ("local", "cache", "llm", "fallback", "none", "capped", "error")


def latency_table(by_system: Mapping[str, Runs], title: str, *, own: bool) -> str:
    """End to end from the concurrent pass; with ``own``, the agent's own time per path
    from the one-at-a-time pass (``solo``) beside it."""
    rows = []
    for system, runs in by_system.items():
        names = {p for r in runs for p in r["e2e_ms"] if p != "all"}
        if own:
            names |= {p for r in runs for p in (r.get("solo") or {}).get("e2e_ms", {})}
        paths = sorted(
            names - {"all"}, key=lambda p: _PATH_ORDER.index(p) if p in _PATH_ORDER else 99
        )
        for path in [*paths, "all"]:
            n = median(runs, f"paths.{path}") if path != "all" else median(runs, "e2e_ms.all.n")
            row = [
                system,
                path,
                "–" if n is None else f"{n:.0f}",
                cell(runs, f"e2e_ms.{path}.p50", 0),
                cell(runs, f"e2e_ms.{path}.p95", 0),
                cell(runs, f"e2e_ms.{path}.p99", 0),
            ]
            if own:
                solo_n = median(runs, f"solo.paths.{path}")
                row += [
                    "–" if solo_n is None or path == "all" else f"{solo_n:.0f}",
                    cell(runs, f"solo.overhead_ms.{path}.p50", 1) if path != "all" else "",
                    cell(runs, f"solo.overhead_ms.{path}.p95", 1) if path != "all" else "",
                    cell(runs, f"solo.overhead_ms.{path}.p99", 1) if path != "all" else "",
                ]
            rows.append(row)
    header = ["agent", "path", "n", "e2e p50 ms", "e2e p95 ms", "e2e p99 ms"]
    if own:
        header += ["solo n", "own p50 ms", "own p95 ms", "own p99 ms"]
    extra = []
    for system, runs in by_system.items():
        extra.append(
            f"{system}: wall {cell(runs, 'wall_s', 1, ' s')}, answered {cell(runs, 'answered', 0)},"
            f" acted {cell(runs, 'acted', 0)}, unanswered at the cap {cell(runs, 'capped', 0)},"
            f" round trips per LLM command {cell(runs, 'round_trips_per_llm_command', 2)},"
            f" provider time per LLM command p50 {cell(runs, 'provider_ms.p50', 0, ' ms')},"
            f" peak RSS {cell(runs, 'peak_rss_mib', 0, ' MiB')}"
        )
    return "\n".join([title, text_table(header, rows), *extra])


# --- burst ---------------------------------------------------------------------------


def burst_table(by_system: Mapping[str, Runs], title: str) -> str:
    rows = [
        [
            system,
            cell(runs, "answered", 0),
            cell(runs, "lost", 0),
            cell(runs, "acted", 0),
            cell(runs, "max_queue_depth", 0) if system == LLM_INTENT else "no queue",
            cell(runs, "refused_by_limiter", 0) if system == LLM_INTENT else "–",
            cell(runs, "e2e_ms.p50", 0),
            cell(runs, "e2e_ms.p99", 0),
            cell(runs, "wall_s", 1),
            cell(runs, "peak_rss_mib", 0),
        ]
        for system, runs in by_system.items()
    ]
    header = [
        "agent",
        "answered",
        "lost",
        "acted",
        "max queue",
        "refused",
        "p50 ms",
        "p99 ms",
        "wall s",
        "RSS MiB",
    ]
    notes = [
        f"{system} paths: "
        + ", ".join(f"{k} {v}" for k, v in sorted(runs[0].get("paths", {}).items()))
        + (
            "; LLM errors: "
            + ", ".join(f"{k} {v}" for k, v in sorted(runs[0]["llm_errors"].items()))
            if runs[0].get("llm_errors")
            else ""
        )
        for system, runs in by_system.items()
        if runs
    ]
    return "\n".join([title, text_table(header, rows), *notes])


# --- cache ---------------------------------------------------------------------------


def cache_table(replays: Sequence[Mapping[str, Any]], title: str) -> str:
    by_ttl: dict[float, list[Mapping[str, Any]]] = {}
    for replay in replays:
        for run in replay["runs"]:
            by_ttl.setdefault(run["ttl_s"], []).append(run)

    def first(runs: list[Mapping[str, Any]], key: str, fmt: Callable[[Any], str] = str) -> str:
        return fmt(runs[0][key])

    rows = [
        [
            _ttl(ttl) + (" (default)" if ttl == DEFAULT_TTL else ""),
            first(runs, "commands"),
            first(runs, "past_local"),
            first(runs, "cache_hits"),
            first(runs, "hit_ratio", lambda v: f"{v * 100:.1f}%"),
            first(runs, "llm_calls_avoided"),
            first(runs, "usd_avoided_gpt-4o-mini", lambda v: f"${v:.4f}"),
            first(runs, "usd_avoided_claude-haiku-4-5", lambda v: f"${v:.4f}"),
        ]
        for ttl, runs in sorted(by_ttl.items())
    ]
    header = [
        "cache lifetime",
        "commands",
        "past local",
        "hits",
        "hit ratio",
        "LLM calls avoided",
        "$ avoided 4o-mini",
        "$ avoided haiku-4-5",
    ]
    rss = Spread.of([r["peak_rss_mib"] for r in replays])
    return "\n".join(
        [title, text_table(header, rows), f"peak RSS {rss.text(0, ' MiB') if rss else '–'}"]
    )


def _ttl(seconds: float) -> str:
    if seconds >= 86_400:
        return f"{seconds / 86_400:g} d"
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    return f"{seconds:g} s"
