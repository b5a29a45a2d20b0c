"""Redis stream bridge: transcripts in from one stream, results out to another, nothing lost.

Delivery is at least once, actions exactly once:

- entries are read with a consumer group, so instances sharing the group
  share the load and each entry goes to one of them;
- an entry is acknowledged only in the same atomic step that writes its result
  and remembers its ``frame_id`` for a day, so a crash before that step leaves
  it pending (and another instance, or this one on restart, reclaims it), and a
  frame seen again is answered from memory instead of acting again;
- a result that could not be written because Redis went away is kept and
  written when Redis is back, never recomputed;
- an entry that keeps coming back (delivered more than ``max_deliveries``
  times) or cannot be read goes to the dead-letter stream, acknowledged.

Nothing here waits on Redis without a bound, and ``stop`` returns within its
timeout whatever Redis does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, replace
import logging
import re
from typing import Any
from urllib.parse import urlsplit

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.maint_notifications import MaintNotificationsConfig

from ..cache.redis_backend import redact_url
from ..clock import Clock
from .frame_recognitions import FrameRecognition, handling_frame
from .messages import (
    BridgeResult,
    Malformed,
    Transcript,
    dead_letter_fields,
    parse_transcript,
    replay_overrides,
    result_fields,
)
from .redis_streams import BridgeStreams, Entry, Settled, StreamNames

_LOGGER = logging.getLogger(__name__)

type Process = Callable[[Transcript], Awaitable[BridgeResult]]
type StatusListener = Callable[[BridgeStatus], None]

# Errors that mean "Redis is not there right now": back off and try again.
MAX_CONNECTIONS = 16
REDIS_DOWN: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)


@dataclass(frozen=True, slots=True)
class BridgeConfig:
    url: str
    consumer: str
    transcripts_stream: str = "voice:transcribed"
    results_stream: str = "intents:recognized"
    dead_letter_stream: str = "voice:dead-letter"
    group: str = "llm-intent"
    capacity: int = 50
    # Entries pending longer than this (seconds) are taken over from a silent consumer.
    claim_timeout: float = 30.0
    max_deliveries: int = 3
    results_maxlen: int = 10_000
    record_ttl: int = 86_400
    done_prefix: str = "llm_intent:bridge:done:"
    # How long one XREADGROUP waits for new entries; also the status refresh rhythm.
    read_block: float = 1.0
    # Bounds every Redis call (connect, command, reply).
    call_timeout: float = 5.0
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    status_interval: float = 1.0


@dataclass(frozen=True, slots=True)
class BridgeStatus:
    """What a sensor shows; ``pending`` is the group's XPENDING count."""

    consumer: str
    connected: bool = False
    pending: int = 0
    processed_total: int = 0
    replayed_total: int = 0
    dead_lettered_total: int = 0
    last_error: str | None = None


class _Backoff:
    def __init__(self, initial: float, maximum: float) -> None:
        self._initial, self._max = initial, maximum
        self._next = initial

    def reset(self) -> None:
        self._next = self._initial

    def next(self) -> float:
        delay, self._next = self._next, min(self._next * 2, self._max)
        return delay


