"""``scripts/eval --product``: start the harness worker, then score and print by path."""

from __future__ import annotations

from collections.abc import Sequence
import json
import os
from pathlib import Path
import subprocess
import sys
import tempfile
from typing import Any

from .effect import OUTCOMES, summarize_outcomes
from .table import text_table

ROOT = Path(__file__).parents[1]
SPEC_ENV = "LLM_INTENT_PRODUCT_SPEC"


def run_worker(
    dataset: Path, fixtures: Path, *, prefer_local: bool, library: bool, limit: int | None
) -> list[dict[str, Any]]:
    """One pytest process running ``product_worker.py``; its prediction lines."""
    with tempfile.TemporaryDirectory(prefix="llm-intent-product-") as tmp:
        out = Path(tmp) / "predictions.jsonl"
        spec = {
            "dataset": str(dataset.resolve()),
            "fixtures": str(fixtures.resolve()),
            "out": str(out),
            "prefer_local": prefer_local,
            "library": library,
            "limit": limit,
        }
        spec_path = Path(tmp) / "spec.json"
        spec_path.write_text(json.dumps(spec))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
        env[SPEC_ENV] = str(spec_path)
        done = subprocess.run(  # noqa: S603 - this interpreter, our own module
            [
                sys.executable,
                "-m",
                "pytest",
                str(ROOT / "benchmarks" / "product_worker.py"),
                "-q",
                "-p",
                "no:cacheprovider",
                "--no-header",
                "-x",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"the product eval worker failed:\n{done.stdout[-4000:]}")
        return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def product_summary(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    summary = summarize_outcomes(rows)
    summary["records"] = len(rows)
    summary["by_language"] = {
        lang: summarize_outcomes([r for r in rows if r.get("lang") == lang])["all"]
        for lang in sorted({str(r.get("lang")) for r in rows})
    }
    # Held-out commands come from two processes (HA's templates, scenarios): each shown alone.
    summary["by_source"] = {
        source: summarize_outcomes([r for r in rows if str(r["id"]).split("-", 1)[0] == source])[
            "all"
        ]
        for source in sorted({str(r["id"]).split("-", 1)[0] for r in rows})
    }
    return summary


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def render_product(summary: dict[str, Any], title: str) -> str:
    header = ["path", "n", *OUTCOMES, "right %", "wrong ÷ actions"]

    def row(name: str, f: dict[str, Any]) -> list[Any]:
        return [
            name,
            f["n"],
            *(f[k] for k in OUTCOMES),
            _pct(f["right_rate"]),
            f"{f['wrong_action']}/{f['actions']} ({_pct(f['wrong_of_actions'])})",
        ]

    rows = [row(p, f) for p, f in summary["by_path"].items()]
    rows.append(row("all", summary["all"]))
    rows += [row(f"lang {k}", f) for k, f in summary["by_language"].items()]
    rows += [row(f"source {k}", f) for k, f in summary["by_source"].items()]
    return "\n".join(
        [
            f"scripts/eval --product: {title}, {summary['records']} commands",
            "",
            text_table(header, rows),
        ]
    )
