"""The request ledger: SQLite rows for commands and paid calls, kept across restarts.

A command that reached no provider is one row. A request to a provider is a
row written before it is sent (state ``sent``, priced at its worst case) and
ended as ``settled`` (the provider's usage) or ``estimated`` (it was sent but
its usage never came: a timeout, a cancel, a hedge that lost, a crash, billed
as counted input plus the output cap). The command that made the call is
written onto its last call's row (``command`` set), so rows with a ``call_id``
match the requests a provider received one to one, and commands are counted
once. Rows carry the config entry that wrote them; each entry's totals read
only its own.

It answers "what did this cost and why" per day, provider and model, seeds the
budget after a restart and lets the cost report be checked against the
provider's bill. Costs are stored as integer micro-dollars, so sums in SQL are
exact.

SQLite blocks, so ``Ledger`` is synchronous and meant for an executor thread;
``AsyncLedger`` is the face the event loop uses: appends only queue the entry,
and a single executor job writes whatever has queued in one transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
import functools
import logging
from pathlib import Path
import sqlite3
import threading
import time
from typing import Any, Final, Literal, Protocol
from zoneinfo import ZoneInfo

_LOGGER = logging.getLogger(__name__)

LEDGER_FILENAME: Final = "llm_intent_ledger.db"
SCHEMA_VERSION: Final = 2
DEFAULT_RETENTION_DAYS: Final = 400
# Queued entries kept while the database cannot be written (disk full,
# locked); beyond this the oldest are dropped rather than growing memory.
DEFAULT_MAX_PENDING: Final = 10_000

_MICRO_PER_USD: Final = 1_000_000
_ZERO_USD: Final = Decimal("0.000000")

_SCHEMA_V1: Final = """
CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    conversation_id TEXT,
    path TEXT NOT NULL,
    provider TEXT,
    model TEXT,
    estimated_input_tokens INTEGER,
    input_tokens INTEGER NOT NULL,
    cached_input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cost_micro_usd INTEGER NOT NULL,
    latency_ms REAL,
    outcome TEXT NOT NULL,
    cache_hit INTEGER NOT NULL,
    intent TEXT,
    text TEXT
);
CREATE INDEX requests_ts ON requests (ts);
"""

# Every version-1 row was written after its outcome: a settled command row
# that belongs to no entry (which entry wrote it was never stored).
_SCHEMA_V2: Final = """
ALTER TABLE requests ADD COLUMN entry_id TEXT;
ALTER TABLE requests ADD COLUMN state TEXT NOT NULL DEFAULT 'settled';
ALTER TABLE requests ADD COLUMN call_id TEXT;
ALTER TABLE requests ADD COLUMN command INTEGER NOT NULL DEFAULT 1;
CREATE UNIQUE INDEX requests_call_id ON requests (call_id) WHERE call_id IS NOT NULL;
CREATE INDEX requests_entry_ts ON requests (entry_id, ts);
CREATE INDEX requests_state ON requests (state) WHERE state = 'sent'
"""

_COLUMNS: Final = (
    "ts, conversation_id, path, provider, model, estimated_input_tokens, input_tokens, "
    "cached_input_tokens, output_tokens, cost_micro_usd, latency_ms, outcome, cache_hit, "
    "intent, text, entry_id, state, call_id, command"
)
_COLUMN_COUNT: Final = _COLUMNS.count(",") + 1
# Outcome of a call row whose command has not (or never) been written onto it.
CALL_OUTCOME: Final = "call"


class CallState(StrEnum):
    """Where a row's cost comes from."""

    SENT = "sent"  # written before sending; the worst case until it ends
    SETTLED = "settled"  # the provider's reported usage (or a command without a call)
    ESTIMATED = "estimated"  # sent, usage never reported: input + output cap


Period = Literal["day", "month"]


class LedgerError(Exception):
    """The ledger cannot be used (newer schema, failed writes)."""


