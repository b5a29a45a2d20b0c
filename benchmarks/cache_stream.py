"""A household's command stream for the cache benchmark, generated once and saved.

Fourteen days of a family using five microphones (four room satellites and a
phone). Each day has a morning and an evening; commands come in short
sessions. What is said is drawn Zipf-like (weight 1/rank) over a vocabulary
of phrasings covering the catalogue's intents: the labelled dataset's
context-free commands, the everyday phrasings and a share of colloquial ones
from the benchmark workloads, plus room-relative commands ("zgaś światło",
heard by the kitchen satellite, means the kitchen) and follow-ups
("a teraz wyłącz", "jaśniej") a few seconds after a command with a target.
The rank of each phrasing is a seeded shuffle, not a choice.

``python -m benchmarks.bench cache --generate`` rewrites the saved stream.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
from pathlib import Path
import random
from typing import Any

from .brain import Label
from .dataset import load_dataset
from .workloads import AREAS, LOCAL, llm_pool

ROOT = Path(__file__).parents[1]
STREAM = ROOT / "tests" / "data" / "bench_cache_stream.json"
DATASET = ROOT / "tests" / "data" / "eval_pl_en.jsonl"
SEED = 2026
DAYS = 14
# (device id, area name or None, share of commands heard there)
SATELLITES = (
    ("satellite_kuchnia", "Kuchnia", 0.30),
    ("satellite_salon", "Salon", 0.30),
    ("satellite_sypialnia", "Sypialnia", 0.20),
    ("satellite_gabinet", "Gabinet", 0.10),
    ("phone", None, 0.10),
)
_LOC = {area: loc for area, loc, _ in AREAS}
# Said without a room, meaning the satellite's room.
_RELATIVE = (
    ("zgaś światło", "HassTurnOff", {"domain": "light"}),
    ("włącz światło", "HassTurnOn", {"domain": "light"}),
    ("jaśniej", "LightBrightnessStep", {"step": 20}),
    ("ciemniej", "LightBrightnessStep", {"step": -20}),
    ("zrób tu jasno", "HassTurnOn", {"domain": "light"}),
    ("tu jest za ciemno", "HassTurnOn", {"domain": "light"}),
)


@dataclass(frozen=True, slots=True)
class StreamEvent:
    t: float  # seconds since the stream began
    text: str
    lang: str
    device: str
    area: str | None
    label: Label

    def as_json(self) -> dict[str, Any]:
        return {
            "t": round(self.t, 1),
            "text": self.text,
            "lang": self.lang,
            "device": self.device,
            "area": self.area,
            "label": {"intent": self.label.intent, "slots": dict(self.label.slots)},
        }


@dataclass(frozen=True, slots=True)
class _Phrase:
    text: str
    lang: str
    label: Label | None  # None: room-relative, label from the satellite
    relative: tuple[str, dict[str, Any]] | None = None


def _vocabulary(rng: random.Random) -> list[_Phrase]:
    phrases: dict[str, _Phrase] = {}
    for record in load_dataset(DATASET):
        if record.area is None and record.previous is None:
            phrases.setdefault(
                record.text, _Phrase(record.text, record.lang, Label(record.intent, record.slots))
            )
    for command in LOCAL:
        phrases.setdefault(command.text, _Phrase(command.text, command.language, command.label))
    colloquial = llm_pool()
    rng.shuffle(colloquial)
    for command in colloquial[:60]:
        phrases.setdefault(command.text, _Phrase(command.text, command.language, command.label))
    for text, intent, slots in _RELATIVE:
        phrases[text] = _Phrase(text, "pl", None, (intent, slots))
    vocabulary = list(phrases.values())
    rng.shuffle(vocabulary)
    return vocabulary


def _follow_up(previous: Label, rng: random.Random) -> tuple[str, Label] | None:
    """A follow-up that makes sense after ``previous``, with what it means there."""
    targets = {k: v for k, v in previous.slots.items() if k in ("name", "area", "domain")}
    if previous.intent in ("HassTurnOn", "HassTurnOff") and targets:
        if rng.random() < 0.6:
            opposite = "HassTurnOff" if previous.intent == "HassTurnOn" else "HassTurnOn"
            text = "a teraz wyłącz" if opposite == "HassTurnOff" else "a teraz włącz"
            return text, Label(opposite, targets)
        if targets.get("domain") == "light" and "area" in targets:
            other = rng.choice([a for a, _, _ in AREAS if a != targets["area"]])
            return f"i w {_LOC[other]} też", Label(previous.intent, {**targets, "area": other})
    if previous.intent in ("HassTurnOn", "HassLightSet") and (
        targets.get("domain") == "light" or previous.intent == "HassLightSet"
    ):
        where = {k: v for k, v in targets.items() if k in ("name", "area")}
        if where:
            return "jaśniej", Label("LightBrightnessStep", {**where, "step": 20})
    return None


def generate(seed: int = SEED, days: int = DAYS) -> list[StreamEvent]:
    rng = random.Random(seed)
    vocabulary = _vocabulary(rng)
    weights = [1.0 / rank for rank in range(1, len(vocabulary) + 1)]
    devices = list(SATELLITES)
    events: list[StreamEvent] = []
    for day in range(days):
        day_start = day * 86_400.0
        # Morning 6:30-8:30 and evening 17:00-23:00, about 45 commands a day.
        windows = ((6.5, 8.5, 12), (17.0, 23.0, 33))
        for begin_h, end_h, mean_commands in windows:
            t = day_start + begin_h * 3600 + rng.expovariate(1 / 600)
            left = max(1, round(rng.gauss(mean_commands, mean_commands / 4)))
            while left > 0 and t < day_start + end_h * 3600:
                device, area, _ = rng.choices(devices, [s[2] for s in devices])[0]
                for _ in range(min(left, rng.randint(1, 4))):
                    phrase = rng.choices(vocabulary, weights)[0]
                    if phrase.relative is not None:
                        if area is None:
                            continue
                        intent, slots = phrase.relative
                        label = Label(intent, {**slots, "area": area})
                    else:
                        assert phrase.label is not None
                        label = phrase.label
                    events.append(StreamEvent(t, phrase.text, phrase.lang, device, area, label))
                    left -= 1
                    t += rng.uniform(4, 40)
                    if rng.random() < 0.15 and (follow := _follow_up(label, rng)):
                        text, meaning = follow
                        events.append(StreamEvent(t, text, "pl", device, area, meaning))
                        left -= 1
                        t += rng.uniform(4, 40)
                t += rng.expovariate(1 / ((end_h - begin_h) * 3600 / max(mean_commands / 2, 1)))
    return events


def save(events: list[StreamEvent], path: Path = STREAM) -> None:
    lines = ",\n".join("  " + json.dumps(e.as_json(), ensure_ascii=False) for e in events)
    header = {"seed": SEED, "days": DAYS, "generator": "benchmarks/cache_stream.py"}
    path.write_text(
        "{\n" + f'"about": {json.dumps(header)},\n' + '"events": [\n' + lines + "\n]}\n",
        encoding="utf-8",
    )


def load(path: Path = STREAM) -> list[StreamEvent]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        StreamEvent(
            float(e["t"]),
            e["text"],
            e["lang"],
            e["device"],
            e.get("area"),
            Label(e["label"]["intent"], dict(e["label"]["slots"])),
        )
        for e in data["events"]
    ]