class StreamBridge:
    """Runs ``process`` for each transcript entry and publishes what it returns.

    ``process`` is the command handler (the pipeline); it should not raise. If
    it does, the entry stays pending and is retried after ``claim_timeout``,
    up to ``max_deliveries`` deliveries.
    """

    def __init__(
        self,
        config: BridgeConfig,
        process: Process,
        clock: Clock,
        *,
        client: Redis | None = None,
    ) -> None:
        self.config = config
        self._process = process
        self._clock = clock
        self._display_url = redact_url(config.url)
        self._secret = _password(config.url)
        self._client = client or Redis.from_pool(
            BlockingConnectionPool.from_url(
                config.url,
                # Commands are short: a few connections serve many entries in
                # hand; above that, calls queue for a connection instead of
                # failing with "too many connections".
                max_connections=min(config.capacity, MAX_CONNECTIONS) + 2,
                timeout=config.call_timeout,
                socket_connect_timeout=config.call_timeout,
                # Calls are bounded by asyncio timeouts; a blocked XREADGROUP
                # must not trip a socket timeout.
                socket_timeout=None,
                retry=Retry(NoBackoff(), 0),
                # Shows which connections are the bridge's in CLIENT LIST; Redis
                # refuses names with spaces, which a consumer name may have.
                client_name="llm_intent:" + re.sub(r"[^!-~]", "_", config.consumer),
                maint_notifications_config=MaintNotificationsConfig(enabled=False),
            )
        )
        self._streams = BridgeStreams(
            self._client,
            StreamNames(
                transcripts=config.transcripts_stream,
                results=config.results_stream,
                dead_letter=config.dead_letter_stream,
                group=config.group,
                done_prefix=config.done_prefix,
            ),
            consumer=config.consumer,
            timeout=config.call_timeout,
            results_maxlen=config.results_maxlen,
            record_ttl=config.record_ttl,
        )
        self._permits = asyncio.Semaphore(config.capacity)
        self._stopping = asyncio.Event()
        self._reader_done = asyncio.Event()
        self._reader_done.set()
        self._closed = False
        self._stop_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        # Entries being handled here, and the frames they carry: a reclaimed
        # copy of an entry in hand is skipped, a second entry for a frame in
        # hand waits for the first one's result.
        self._active_ids: set[str] = set()
        self._active_frames: dict[str, asyncio.Future[None]] = {}
        self._status = BridgeStatus(consumer=config.consumer)
        self._notified: BridgeStatus | None = None
        self._listeners: list[StatusListener] = []

    # --- status -------------------------------------------------------------

    @property
    def status(self) -> BridgeStatus:
        return self._status

    def add_listener(self, listener: StatusListener) -> Callable[[], None]:
        """Called with the new status when it changes; returns the remover."""
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    def _update(self, *, notify: bool = False, **changes: Any) -> None:
        self._status = replace(self._status, **changes)
        if notify:
            self._notify()

    def _notify(self) -> None:
        if self._status == self._notified:
            return
        self._notified = self._status
        for listener in list(self._listeners):
            try:
                listener(self._status)
            except Exception:
                _LOGGER.exception("Bridge status listener failed")

    def _redis_ok(self) -> None:
        if not self._status.connected:
            _LOGGER.info("Redis stream bridge connected to %s", self._display_url)
            self._update(connected=True, notify=True)

    def _redis_failed(self, err: BaseException) -> None:
        text = self._describe(err)
        if self._status.connected or self._status.last_error is None:
            _LOGGER.warning(
                "Redis stream bridge lost %s (%s); reconnecting", self._display_url, text
            )
        self._update(connected=False, last_error=text, notify=True)

    def _describe(self, err: BaseException) -> str:
        text = f"{type(err).__name__}: {err}".strip().removesuffix(":")
        return text.replace(self._secret, "***") if self._secret else text

    # --- lifecycle ----------------------------------------------------------

    async def run(self) -> None:
        """Reads until ``stop``; reconnects with exponential backoff. Never raises."""
        self._reader_done.clear()
        backoff = _Backoff(self.config.backoff_initial, self.config.backoff_max)
        try:
            while not self._stopping.is_set():
                try:
                    await self._streams.ensure_group()
                    self._redis_ok()
                    backoff.reset()
                    await self._consume()
                except REDIS_DOWN as err:
                    self._redis_failed(err)
                    await self._wait_or_stop(self._clock.sleep(backoff.next()))
        finally:
            self._reader_done.set()

    async def stop(self, timeout: float = 5.0) -> None:
        """Stops reading, lets entries in hand finish within ``timeout``, then gives up.

        An entry given up on stays pending and is reclaimed later; its result
        was not written, so it is processed again then. Returns within about
        ``timeout`` + 2 s whatever Redis does; a second call waits for the first.
        """
        async with self._stop_lock:
            if self._closed:
                return
            self._stopping.set()
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            # The reader first, so no entry is taken on after the drain starts.
            try:
                async with asyncio.timeout(timeout):
                    await self._reader_done.wait()
            except TimeoutError:
                _LOGGER.warning("Redis stream bridge reader did not stop in time")
            tasks = list(self._tasks)
            if tasks:
                remaining = deadline - loop.time()
                if remaining > 0:
                    await asyncio.wait(tasks, timeout=remaining)
                unfinished = [task for task in tasks if not task.done()]
                for task in unfinished:
                    task.cancel()
                if unfinished:
                    _LOGGER.warning(
                        "Redis stream bridge stopped with %d entries unfinished; "
                        "they stay pending and will be reclaimed",
                        len(unfinished),
                    )
                    await asyncio.wait(unfinished, timeout=1.0)
            self._closed = True
            try:
                async with asyncio.timeout(1.0):
                    await self._client.aclose()
            except REDIS_DOWN:
                pass
            self._update(connected=False, notify=True)

    async def _wait_or_stop[T](self, awaitable: Coroutine[Any, Any, T]) -> T | None:
        """``awaitable``'s result, or None (and it cancelled) once ``stop`` is called."""
        if self._stopping.is_set():
            awaitable.close()
            return None
        work = asyncio.ensure_future(awaitable)
        stop = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait((work, stop), return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            if not work.done():
                work.cancel()
                await asyncio.gather(work, return_exceptions=True)
        if work.cancelled():
            return None
        return work.result()

    # --- reading ------------------------------------------------------------

    async def _consume(self) -> None:
        next_claim = next_status = self._clock.monotonic()
        while not self._stopping.is_set():
            now = self._clock.monotonic()
            if now >= next_claim:
                # At every (re)connect and then every claim_timeout: entries
                # a crashed consumer (or this one, before a restart) left behind.
                await self._reclaim()
                next_claim = now + self.config.claim_timeout
            if now >= next_status:
                self._update(pending=await self._streams.pending(), notify=True)
                next_status = now + self.config.status_interval
            count = await self._wait_or_stop(self._take_permits())
            if count is None:
                return
            try:
                entries = await self._wait_or_stop(
                    self._streams.read_new(count, self.config.read_block)
                )
            except BaseException:
                self._release(count)
                raise
            entries = entries or []
            self._release(count - len(entries))
            self._redis_ok()
            for entry in entries:
                self._spawn(entry, deliveries=1)

    async def _take_permits(self) -> int:
        """Waits for one free slot, then takes every other free one (at least 1)."""
        await self._permits.acquire()
        taken = 1
        while taken < self.config.capacity and not self._permits.locked():
            await self._permits.acquire()
            taken += 1
        return taken

    def _release(self, count: int) -> None:
        for _ in range(count):
            self._permits.release()

    async def _reclaim(self) -> None:
        cursor = "0-0"
        while not self._stopping.is_set():
            if self._permits.locked():
                return  # busy: the next round will look again
            count = await self._take_permits()
            try:
                cursor, entries = await self._streams.claim_idle(
                    self.config.claim_timeout, cursor, count
                )
                entries = [e for e in entries if e[0] not in self._active_ids]
                counts = await self._streams.delivery_counts([e[0] for e in entries])
            except BaseException:
                self._release(count)
                raise
            self._release(count - len(entries))
            if entries:
                _LOGGER.info("Redis stream bridge reclaimed %d pending entries", len(entries))
            for message_id, fields in entries:
                self._spawn((message_id, fields), deliveries=counts.get(message_id, 1))
            if cursor == "0-0":
                return

    # --- one entry ----------------------------------------------------------

    def _spawn(self, entry: Entry, *, deliveries: int) -> None:
        """Handles one entry in its own task; it holds one permit until done."""
        self._active_ids.add(entry[0])
        task = asyncio.create_task(self._handle(entry, deliveries))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, entry: Entry, deliveries: int) -> None:
        message_id, fields = entry
        try:
            parsed = parse_transcript(message_id, fields)
            if isinstance(parsed, Malformed):
                await self._dead_letter(entry, parsed.reason, parsed.detail, deliveries)
            elif deliveries > self.config.max_deliveries:
                await self._dead_letter(
                    entry,
                    "too_many_deliveries",
                    f"delivered {deliveries} times, limit {self.config.max_deliveries}",
                    deliveries,
                )
            else:
                await self._answer(parsed)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The entry stays pending; after claim_timeout it is retried and,
            # past max_deliveries, dead-lettered.
            _LOGGER.exception("Redis stream bridge could not handle entry %s", message_id)
        finally:
            self._active_ids.discard(message_id)
            self._permits.release()

    async def _answer(self, transcript: Transcript) -> None:
        frame = transcript.frame_id
        overrides = replay_overrides(transcript, processor_id=self.config.consumer)
        while (earlier := self._active_frames.get(frame)) is not None:
            # The same frame in hand under another entry (a producer retry):
            # its result will be remembered; answer from that.
            await asyncio.shield(earlier)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._active_frames[frame] = done
        try:
            settled = await self._with_redis(
                lambda: self._streams.settle(frame, transcript.message_id, None, overrides)
            )
            processed = settled is Settled.NOT_DONE
            if processed:
                # The model's answer is stored before the command acts, so a
                # reclaimed copy of this entry reuses it instead of paying again.
                recognition = FrameRecognition(
                    frame,
                    load=lambda: self._with_redis(lambda: self._streams.load_recognition(frame)),
                    save=lambda text: self._with_redis(
                        lambda: self._streams.save_recognition(frame, text)
                    ),
                )
                with handling_frame(recognition):
                    result = await self._process(transcript)
                fresh = result_fields(transcript, result, processor_id=self.config.consumer)
                # From here on the command has acted: the result is written
                # whatever it takes, never recomputed.
                settled = await self._with_redis(
                    lambda: self._streams.settle(frame, transcript.message_id, fresh, overrides)
                )
            if settled is Settled.PUBLISHED or (processed and settled is Settled.ALREADY):
                self._update(processed_total=self._status.processed_total + 1)
            elif settled is Settled.REPLAYED:
                self._update(replayed_total=self._status.replayed_total + 1)
        finally:
            del self._active_frames[frame]
            done.set_result(None)

    async def _dead_letter(self, entry: Entry, reason: str, detail: str, deliveries: int) -> None:
        message_id, fields = entry
        _LOGGER.warning(
            "Redis stream bridge dead-lettered entry %s: %s %s", message_id, reason, detail
        )
        out = dead_letter_fields(
            fields,
            reason=reason,
            detail=detail,
            message_id=message_id,
            source_stream=self.config.transcripts_stream,
            consumer=self.config.consumer,
            deliveries=deliveries,
        )
        await self._with_redis(lambda: self._streams.dead_letter(message_id, out))
        self._update(dead_lettered_total=self._status.dead_lettered_total + 1)

    async def _with_redis[T](self, call: Callable[[], Awaitable[T]]) -> T:
        """``call`` retried with backoff until Redis answers (or the task is cancelled)."""
        backoff = _Backoff(self.config.backoff_initial, self.config.backoff_max)
        while True:
            try:
                result = await call()
            except REDIS_DOWN as err:
                self._redis_failed(err)
                await self._clock.sleep(backoff.next())
            else:
                self._redis_ok()
                return result


def _password(url: str) -> str | None:
    try:
        return urlsplit(url).password or None
    except ValueError:
        return None
