"""The SQLite ledger and its event-loop facade."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
import sqlite3
import threading
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from custom_components.llm_intent.engine.cost.ledger import (
    LEDGER_FILENAME,
    SCHEMA_VERSION,
    AsyncLedger,
    CallEnd,
    CallState,
    CallWithdrawn,
    CommandOnCall,
    Ledger,
    LedgerEntry,
    LedgerError,
    period_bounds,
)

WARSAW = ZoneInfo("Europe/Warsaw")
D = Decimal


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> float:
    return datetime(year, month, day, hour, minute, second, tzinfo=WARSAW).timestamp()


def entry(ts: float, **fields: Any) -> LedgerEntry:
    values: dict[str, Any] = {
        "path": "llm",
        "outcome": "ok",
        "provider": "openai",
        "model": "gpt-4o-mini",
        "input_tokens": 1000,
        "output_tokens": 40,
        "cost_usd": D("0.000174"),
    }
    values.update(fields)
    return LedgerEntry(ts=ts, **values)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    ledger = Ledger(tmp_path / LEDGER_FILENAME)
    yield ledger
    ledger.close()


class CountingRunner:
    """An executor runner that records which thread ran each job and can fail on demand."""

    def __init__(self, fail_first: int = 0) -> None:
        self.calls: list[str] = []
        self.threads: set[int] = set()
        self._fail = fail_first

    async def __call__(self, target: Callable[[], Any]) -> Any:
        name = getattr(getattr(target, "func", target), "__name__", "?")
        self.calls.append(name)
        if name in ("append_many", "apply") and self._fail:
            self._fail -= 1
            raise sqlite3.OperationalError("disk I/O error")

        def job() -> Any:
            self.threads.add(threading.get_ident())
            return target()

        return await asyncio.get_running_loop().run_in_executor(None, job)


def test_round_trip_keeps_every_field_and_exact_cost(ledger: Ledger) -> None:
    full = LedgerEntry(
        ts=at(2026, 3, 10, 8, 15, 30) + 0.25,
        conversation_id="01JCONV",
        path="llm",
        provider="anthropic",
        model="claude-haiku-4-5",
        estimated_input_tokens=1180,
        input_tokens=1204,
        cached_input_tokens=1024,
        output_tokens=37,
        cost_usd=D("0.000567"),
        latency_ms=412.5,
        outcome="ok",
        cache_hit=False,
        intent="HassTurnOn",
        text=None,
    )
    sparse = LedgerEntry(ts=full.ts + 1, path="local", outcome="ok", cache_hit=True)
    ledger.append_many([full, sparse])
    assert ledger.query() == [full, sparse]


def test_cost_is_stored_as_integer_micro_dollars(ledger: Ledger) -> None:
    ledger.append(entry(1000.0, cost_usd=D("0.1234565")))
    conn = sqlite3.connect(ledger.path)
    try:
        row = conn.execute("SELECT cost_micro_usd, typeof(cost_micro_usd) FROM requests").fetchone()
    finally:
        conn.close()
    assert row == (123457, "integer")
    assert ledger.query()[0].cost_usd == D("0.123457")


def test_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "sub" / LEDGER_FILENAME
    first = Ledger(path)
    first.append(entry(1000.0))
    first.close()
    second = Ledger(path)
    try:
        assert second.query() == [entry(1000.0)]
        second.append(entry(2000.0))
        assert len(second.query()) == 2
        assert second.schema_version() == SCHEMA_VERSION
    finally:
        second.close()


def test_uses_wal_versioned_schema_and_ts_index(ledger: Ledger) -> None:
    ledger.open()
    conn = sqlite3.connect(ledger.path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
        indexes = conn.execute("PRAGMA index_list(requests)").fetchall()
        columns = [
            conn.execute(f"PRAGMA index_info({index[1]})").fetchall()[0][2] for index in indexes
        ]
    finally:
        conn.close()
    assert "ts" in columns


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / LEDGER_FILENAME
    ledger = Ledger(path)
    ledger.open()
    ledger.close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(LedgerError, match="newer"):
        Ledger(path).open()


def test_command_text_is_kept_only_when_opted_in(tmp_path: Path) -> None:
    private = Ledger(tmp_path / "private.db")
    opted_in = Ledger(tmp_path / "opted.db", keep_text=True)
    try:
        said = entry(1000.0, text="włącz światło w sypialni")
        private.append(said)
        opted_in.append(said)
        assert private.query()[0].text is None
        assert opted_in.query()[0].text == "włącz światło w sypialni"
    finally:
        private.close()
        opted_in.close()


def test_batch_is_all_or_nothing(ledger: Ledger) -> None:
    broken = LedgerEntry(ts=3.0, path=None, outcome="ok")  # type: ignore[arg-type]
    with pytest.raises(sqlite3.IntegrityError):
        ledger.append_many([entry(1.0), entry(2.0), broken])
    assert ledger.query() == []
    ledger.append(entry(4.0))
    assert [e.ts for e in ledger.query()] == [4.0]


def test_query_range_is_half_open_and_last_is_newest_first(ledger: Ledger) -> None:
    ledger.append_many([entry(float(ts)) for ts in (10, 20, 30, 40)])
    assert [e.ts for e in ledger.query(since=20, until=40)] == [20.0, 30.0]
    assert [e.ts for e in ledger.query(since=35)] == [40.0]
    assert [e.ts for e in ledger.last(3)] == [40.0, 30.0, 20.0]
    assert ledger.last(0) == []


def test_totals_follow_local_day_and_month(ledger: Ledger) -> None:
    ledger.append_many(
        [
            entry(at(2026, 3, 28, 23, 59, 59), cost_usd=D("0.100000")),  # previous day
            entry(at(2026, 3, 29, 0, 0, 0), cost_usd=D("0.000174"), cached_input_tokens=200),
            entry(
                at(2026, 3, 29, 23, 59, 59),
                path="cache",
                cost_usd=D(0),
                cache_hit=True,
                input_tokens=0,
                output_tokens=0,
            ),
            entry(at(2026, 3, 29, 12, 0), path="local", cost_usd=D(0), input_tokens=0),
            entry(at(2026, 3, 30, 0, 0, 0), cost_usd=D("0.200000")),  # next day
            entry(at(2026, 2, 28, 23, 0), cost_usd=D("5.000000")),  # previous month
        ]
    )
    day = ledger.totals("day", WARSAW, at=at(2026, 3, 29, 15, 0))
    assert day.cost_usd == D("0.000174")
    assert day.requests == 3
    assert day.requests_by_path == {"llm": 1, "cache": 1, "local": 1}
    assert (day.input_tokens, day.cached_input_tokens, day.output_tokens) == (1000, 200, 80)
    month = ledger.totals("month", WARSAW, at=at(2026, 3, 1, 0, 0))
    assert month.cost_usd == D("0.300174")
    assert month.requests == 5
    empty = ledger.totals("day", WARSAW, at=at(2026, 1, 1, 12, 0))
    assert (empty.cost_usd, empty.requests, empty.requests_by_path) == (D(0), 0, {})


def test_period_bounds_on_dst_days() -> None:
    start, end = period_bounds("day", WARSAW, at(2026, 3, 29, 12, 0))
    assert end - start == 23 * 3600
    start, end = period_bounds("day", WARSAW, at(2026, 10, 25, 12, 0))
    assert end - start == 25 * 3600
    start, end = period_bounds("month", WARSAW, at(2026, 12, 31, 23, 59))
    assert (start, end) == (at(2026, 12, 1), at(2027, 1, 1))


def test_prune_removes_only_entries_past_retention(ledger: Ledger) -> None:
    now = 1_800_000_000.0
    day = 86_400
    ledger.append_many([entry(now - 401 * day), entry(now - 399 * day), entry(now)])
    assert ledger.prune(400, now=now) == 1
    assert [e.ts for e in ledger.query()] == [now - 399 * day, now]
    assert ledger.prune(400, now=now) == 0


async def test_async_appends_batch_into_few_executor_jobs(tmp_path: Path) -> None:
    runner = CountingRunner()
    ledger = AsyncLedger(Ledger(tmp_path / LEDGER_FILENAME), runner)
    loop_thread = threading.get_ident()
    for i in range(100):
        ledger.append(entry(float(i)))
    assert ledger.pending == 100  # nothing written synchronously
    rows = await ledger.query()
    assert [e.ts for e in rows] == [float(i) for i in range(100)]
    assert runner.calls.count("apply") == 1
    assert loop_thread not in runner.threads
    await ledger.close()


async def test_reads_see_entries_appended_while_a_write_runs(tmp_path: Path) -> None:
    ledger = AsyncLedger(Ledger(tmp_path / LEDGER_FILENAME), CountingRunner())
    ledger.append(entry(1.0))
    await asyncio.sleep(0)  # the first write is now in the executor
    ledger.append(entry(2.0))
    assert [e.ts for e in await ledger.last(5)] == [2.0, 1.0]
    totals = await ledger.totals("day", ZoneInfo("UTC"), at=1.0)
    assert totals.requests == 2
    await ledger.close()


async def test_failed_write_keeps_entries_and_retries_in_order(tmp_path: Path) -> None:
    runner = CountingRunner(fail_first=1)
    ledger = AsyncLedger(Ledger(tmp_path / LEDGER_FILENAME), runner)
    ledger.append(entry(1.0))
    ledger.append(entry(2.0))
    with pytest.raises(LedgerError, match="2 ledger entries not written"):
        await ledger.flush()
    assert ledger.pending == 2
    ledger.append(entry(3.0))
    await ledger.flush()
    assert ledger.pending == 0
    assert [e.ts for e in await ledger.query()] == [1.0, 2.0, 3.0]
    await ledger.close()


async def test_backlog_is_bounded(tmp_path: Path) -> None:
    runner = CountingRunner(fail_first=100)
    ledger = AsyncLedger(Ledger(tmp_path / LEDGER_FILENAME), runner, max_pending=3)
    for i in range(5):
        ledger.append(entry(float(i)))
        await asyncio.sleep(0)
    assert ledger.pending == 3
    assert ledger.dropped == 2
    await ledger.close()  # logs instead of raising
    assert ledger.pending == 3


async def test_async_facade_drops_text_unless_opted_in(tmp_path: Path) -> None:
    ledger = AsyncLedger(Ledger(tmp_path / LEDGER_FILENAME), CountingRunner())
    ledger.append(entry(1.0, text="zgaś wszystko"))
    assert [e.text for e in await ledger.query()] == [None]
    await ledger.close()


async def test_close_writes_queued_entries(tmp_path: Path) -> None:
    path = tmp_path / LEDGER_FILENAME
    runner = CountingRunner()
    ledger = AsyncLedger(Ledger(path), runner)
    ledger.append(entry(1.0))
    await ledger.close()
    assert runner.calls[-1] == "close"
    reopened = Ledger(path)
    try:
        assert len(reopened.query()) == 1
    finally:
        reopened.close()


async def test_async_prune(tmp_path: Path) -> None:
    ledger = AsyncLedger(Ledger(tmp_path / LEDGER_FILENAME), CountingRunner())
    ledger.append(entry(1.0))
    await ledger.flush()
    assert await ledger.prune(1, now=1.0 + 2 * 86_400) == 1
    await ledger.close()


_V1_SCHEMA = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (1);
CREATE TABLE requests (
    id INTEGER PRIMARY KEY, ts REAL NOT NULL, conversation_id TEXT, path TEXT NOT NULL,
    provider TEXT, model TEXT, estimated_input_tokens INTEGER, input_tokens INTEGER NOT NULL,
    cached_input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
    cost_micro_usd INTEGER NOT NULL, latency_ms REAL, outcome TEXT NOT NULL,
    cache_hit INTEGER NOT NULL, intent TEXT, text TEXT
);
CREATE INDEX requests_ts ON requests (ts);
INSERT INTO requests VALUES
    (1, 1000.5, 'c1', 'llm', 'openai', 'gpt-4o-mini', 990, 1000, 200, 40, 174, 812.5,
     'success', 0, 'HassTurnOn', 'włącz światło'),
    (2, 1001.0, NULL, 'local', NULL, NULL, NULL, 0, 0, 0, 0, 3.0, 'success', 0, NULL, NULL),
    (3, 1002.0, NULL, 'cache', 'openai', 'gpt-4o-mini', NULL, 0, 0, 0, 0, 1.0, 'success', 1,
     'HassTurnOff', NULL);
"""


