"""The Home Assistant benchmarks: cost, latency and burst, for either agent.

A job sets up the fixture home and one agent (LLM Intent or HA core's
``openai_conversation``) on the harness's ``hass``, points the agent at the
benchmark provider, warms up, sends its commands and returns plain figures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
import time
from typing import Any, cast

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from custom_components.llm_intent.engine.cost.pricing import PriceBook
from custom_components.llm_intent.engine.pipeline import Outcome

from .fixture_home import FixtureHome, load_fixture_home
from .generated_home import grow_home
from .ha_runs import (
    CommandRun,
    converse_all,
    converse_one,
    requests_by_command,
    union_seconds,
)
from .ha_setup import (
    build_home,
    observe_outcomes,
    setup_llm_intent,
    setup_openai_conversation,
    tag_requests,
)
from .link import ProviderLink
from .provider import Plan
from .request_tokens import PrefixTokens, RequestCounter
from .stats import peak_rss_mib, percentiles
from .workloads import (
    LOCAL,
    BenchCommand,
    all_labels,
    command_mix,
    cost_commands_llm,
    describe,
)

LLM_INTENT = "llm_intent"
CORE = "openai_conversation"
SYSTEMS = (LLM_INTENT, CORE)
PRICED_MODELS = ("gpt-4o-mini", "claude-haiku-4-5")

# The provider's latency: log-normal, median 600 ms, p99 2 s.
LATENCY = Plan(median_s=0.6, p99_s=2.0)
# Command numbers of the one-at-a-time pass, apart from the timed pass's.
SOLO = 100_000


@dataclass(frozen=True, slots=True)
class Job:
    mode: str  # cost | latency | burst
    system: str  # llm_intent | openai_conversation
    variant: str = ""  # cost: llm | blended; latency: normal | failures
    repeat: int = 0
    seed: int = 1
    commands: int = 50
    concurrency: int = 50
    cap_s: float = 30.0
    fixtures: str = "tests/data/eval_home.json"
    # Multiplies the provider's latency draws (tests use 0: answers at once).
    provider_scale: float = 1.0
    # Entities of the generated home (``generated_home.grow_home``); 0: the fixtures as they are.
    home_size: int = 0

    @property
    def name(self) -> str:
        return f"{self.mode}-{self.system}-{self.variant or 'default'}-r{self.repeat}"


def job_home(job: Job) -> FixtureHome:
    fixtures = load_fixture_home(job.fixtures)
    return grow_home(fixtures, job.home_size) if job.home_size else fixtures


@dataclass
class Agent:
    agent_id: str
    entry: ConfigEntry[Any]
    outcomes: dict[int, Outcome] = field(default_factory=dict)


async def start_agent(
    hass: HomeAssistant,
    link: ProviderLink,
    job: Job,
    *,
    prefer_local: bool,
    options: dict[str, Any] | None = None,
) -> Agent:
    """The home and one agent; ``options`` are LLM Intent's (left at their defaults if None)."""
    await build_home(hass, job_home(job))
    await link.configure(Plan(seed=job.seed), all_labels())
    if job.system == LLM_INTENT:
        agent_id, entry = await setup_llm_intent(
            hass, link.base_url, prefer_local=prefer_local, options=options
        )
    else:
        agent_id, entry = await setup_openai_conversation(hass, link.base_url)
    tag_requests(hass)
    agent = Agent(agent_id, entry)
    if job.system == LLM_INTENT:
        observe_outcomes(entry, agent.outcomes)
    # First use loads HA's sentence files, tiktoken and the SDK: not what is measured.
    # Numbered -1, a number no measured command has, so no figure counts them.
    for text, language in (
        ("włącz światło w kuchni", "pl"),
        ("a może coś innego", "pl"),
        ("turn off the kitchen light", "en"),
        ("something else maybe", "en"),
    ):
        command = BenchCommand(text, language, LOCAL[0].label, "warmup")
        await converse_one(hass, agent_id, -1, command, cap_s=60)
    return agent


def _path(job: Job, agent: Agent, run: CommandRun, requests: int) -> str:
    if run.capped:
        return "capped"
    if run.error is not None:
        return "error"
    if job.system == LLM_INTENT:
        outcome = agent.outcomes.get(run.index)
        return str(outcome.path) if outcome is not None else "none"
    return "llm" if requests else "none"


def _acted(job: Job, agent: Agent, run: CommandRun, served: Sequence[dict[str, Any]]) -> bool:
    """Did the agent act on the command (not just answer it)?"""
    if not run.answered:
        return False
    if job.system == LLM_INTENT:
        outcome = agent.outcomes.get(run.index)
        return outcome is not None and outcome.executed and outcome.success
    # openai_conversation acts by calling a tool; its answer alone is not an action.
    return any(r["tool"] and r["kind"] == "ok" for r in served)


def _llm_error(agent: Agent, run: CommandRun) -> str | None:
    """Why LLM Intent's model path gave no answer (timeout, queue_full...), if it did not."""
    outcome = agent.outcomes.get(run.index)
    return outcome.llm_error if outcome is not None else None


