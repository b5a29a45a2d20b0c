"""Starting the benchmark's processes: the provider, the Home Assistant worker, the replay.

Each measured system runs in a fresh process, so peak RSS is that run's own,
and the provider runs in another, so its work never shares Home Assistant's
event loop.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
import contextlib
from dataclasses import asdict
import json
import os
from pathlib import Path
import subprocess
import sys
from typing import Any

from .ha_jobs import Job

ROOT = Path(__file__).parents[1]
# Names the spec file ``ha_worker.py`` reads its jobs from.
SPEC_ENV = "LLM_INTENT_BENCH_SPEC"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


@contextlib.contextmanager
def provider_process() -> Iterator[dict[str, str]]:
    """``python -m benchmarks.provider``; yields its base and control URLs."""
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.provider"],
        cwd=ROOT,
        env=_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("the benchmark provider did not start")
        urls: dict[str, str] = json.loads(line)
        yield urls
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_ha_jobs(jobs: Sequence[Job], work_dir: Path, log_name: str) -> list[dict[str, Any]]:
    """Run ``jobs`` in one pytest process against a fresh provider; their results in order."""
    work_dir.mkdir(parents=True, exist_ok=True)
    with provider_process() as urls:
        spec = {**urls, "out_dir": str(work_dir), "jobs": [asdict(j) for j in jobs]}
        spec_path = work_dir / f"{log_name}.spec.json"
        spec_path.write_text(json.dumps(spec, indent=1))
        log_path = work_dir / f"{log_name}.log"
        with log_path.open("w") as log:
            completed = subprocess.run(  # noqa: S603 - this interpreter, our own module
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    str(ROOT / "benchmarks" / "ha_worker.py"),
                    "-q",
                    "-p",
                    "no:cacheprovider",
                    "--no-header",
                ],
                cwd=ROOT,
                env={**_env(), SPEC_ENV: str(spec_path)},
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            )
    results = []
    for job in jobs:
        path = work_dir / f"{job.name}.json"
        if not path.exists():
            tail = log_path.read_text()[-4000:]
            raise RuntimeError(
                f"job {job.name} left no result (pytest rc {completed.returncode}):\n{tail}"
            )
        results.append(json.loads(path.read_text()))
    if completed.returncode != 0:
        print(f"warning: the worker exited {completed.returncode}; see {log_path}", file=sys.stderr)
    return results


def run_cache_replay(stream: Path, out: Path, ttls: Sequence[float] = ()) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.cache_replay", "--stream", str(stream)]
    command += ["--out", str(out)]
    for ttl in ttls:
        command += ["--ttl", str(ttl)]
    subprocess.run(command, cwd=ROOT, env=_env(), check=True)  # noqa: S603 - as above
    result: dict[str, Any] = json.loads(out.read_text())
    return result
