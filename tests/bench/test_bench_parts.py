"""The benchmark's instruments: provider draws, request attribution, the cache stream."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import statistics
from typing import Any

import httpx
import pytest

from benchmarks.bench_report import cache_table, cost_table
from benchmarks.bench_runner import provider_process
from benchmarks.brain import CurrentLabelBrain, Label, LabelBrain, ha_tool_call
from benchmarks.cache_replay import replay
from benchmarks.cache_stream import SATELLITES, STREAM, generate, load
from benchmarks.fixture_home import load_fixture_home
from benchmarks.ha_runs import union_seconds
from benchmarks.link import RemoteLink
from benchmarks.provider import COMMAND_HEADER, BenchProvider, Plan
from benchmarks.stats import percentile
from benchmarks.workloads import command_mix, cost_commands_llm, describe, llm_pool

HOME = Path(__file__).parents[1] / "data" / "eval_home.json"


def test_latency_draws_have_the_asked_median_and_p99() -> None:
    plan = Plan(seed=3, median_s=0.6, p99_s=2.0)
    draws = [plan.draw(i, 0)[1] for i in range(20_000)]
    assert statistics.median(draws) == pytest.approx(0.6, rel=0.03)
    p99 = percentile(draws, 99)
    assert p99 is not None and p99 == pytest.approx(2.0, rel=0.06)


def test_draws_depend_only_on_command_and_round_trip() -> None:
    """Both agents must see the same provider for the same command."""
    plan = Plan(seed=5, median_s=0.6, p99_s=2.0, failure_rate=0.1, hang_rate=0.02)
    assert [plan.draw(7, k) for k in range(3)] == [plan.draw(7, k) for k in range(3)]
    fates = [plan.draw(i, 0)[0] for i in range(10_000)]
    assert fates.count("error") / 10_000 == pytest.approx(0.10, abs=0.01)
    assert fates.count("hang") / 10_000 == pytest.approx(0.02, abs=0.005)
    assert Plan(seed=6).draw(7, 0) == ("ok", 0.0, 200)


def test_union_counts_overlapping_requests_once() -> None:
    assert union_seconds([(0.0, 1.0), (0.5, 1.5), (3.0, 4.0)]) == pytest.approx(2.5)
    assert union_seconds([]) == 0.0


def test_workloads_are_fixed_and_need_what_they_say() -> None:
    assert len({c.text for c in llm_pool()}) == len(llm_pool()) == 264
    assert cost_commands_llm(50, 7) == cost_commands_llm(50, 7)
    mix = command_mix(500, 1, local_share=0.3, repeat_share=0.2, min_repeat_gap=100)
    shape = describe(mix)
    assert shape["commands"] == 500
    assert 120 <= shape["local"] <= 180
    assert shape["llm_repeat"] >= 50
    # A repeat comes at least 100 commands after the first use, so it can be cached.
    first: dict[str, int] = {}
    for i, c in enumerate(mix):
        if c.kind == "llm" and c.text in first:
            assert i - first[c.text] >= 100
        first.setdefault(c.text, i)


def test_brain_calls_home_assistants_namespaced_tool() -> None:
    offered = {
        "HassTurnOn": "intent__HassTurnOn",
        "HassTurnOff": "intent__HassTurnOff",
        "HassLightSet": "light__HassLightSet",
    }
    call = ha_tool_call(Label("HassTurnOn", {"area": "Kuchnia", "domain": "light"}), offered)
    assert call == ("intent__HassTurnOn", {"area": "Kuchnia", "domain": ["light"]})
    cover = ha_tool_call(Label("HassCloseCover", {"area": "Salon"}), offered)
    assert cover == ("intent__HassTurnOff", {"domain": ["cover"], "area": "Salon"})
    assert ha_tool_call(Label("HassMediaPause", {}), offered) is None


async def test_provider_attributes_each_request_to_its_command(socket_enabled: None) -> None:
    provider = BenchProvider(LabelBrain({"zrób jasno": Label("HassTurnOn", {})}))
    await provider.start()
    try:
        provider.configure(Plan(seed=1, failure_rate=0.0))
        async with httpx.AsyncClient() as client:
            for command in (4, 4, 9):
                response = await client.post(
                    f"{provider.openai_base_url}/chat/completions",
                    headers={COMMAND_HEADER: str(command)},
                    json={
                        "model": "gpt-4o-mini",
                        "messages": [{"role": "user", "content": "COMMAND: zrób jasno"}],
                        "response_format": {"type": "json_object"},
                    },
                )
                assert response.status_code == 200
        log = provider.log()
        assert [(r["command"], r["round_trip"]) for r in log] == [(4, 0), (4, 1), (9, 0)]
        assert all(r["ended"] >= r["started"] > 0 for r in log)
        assert json.loads(log[0]["reply"])["intent"] == "HassTurnOn"
    finally:
        await provider.stop()


async def test_a_request_still_unanswered_is_in_the_log(socket_enabled: None) -> None:
    """Reading the log mid-request must show it, or a slow command looks like no request."""
    provider = BenchProvider(LabelBrain({}))
    await provider.start()
    try:
        provider.configure(Plan(seed=1, hang_rate=1.0))
        async with httpx.AsyncClient() as client:
            pending = asyncio.ensure_future(
                client.post(
                    f"{provider.openai_base_url}/chat/completions",
                    headers={COMMAND_HEADER: "3"},
                    json={"model": "m", "messages": [{"role": "user", "content": "x"}]},
                )
            )
            while not provider.state.served:
                await asyncio.sleep(0)
            while provider.state.served[0].kind == "ok":
                await asyncio.sleep(0)
            log = provider.log()
            pending.cancel()
    finally:
        await provider.stop()
    assert [(r["command"], r["kind"], r["ended"]) for r in log] == [(3, "hang", 0.0)]


async def test_provider_in_its_own_process_takes_orders_and_reports(socket_enabled: None) -> None:
    with provider_process() as urls:
        link = RemoteLink(urls["base_url"], urls["control_url"])
        await link.configure(Plan(seed=2), {"hej": Label("HassNevermind", {})})
        async with httpx.AsyncClient() as client:
            response = await client.post(
                f"{link.base_url}/chat/completions",
                headers={COMMAND_HEADER: "11"},
                json={"model": "m", "messages": [{"role": "user", "content": "COMMAND: hej"}]},
            )
        assert response.status_code == 200
        log = await link.log(bodies=True)
    assert [(r["command"], r["kind"]) for r in log] == [(11, "ok")]
    assert log[0]["body"]["messages"][0]["content"] == "COMMAND: hej"


def test_saved_cache_stream_is_what_the_generator_makes() -> None:
    """A stale fixture would measure a stream nobody can regenerate."""
    saved = load(STREAM)
    assert [e.as_json() for e in saved] == [e.as_json() for e in generate()]
    devices = {e.device for e in saved}
    assert devices == {s[0] for s in SATELLITES}
    assert any(e.text == "a teraz wyłącz" for e in saved), "follow-ups are in the stream"
    assert all(b.t >= a.t for a, b in zip(saved, saved[1:], strict=False))


async def test_cache_replay_counts_hits_among_commands_past_local(socket_enabled: None) -> None:
    home = load_fixture_home(HOME).engine_home()
    events = load(STREAM)[:80]
    provider = BenchProvider(CurrentLabelBrain())
    await provider.start()
    try:
        short = await replay(events, 300.0, provider, home)
        long = await replay(events, 7 * 86_400.0, provider, home)
    finally:
        await provider.stop()
    for result in (short, long):
        assert sum(result["paths"].values()) == 80
        assert result["past_local"] == 80 - result["paths"].get("local", 0)
        assert result["llm_calls"] + result["cache_hits"] <= result["past_local"]
        assert result["hit_ratio"] == pytest.approx(result["cache_hits"] / result["past_local"])
        # Rules and catalogue at least (the home section is chosen per command).
        assert result["input_tokens_per_call"] > 500
    assert long["cache_hits"] > short["cache_hits"], "a longer lifetime keeps more"
    assert long["usd_avoided_gpt-4o-mini"] > 0
    text = cache_table([{"runs": [short, long], "peak_rss_mib": 1.0}], "Cache")
    assert "7 d" in text and "300 s" in text


def test_cost_table_divides_core_by_ours() -> None:
    def run(tokens: float, trips: float) -> dict[str, Any]:
        return {
            "summary": {
                "input_tokens_per_command": tokens,
                "round_trips_per_command": trips,
                "paths": {"llm": 1},
            },
            "peak_rss_mib": 400.0,
        }

    text = cost_table([run(1000, 1)], [run(6000, 2)], "Cost")
    lines = {line.split("  ")[0]: line for line in text.splitlines()}
    assert lines["input tokens / command"].rstrip().endswith("6.00×")
    assert lines["round trips / command"].rstrip().endswith("2.00×")
