"""What ``scripts/eval`` prints and writes: accuracy tables, confusions, cost, latency."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from .eval_run import EvalResult, Prediction
from .stats import percentile
from .table import text_table


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _group(predictions: Iterable[Prediction], key: str) -> dict[str, list[Prediction]]:
    groups: dict[str, list[Prediction]] = defaultdict(list)
    for p in predictions:
        groups[str(getattr(p, key))].append(p)
    return dict(sorted(groups.items()))


def _row(name: str, group: list[Prediction]) -> dict[str, Any]:
    n = len(group)
    return {
        "name": name,
        "n": n,
        "accuracy": _rate(sum(p.correct for p in group), n),
        "intent_accuracy": _rate(sum(p.intent_ok for p in group), n),
        "not_understood": _rate(sum(p.not_understood for p in group), n),
    }


def summarize(result: EvalResult) -> dict[str, Any]:
    preds = result.predictions
    n = len(preds)
    llm_calls = [p for p in preds if p.input_tokens or p.output_tokens]
    latencies = [p.latency_ms for p in preds]
    llm_latencies = [p.latency_ms for p in preds if p.path == "llm"]
    cost = sum((p.cost_usd for p in preds), Decimal(0))
    confusions = Counter(
        (p.expected_intent, p.intent or "not understood") for p in preds if not p.intent_ok
    )
    return {
        "provider": result.provider,
        "model": result.model,
        "records": n,
        **{k: v for k, v in _row("all", preds).items() if k not in ("name", "n")},
        "paths": dict(Counter(p.path for p in preds)),
        "by_language": [_row(k, g) for k, g in _group(preds, "lang").items()],
        "by_intent": [_row(k, g) for k, g in _group(preds, "expected_intent").items()],
        "confusions": [
            {"expected": e, "predicted": g, "count": c} for (e, g), c in confusions.most_common()
        ],
        "slot_errors": [
            {
                "id": p.id,
                "text": p.text,
                "expected": p.expected_slots,
                "predicted": p.slots,
            }
            for p in preds
            if p.intent_ok and not p.slots_ok
        ],
        "llm_calls": len(llm_calls),
        "input_tokens": sum(p.input_tokens for p in preds),
        "output_tokens": sum(p.output_tokens for p in preds),
        "input_tokens_per_call": _rate(sum(p.input_tokens for p in llm_calls), len(llm_calls)),
        "cost_usd": str(cost),
        "cost_usd_per_1000_commands": str((cost / n * 1000).quantize(Decimal("0.0001")))
        if n
        else "0",
        "latency_ms": {
            "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95),
            "llm_p50": percentile(llm_latencies, 50),
            "llm_p95": percentile(llm_latencies, 95),
        },
    }


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} ms"


def render(summary: dict[str, Any]) -> str:
    head = f"{summary['provider']}" + (f" / {summary['model']}" if summary["model"] else "")
    out = [
        f"scripts/eval: {head}, {summary['records']} commands",
        "",
        text_table(
            ["", "value"],
            [
                ["accuracy (intent and slots)", _pct(summary["accuracy"])],
                ["intent accuracy", _pct(summary["intent_accuracy"])],
                ["not understood", _pct(summary["not_understood"])],
                ["paths", ", ".join(f"{k} {v}" for k, v in sorted(summary["paths"].items()))],
                ["LLM calls", summary["llm_calls"]],
                [
                    "tokens in / out",
                    f"{summary['input_tokens']} / {summary['output_tokens']}"
                    f" ({summary['input_tokens_per_call']:.0f} in per call)",
                ],
                [
                    "cost",
                    f"${summary['cost_usd']}"
                    f" (${summary['cost_usd_per_1000_commands']} per 1000 commands)",
                ],
                [
                    "latency p50 / p95",
                    f"{_ms(summary['latency_ms']['p50'])} / {_ms(summary['latency_ms']['p95'])}",
                ],
                [
                    "LLM path p50 / p95",
                    f"{_ms(summary['latency_ms']['llm_p50'])}"
                    f" / {_ms(summary['latency_ms']['llm_p95'])}",
                ],
            ],
        ),
        "",
        "By language",
        _group_table(summary["by_language"]),
        "",
        "By intent (labelled)",
        _group_table(summary["by_intent"]),
    ]
    if summary["confusions"]:
        out += [
            "",
            "Confusions (labelled -> predicted)",
            text_table(
                ["labelled", "predicted", "n"],
                [[c["expected"], c["predicted"], c["count"]] for c in summary["confusions"]],
            ),
        ]
    if summary["slot_errors"]:
        out += [
            "",
            "Right intent, wrong slots",
            text_table(
                ["id", "text", "labelled", "predicted"],
                [
                    [e["id"], e["text"], _slots(e["expected"]), _slots(e["predicted"])]
                    for e in summary["slot_errors"]
                ],
            ),
        ]
    return "\n".join(out)


def _slots(slots: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(slots.items()) if v is not None) or "–"


def _group_table(rows: list[dict[str, Any]]) -> str:
    return text_table(
        ["", "n", "accuracy", "intent", "not understood"],
        [
            [
                r["name"],
                r["n"],
                _pct(r["accuracy"]),
                _pct(r["intent_accuracy"]),
                _pct(r["not_understood"]),
            ]
            for r in rows
        ],
    )
