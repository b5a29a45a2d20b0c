"""The cost report: the script's output formats and the billing comparison."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
import json
import os
from pathlib import Path
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest

from custom_components.llm_intent.engine.cost.ledger import (
    LEDGER_FILENAME,
    CallState,
    Ledger,
    LedgerEntry,
)
from custom_components.llm_intent.engine.cost.report import (
    BillingStatement,
    build_report,
    compare_billing,
    parse_billing_csv,
    report_data,
)

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "llm-cost-report.py"
WARSAW = ZoneInfo("Europe/Warsaw")
D = Decimal


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> float:
    return datetime(year, month, day, hour, minute, second, tzinfo=WARSAW).timestamp()


ENTRIES = [
    LedgerEntry(
        ts=at(2026, 3, 1, 8, 0),
        path="llm",
        outcome="ok",
        provider="openai",
        model="gpt-4o-mini",
        estimated_input_tokens=1100,
        input_tokens=1000,
        output_tokens=40,
        cost_usd=D("0.000174"),
        latency_ms=400.0,
    ),
    LedgerEntry(
        ts=at(2026, 3, 1, 9, 0),
        path="llm",
        outcome="ok",
        provider="openai",
        model="gpt-4o-mini",
        estimated_input_tokens=950,
        input_tokens=1000,
        cached_input_tokens=512,
        output_tokens=60,
        cost_usd=D("0.000148"),
        latency_ms=300.0,
    ),
    LedgerEntry(
        ts=at(2026, 3, 1, 23, 30),
        path="cache",
        outcome="ok",
        provider="openai",
        model="gpt-4o-mini",
        cache_hit=True,
        latency_ms=2.0,
    ),
    # 00:30 in Warsaw is still March 1 in UTC: the day must follow the chosen zone.
    LedgerEntry(
        ts=at(2026, 3, 2, 0, 30),
        path="llm",
        outcome="ok",
        provider="anthropic",
        model="claude-haiku-4-5",
        estimated_input_tokens=1200,
        input_tokens=1250,
        output_tokens=50,
        cost_usd=D("0.001500"),
        latency_ms=650.0,
    ),
    LedgerEntry(ts=at(2026, 3, 2, 1, 0), path="local", outcome="ok", latency_ms=15.0),
]

TABLE = """\
date        provider   model             requests  input  cached  output  cost_usd  cents  cache_hits  avg_ms  est_err_%
----------  ---------  ----------------  --------  -----  ------  ------  --------  -----  ----------  ------  ---------
2026-03-01  openai     gpt-4o-mini              3   2000     512     100    0.0003   0.03           1   234.0        2.5
2026-03-02  -          -                        1      0       0       0    0.0000   0.00           0    15.0
2026-03-02  anthropic  claude-haiku-4-5         1   1250       0      50    0.0015   0.15           0   650.0       -4.0
----------  ---------  ----------------  --------  -----  ------  ------  --------  -----  ----------  ------  ---------
TOTAL                                           5   3250     512     150    0.0018   0.18           1
"""  # noqa: E501

CSV = """\
date,provider,model,requests,input_tokens,cached_input_tokens,output_tokens,cost_usd,cost_cents,cache_hits,avg_latency_ms,estimate_error_pct
2026-03-01,openai,gpt-4o-mini,3,2000,512,100,0.0003,0.03,1,234.0,2.5
2026-03-02,,,1,0,0,0,0.0000,0.00,0,15.0,
2026-03-02,anthropic,claude-haiku-4-5,1,1250,0,50,0.0015,0.15,0,650.0,-4.0
"""  # noqa: E501


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    ledger = Ledger(tmp_path / LEDGER_FILENAME)
    ledger.append_many(ENTRIES)
    ledger.close()
    return tmp_path


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "TZ"}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
        timeout=60,
    )


def test_table(config_dir: Path) -> None:
    result = run(config_dir, "--tz", "Europe/Warsaw", cwd=config_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout == TABLE


def test_csv_from_ledger_file_path(config_dir: Path) -> None:
    result = run(
        config_dir / LEDGER_FILENAME, "--format", "csv", "--tz", "Europe/Warsaw", cwd=config_dir
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == CSV


def test_json_defaults_to_ledger_in_current_folder(config_dir: Path) -> None:
    result = run(
        "--format", "json", "--tz", "Europe/Warsaw", "--since", "2026-03-02", cwd=config_dir
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "rows": [
            {
                "date": "2026-03-02",
                "provider": "",
                "model": "",
                "requests": 1,
                "input_tokens": 0,
                "cached_input_tokens": 0,
                "output_tokens": 0,
                "cost_usd": "0.000000",
                "cost_cents": "0.0000",
                "cache_hits": 0,
                "avg_latency_ms": 15.0,
                "estimate_error_pct": None,
                "estimated_requests": 0,
                "estimated_usd": "0.000000",
            },
            {
                "date": "2026-03-02",
                "provider": "anthropic",
                "model": "claude-haiku-4-5",
                "requests": 1,
                "input_tokens": 1250,
                "cached_input_tokens": 0,
                "output_tokens": 50,
                "cost_usd": "0.001500",
                "cost_cents": "0.1500",
                "cache_hits": 0,
                "avg_latency_ms": 650.0,
                "estimate_error_pct": -4.0,
                "estimated_requests": 0,
                "estimated_usd": "0.000000",
            },
        ],
        "total": {
            "requests": 2,
            "input_tokens": 1250,
            "cached_input_tokens": 0,
            "output_tokens": 50,
            "cost_usd": "0.001500",
            "cost_cents": "0.1500",
            "cache_hits": 0,
            "estimated_requests": 0,
            "estimated_usd": "0.000000",
        },
    }


def test_until_is_inclusive_and_days_follow_the_zone(config_dir: Path) -> None:
    warsaw = run(config_dir, "--format", "json", "--tz", "Europe/Warsaw", "--until", "2026-03-01",
                 cwd=config_dir)  # fmt: skip
    utc = run(config_dir, "--format", "json", "--tz", "UTC", "--until", "2026-03-01",
              cwd=config_dir)  # fmt: skip
    warsaw_rows = json.loads(warsaw.stdout)["rows"]
    utc_rows = json.loads(utc.stdout)["rows"]
    assert [(r["date"], r["provider"]) for r in warsaw_rows] == [("2026-03-01", "openai")]
    assert [(r["date"], r["provider"]) for r in utc_rows] == [
        ("2026-03-01", "anthropic"),
        ("2026-03-01", "openai"),
    ]


def test_home_assistant_time_zone_is_read_from_config(config_dir: Path) -> None:
    storage = config_dir / ".storage"
    storage.mkdir()
    (storage / "core.config").write_text(json.dumps({"data": {"time_zone": "Asia/Tokyo"}}))
    result = run(config_dir, "--format", "json", cwd=config_dir)
    rows = json.loads(result.stdout)["rows"]
    # 08:00 and 09:00 in Warsaw are 16:00/17:00 in Tokyo; 23:30 is already March 2.
    assert {(r["date"], r["provider"], r["requests"]) for r in rows} == {
        ("2026-03-01", "openai", 2),
        ("2026-03-02", "openai", 1),
        ("2026-03-02", "anthropic", 1),
        ("2026-03-02", "", 1),
    }


def test_compare_flags_the_wrong_day_and_exits_1(config_dir: Path) -> None:
    bill = config_dir / "billing.csv"
    bill.write_text("date,cost_usd\n2026-03-01,0.0003\n2026-03-02,0.0500\n")
    result = run(config_dir, "--tz", "Europe/Warsaw", "--compare", bill, cwd=config_dir)
    assert result.returncode == 1
    assert result.stdout == (
        "Differences over one cent (ledger vs bill):\n"
        "2026-03-02: ledger 0.001500 USD, bill 0.0500 USD, difference -4.85 cents\n"
    )


def test_compare_passes_a_matching_bill(config_dir: Path) -> None:
    bill = config_dir / "billing.csv"
    bill.write_text(
        "date,provider,model,cost_usd\n"
        "2026-03-01,openai,gpt-4o-mini,0.00\n"
        "2026-03-02,Anthropic,claude-haiku-4-5,0.0100\n"
    )
    result = run(config_dir, "--tz", "Europe/Warsaw", "--compare", bill, cwd=config_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "within one cent" in result.stdout


def test_compare_json_lists_provider_and_model(config_dir: Path) -> None:
    bill = config_dir / "billing.csv"
    bill.write_text("date,provider,cost_usd\n2026-03-01,openai,0.02\n2026-03-02,anthropic,0.0015\n")
    result = run(config_dir, "--tz", "Europe/Warsaw", "--format", "json", "--compare", bill,
                 cwd=config_dir)  # fmt: skip
    assert result.returncode == 1
    assert json.loads(result.stdout) == {
        "mismatches": [
            {
                "date": "2026-03-01",
                "provider": "openai",
                "model": None,
                "ledger_usd": "0.000322",
                "billing_usd": "0.02",
                "difference_usd": "-0.019678",
                "estimated_usd": "0.000000",
            }
        ]
    }


def test_missing_ledger_is_a_clear_error(tmp_path: Path) -> None:
    result = run(tmp_path / "nowhere.db", cwd=tmp_path)
    assert result.returncode != 0
    assert "Ledger not found" in result.stderr


def test_report_data_is_what_the_script_prints() -> None:
    rows = build_report(ENTRIES, WARSAW)
    data = report_data(rows)
    assert data["total"]["cost_usd"] == "0.001822"
    assert [row["requests"] for row in data["rows"]] == [3, 1, 1]


def test_compare_tolerance_is_one_cent_exclusive() -> None:
    rows = build_report(ENTRIES[:2], WARSAW)  # 0.000322 on March 1
    exactly_one_cent = BillingStatement(False, False, (("2026-03-01", None, None, D("0.010322")),))
    just_over = BillingStatement(False, False, (("2026-03-01", None, None, D("0.010323")),))
    assert compare_billing(rows, exactly_one_cent) == []
    assert len(compare_billing(rows, just_over)) == 1


def test_ledger_days_missing_from_bill_count_as_unbilled() -> None:
    rows = build_report(
        [*ENTRIES, LedgerEntry(ts=at(2026, 3, 2, 9), path="llm", outcome="ok", cost_usd=D("0.5"))],
        WARSAW,
    )
    bill = parse_billing_csv("date,cost_usd\n2026-03-01,0.0003\n2026-03-03,0\n")
    mismatches = compare_billing(rows, bill)
    assert [(m.day, m.ledger_usd, m.billing_usd) for m in mismatches] == [
        ("2026-03-02", D("0.501500"), D(0))
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("day,cost\n2026-03-01,1\n", "lacks column"),
        ("date,cost_usd\n2026-13-01,1\n", "line 2"),
        ("date,cost_usd\n2026-03-01,1\n2026-03-02,abc\n", "line 3"),
        ("date,cost_usd\n2026-03-01,NaN\n", "line 2"),
    ],
)
def test_bad_billing_csv_is_reported_with_its_line(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_billing_csv(text)


# Two requests on March 3: one settled at $0.004, one cut by the deadline and
# estimated at its worst case, $0.020. The provider may bill the second from
# nothing up to that.
ESTIMATED = [
    LedgerEntry(
        ts=at(2026, 3, 3, 10),
        path="llm",
        outcome="success",
        provider="openai",
        model="gpt-4o-mini",
        estimated_input_tokens=1000,
        input_tokens=1000,
        output_tokens=40,
        cost_usd=D("0.004"),
        call_id="settled",
    ),
    LedgerEntry(
        ts=at(2026, 3, 3, 11),
        path="llm",
        outcome="call",
        provider="openai",
        model="gpt-4o-mini",
        estimated_input_tokens=1000,
        input_tokens=1000,
        output_tokens=150,
        cost_usd=D("0.020"),
        state=CallState.ESTIMATED,
        call_id="estimated",
        command=False,
    ),
]


def test_estimated_rows_are_reported_apart_and_skip_the_estimate_error() -> None:
    [row] = build_report(ESTIMATED, WARSAW)
    assert (row.requests, row.cost_usd) == (2, D("0.024"))
    assert (row.estimated_requests, row.estimated_usd) == (1, D("0.020"))
    # Only the settled row compares its estimate with reported usage.
    assert row.estimate_error_pct == 0.0
    assert report_data([row])["total"]["estimated_usd"] == "0.020000"


@pytest.mark.parametrize(
    ("billed", "matches"),
    [
        ("0.004", True),  # the cut request was not billed
        ("0.015", True),  # billed in part
        ("0.024", True),  # billed at the worst case
        ("0.0345", False),  # more than the worst case plus a cent
        ("0.0", True),  # within a cent of the reported part
    ],
)
def test_compare_accepts_a_bill_within_the_estimated_range(billed: str, matches: bool) -> None:
    rows = build_report(ESTIMATED, WARSAW)
    bill = parse_billing_csv(f"date,cost_usd\n2026-03-03,{billed}\n")
    assert (compare_billing(rows, bill) == []) is matches


def test_compare_below_the_reported_part_is_a_mismatch() -> None:
    entries = [replace(ESTIMATED[0], cost_usd=D("0.05")), ESTIMATED[1]]
    rows = build_report(entries, WARSAW)
    [mismatch] = compare_billing(rows, parse_billing_csv("date,cost_usd\n2026-03-03,0.01\n"))
    assert (mismatch.ledger_usd, mismatch.estimated_usd) == (D("0.070"), D("0.020"))


def test_script_compare_names_the_estimated_part(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / LEDGER_FILENAME)
    ledger.append_many(ESTIMATED)
    ledger.close()
    bill = tmp_path / "billing.csv"
    bill.write_text("date,cost_usd\n2026-03-03,0.015\n")
    result = run(tmp_path, "--tz", "Europe/Warsaw", "--compare", bill, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    bill.write_text("date,cost_usd\n2026-03-03,0.5\n")
    result = run(tmp_path, "--tz", "Europe/Warsaw", "--compare", bill, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == (
        "Differences over one cent (ledger vs bill):\n"
        "2026-03-03: ledger 0.024000 USD (of which 0.020000 USD estimated), bill 0.5 USD, "
        "difference -47.60 cents\n"
    )