class ExecutorRunner(Protocol):
    """Runs blocking work off the event loop: ``hass.async_add_executor_job``
    or ``lambda f: loop.run_in_executor(None, f)``."""

    def __call__[T](self, target: Callable[[], T], /) -> Awaitable[T]: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerEntry:
    """One recognition. ``text`` is the spoken command, kept only if the user opted in."""

    ts: float
    path: str
    outcome: str
    conversation_id: str | None = None
    provider: str | None = None
    model: str | None = None
    estimated_input_tokens: int | None = None
    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal = _ZERO_USD
    latency_ms: float | None = None
    cache_hit: bool = False
    intent: str | None = None
    text: str | None = None
    entry_id: str | None = None
    state: CallState = CallState.SETTLED
    # Set on rows for a request sent to a provider; None on command-only rows.
    call_id: str | None = None
    # Whether the row stands for a command (False: an extra attempt, or a call
    # whose command never finished).
    command: bool = True


@dataclass(frozen=True, slots=True)
class CallEnd:
    """A sent call's final state and cost."""

    call_id: str
    state: CallState
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    cost_usd: Decimal


@dataclass(frozen=True, slots=True)
class CommandOnCall:
    """The command that made a call, written onto that call's row."""

    call_id: str
    path: str
    outcome: str
    conversation_id: str | None = None
    latency_ms: float | None = None
    cache_hit: bool = False
    intent: str | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class CallWithdrawn:
    """A call recorded as sent that never left: its row goes."""

    call_id: str


type LedgerWrite = LedgerEntry | CallEnd | CommandOnCall | CallWithdrawn


@dataclass(frozen=True, slots=True)
class LedgerTotals:
    """Sums over one period."""

    cost_usd: Decimal = _ZERO_USD
    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    requests: int = 0
    requests_by_path: dict[str, int] = field(default_factory=dict)
    # Requests sent to a provider, and how many of them are estimated or in flight.
    calls: int = 0
    estimated_calls: int = 0
    sent_calls: int = 0


def usd_to_micro(usd: Decimal) -> int:
    return int(usd.scaleb(6).to_integral_value(rounding=ROUND_HALF_UP))


def micro_to_usd(micro: int) -> Decimal:
    return Decimal(micro).scaleb(-6).quantize(_ZERO_USD)


def period_bounds(period: Period, tz: ZoneInfo, at: float) -> tuple[float, float]:
    """Start and end (exclusive) timestamps of the local day or month containing ``at``."""
    local = datetime.fromtimestamp(at, tz)
    if period == "day":
        start = datetime(local.year, local.month, local.day, tzinfo=tz)
        following = start.date() + timedelta(days=1)
        end = datetime(following.year, following.month, following.day, tzinfo=tz)
    elif period == "month":
        start = datetime(local.year, local.month, 1, tzinfo=tz)
        year, month = divmod(local.year * 12 + local.month, 12)
        end = datetime(year, month + 1, 1, tzinfo=tz)
    else:
        raise ValueError(f"unknown period {period!r}")
    return start.timestamp(), end.timestamp()