def test_a_version_1_file_migrates_without_losing_a_row(tmp_path: Path) -> None:
    path = tmp_path / LEDGER_FILENAME
    conn = sqlite3.connect(path)
    conn.executescript(_V1_SCHEMA)
    conn.commit()
    conn.close()

    ledger = Ledger(path, keep_text=True)
    try:
        rows = ledger.query()
        assert ledger.schema_version() == SCHEMA_VERSION == 2
        assert rows == [
            LedgerEntry(
                ts=1000.5,
                conversation_id="c1",
                path="llm",
                provider="openai",
                model="gpt-4o-mini",
                estimated_input_tokens=990,
                input_tokens=1000,
                cached_input_tokens=200,
                output_tokens=40,
                cost_usd=D("0.000174"),
                latency_ms=812.5,
                outcome="success",
                intent="HassTurnOn",
                text="włącz światło",
            ),
            LedgerEntry(ts=1001.0, path="local", outcome="success", latency_ms=3.0),
            LedgerEntry(
                ts=1002.0,
                path="cache",
                outcome="success",
                provider="openai",
                model="gpt-4o-mini",
                latency_ms=1.0,
                cache_hit=True,
                intent="HassTurnOff",
            ),
        ]
        # Old rows are settled commands of no entry: the whole-ledger sums keep
        # them, no single entry claims them.
        assert all(r.state is CallState.SETTLED and r.entry_id is None for r in rows)
        assert all(r.command and r.call_id is None for r in rows)
        everything = ledger.totals("day", ZoneInfo("UTC"), 1000.0)
        assert (everything.cost_usd, everything.requests) == (D("0.000174"), 3)
        mine = ledger.totals("day", ZoneInfo("UTC"), 1000.0, entry_id="e", all_entries=False)
        assert (mine.cost_usd, mine.requests) == (D(0), 0)
        ledger.append(entry(1003.0, entry_id="e", call_id="x", state=CallState.SENT))
        assert ledger.query(entry_id="e")[0].state is CallState.SENT
    finally:
        ledger.close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
    finally:
        conn.close()


