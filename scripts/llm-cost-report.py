#!/usr/bin/env python3
"""Cost report from the llm_intent ledger, per day, provider and model.

    python scripts/llm-cost-report.py [LEDGER_PATH_OR_CONFIG_DIR]
        [--format table|csv|json] [--since YYYY-MM-DD] [--until YYYY-MM-DD]
        [--tz Europe/Warsaw] [--compare billing.csv]

Days are local days in --tz, else Home Assistant's configured time zone (read
from the config folder), else the system's. --since and --until are inclusive.
--compare reads a bill (columns date, optional provider, optional model,
cost_usd) and lists where the ledger differs by more than one cent; the exit
code is then 1 if anything differs. Requests whose usage never came back
(state "estimated") are in the ledger at their worst case, so a bill between
the reported part and the whole ledger figure matches. Needs only the
standard library.
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta
import importlib.util
import json
import os
from pathlib import Path
import sys
from types import ModuleType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_ENGINE_DIR = Path(__file__).resolve().parent.parent / "custom_components" / "llm_intent" / "engine"
_ENGINE_PACKAGE = "llm_intent_engine"
_HA_CONFIG_DIRS = (Path.cwd(), Path("/config"), Path.home() / ".homeassistant")


def _load_engine() -> tuple[ModuleType, ModuleType]:
    """Import the engine as a standalone package: the integration's own
    ``__init__`` needs Home Assistant, the engine does not."""
    if _ENGINE_PACKAGE not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            _ENGINE_PACKAGE,
            _ENGINE_DIR / "__init__.py",
            submodule_search_locations=[str(_ENGINE_DIR)],
        )
        if spec is None or spec.loader is None:
            raise SystemExit(f"llm_intent engine not found at {_ENGINE_DIR}")
        package = importlib.util.module_from_spec(spec)
        sys.modules[_ENGINE_PACKAGE] = package
        spec.loader.exec_module(package)
    ledger = importlib.import_module(f"{_ENGINE_PACKAGE}.cost.ledger")
    report = importlib.import_module(f"{_ENGINE_PACKAGE}.cost.report")
    return ledger, report


def _resolve_ledger(target: str | None, filename: str) -> tuple[Path, Path | None]:
    """The ledger file, and the HA config folder it lives in when known."""
    if target is not None:
        path = Path(target).expanduser()
        if path.is_dir():
            return path / filename, path
        return path, path.parent
    for folder in _HA_CONFIG_DIRS:
        if (folder / filename).is_file():
            return folder / filename, folder
    searched = ", ".join(str(folder) for folder in _HA_CONFIG_DIRS)
    raise SystemExit(f"No {filename} found in {searched}; pass its path.")


def _resolve_tz(name: str | None, config_dir: Path | None) -> ZoneInfo:
    candidates: list[str] = []
    if name:
        candidates.append(name)
    if config_dir is not None:
        try:
            core = json.loads((config_dir / ".storage" / "core.config").read_text("utf-8"))
            candidates.append(str(core["data"]["time_zone"]))
        except OSError, ValueError, KeyError, TypeError:
            pass
    if os.environ.get("TZ"):
        candidates.append(os.environ["TZ"].lstrip(":"))
    try:
        localtime = Path("/etc/localtime").resolve()
        candidates.append(str(localtime).split("/zoneinfo/", 1)[1])
    except OSError, IndexError:
        pass
    for candidate in candidates:
        try:
            return ZoneInfo(candidate)
        except ZoneInfoNotFoundError, ValueError:
            if candidate == name:
                raise SystemExit(f"Unknown time zone {name!r}") from None
    return ZoneInfo("UTC")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {value!r}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="llm_intent cost report")
    parser.add_argument("ledger", nargs="?", help="ledger file or Home Assistant config folder")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
    parser.add_argument("--since", type=_day, help="first day, inclusive")
    parser.add_argument("--until", type=_day, help="last day, inclusive")
    parser.add_argument("--tz", help="IANA time zone for days (default: HA's, else system's)")
    parser.add_argument("--compare", type=Path, help="billing CSV to check the ledger against")
    args = parser.parse_args(argv)

    ledger_mod, report_mod = _load_engine()
    path, config_dir = _resolve_ledger(args.ledger, ledger_mod.LEDGER_FILENAME)
    if not path.is_file():
        raise SystemExit(f"Ledger not found: {path}")
    tz = _resolve_tz(args.tz, config_dir)

    billing = None
    if args.compare is not None:
        try:
            billing = report_mod.parse_billing_csv(args.compare.read_text("utf-8"))
        except (OSError, ValueError) as err:
            raise SystemExit(f"Cannot read {args.compare}: {err}") from None
        # Without explicit bounds, the bill's own dates bound the comparison.
        if billing.lines and args.since is None:
            args.since = date.fromisoformat(min(line[0] for line in billing.lines))
        if billing.lines and args.until is None:
            args.until = date.fromisoformat(max(line[0] for line in billing.lines))

    since = None if args.since is None else report_mod.day_start(args.since, tz)
    until = None if args.until is None else report_mod.day_start(args.until + timedelta(1), tz)
    ledger = ledger_mod.Ledger(path)
    try:
        rows = report_mod.build_report(ledger.query(since, until), tz)
    finally:
        ledger.close()

    if billing is None:
        render = {
            "table": report_mod.render_table,
            "csv": report_mod.render_csv,
            "json": report_mod.render_json,
        }[args.format]
        sys.stdout.write(render(rows))
        return 0

    mismatches = report_mod.compare_billing(rows, billing)
    if args.format == "json":
        data = [
            {
                "date": m.day,
                "provider": m.provider,
                "model": m.model,
                "ledger_usd": str(m.ledger_usd),
                "billing_usd": str(m.billing_usd),
                "difference_usd": str(m.difference_usd),
                "estimated_usd": str(m.estimated_usd),
            }
            for m in mismatches
        ]
        sys.stdout.write(json.dumps({"mismatches": data}, indent=2) + "\n")
    elif not mismatches:
        sys.stdout.write("Ledger matches the bill within one cent on every day.\n")
    else:
        sys.stdout.write("Differences over one cent (ledger vs bill):\n")
        for m in mismatches:
            where = " ".join(part for part in (m.day, m.provider, m.model) if part)
            guessed = f" (of which {m.estimated_usd} USD estimated)" if m.estimated_usd else ""
            sys.stdout.write(
                f"{where}: ledger {m.ledger_usd} USD{guessed}, bill {m.billing_usd} USD, "
                f"difference {report_mod.format_cents(m.difference_usd)} cents\n"
            )
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