# --- cost --------------------------------------------------------------------------


def cost_commands(variant: str, n: int, seed: int) -> list[BenchCommand]:
    if variant == "blended":
        return command_mix(n, seed, local_share=0.6, repeat_share=0.1, min_repeat_gap=5)
    return cost_commands_llm(n, seed)


async def run_cost(hass: HomeAssistant, link: ProviderLink, job: Job) -> dict[str, Any]:
    """Tokens and round trips per command; LLM Intent's local matching only for ``blended``."""
    agent = await start_agent(hass, link, job, prefer_local=job.variant == "blended")
    commands = cost_commands(job.variant, job.commands, job.seed)
    runs = await converse_all(hass, agent.agent_id, commands, concurrency=1, cap_s=job.cap_s)
    grouped = requests_by_command(await link.log(bodies=True))
    counter = RequestCounter()
    # The provider's prompt cache as OpenAI keeps it, over this agent's requests
    # (the warm-up's included: a real agent has sent requests before).
    prefixes = PrefixTokens(counter)
    for warmup in grouped.get(-1, []):
        prefixes.see(warmup["body"], counter.request(warmup["body"]).billed)
    rows = []
    for run in runs:
        served = grouped.get(run.index, [])
        tokens = [counter.request(r["body"]) for r in served]
        cached = [prefixes.see(r["body"], t.billed) for r, t in zip(served, tokens, strict=True)]
        rows.append(
            {
                "text": run.text,
                "path": _path(job, agent, run, len(served)),
                "round_trips": len(served),
                "input_tokens": sum(t.billed for t in tokens),
                "cached_input_tokens": sum(cached),
                "raw_body_tokens": sum(t.raw for t in tokens),
                "output_tokens": sum(counter.text(r["reply"]) for r in served),
                "per_request_input": [t.billed for t in tokens],
                "acted": _acted(job, agent, run, served),
            }
        )
    n = len(rows)
    llm_rows = [r for r in rows if r["round_trips"]]

    def mean(key: str, among: Sequence[dict[str, Any]] = rows) -> float:
        return sum(r[key] for r in among) / len(among) if among else 0.0

    requests = [t for r in rows for t in cast(list[int], r["per_request_input"])]
    summary: dict[str, Any] = {
        "commands": n,
        "workload": describe(commands),
        "paths": dict(Counter(r["path"] for r in rows)),
        "llm_commands": len(llm_rows),
        "input_tokens_per_command": mean("input_tokens"),
        "cached_input_tokens_per_command": mean("cached_input_tokens"),
        "output_tokens_per_command": mean("output_tokens"),
        "total_tokens_per_command": mean("input_tokens") + mean("output_tokens"),
        "raw_body_tokens_per_command": mean("raw_body_tokens"),
        "round_trips_per_command": mean("round_trips"),
        "round_trips_per_llm_command": mean("round_trips", llm_rows),
        "input_tokens_per_request": sum(requests) / len(requests) if requests else 0.0,
        "acted": sum(r["acted"] for r in rows),
    }
    prices = PriceBook()
    for model in PRICED_MODELS:
        price = prices.lookup(model)
        assert price is not None
        cached_input = Decimal(str(summary["cached_input_tokens_per_command"]))
        usd = (
            (Decimal(str(summary["input_tokens_per_command"])) - cached_input) * price.input
            + cached_input * price.cached_input
            + Decimal(str(summary["output_tokens_per_command"])) * price.output
        ) / Decimal(1_000_000)
        summary[f"usd_per_1000_commands_{model}"] = float(usd * 1000)
    return {"job": asdict(job), "summary": summary, "rows": rows, "peak_rss_mib": peak_rss_mib()}


# --- latency -----------------------------------------------------------------------


def latency_plan(variant: str, seed: int, scale: float = 1.0) -> Plan:
    median, p99 = LATENCY.median_s * scale, LATENCY.p99_s * scale
    if variant == "failures":
        return Plan(seed, median, p99, failure_rate=0.10, hang_rate=0.02)
    return Plan(seed, median, p99)


def latency_commands(n: int, seed: int) -> list[BenchCommand]:
    return command_mix(n, seed, local_share=0.3, repeat_share=0.2, min_repeat_gap=100)


