"""Runs ``scripts/eval --product`` inside Home Assistant's test harness.

``benchmarks.eval`` starts this with pytest and a spec file named by
``LLM_INTENT_PRODUCT_SPEC``: ``{"dataset", "fixtures", "out", "prefer_local", "library",
"limit", "provider"?}``. One JSON line per command is written to ``out``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
import pytest

from .dataset import load_dataset
from .fixture_home import load_fixture_home
from .product_run import run_product

SPEC_ENV = "LLM_INTENT_PRODUCT_SPEC"


def _spec() -> dict[str, Any] | None:
    path = os.environ.get(SPEC_ENV)
    if not path:
        return None
    spec: dict[str, Any] = json.loads(Path(path).read_text())
    return spec


SPEC = _spec()


@pytest.mark.parametrize("spec", [SPEC] if SPEC else [])
async def test_product_eval(hass: HomeAssistant, spec: dict[str, Any]) -> None:
    asyncio.get_running_loop().set_debug(False)
    logging.getLogger().setLevel(logging.WARNING)
    records = load_dataset(spec["dataset"])
    if spec.get("limit") is not None:
        records = records[: max(int(spec["limit"]), 0)]
    fixtures = load_fixture_home(spec["fixtures"])
    predictions = await run_product(
        hass,
        records,
        fixtures,
        prefer_local=bool(spec.get("prefer_local", True)),
        library=bool(spec.get("library", True)),
    )
    lines = "".join(json.dumps(p.as_json(), ensure_ascii=False) + "\n" for p in predictions)
    await hass.async_add_executor_job(Path(spec["out"]).write_text, lines, "utf-8")
