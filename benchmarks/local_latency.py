"""Own time of the engine's local path by home size: the 52-entity fixture home and 1,000.

    python -m benchmarks.local_latency [--repeats N]

Every development-split command is handled by the engine's pipeline (HA's
sentence templates with the home's names in every form, the local matcher,
precision check, context, answer; nothing executed) one at a time, ``repeats``
times over; the figures are per command.
The large home is the fixture home with generated rooms and devices added, so
the same commands still name the same things. Home Assistant's own matching,
tried first in the integration, is not part of this figure (see the harness
run in ``scripts/bench latency``). The CPU column is the thread's own CPU
time: on a shared machine the wall-clock p99 also holds the time the process
waited for a core.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import replace
import random
import sys
import time
from typing import Any

from custom_components.llm_intent.engine.clock import SystemClock
from custom_components.llm_intent.engine.home import Area, Entity, Home
from custom_components.llm_intent.engine.pipeline import Command
from custom_components.llm_intent.engine.understanding.catalogue import load_catalogue

from .dataset import load_dataset
from .eval_run import CATALOGUE, build_pipeline
from .fixture_home import load_fixture_home
from .stats import percentile
from .table import text_table

_KINDS = (
    ("light", "Lampa"),
    ("light", "Kinkiet"),
    ("switch", "Gniazdko"),
    ("cover", "Roleta"),
    ("sensor", "Czujnik"),
    ("fan", "Wentylator"),
    ("media_player", "Głośnik"),
)
_ROOMS = ("Pokój", "Sala", "Antresola", "Spiżarnia", "Pracownia", "Weranda", "Strych")


def grown_home(home: Home, entities: int, seed: int = 5) -> Home:
    """``home`` with generated rooms and devices added up to ``entities`` entities."""
    rng = random.Random(seed)
    areas = list(home.areas)
    added: list[Entity] = []
    room_count = max(1, (entities - len(home.entities)) // 12)
    for r in range(room_count):
        name = f"{_ROOMS[r % len(_ROOMS)]} {r + 1}"
        areas.append(Area(f"gen_{r}", name, floor_id=rng.choice([f.floor_id for f in home.floors])))
    n = 0
    while len(home.entities) + len(added) < entities:
        domain, word = _KINDS[n % len(_KINDS)]
        room = areas[len(home.areas) + n % room_count]
        added.append(Entity(f"{domain}.gen_{n}", f"{word} {n}", area_id=room.area_id))
        n += 1
    return replace(home, areas=tuple(areas), entities=(*home.entities, *added))


async def _own_times(
    home: Home, texts: list[tuple[str, str]], repeats: int
) -> tuple[list[float], list[float]]:
    catalogue = load_catalogue(CATALOGUE)
    pipeline, _ = build_pipeline(home, catalogue, SystemClock(), None)
    for text, lang in texts:  # warm: indexes are built once per home version
        await pipeline.handle(Command(text, language=lang, execute=False))
    times: list[float] = []
    cpu: list[float] = []
    for r in range(repeats):
        for text, lang in texts:
            started, started_cpu = time.perf_counter(), time.thread_time()
            await pipeline.handle(
                Command(text, language=lang, conversation_id=f"r{r}", execute=False)
            )
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
    return times, cpu


def measure(repeats: int = 5) -> dict[str, Any]:
    fixtures = load_fixture_home(CATALOGUE.parents[2] / "tests" / "data" / "eval_home.json")
    small = fixtures.engine_home()
    records = load_dataset(CATALOGUE.parents[2] / "tests" / "data" / "eval_pl_en.jsonl")
    texts = [(r.text, r.lang) for r in records if r.previous is None]
    out: dict[str, Any] = {}
    for label, home in (("52", small), ("1000", grown_home(small, 1000))):
        times, cpu = asyncio.run(_own_times(home, texts, repeats))
        out[label] = {
            "entities": len(home.entities),
            "n": len(times),
            "p50": percentile(times, 50),
            "p99": percentile(times, 99),
            "cpu_p99": percentile(cpu, 99),
        }
    return out


def scaling_table(figures: dict[str, Any]) -> str:
    rows = [
        [f["entities"], f["n"], f"{f['p50']:.2f}", f"{f['p99']:.2f}", f"{f['cpu_p99']:.2f}"]
        for f in figures.values()
    ]
    return "\n".join(
        [
            "Engine local path own time by home size (sentence library, matcher, precision"
            " check, pipeline;"
            " one command at a time, nothing executed)",
            "",
            text_table(["entities", "n", "own p50 ms", "own p99 ms", "own CPU p99 ms"], rows),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.local_latency")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    print(scaling_table(measure(args.repeats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