def _timings(
    job: Job, agent: Agent, runs: Sequence[CommandRun], log: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """Per path: end to end, and the agent's own time (end to end minus the time the
    provider spent on that command's requests, measured at the provider)."""
    grouped = requests_by_command(log)
    e2e: dict[str, list[float]] = {}
    own: dict[str, list[float]] = {}
    provider: list[float] = []
    round_trips: list[int] = []
    rows = []
    for run in runs:
        served = grouped.get(run.index, [])
        run.path = _path(job, agent, run, len(served))
        e2e.setdefault(run.path, []).append(run.e2e_ms)
        e2e.setdefault("all", []).append(run.e2e_ms)
        if served:
            round_trips.append(len(served))
        answered = [(r["started"], r["ended"]) for r in served if r["ended"] >= r["started"]]
        spent = union_seconds(answered) * 1000
        clean = not (run.capped or run.error or any(r["kind"] != "ok" for r in served))
        if clean:
            if served:
                provider.append(spent)
            own.setdefault(run.path, []).append(run.e2e_ms - spent)
        rows.append(
            {
                "index": run.index,
                "text": run.text,
                "path": run.path,
                "e2e_ms": round(run.e2e_ms, 2),
                "provider_ms": round(spent, 2),
                "requests": [r["kind"] for r in served],
                "acted": _acted(job, agent, run, served),
                "llm_error": _llm_error(agent, run),
            }
        )
    return {
        "paths": {k: len(v) for k, v in e2e.items() if k != "all"},
        "e2e_ms": {k: percentiles(v) for k, v in e2e.items()},
        "overhead_ms": {k: percentiles(v) for k, v in own.items()},
        "provider_ms": percentiles(provider),
        "round_trips_per_llm_command": sum(round_trips) / len(round_trips) if round_trips else 0,
        "capped": sum(r.capped for r in runs),
        "errors": sum(r.error is not None for r in runs),
        "answered": sum(r.answered for r in runs),
        "acted": sum(row["acted"] for row in rows),
        "rows": rows,
    }


async def run_latency(hass: HomeAssistant, link: ProviderLink, job: Job) -> dict[str, Any]:
    """Two passes over the same commands.

    Own time: one command at a time against a provider that answers at once, so
    what is left of end to end is the agent's own work, not waiting for the
    provider or for other commands' turn on the CPU. Then end to end: all
    commands, ``job.concurrency`` in flight, the provider's seeded latency (and,
    for ``failures``, its errors and hangs).
    """
    # LLM Intent's default of 4 requests in flight protects an account's rate limit;
    # with job.concurrency commands in flight it would only add queueing, which
    # ``run_burst`` measures with the defaults.
    agent = await start_agent(
        hass, link, job, prefer_local=True, options={"max_concurrency": job.concurrency + 14}
    )
    commands = latency_commands(job.commands, job.seed)
    solo_commands = commands[: min(len(commands), 200)]
    solo: dict[str, Any] | None = None
    if job.variant == "normal":
        await link.configure(Plan(job.seed))
        solo_runs = await converse_all(
            hass, agent.agent_id, solo_commands, concurrency=1, cap_s=job.cap_s, first_index=SOLO
        )
        solo = _timings(job, agent, solo_runs, await link.log())
        if job.system == LLM_INTENT and agent.entry.runtime_data.cache is not None:
            # The timed pass must find the cache as empty as the first pass did.
            await agent.entry.runtime_data.cache.clear()
    await link.configure(latency_plan(job.variant, job.seed, job.provider_scale))
    began = time.monotonic()
    runs = await converse_all(
        hass, agent.agent_id, commands, concurrency=job.concurrency, cap_s=job.cap_s
    )
    wall = time.monotonic() - began
    return {
        "job": asdict(job),
        "workload": describe(commands),
        "wall_s": wall,
        **_timings(job, agent, runs, await link.log()),
        "solo": solo,
        "peak_rss_mib": peak_rss_mib(),
    }


# --- burst -------------------------------------------------------------------------


async def run_burst(hass: HomeAssistant, link: ProviderLink, job: Job) -> dict[str, Any]:
    """``job.commands`` commands at once, with the agent's default limits."""
    agent = await start_agent(hass, link, job, prefer_local=True)
    commands = latency_commands(job.commands, job.seed)
    await link.configure(latency_plan("normal", job.seed, job.provider_scale))
    began = time.monotonic()
    runs = await converse_all(
        hass, agent.agent_id, commands, concurrency=len(commands), cap_s=job.cap_s
    )
    wall = time.monotonic() - began
    grouped = requests_by_command(await link.log())
    for run in runs:
        run.path = _path(job, agent, run, len(grouped.get(run.index, [])))
    acted = sum(_acted(job, agent, r, grouped.get(r.index, [])) for r in runs)
    queue: dict[str, Any] = {"max_queue_depth": None, "refused_by_limiter": None}
    if job.system == LLM_INTENT and agent.entry.runtime_data.llm is not None:
        limiter = agent.entry.runtime_data.llm.router.routes[0].limiter
        queue = {
            "max_queue_depth": limiter.max_queue_depth_seen,
            "refused_by_limiter": limiter.rejected_total,
        }
    errors = Counter(
        o.llm_error for o in agent.outcomes.values() if o.llm_error and o.path != "local"
    )
    return {
        "job": asdict(job),
        "workload": describe(commands),
        "wall_s": wall,
        "answered": sum(r.answered for r in runs),
        "lost": sum(not r.answered for r in runs),
        "acted": acted,
        "paths": dict(Counter(r.path for r in runs)),
        "llm_errors": dict(errors),
        "e2e_ms": percentiles([r.e2e_ms for r in runs]),
        "requests": sum(len(v) for v in grouped.values()),
        **queue,
        "peak_rss_mib": peak_rss_mib(),
    }


RUNNERS = {"cost": run_cost, "latency": run_latency, "burst": run_burst}
