"""Recognition cache: keys, the two-step lookup, refusals, and both backends for real."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
import logging
from typing import Any

import pytest
from redis.asyncio import Redis

from custom_components.llm_intent.engine.cache.key import cache_key, normalise_command
from custom_components.llm_intent.engine.cache.memory import MemoryCacheBackend
from custom_components.llm_intent.engine.cache.redis_backend import NAMESPACE, RedisCacheBackend
from custom_components.llm_intent.engine.cache.store import (
    CachedRecognition,
    CacheVersions,
    ContextFingerprint,
    RecognitionCache,
    StoreDecision,
    create_cache,
)
from custom_components.llm_intent.engine.clock import ManualClock

from ...redis_server import RedisServer

REDIS_LOGGER = "custom_components.llm_intent.engine.cache.redis_backend"

VERSIONS = CacheVersions(
    catalogue_version="cat-1", prompt_version="p-1", model="gpt-x", home_version="home-1"
)
KITCHEN = ContextFingerprint(area_id="kitchen")
BEDROOM = ContextFingerprint(area_id="bedroom")


def recognition(
    intent: str = "HassTurnOn",
    *,
    area: str = "kitchen",
    confidence: float = 0.95,
    context_used: bool = False,
) -> CachedRecognition:
    return CachedRecognition(
        intent=intent,
        slots={"area": area, "domain": "light"},
        confidence=confidence,
        model="gpt-x",
        provider="openai",
        created=1_000.0,
        context_used=context_used,
    )


def key(text: str, language: str = "pl", **overrides: Any) -> str:
    fields: dict[str, Any] = {
        "catalogue_version": "cat-1",
        "prompt_version": "p-1",
        "model": "gpt-x",
        "home_version": "home-1",
        "context": None,
    }
    fields.update(overrides)
    return cache_key(text, language, **fields)


# --- the key ---------------------------------------------------------------


def test_case_diacritics_and_punctuation_do_not_split_polish_commands() -> None:
    # Bug caught: STT spelling variants of one command each paying for an LLM call.
    variants = [
        "Włącz światło w kuchni!",
        "wlacz swiatlo w kuchni",
        "WŁĄCZ  światło, w kuchni.",
        "włącz\tświatło w kuchni?",
    ]
    assert len({key(v) for v in variants}) == 1
    assert normalise_command("Włącz światło w kuchni!", "pl") == "wlaczswiatlowkuchni"


def test_numbers_keep_their_decimal_point_and_sign() -> None:
    # Bug caught: "21,5" and "215" (or "-5" and "5") stripped to the same digits
    # and replaying the wrong temperature.
    assert key("ustaw 21,5 stopnia") != key("ustaw 215 stopnia")
    assert key("ustaw 21.5 stopnia") == key("ustaw 21,5 stopnia")
    assert key("ustaw -5 stopni") != key("ustaw 5 stopni")
    assert key("ustaw −5 stopni") == key("ustaw minus 5 stopni") == key("ustaw -5 stopni")
    assert key("pokój 1-2") != key("pokój 12")
    assert key("set to 2 0") != key("set to 20")


def test_diacritics_are_kept_where_they_carry_meaning() -> None:
    # Bug caught: German "schon" (already) and "schön" (nice) sharing an entry.
    assert key("schön", "de") != key("schon", "de")
    assert key("Schön", "de") == key("schön", "de")


def test_language_is_part_of_the_key() -> None:
    assert key("stop", "en") != key("stop", "pl")
    assert key("stop", "pl_PL") == key("stop", "pl-pl")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("catalogue_version", "cat-2"),
        ("prompt_version", "p-2"),
        ("model", "gpt-y"),
        ("home_version", "home-2"),
        ("context", KITCHEN),
        ("context", ContextFingerprint(previous_target="light.desk")),
    ],
)
def test_every_dependency_changes_the_key(field: str, value: Any) -> None:
    # Bug caught: a dependency left out of the fingerprint, so a new catalogue,
    # model or home replays answers made for the old one.
    assert key("włącz światło") != key("włącz światło", **{field: value})


def test_fingerprint_fields_cannot_bleed_into_each_other() -> None:
    # Bug caught: plain concatenation making ("a:b", "c") equal to ("a", "b:c").
    assert key("x", catalogue_version="a:b", prompt_version="c") != key(
        "x", catalogue_version="a", prompt_version="b:c"
    )
    assert key("x", context=ContextFingerprint("a", "b")) != key(
        "x", context=ContextFingerprint("ab", None)
    )


def test_empty_context_is_the_shared_key_and_words_are_not_readable() -> None:
    assert key("włącz", context=ContextFingerprint()) == key("włącz")
    assert "wlacz" not in key("włącz")
    assert "kuchni" not in key("w kuchni")


# --- the cache over both backends -------------------------------------------


@dataclass
class Harness:
    cache: RecognitionCache
    clock: ManualClock
    count_entries: Callable[[], Awaitable[int]]


async def _memory_harness(**options: Any) -> Harness:
    clock = ManualClock()
    backend = MemoryCacheBackend(clock=clock)

    async def count() -> int:
        return len(backend)

    return Harness(RecognitionCache(backend, **options), clock, count)


async def _count_namespace(client: Redis) -> int:
    return len([k async for k in client.scan_iter(match=NAMESPACE + "*")])


@pytest.fixture(params=["memory", "redis"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    if request.param == "memory":
        h = await _memory_harness()
        yield h
        await h.cache.close()
        return
    server: RedisServer = request.getfixturevalue("redis_server")
    clock = ManualClock()
    cache = create_cache(clock=clock, redis_url=server.url)
    inspector = Redis.from_url(server.url)
    try:
        yield Harness(cache, clock, lambda: _count_namespace(inspector))
    finally:
        await cache.close()
        await inspector.aclose()


async def test_context_free_command_is_one_entry_shared_by_rooms(harness: Harness) -> None:
    # Bug caught: keying every entry on the satellite's area, so "turn on the
    # kitchen light" is paid for again from every room.
    cache = harness.cache
    stored = await cache.store("włącz światło w kuchni", "pl", VERSIONS, KITCHEN, recognition())
    assert stored is StoreDecision.STORED

    hit = await cache.lookup("Włącz światło w kuchni", "pl", VERSIONS, BEDROOM)

    assert hit == recognition()
    assert await harness.count_entries() == 1
    assert cache.backend.active == cache.stats().backend


async def test_context_dependent_recognition_never_replays_in_another_room(
    harness: Harness,
) -> None:
    # Bug caught: the kitchen's "turn on the light" replayed in the bedroom.
    cache = harness.cache
    kitchen = recognition(area="kitchen", context_used=True)
    bedroom = recognition(area="bedroom", context_used=True)

    await cache.store("włącz światło", "pl", VERSIONS, KITCHEN, kitchen)
    assert await cache.lookup("włącz światło", "pl", VERSIONS, BEDROOM) is None
    assert await cache.lookup("włącz światło", "pl", VERSIONS, None) is None

    await cache.store("włącz światło", "pl", VERSIONS, BEDROOM, bedroom)
    assert await cache.lookup("włącz światło", "pl", VERSIONS, KITCHEN) == kitchen
    assert await cache.lookup("włącz światło", "pl", VERSIONS, BEDROOM) == bedroom
    assert await harness.count_entries() == 2


async def test_previous_target_is_context_too(harness: Harness) -> None:
    # Bug caught: "wyłącz to" (turn it off) replaying the lamp it targeted last
    # time after the user had moved on to the fan.
    cache = harness.cache
    lamp = ContextFingerprint(area_id="kitchen", previous_target="light.lamp")
    fan = ContextFingerprint(area_id="kitchen", previous_target="fan.ceiling")
    turn_off_lamp = replace(recognition("HassTurnOff", context_used=True), slots={"name": "lamp"})

    await cache.store("wyłącz to", "pl", VERSIONS, lamp, turn_off_lamp)

    assert await cache.lookup("wyłącz to", "pl", VERSIONS, fan) is None
    assert await cache.lookup("wyłącz to", "pl", VERSIONS, lamp) == turn_off_lamp


async def test_changed_home_version_misses(harness: Harness) -> None:
    # Bug caught: after renaming the kitchen area, replaying the old area id.
    cache = harness.cache
    await cache.store("włącz światło w kuchni", "pl", VERSIONS, None, recognition())
    renamed = replace(VERSIONS, home_version="home-2")

    assert await cache.lookup("włącz światło w kuchni", "pl", renamed, None) is None
    assert await cache.lookup("włącz światło w kuchni", "pl", VERSIONS, None) is not None


async def test_spelling_variants_hit_the_same_entry(harness: Harness) -> None:
    cache = harness.cache
    await cache.store("Włącz światło w kuchni!", "pl", VERSIONS, None, recognition())

    assert await cache.lookup("wlacz swiatlo w kuchni", "pl", VERSIONS, KITCHEN) is not None
    assert await harness.count_entries() == 1


@pytest.mark.parametrize(
    ("rec", "flags", "expected"),
    [
        (recognition(confidence=0.69), {}, StoreDecision.LOW_CONFIDENCE),
        (recognition(confidence=float("nan")), {}, StoreDecision.LOW_CONFIDENCE),
        (recognition(confidence=float("inf")), {}, StoreDecision.LOW_CONFIDENCE),
        (recognition("unclear"), {}, StoreDecision.NOT_UNDERSTOOD),
        (recognition("out_of_scope"), {}, StoreDecision.NOT_UNDERSTOOD),
        (recognition("Refuse"), {}, StoreDecision.NOT_UNDERSTOOD),
        (recognition(), {"unclear": True}, StoreDecision.NOT_UNDERSTOOD),
        (recognition("HassLockUnlock"), {"sensitive": True}, StoreDecision.SENSITIVE),
        (recognition(), {"failed": True}, StoreDecision.FAILED),
        (recognition(""), {}, StoreDecision.FAILED),
    ],
)
async def test_uncertain_refused_sensitive_and_failed_are_not_stored(
    harness: Harness, rec: CachedRecognition, flags: dict[str, bool], expected: StoreDecision
) -> None:
    # Bug caught: caching a guess, a refusal or an unlock, so it replays
    # without the model (or the user's confirmation) being asked again.
    cache = harness.cache

    assert await cache.store("otwórz drzwi", "pl", VERSIONS, None, rec, **flags) is expected
    assert await cache.lookup("otwórz drzwi", "pl", VERSIONS, None) is None
    assert await harness.count_entries() == 0
    assert cache.stats().not_stored == {expected: 1}


async def test_context_used_without_context_is_not_stored(harness: Harness) -> None:
    # Bug caught: a context-dependent answer stored under the shared key,
    # which every room would then replay.
    cache = harness.cache
    rec = recognition(context_used=True)

    decision = await cache.store("włącz światło", "pl", VERSIONS, None, rec)

    assert decision is StoreDecision.MISSING_CONTEXT
    assert await harness.count_entries() == 0


async def test_unserialisable_slots_and_empty_commands_are_refused(harness: Harness) -> None:
    cache = harness.cache
    odd = replace(recognition(), slots={"when": object()})

    assert await cache.store("włącz", "pl", VERSIONS, None, odd) is StoreDecision.NOT_SERIALISABLE
    assert await cache.store("?!", "pl", VERSIONS, None, recognition()) is (
        StoreDecision.EMPTY_COMMAND
    )
    assert await harness.count_entries() == 0


async def test_replayed_slots_cannot_be_changed_by_the_caller(harness: Harness) -> None:
    # Bug caught: the cache handing out its own dict, so a caller filling in
    # defaults rewrites every later replay.
    cache = harness.cache
    await cache.store("włącz światło", "pl", VERSIONS, None, recognition())
    first = await cache.lookup("włącz światło", "pl", VERSIONS, None)
    assert first is not None
    first.slots["area"] = "garage"

    again = await cache.lookup("włącz światło", "pl", VERSIONS, None)
    assert again is not None
    assert again.slots["area"] == "kitchen"


async def test_foreign_or_corrupt_entries_are_misses_not_errors(harness: Harness) -> None:
    # Bug caught: a context-dependent record found under the shared key (written
    # by an older version) replayed in every room, or garbage raising into a command.
    cache = harness.cache
    shared_key = key("włącz światło")
    kitchen_only = recognition(context_used=True)
    await cache.backend.set(shared_key, kitchen_only.to_bytes(), 60)
    await cache.backend.set(key("wyłącz światło"), b"\xff not json", 60)
    await cache.backend.set(key("zgaś światło"), b'{"v": 99}', 60)

    assert await cache.lookup("włącz światło", "pl", VERSIONS, BEDROOM) is None
    assert await cache.lookup("wyłącz światło", "pl", VERSIONS, BEDROOM) is None
    assert await cache.lookup("zgaś światło", "pl", VERSIONS, BEDROOM) is None


async def test_stats_count_hits_and_misses(harness: Harness) -> None:
    cache = harness.cache
    assert cache.stats().hit_ratio == 0.0
    await cache.lookup("włącz światło", "pl", VERSIONS, None)
    await cache.store("włącz światło", "pl", VERSIONS, None, recognition())
    await cache.lookup("włącz światło", "pl", VERSIONS, None)
    await cache.lookup("włącz światło", "pl", VERSIONS, KITCHEN)
    await cache.lookup("wyłącz światło", "pl", VERSIONS, KITCHEN)

    stats = cache.stats()
    assert (stats.hits, stats.misses, stats.stored) == (2, 2, 1)
    assert stats.hit_ratio == 0.5
    cache.reset_stats()
    assert (cache.stats().hits, cache.stats().misses) == (0, 0)


async def test_clear_removes_every_entry(harness: Harness) -> None:
    cache = harness.cache
    await cache.store("włącz światło", "pl", VERSIONS, None, recognition())
    await cache.store("włącz światło", "pl", VERSIONS, KITCHEN, recognition(context_used=True))

    await cache.clear()

    assert await harness.count_entries() == 0
    assert await cache.lookup("włącz światło", "pl", VERSIONS, KITCHEN) is None


# --- memory backend ----------------------------------------------------------


async def test_memory_entries_expire_at_ttl() -> None:
    # Bug caught: entries living forever, so a stale recognition outlives the TTL.
    h = await _memory_harness(ttl=300.0)
    await h.cache.store("włącz światło", "pl", VERSIONS, None, recognition())

    h.clock.advance(299.9)
    assert await h.cache.lookup("włącz światło", "pl", VERSIONS, None) is not None
    h.clock.advance(0.1)
    assert await h.cache.lookup("włącz światło", "pl", VERSIONS, None) is None
    assert await h.count_entries() == 0


async def test_default_lifetime_keeps_yesterdays_command_for_a_week() -> None:
    # Bug caught: a lifetime of minutes, which misses nearly every household
    # repeat (they come a day or a week apart: 5 % hits in scripts/bench cache).
    h = await _memory_harness()
    await h.cache.store("włącz światło w kuchni", "pl", VERSIONS, None, recognition())

    h.clock.advance(86_400.0)
    assert await h.cache.lookup("włącz światło w kuchni", "pl", VERSIONS, None) is not None
    h.clock.advance(6 * 86_400.0)
    assert await h.cache.lookup("włącz światło w kuchni", "pl", VERSIONS, None) is None


async def test_memory_evicts_least_recently_used_by_count() -> None:
    # Bug caught: evicting the oldest insert (FIFO) instead of the least used.
    backend = MemoryCacheBackend(clock=ManualClock(), max_entries=2)
    await backend.set("a", b"1", 60)
    await backend.set("b", b"2", 60)
    assert await backend.get("a") == b"1"

    await backend.set("c", b"3", 60)

    assert len(backend) == 2
    assert await backend.get("b") is None
    assert await backend.get("a") == b"1"
    assert await backend.get("c") == b"3"


async def test_memory_evicts_least_recently_used_by_bytes() -> None:
    # Bug caught: a byte bound that is not enforced, or that double counts a
    # replaced entry and so evicts everything.
    backend = MemoryCacheBackend(clock=ManualClock(), max_entries=100, max_bytes=25)
    await backend.set("a", b"x" * 9, 60)  # 10 bytes with its key
    await backend.set("b", b"x" * 9, 60)
    for _ in range(5):
        await backend.set("b", b"x" * 9, 60)
    assert backend.size_bytes == 20
    assert await backend.get("a") is not None

    await backend.set("c", b"x" * 9, 60)

    assert backend.size_bytes == 20
    assert await backend.get("b") is None
    assert await backend.get("a") is not None


async def test_memory_refuses_an_entry_larger_than_the_bound() -> None:
    # Bug caught: one oversized value flushing the whole cache to make room.
    backend = MemoryCacheBackend(clock=ManualClock(), max_bytes=50)
    await backend.set("a", b"1", 60)

    await backend.set("huge", b"x" * 100, 60)

    assert await backend.get("huge") is None
    assert await backend.get("a") == b"1"


# --- Redis backend -----------------------------------------------------------


async def test_redis_keys_are_namespaced_and_expire_by_redis_ttl(
    redis_server: RedisServer,
) -> None:
    # Bug caught: entries written without EX live in Redis forever.
    cache = create_cache(clock=ManualClock(), redis_url=redis_server.url, ttl=120.0)
    inspector = Redis.from_url(redis_server.url)
    try:
        await cache.store("włącz światło", "pl", VERSIONS, None, recognition())
        names = [k async for k in inspector.scan_iter()]
        assert len(names) == 1
        assert names[0].startswith(NAMESPACE.encode())
        ttl = await inspector.ttl(names[0])
        assert 0 < ttl <= 120
    finally:
        await cache.close()
        await inspector.aclose()


@pytest.mark.parametrize("redis_server", [{"appendonly": True}], indirect=True)
async def test_redis_outage_degrades_to_memory_once_and_recovers(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    # Bug caught: a stopped Redis raising into the command, logging on every
    # call, or never being used again after it comes back.
    clock = ManualClock()
    cache = create_cache(clock=clock, redis_url=redis_server.url)
    try:
        await cache.store("zapal lampę", "pl", VERSIONS, None, recognition(area="salon"))
        assert cache.stats().backend == "redis"

        redis_server.stop()
        with caplog.at_level(logging.INFO, logger=REDIS_LOGGER):
            assert await cache.lookup("zapal lampę", "pl", VERSIONS, None) is None
            assert cache.stats().backend == "memory"
            await cache.store("włącz radio", "pl", VERSIONS, None, recognition("HassMediaPlay"))
            assert await cache.lookup("włącz radio", "pl", VERSIONS, None) is not None
            clock.advance(30.0)  # a re-probe that still fails
            assert await cache.lookup("włącz radio", "pl", VERSIONS, None) is not None
            await cache.clear()

            redis_server.start()
            clock.advance(10.0)  # before the next probe, Redis is left alone
            assert await cache.lookup("zapal lampę", "pl", VERSIONS, None) is None
            assert cache.stats().backend == "memory"

            clock.advance(20.0)
            back = await cache.lookup("zapal lampę", "pl", VERSIONS, None)

        assert back == recognition(area="salon")  # served from Redis's AOF again
        assert cache.stats().backend == "redis"
        warnings = [
            r for r in caplog.records if r.name == REDIS_LOGGER and r.levelno >= logging.WARNING
        ]
        assert len(warnings) == 1
        assert "memory" in warnings[0].getMessage()
    finally:
        await cache.close()


async def test_redis_password_never_reaches_logs_or_repr(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    redis_server.stop()
    url = f"redis://ha:s3cr3t-pw@127.0.0.1:{redis_server.port}/0"
    backend = RedisCacheBackend(
        url, clock=ManualClock(), fallback=MemoryCacheBackend(clock=ManualClock())
    )
    try:
        with caplog.at_level(logging.DEBUG, logger=REDIS_LOGGER):
            await backend.set("k", b"v", 60)
        assert caplog.records
        assert "s3cr3t-pw" not in caplog.text
        assert "s3cr3t-pw" not in repr(backend)
        assert "ha:***@127.0.0.1" in caplog.text
    finally:
        await backend.close()


async def test_unresponsive_redis_costs_a_command_well_under_a_second(
    socket_enabled: None,
) -> None:
    # Bug caught: redis-py's default retries with backoff (seconds) stalling a
    # voice command behind a Redis that accepts connections but never answers.
    connections: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    memory = MemoryCacheBackend(clock=ManualClock())
    backend = RedisCacheBackend(f"redis://127.0.0.1:{port}/0", clock=ManualClock(), fallback=memory)
    loop = asyncio.get_running_loop()
    try:
        started = loop.time()
        await backend.set("k", b"v", 60)
        assert await backend.get("k") == b"v"
        assert loop.time() - started < 1.0
        assert backend.active == "memory"
        assert len(connections) == 1  # no retry, and no second try before the re-probe
    finally:
        await backend.close()
        for writer in connections:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_two_instances_on_one_redis_share_entries(redis_server: RedisServer) -> None:
    # Bug caught: a per-instance prefix, so a second Home Assistant pays again.
    first = create_cache(clock=ManualClock(), redis_url=redis_server.url)
    second = create_cache(clock=ManualClock(), redis_url=redis_server.url)
    try:
        await first.store("włącz światło w kuchni", "pl", VERSIONS, None, recognition())
        assert await second.lookup("wlacz swiatlo w kuchni", "pl", VERSIONS, BEDROOM) == (
            recognition()
        )
    finally:
        await first.close()
        await second.close()


async def test_redis_clear_removes_only_its_namespace(redis_server: RedisServer) -> None:
    # Bug caught: FLUSHDB (or a too-wide pattern) deleting other applications' data.
    cache = create_cache(clock=ManualClock(), redis_url=redis_server.url)
    inspector = Redis.from_url(redis_server.url)
    try:
        await inspector.set("someone:else", b"keep")
        await inspector.set("llm_intent:cache:v2:future", b"keep")
        for n in range(1_200):  # more than one SCAN/UNLINK batch
            await cache.backend.set(f"k{n}", b"v", 60)

        await cache.clear()

        assert await _count_namespace(inspector) == 0
        assert await inspector.get("someone:else") == b"keep"
        assert await inspector.get("llm_intent:cache:v2:future") == b"keep"
    finally:
        await cache.close()
        await inspector.aclose()
