"""``scripts/bench [latency|cost|burst|cache|all]``: LLM Intent side by side with HA's
``openai_conversation``, over the same fake provider, home and commands.

Prints a table per mode and writes every run's figures to
``bench-results/bench-<mode>-<time>.json``. See docs/performance.md for the
method.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import UTC, datetime
import json
from pathlib import Path
import sys
from typing import Any

from .bench_report import burst_table, cache_table, cost_table, home_size_table, latency_table
from .bench_runner import run_cache_replay, run_ha_jobs
from .cache_stream import STREAM, generate, save
from .dataset import load_dataset
from .fixture_home import load_fixture_home
from .generated_home import grow_home
from .ha_jobs import CORE, LLM_INTENT, SYSTEMS, Job
from .local_latency import measure as measure_local, scaling_table
from .recall import DEFAULT_FIXTURES, eval_sets, measure

ROOT = Path(__file__).parents[1]
MODES = ("cost", "latency", "burst", "cache")
DEFAULT_COMMANDS = {"cost": 50, "latency": 500, "burst": 200}
COST_SEED = 7  # the same 50 commands every run


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scripts/bench", description=(__doc__ or "").split("\n\n", 1)[0]
    )
    parser.add_argument("mode", choices=[*MODES, "all"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--commands", type=int, help="commands per run (cost/latency/burst)")
    parser.add_argument("--concurrency", type=int, default=50, help="latency: commands in flight")
    parser.add_argument("--seed", type=int, default=1, help="provider draws; repeat r uses seed+r")
    parser.add_argument("--cap", type=float, default=30.0, help="stop waiting for a command (s)")
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    parser.add_argument(
        "--generate", action="store_true", help="cache: rewrite the saved stream first"
    )
    parser.add_argument(
        "--home-size",
        default="",
        help="cost: comma-separated entity counts of generated Polish homes (e.g. 52,250,1000)",
    )
    return parser


def _jobs(mode: str, system: str, args: argparse.Namespace) -> list[Job]:
    n = args.commands or DEFAULT_COMMANDS[mode]
    variants = {"cost": ("llm", "blended"), "latency": ("normal", "failures"), "burst": ("",)}
    return [
        Job(
            mode=mode,
            system=system,
            variant=variant,
            repeat=r,
            seed=COST_SEED if mode == "cost" else args.seed + r,
            commands=n,
            concurrency=args.concurrency,
            cap_s=args.cap,
        )
        for variant in variants[mode]
        for r in range(args.repeats)
    ]


def run_home_sizes(args: argparse.Namespace, work: Path) -> tuple[str, dict[str, Any]]:
    """The LLM-path cost on generated homes of each size, both agents, with target recall."""
    sizes = [int(s) for s in args.home_size.split(",") if s]
    systems = [s for s in args.systems.split(",") if s]
    n = args.commands or DEFAULT_COMMANDS["cost"]
    by_size: dict[int, dict[str, list[dict[str, Any]]]] = {}
    for size in sizes:
        by_size[size] = {}
        for system in systems:
            print(f"cost, home of {size}: {system} ...", file=sys.stderr, flush=True)
            jobs = [
                replace(job, home_size=size)
                for job in _jobs("cost", system, args)
                if job.variant == "llm"
            ]
            by_size[size][system] = run_ha_jobs(jobs, work, f"cost-{size}-{system}")
    recall = recall_by_size(sizes)
    title = (
        f"Cost per command on generated Polish homes, LLM path ({n} commands that need the"
        " model; o200k tokens of the received requests; cached as OpenAI reports a repeated"
        " prefix; target recall of the home selection on the labelled sets)"
    )
    return home_size_table(by_size, recall, title), {"by_size": by_size, "recall": recall}


def run_latency_sizes(args: argparse.Namespace, work: Path) -> tuple[str, dict[str, Any]]:
    """The healthy-provider latency table on generated homes of each size."""
    systems = [s for s in args.systems.split(",") if s]
    n = args.commands or DEFAULT_COMMANDS["latency"]
    tables: list[str] = []
    by_size: dict[int, dict[str, list[dict[str, Any]]]] = {}
    for size in (int(s) for s in args.home_size.split(",") if s):
        by_size[size] = {}
        for system in systems:
            print(f"latency, home of {size}: {system} ...", file=sys.stderr, flush=True)
            jobs = [
                replace(job, home_size=size)
                for job in _jobs("latency", system, args)
                if job.variant == "normal"
            ]
            by_size[size][system] = run_ha_jobs(jobs, work, f"latency-{size}-{system}")
        tables.append(
            latency_table(
                by_size[size],
                f"Latency on a generated home of {size} entities, healthy provider: {n} commands,"
                f" {args.concurrency} in flight; own time from a pass one command at a time"
                f" over the first {min(n, 200)}, provider answering at once",
                own=True,
            )
        )
    return "\n\n".join(tables), {"by_size": by_size}


def recall_by_size(sizes: list[int]) -> dict[int, dict[str, dict[str, Any]]]:
    base = load_fixture_home(DEFAULT_FIXTURES)
    out: dict[int, dict[str, dict[str, Any]]] = {}
    for size in sizes:
        fixtures = grow_home(base, size)
        out[size] = {}
        for path in eval_sets():
            result = measure(load_dataset(path), fixtures)
            out[size][path.name] = {
                "found": result.found,
                "with_targets": result.with_targets,
                "recall": result.recall,
                "misses": result.misses,
            }
    return out


def run_mode(mode: str, args: argparse.Namespace, stamp: str) -> tuple[str, dict[str, Any]]:
    work = args.out / f"work-{stamp}"
    work.mkdir(parents=True, exist_ok=True)
    if mode == "cost" and args.home_size:
        return run_home_sizes(args, work)
    if mode == "latency" and args.home_size:
        return run_latency_sizes(args, work)
    systems = [s for s in args.systems.split(",") if s]
    if mode == "cache":
        if args.generate:
            save(generate())
            print(f"cache stream rewritten: {STREAM}")
        replays = [run_cache_replay(STREAM, work / f"cache-r{r}.json") for r in range(args.repeats)]
        title = (
            f"Cache: {replays[0]['runs'][0]['commands']} commands over 14 days "
            f"({STREAM.name}), one replay per cache lifetime"
        )
        return cache_table(replays, title), {"replays": replays}
    results: dict[str, list[dict[str, Any]]] = {}
    for system in systems:
        print(f"{mode}: {system} ...", file=sys.stderr, flush=True)
        results[system] = run_ha_jobs(_jobs(mode, system, args), work, f"{mode}-{system}")

    def runs(system: str, variant: str) -> list[dict[str, Any]]:
        return [r for r in results.get(system, []) if r["job"]["variant"] == variant]

    n = args.commands or DEFAULT_COMMANDS[mode]
    if mode == "cost":
        text = "\n\n".join(
            [
                cost_table(
                    runs(LLM_INTENT, "llm"),
                    runs(CORE, "llm"),
                    f"Cost per command, LLM path ({n} commands that need the model;"
                    " LLM Intent with HA's matching off; o200k tokens of the received requests)",
                ),
                cost_table(
                    runs(LLM_INTENT, "blended"),
                    runs(CORE, "blended"),
                    f"Cost per command, blended ({n} everyday commands, 60% understood locally;"
                    " LLM Intent with local matching and cache on)",
                ),
            ]
        )
    elif mode == "latency":
        provider = "provider latency log-normal, median 600 ms, p99 2 s"
        text = "\n\n".join(
            latency_table(
                {s: runs(s, variant) for s in systems},
                f"Latency, {label}: {n} commands, {args.concurrency} in flight, {provider}"
                + (
                    "; own time (end to end minus the provider's time) from a pass one"
                    f" command at a time over the first {min(n, 200)}, provider answering at once"
                    if variant == "normal"
                    else f"; a command unanswered after {args.cap:g} s counts as {args.cap:g} s"
                ),
                own=variant == "normal",
            )
            for variant, label in (
                ("normal", "healthy provider"),
                ("failures", "10% failures and 2% hangs"),
            )
        )
        # The local path's own time as the home grows (52 and 1,000 entities).
        text += "\n\n" + scaling_table(measure_local())
    else:
        text = burst_table(
            {s: runs(s, "") for s in systems},
            f"Burst: {n} commands at once, provider log-normal median 600 ms;"
            " LLM Intent with its default limits (4 in flight, queue of 100)",
        )
    return text, results


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    modes = MODES if args.mode == "all" else (args.mode,)
    for mode in modes:
        text, results = run_mode(mode, args, stamp)
        print(text + "\n", flush=True)
        target = args.out / f"bench-{mode}-{stamp}.json"
        target.write_text(
            json.dumps(
                {"mode": mode, "args": vars(args), "table": text, "results": results},
                ensure_ascii=False,
                indent=1,
                default=str,
            )
        )
        print(f"figures: {target}\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