class Ledger:
    """Blocking SQLite access; every method may be called from any thread.

    The file is opened on first use in WAL mode, so the cost report can read
    while Home Assistant writes. ``keep_text`` off drops command texts before
    they reach the disk.
    """

    def __init__(self, path: str | Path, *, keep_text: bool = False) -> None:
        self.path = Path(path)
        self.keep_text = keep_text
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def open(self) -> None:
        with self._lock:
            self._connection()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def append(self, entry: LedgerEntry) -> None:
        self.append_many([entry])

    def append_many(self, entries: Sequence[LedgerEntry]) -> None:
        """Write entries in one transaction: all of them or none."""
        self.apply(entries)

    def apply(self, writes: Sequence[LedgerWrite]) -> None:
        """Apply new rows and changes to call rows, in order, in one transaction."""
        if not writes:
            return
        with self._transaction() as conn:
            for write in writes:
                self._apply_one(conn, write)

    def _apply_one(self, conn: sqlite3.Connection, write: LedgerWrite) -> None:
        if isinstance(write, LedgerEntry):
            conn.execute(
                f"INSERT INTO requests ({_COLUMNS}) "  # noqa: S608
                f"VALUES ({', '.join('?' * _COLUMN_COUNT)})",
                self._row(write),
            )
        elif isinstance(write, CallEnd):
            conn.execute(
                "UPDATE requests SET state = ?, input_tokens = ?, cached_input_tokens = ?, "
                "output_tokens = ?, cost_micro_usd = ? WHERE call_id = ?",
                (
                    str(write.state),
                    write.input_tokens,
                    write.cached_input_tokens,
                    write.output_tokens,
                    usd_to_micro(write.cost_usd),
                    write.call_id,
                ),
            )
        elif isinstance(write, CommandOnCall):
            conn.execute(
                "UPDATE requests SET path = ?, outcome = ?, conversation_id = ?, "
                "latency_ms = ?, cache_hit = ?, intent = ?, text = ?, command = 1 "
                "WHERE call_id = ?",
                (
                    write.path,
                    write.outcome,
                    write.conversation_id,
                    write.latency_ms,
                    int(write.cache_hit),
                    write.intent,
                    write.text if self.keep_text else None,
                    write.call_id,
                ),
            )
        else:
            conn.execute("DELETE FROM requests WHERE call_id = ?", (write.call_id,))

    def finalize_sent(self, entry_id: str | None) -> int:
        """End the entry's calls still ``sent`` (left by a crash) as ``estimated``.

        Their row already holds the worst case, which is what an unreported
        request is assumed to cost. Only call this while the entry has no
        request in flight (at start). Returns how many rows changed.
        """
        with self._transaction() as conn:
            return conn.execute(
                "UPDATE requests SET state = ? WHERE state = ? AND entry_id IS ?",
                (str(CallState.ESTIMATED), str(CallState.SENT), entry_id),
            ).rowcount

    def query(
        self,
        since: float | None = None,
        until: float | None = None,
        *,
        entry_id: str | None = None,
    ) -> list[LedgerEntry]:
        """Entries with ``since <= ts < until`` (of one entry, if given), oldest first."""
        where, params = _range_clause(since, until, entry_id)
        with self._lock:
            cursor = self._connection().execute(
                f"SELECT {_COLUMNS} FROM requests{where} ORDER BY ts, id",  # noqa: S608
                params,
            )
            return [_entry(row) for row in cursor.fetchall()]

    def last(self, n: int) -> list[LedgerEntry]:
        """The ``n`` newest entries, newest first."""
        with self._lock:
            cursor = self._connection().execute(
                f"SELECT {_COLUMNS} FROM requests ORDER BY ts DESC, id DESC LIMIT ?",  # noqa: S608
                (max(n, 0),),
            )
            return [_entry(row) for row in cursor.fetchall()]

    def totals(
        self,
        period: Period,
        tz: ZoneInfo,
        at: float | None = None,
        *,
        entry_id: str | None = None,
        all_entries: bool = True,
    ) -> LedgerTotals:
        """Sums over the local day or month containing ``at`` (default: now).

        With ``all_entries`` off, only the rows of ``entry_id``. Costs count
        every row, in flight (worst case) and estimated included; requests
        count commands.
        """
        start, end = period_bounds(period, tz, time.time() if at is None else at)
        where = "ts >= ? AND ts < ?"
        params: tuple[object, ...] = (start, end)
        if not all_entries:
            where += " AND entry_id IS ?"
            params = (*params, entry_id)
        with self._lock:
            rows = (
                self._connection()
                .execute(
                    "SELECT path, SUM(command), SUM(cost_micro_usd), SUM(input_tokens), "  # noqa: S608
                    "SUM(cached_input_tokens), SUM(output_tokens), COUNT(call_id), "
                    "SUM(state = 'estimated'), SUM(state = 'sent') "
                    f"FROM requests WHERE {where} GROUP BY path",
                    params,
                )
                .fetchall()
            )
        return LedgerTotals(
            cost_usd=micro_to_usd(sum(row[2] for row in rows)),
            input_tokens=sum(row[3] for row in rows),
            cached_input_tokens=sum(row[4] for row in rows),
            output_tokens=sum(row[5] for row in rows),
            requests=sum(row[1] for row in rows),
            requests_by_path={row[0]: row[1] for row in rows if row[1]},
            calls=sum(row[6] for row in rows),
            estimated_calls=sum(row[7] for row in rows),
            sent_calls=sum(row[8] for row in rows),
        )

    def prune(self, retention_days: int = DEFAULT_RETENTION_DAYS, now: float | None = None) -> int:
        """Delete entries older than ``retention_days``; returns how many went."""
        cutoff = (time.time() if now is None else now) - retention_days * 86_400
        with self._transaction() as conn:
            return conn.execute("DELETE FROM requests WHERE ts < ?", (cutoff,)).rowcount

    def schema_version(self) -> int:
        with self._lock:
            return _read_version(self._connection())

    def _row(self, entry: LedgerEntry) -> tuple[object, ...]:
        return (
            entry.ts,
            entry.conversation_id,
            entry.path,
            entry.provider,
            entry.model,
            entry.estimated_input_tokens,
            entry.input_tokens,
            entry.cached_input_tokens,
            entry.output_tokens,
            usd_to_micro(entry.cost_usd),
            entry.latency_ms,
            entry.outcome,
            int(entry.cache_hit),
            entry.intent,
            entry.text if self.keep_text else None,
            entry.entry_id,
            str(entry.state),
            entry.call_id,
            int(entry.command),
        )

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _connection(self) -> sqlite3.Connection:
        """The open connection; the caller holds ``_lock``."""
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            try:
                conn.execute("PRAGMA busy_timeout = 5000")
                conn.execute("PRAGMA journal_mode = WAL")
                # With WAL, NORMAL loses at most the last commits on power
                # loss, never consistency; FULL would fsync every flush.
                conn.execute("PRAGMA synchronous = NORMAL")
                _migrate(conn)
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn


