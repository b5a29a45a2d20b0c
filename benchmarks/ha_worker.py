"""Runs Home Assistant benchmark jobs inside the test harness (one ``hass`` per job).

``python -m benchmarks.bench`` starts this with pytest and a spec file named
by ``LLM_INTENT_BENCH_SPEC``::

    {"base_url": ..., "control_url": ..., "out_dir": ..., "jobs": [Job fields...]}

Each job's figures are written to ``out_dir/<job name>.json``.
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

from .bench_runner import SPEC_ENV
from .ha_jobs import RUNNERS, Job
from .link import RemoteLink


def _spec() -> dict[str, Any]:
    path = os.environ.get(SPEC_ENV)
    if not path:
        return {"jobs": []}
    spec: dict[str, Any] = json.loads(Path(path).read_text())
    return spec


SPEC = _spec()


@pytest.mark.parametrize("job", [Job(**j) for j in SPEC["jobs"]], ids=lambda j: j.name)
async def test_bench_job(hass: HomeAssistant, socket_enabled: None, job: Job) -> None:
    # The harness runs the loop in debug mode, which slows every callback;
    # Home Assistant itself does not.
    asyncio.get_running_loop().set_debug(False)
    # The harness logs everything; Home Assistant by default logs warnings and up,
    # and formatting a log line per request is not what is measured.
    logging.getLogger().setLevel(logging.WARNING)
    link = RemoteLink(SPEC["base_url"], SPEC["control_url"])
    result = await RUNNERS[job.mode](hass, link, job)
    out = Path(SPEC["out_dir"]) / f"{job.name}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
