"""``scripts/eval``: recognition accuracy, cost and latency on a labelled dataset.

    scripts/eval --dataset tests/data/eval_pl_en.jsonl --fixtures tests/data/eval_home.json \\
        (--local-only | --provider openai|anthropic|openai_compatible|ollama) \\
        [--model M] [--limit N] [--predictions OUT.jsonl] [--write-docs]
    scripts/eval --product --local-only [--no-builtin] [--dataset ...] [--predictions ...]

``--product`` runs what the integration runs, inside Home Assistant's test
harness: the built-in agent first (unless ``--no-builtin``), then the engine;
it scores by effect (the action and the entities it would change) and
reports right, wrong action, asked and not understood per path.

Keys come from the environment: ``OPENAI_API_KEY`` (``OPENAI_BASE_URL`` for
an OpenAI-compatible server or a proxy), ``ANTHROPIC_API_KEY``
(``ANTHROPIC_BASE_URL``), ``OLLAMA_BASE_URL`` (default
http://127.0.0.1:11434/v1). Nothing is executed: every command is only
recognised against the fixture home.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
import json
import os
from pathlib import Path
import sys
from typing import Any

import httpx

from custom_components.llm_intent.engine.clock import SystemClock
from custom_components.llm_intent.engine.cost.pricing import PriceBook
from custom_components.llm_intent.engine.types import ProviderConfig

from .dataset import load_dataset
from .eval_report import render, summarize
from .eval_run import Prediction, run_eval
from .fixture_home import load_fixture_home
from .llm_stack import DEFAULT_DEADLINE_S, build_paid_llm
from .product_eval import product_summary, render_product, run_worker
from .providers_doc import write_docs

ROOT = Path(__file__).parents[1]
PROVIDERS = ("openai", "anthropic", "openai_compatible", "ollama")
DEFAULT_MODELS = {
    "openai": "gpt-4o-mini",
    "anthropic": "claude-haiku-4-5",
    "openai_compatible": "llama3.2",
    "ollama": "llama3.2",
}
OLLAMA_URL = "http://127.0.0.1:11434/v1"


class UsageError(Exception):
    """The command line or environment cannot describe a provider."""


def provider_config(
    name: str, model: str | None, base_url: str | None, env: Mapping[str, str]
) -> ProviderConfig:
    """The provider ``name`` with its key and URL from ``env``; UsageError when one is missing."""
    model = model or DEFAULT_MODELS[name]
    if name == "openai":
        key = env.get("OPENAI_API_KEY")
        if not key:
            raise UsageError("--provider openai needs OPENAI_API_KEY in the environment")
        return ProviderConfig("openai", model, key, base_url or env.get("OPENAI_BASE_URL"))
    if name == "anthropic":
        key = env.get("ANTHROPIC_API_KEY")
        if not key:
            raise UsageError("--provider anthropic needs ANTHROPIC_API_KEY in the environment")
        return ProviderConfig("anthropic", model, key, base_url or env.get("ANTHROPIC_BASE_URL"))
    if name == "ollama":
        url = base_url or env.get("OLLAMA_BASE_URL") or OLLAMA_URL
        return ProviderConfig("openai_compatible", model, None, url, name="ollama")
    compatible_url = base_url or env.get("OPENAI_BASE_URL")
    if not compatible_url:
        raise UsageError("--provider openai_compatible needs OPENAI_BASE_URL or --base-url")
    return ProviderConfig(
        "openai_compatible", model, env.get("OPENAI_API_KEY") or None, compatible_url
    )


def price_overrides(model: str) -> dict[str, dict[str, object]]:
    """A model the price table does not know is a local one here: free, not unaffordable."""
    if PriceBook().lookup(model) is not None:
        return {}
    return {model: {"input": 0, "output": 0}}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    return _parser().parse_args(argv)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scripts/eval", description=(__doc__ or "").split("\n\n", 1)[0]
    )
    parser.add_argument("--dataset", type=Path, default=ROOT / "tests/data/eval_pl_en.jsonl")
    parser.add_argument("--fixtures", type=Path, default=ROOT / "tests/data/eval_home.json")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--provider", choices=PROVIDERS)
    which.add_argument("--local-only", action="store_true")
    parser.add_argument("--model", help="model name (default: the provider's small model)")
    parser.add_argument("--base-url", help="API base URL (default: from the environment)")
    parser.add_argument("--limit", type=int, help="only the first N records")
    parser.add_argument("--deadline", type=float, default=DEFAULT_DEADLINE_S)
    parser.add_argument("--predictions", type=Path, help="write one JSON line per record")
    parser.add_argument("--json", type=Path, help="write the summary as JSON here")
    parser.add_argument(
        "--product", action="store_true", help="the product path in HA's harness, by effect"
    )
    parser.add_argument(
        "--no-builtin", action="store_true", help="with --product: HA's matching first is off"
    )
    parser.add_argument(
        "--no-library",
        action="store_true",
        help="with --product: without HA's sentence templates matched with inflected names",
    )
    parser.add_argument(
        "--write-docs", action="store_true", help="put the figures into docs/providers.md"
    )
    return parser


async def evaluate(args: argparse.Namespace, env: Mapping[str, str]) -> dict[str, Any]:
    records = load_dataset(args.dataset)
    if args.limit is not None:
        records = records[: max(args.limit, 0)]
    fixtures = load_fixture_home(args.fixtures)
    predictions: list[Prediction] = []
    if args.local_only:
        result = await run_eval(records, fixtures, on_prediction=predictions.append)
    else:
        config = provider_config(args.provider, args.model, args.base_url, env)
        async with httpx.AsyncClient() as client:
            llm = build_paid_llm(
                [config],
                client,
                SystemClock(),
                deadline_s=args.deadline,
                price_overrides=price_overrides(config.model),
            )
            result = await run_eval(records, fixtures, llm, on_prediction=predictions.append)
    if args.predictions is not None:
        args.predictions.parent.mkdir(parents=True, exist_ok=True)
        with args.predictions.open("w", encoding="utf-8") as out:
            for p in predictions:
                out.write(json.dumps(p.as_json(), ensure_ascii=False) + "\n")
    summary = summarize(result)
    summary["dataset"] = str(args.dataset)
    summary["fixtures"] = str(args.fixtures)
    summary["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return summary


def product(args: argparse.Namespace) -> int:
    if not args.local_only:
        print("scripts/eval: --product runs with --local-only", file=sys.stderr)
        return 2
    rows = run_worker(
        args.dataset,
        args.fixtures,
        prefer_local=not args.no_builtin,
        library=not args.no_library,
        limit=args.limit,
    )
    if args.predictions is not None:
        args.predictions.parent.mkdir(parents=True, exist_ok=True)
        with args.predictions.open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    summary = product_summary(rows)
    summary["dataset"] = str(args.dataset)
    summary["builtin_first"] = not args.no_builtin
    summary["library"] = not args.no_library
    summary["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    title = (
        f"{args.dataset.name}, "
        + ("HA's matching first" if not args.no_builtin else "engine only")
        + ("" if not args.no_library else ", without the sentence library")
    )
    print(render_product(summary, title))
    target = args.json or ROOT / "bench-results" / (
        f"eval-product-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    print(f"\nsummary: {target}")
    return 0


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    args = parse_args(argv)
    if args.product:
        return product(args)
    try:
        summary = asyncio.run(evaluate(args, os.environ if env is None else env))
    except UsageError as err:
        print(f"scripts/eval: {err}", file=sys.stderr)
        return 2
    print(render(summary))
    target = args.json or ROOT / "bench-results" / (
        f"eval-{summary['provider']}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    print(f"\nsummary: {target}")
    if args.write_docs:
        write_docs(summary["model"] or "local-only", summary, date.today())
        print("docs/providers.md updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