def _read_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _migrate(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        version = _read_version(conn)
        _check_version(version)
        for step, script in ((1, _SCHEMA_V1), (2, _SCHEMA_V2)):
            if version < step:
                for statement in script.split(";"):
                    if statement.strip():
                        conn.execute(statement)
        if version < SCHEMA_VERSION:
            conn.execute("DELETE FROM schema_version")
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _check_version(version: int) -> None:
    if version > SCHEMA_VERSION:
        raise LedgerError(
            f"ledger schema {version} is newer than this version understands ({SCHEMA_VERSION})"
        )


def _range_clause(
    since: float | None, until: float | None, entry_id: str | None = None
) -> tuple[str, tuple[object, ...]]:
    conditions: list[str] = []
    params: list[object] = []
    if entry_id is not None:
        conditions.append("entry_id = ?")
        params.append(entry_id)
    if since is not None:
        conditions.append("ts >= ?")
        params.append(since)
    if until is not None:
        conditions.append("ts < ?")
        params.append(until)
    return (" WHERE " + " AND ".join(conditions) if conditions else ""), tuple(params)


def _entry(row: tuple[Any, ...]) -> LedgerEntry:
    (ts, conversation_id, path, provider, model, estimated, input_tokens, cached) = row[:8]
    (output_tokens, cost_micro, latency, outcome, cache_hit, intent, text) = row[8:15]
    (entry_id, state, call_id, command) = row[15:]
    return LedgerEntry(
        ts=float(ts),
        conversation_id=_opt_str(conversation_id),
        path=str(path),
        provider=_opt_str(provider),
        model=_opt_str(model),
        estimated_input_tokens=None if estimated is None else int(estimated),
        input_tokens=int(input_tokens),
        cached_input_tokens=int(cached),
        output_tokens=int(output_tokens),
        cost_usd=micro_to_usd(int(cost_micro)),
        latency_ms=None if latency is None else float(latency),
        outcome=str(outcome),
        cache_hit=bool(cache_hit),
        intent=_opt_str(intent),
        text=_opt_str(text),
        entry_id=_opt_str(entry_id),
        state=CallState(state),
        call_id=_opt_str(call_id),
        command=bool(command),
    )


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


class AsyncLedger:
    """The ledger for the event loop: appends queue, one executor job writes.

    ``append`` returns at once. While a write runs, new entries wait and go
    together in the next one, so a burst of requests costs a few
    transactions, not one each. ``write_ahead`` also waits until its row is on
    disk (for a request about to be sent). Reads first wait for queued
    writes, so they see every entry appended before them. Call ``close`` on
    unload: it writes what is queued and closes the file.
    """

    def __init__(
        self,
        ledger: Ledger,
        run: ExecutorRunner,
        *,
        max_pending: int = DEFAULT_MAX_PENDING,
    ) -> None:
        self.ledger = ledger
        self._run = run
        self._max_pending = max_pending
        self._pending: list[LedgerWrite] = []
        # Resolved when the writes now pending are on disk.
        self._pending_written: asyncio.Future[None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._last_error: BaseException | None = None
        self.dropped = 0

    @property
    def pending(self) -> int:
        return len(self._pending)

    def append(self, entry: LedgerWrite) -> None:
        """Queue a new row or a change to a call row; call from the event loop."""
        if (
            not self.ledger.keep_text
            and isinstance(entry, LedgerEntry | CommandOnCall)
            and entry.text is not None
        ):
            entry = replace(entry, text=None)
        self._pending.append(entry)
        overflow = len(self._pending) - self._max_pending
        if overflow > 0:
            del self._pending[:overflow]
            self.dropped += overflow
            _LOGGER.warning("Ledger write backlog full; dropped %d oldest entries", overflow)
        self._start_writer()

    async def write_ahead(self, entry: LedgerEntry) -> None:
        """Queue ``entry`` and return once it is written.

        Raises LedgerError if the database refused it; it then stays queued.
        """
        self.append(entry)
        if self._pending_written is None:
            self._pending_written = asyncio.get_running_loop().create_future()
        await asyncio.shield(self._pending_written)

    async def flush(self) -> None:
        """Wait until every entry appended so far is written.

        Raises LedgerError if entries are still unwritten because the database
        refused them; they stay queued for the next attempt.
        """
        self._start_writer()
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)
        if self._pending and self._last_error is not None:
            raise LedgerError(
                f"{len(self._pending)} ledger entries not written: {self._last_error}"
            ) from self._last_error

    async def query(
        self,
        since: float | None = None,
        until: float | None = None,
        *,
        entry_id: str | None = None,
    ) -> list[LedgerEntry]:
        await self.flush()
        return await self._run(
            functools.partial(self.ledger.query, since, until, entry_id=entry_id)
        )

    async def last(self, n: int) -> list[LedgerEntry]:
        await self.flush()
        return await self._run(functools.partial(self.ledger.last, n))

    async def totals(
        self,
        period: Period,
        tz: ZoneInfo,
        at: float | None = None,
        *,
        entry_id: str | None = None,
        all_entries: bool = True,
    ) -> LedgerTotals:
        await self.flush()
        return await self._run(
            functools.partial(
                self.ledger.totals, period, tz, at, entry_id=entry_id, all_entries=all_entries
            )
        )

    async def finalize_sent(self, entry_id: str | None) -> int:
        await self.flush()
        return await self._run(functools.partial(self.ledger.finalize_sent, entry_id))

    async def prune(
        self, retention_days: int = DEFAULT_RETENTION_DAYS, now: float | None = None
    ) -> int:
        return await self._run(functools.partial(self.ledger.prune, retention_days, now))

    async def close(self) -> None:
        """Write what is queued (logging, not raising, if that fails) and close the file."""
        try:
            await self.flush()
        except LedgerError:
            unwritten = len(self._pending)
        else:
            unwritten = 0
        if unwritten:
            _LOGGER.error("Closing the ledger with %d unwritten entries", unwritten)
        await self._run(self.ledger.close)

    def _start_writer(self) -> None:
        if self._pending and (self._writer is None or self._writer.done()):
            self._writer = asyncio.get_running_loop().create_task(
                self._write_pending(), name="llm_intent ledger write"
            )

    async def _write_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            written, self._pending_written = self._pending_written, None
            try:
                await self._run(functools.partial(self.ledger.apply, batch))
            except Exception as err:
                # Keep the batch ahead of anything queued meanwhile; the next
                # append or flush tries again.
                self._pending[:0] = batch
                failing_already = self._last_error is not None
                self._last_error = err
                if written is not None and not written.done():
                    written.set_exception(LedgerError(f"ledger write failed: {err}"))
                    # Nobody may be waiting any more; the error is reported by flush.
                    written.exception()
            else:
                self._last_error = None
                if written is not None and not written.done():
                    written.set_result(None)
                continue
            # Once per outage, not once per retry.
            log = _LOGGER.debug if failing_already else _LOGGER.error
            log("Could not write %d ledger entries: %s", len(self._pending), self._last_error)
            return