def test_call_rows_are_settled_estimated_or_withdrawn_in_order(ledger: Ledger) -> None:
    ledger.apply(
        [
            entry(1.0, call_id="a", state=CallState.SENT, command=False, entry_id="e"),
            entry(2.0, call_id="b", state=CallState.SENT, command=False, entry_id="e"),
            entry(3.0, call_id="c", state=CallState.SENT, command=False, entry_id="e"),
            CallEnd("a", CallState.SETTLED, 900, 0, 12, D("0.000142")),
            CommandOnCall("a", path="llm", outcome="success", intent="HassTurnOn"),
            CallWithdrawn("b"),
        ]
    )
    assert ledger.finalize_sent("other") == 0
    assert ledger.finalize_sent("e") == 1
    rows = {row.call_id: row for row in ledger.query()}
    assert rows.keys() == {"a", "c"}
    assert (rows["a"].state, rows["a"].cost_usd, rows["a"].command) == (
        CallState.SETTLED,
        D("0.000142"),
        True,
    )
    assert (rows["c"].state, rows["c"].cost_usd, rows["c"].command) == (
        CallState.ESTIMATED,
        D("0.000174"),
        False,
    )
    totals = ledger.totals("day", ZoneInfo("UTC"), 1.0, entry_id="e", all_entries=False)
    assert (totals.requests, totals.calls, totals.estimated_calls) == (1, 2, 1)
    assert totals.cost_usd == D("0.000316")
