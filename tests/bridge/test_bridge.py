"""The Redis stream bridge against a real redis-server: delivery, crash safety, sharing."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from custom_components.llm_intent.engine.bridge.messages import Transcript
from custom_components.llm_intent.engine.bridge.redis_streams import (
    BridgeStreams,
    Settled,
    StreamNames,
)
from custom_components.llm_intent.engine.bridge.stream_bridge import BridgeStatus

from ..redis_server import RedisServer
from .harness import (
    CountingHandler,
    add_transcript,
    entities,
    make_bridge,
    pending,
    results,
    running,
    wait_until,
)

BURST = 200


@pytest.fixture
async def client(redis_server: RedisServer) -> AsyncIterator[Redis]:
    redis = Redis.from_url(redis_server.url)
    yield redis
    await redis.aclose()


async def result_count(client: Redis, expected: int) -> bool:
    return len(await results(client)) >= expected


# --- the basic contract ----------------------------------------------------


async def test_one_transcript_gives_one_acknowledged_result(
    redis_server: RedisServer, client: Redis
) -> None:
    # Bug caught: a result written without XACK (or never written) for a plain command.
    handler = CountingHandler()
    async with running(make_bridge(redis_server.url, handler, consumer="solo")) as bridge:
        message_id = await add_transcript(
            client,
            "f1",
            "włącz światło w kuchni",
            traceparent="00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            device_id="sat-kuchnia",
        )
        await wait_until(lambda: result_count(client, 1), "one result")
        await wait_until(lambda: bridge.status.pending == 0, "status shows nothing pending")
        assert await pending(client) == 0
        (result,) = await results(client)
        assert result["frame_id"] == "f1"
        assert result["message_id"] == message_id
        assert result["transcript"] == "włącz światło w kuchni"
        assert result["intent"] == "HassTurnOn"
        assert entities(result) == {"area": "Kuchnia", "domain": "light"}
        assert result["confidence"] == "1.000"
        assert result["path"] == "local"
        assert result["cost"] == "0.000012"
        assert result["latency"] == "3.2" or result["latency"] == "3.3"
        assert result["processor_id"] == "solo"
        assert result["traceparent"].startswith("00-4bf92f35")
        assert result["executed"] == "1"
        assert result["replayed"] == "0"
        assert handler.executed == ["f1"]
        assert handler.started[0].device_id == "sat-kuchnia"
        assert bridge.status.processed_total == 1
        assert bridge.status.connected
    assert not bridge.status.connected


async def test_group_is_created_with_the_stream(redis_server: RedisServer, client: Redis) -> None:
    # Bug caught: XREADGROUP failing with NOGROUP forever on a fresh Redis.
    async with running(make_bridge(redis_server.url, CountingHandler())):
        groups = await client.xinfo_groups("voice:transcribed")
        assert [g["name"] for g in groups] == [b"llm-intent"]


@pytest.mark.parametrize("flag", ["0", "false", "False", "no"])
async def test_execute_false_only_recognises(
    redis_server: RedisServer, client: Redis, flag: str
) -> None:
    # Bug caught: "execute": "false" read as a truthy string, acting on a dry run.
    handler = CountingHandler()
    async with running(make_bridge(redis_server.url, handler)):
        await add_transcript(client, "dry", "włącz światło w kuchni", execute=flag)
        await wait_until(lambda: result_count(client, 1), "result")
    assert handler.executed == []
    assert handler.recognised_only == ["dry"]
    (result,) = await results(client)
    assert result["executed"] == "0"
    assert result["intent"] == "HassTurnOn"


async def test_burst_of_200_all_answered_none_pending(
    redis_server: RedisServer, client: Redis
) -> None:
    # Bug caught: entries dropped or left pending when more arrive than capacity.
    handler = CountingHandler()
    async with running(make_bridge(redis_server.url, handler, capacity=50)) as bridge:
        pipe = client.pipeline(transaction=False)
        for n in range(BURST):
            pipe.xadd("voice:transcribed", {"frame_id": f"b{n}", "transcript": "x"})
        await pipe.execute()
        await wait_until(lambda: result_count(client, BURST), "200 results")
        await wait_until(lambda: bridge.status.pending == 0, "nothing pending")
        assert bridge.status.processed_total == BURST
    frames = [r["frame_id"] for r in await results(client)]
    assert sorted(frames) == sorted(f"b{n}" for n in range(BURST))
    assert Counter(handler.executed) == Counter(f"b{n}" for n in range(BURST))
    assert await pending(client) == 0


async def test_capacity_bounds_commands_in_hand(redis_server: RedisServer, client: Redis) -> None:
    # Bug caught: the bridge reading (and starting) everything at once.
    gate = asyncio.Event()
    handler = CountingHandler(gate=gate)
    async with running(make_bridge(redis_server.url, handler, capacity=5)):
        # All 20 appear at once (MULTI): one unbounded read would take them all.
        pipe = client.pipeline(transaction=True)
        for n in range(20):
            pipe.xadd("voice:transcribed", {"frame_id": f"c{n}", "transcript": "x"})
        await pipe.execute()
        await wait_until(lambda: len(handler.started) == 5, "five commands in hand")
        for _ in range(50):
            await asyncio.sleep(0)  # let the reader run; it must not read more
        assert await pending(client) == 5
        assert len(handler.started) == 5
        gate.set()
        await wait_until(lambda: result_count(client, 20), "all 20 results")
    assert len(handler.started) == 20


# --- malformed entries ----------------------------------------------------


async def test_malformed_entries_go_to_dead_letter_acknowledged(
    redis_server: RedisServer, client: Redis
) -> None:
    # Bug caught: a bad entry crashing the reader or staying pending forever.
    handler = CountingHandler()
    async with running(make_bridge(redis_server.url, handler)) as bridge:
        await client.xadd("voice:transcribed", {"frame_id": "m1", "language": "pl"})
        await client.xadd("voice:transcribed", {"transcript": "włącz światło"})
        await client.xadd("voice:transcribed", {"frame_id": "m3", "transcript": b"\xff\xfe bad"})
        await client.xadd(
            "voice:transcribed", {"frame_id": "m4", "transcript": "x", "execute": "maybe"}
        )
        await client.xadd(
            "voice:transcribed", {"frame_id": "m5", "transcript": "x", "reason": "theirs"}
        )
        await wait_until(
            lambda: result_count(client, 1), "the one good entry answered"
        )  # m5 is fine
        await wait_until(
            lambda: bridge.status.dead_lettered_total == 4, "four entries dead-lettered"
        )
        assert await pending(client) == 0
    dead = await client.xrange("voice:dead-letter")
    reasons = {
        fields.get(b"frame_id", b"").decode("utf-8", "replace"): fields[b"reason"].decode()
        for _id, fields in dead
    }
    assert reasons == {
        "m1": "missing_transcript",
        "": "missing_frame_id",
        "m3": "undecodable",
        "m4": "bad_execute",
    }
    undecodable = next(fields for _id, fields in dead if fields.get(b"frame_id") == b"m3")
    # The original bytes are kept for an operator to inspect or re-add.
    assert undecodable[b"transcript"] == b"\xff\xfe bad"
    assert undecodable[b"source_stream"] == b"voice:transcribed"
    assert [t.frame_id for t in handler.started] == ["m5"]


async def test_entry_delivered_too_often_is_dead_lettered(
    redis_server: RedisServer, client: Redis
) -> None:
    # Bug caught: a poison entry (one that crashed every consumer) retried forever.
    await client.xgroup_create("voice:transcribed", "llm-intent", id="$", mkstream=True)
    message_id = await add_transcript(client, "poison", "x")
    await client.xreadgroup("llm-intent", "crashed-1", {"voice:transcribed": ">"})
    for crashed in ("crashed-2", "crashed-3"):
        await client.xclaim("voice:transcribed", "llm-intent", crashed, 0, [message_id])
    handler = CountingHandler()
    async with running(
        make_bridge(redis_server.url, handler, claim_timeout=0.0, max_deliveries=3)
    ) as bridge:
        await wait_until(lambda: bridge.status.dead_lettered_total == 1, "dead-lettered")
        assert await pending(client) == 0
    assert handler.started == []
    ((_id, fields),) = await client.xrange("voice:dead-letter")
    assert fields[b"reason"] == b"too_many_deliveries"
    assert fields[b"deliveries"] == b"4"
    assert fields[b"source_id"] == message_id.encode()


# --- exactly-once actions ------------------------------------------------------


async def test_redelivered_frame_replays_the_stored_result(
    redis_server: RedisServer, client: Redis
) -> None:
    # Bug caught: a producer retry of the same frame switching the light twice.
    handler = CountingHandler()
    async with running(make_bridge(redis_server.url, handler)) as bridge:
        await add_transcript(client, "same", "włącz światło w kuchni")
        await wait_until(lambda: result_count(client, 1), "first result")
        retry_id = await add_transcript(client, "same", "włącz światło w kuchni", traceparent="t2")
        await wait_until(lambda: result_count(client, 2), "replayed result")
        assert await pending(client) == 0
        assert bridge.status.replayed_total == 1
    first, replay = await results(client)
    assert handler.executed == ["same"]
    assert replay["replayed"] == "1"
    assert replay["message_id"] == retry_id
    assert replay["traceparent"] == "t2"
    assert replay["intent"] == first["intent"]
    assert replay["entities"] == first["entities"]
    assert await client.ttl("llm_intent:bridge:done:same") > 86_000


async def test_same_frame_twice_in_one_burst_acts_once(
    redis_server: RedisServer, client: Redis
) -> None:
    # Bug caught: two entries of one frame processed concurrently, both acting.
    gate = asyncio.Event()
    handler = CountingHandler(gate=gate)
    async with running(make_bridge(redis_server.url, handler)):
        await add_transcript(client, "twin", "włącz światło w kuchni")
        await add_transcript(client, "twin", "włącz światło w kuchni")
        await wait_until(lambda: handler.held.is_set(), "first copy in hand")
        gate.set()
        await wait_until(lambda: result_count(client, 2), "both answered")
        assert await pending(client) == 0
    assert handler.executed == ["twin"]
    assert sorted(r["replayed"] for r in await results(client)) == ["0", "1"]


async def test_settle_after_a_lost_reply_does_not_publish_twice(
    redis_server: RedisServer, client: Redis
) -> None:
    # Bug caught: retrying a commit whose reply was lost appending a second result.
    await client.xgroup_create("voice:transcribed", "llm-intent", id="$", mkstream=True)
    message_id = await add_transcript(client, "lost", "x")
    await client.xreadgroup("llm-intent", "c", {"voice:transcribed": ">"})
    streams = BridgeStreams(
        client,
        StreamNames(
            "voice:transcribed",
            "intents:recognized",
            "voice:dead-letter",
            "llm-intent",
            "llm_intent:bridge:done:",
        ),
        consumer="c",
        timeout=2.0,
        results_maxlen=10_000,
        record_ttl=86_400,
    )
    fresh = [("frame_id", "lost"), ("message_id", message_id), ("intent", "HassTurnOn")]
    assert await streams.settle("lost", message_id, None, []) is Settled.NOT_DONE
    assert await streams.settle("lost", message_id, fresh, []) is Settled.PUBLISHED
    assert await streams.settle("lost", message_id, fresh, []) is Settled.ALREADY
    assert len(await results(client)) == 1
    assert await pending(client) == 0


async def test_results_stream_is_capped(redis_server: RedisServer, client: Redis) -> None:
    # Bug caught: intents:recognized growing without bound.
    handler = CountingHandler()
    async with running(make_bridge(redis_server.url, handler, results_maxlen=10)):
        pipe = client.pipeline(transaction=False)
        for n in range(300):
            pipe.xadd("voice:transcribed", {"frame_id": f"cap{n}", "transcript": "x"})
        await pipe.execute()
        await wait_until(lambda: len(handler.executed) == 300, "all processed")
        await wait_until(lambda: _pending_is(client, 0), "nothing pending")
    # MAXLEN ~ trims whole macro nodes: far below 300, at least the last 10.
    length = await client.xlen("intents:recognized")
    assert 10 <= length < 300


async def _pending_is(client: Redis, expected: int) -> bool:
    return await pending(client) == expected


# --- crash safety -----------------------------------------------------------


@pytest.mark.parametrize("redis_server", [{"appendonly": True}], indirect=True)
async def test_redis_restart_mid_burst_loses_nothing_and_acts_once(
    redis_server: RedisServer, client: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    # Bug caught: results computed while Redis was away dropped (or recomputed,
    # acting twice) and the reader dying instead of reconnecting.
    gate = asyncio.Event()
    handler = CountingHandler(gate=gate, pass_before_gate=80)
    seen: list[BridgeStatus] = []
    bridge = make_bridge(redis_server.url, handler, capacity=20, claim_timeout=0.5)
    bridge.add_listener(seen.append)
    async with running(bridge):
        pipe = client.pipeline(transaction=False)
        for n in range(BURST):
            pipe.xadd("voice:transcribed", {"frame_id": f"r{n}", "transcript": "x"})
        await pipe.execute()
        await wait_until(lambda: handler.held.is_set(), "commands held mid-burst")
        redis_server.stop()
        # Commands in hand finish while Redis is down: their results must wait.
        gate.set()
        await wait_until(lambda: not bridge.status.connected, "bridge sees Redis gone")
        redis_server.start()
        await client.aclose()
        client = Redis.from_url(redis_server.url)
        await wait_until(lambda: _unique_results_are(client, BURST), "200 distinct results")
        await wait_until(lambda: _pending_is(client, 0), "nothing pending after restart")
        await wait_until(lambda: bridge.status.connected, "bridge reconnected")
    frames = Counter(handler.executed)
    assert len(frames) == BURST
    assert [f for f, n in frames.items() if n > 1] == []
    assert any(not s.connected and s.last_error for s in seen)
    assert "lost redis://127.0.0.1" in caplog.text
    await client.aclose()


async def _unique_results_are(client: Redis, expected: int) -> bool:
    return len({r["frame_id"] for r in await results(client)}) == expected


async def test_stopped_between_read_and_ack_is_reclaimed_and_processed_once(
    redis_server: RedisServer, client: Redis
) -> None:
    # Bug caught: an entry read but never acknowledged staying pending forever
    # (or being processed by both the old and the new run).
    gate = asyncio.Event()
    first = CountingHandler(gate=gate)
    bridge = make_bridge(redis_server.url, first, consumer="restarting", claim_timeout=0.3)
    async with running(bridge, stop_timeout=0.1):
        await add_transcript(client, "inflight", "włącz światło w kuchni")
        await wait_until(lambda: first.held.is_set(), "read, not yet acknowledged")
        # Leaving the block stops the bridge; the held command is abandoned.
    assert first.executed == []
    assert await pending(client) == 1
    second = CountingHandler()
    restarted = make_bridge(redis_server.url, second, consumer="restarting", claim_timeout=0.3)
    async with running(restarted):
        await wait_until(lambda: result_count(client, 1), "reclaimed and answered")
        await wait_until(lambda: _pending_is(client, 0), "acknowledged")
    assert second.executed == ["inflight"]
    assert len(await results(client)) == 1


async def test_crashed_consumers_entries_are_taken_over(
    redis_server: RedisServer, client: Redis
) -> None:
    # Bug caught: entries of a dead instance never processed by the survivors.
    await client.xgroup_create("voice:transcribed", "llm-intent", id="$", mkstream=True)
    for n in range(3):
        await add_transcript(client, f"orphan{n}", "x")
    await client.xreadgroup("llm-intent", "dead-instance", {"voice:transcribed": ">"})
    handler = CountingHandler()
    async with running(make_bridge(redis_server.url, handler, claim_timeout=0.2)):
        await wait_until(lambda: result_count(client, 3), "orphans answered")
        await wait_until(lambda: _pending_is(client, 0), "orphans acknowledged")
    assert sorted(handler.executed) == ["orphan0", "orphan1", "orphan2"]
    assert {r["processor_id"] for r in await results(client)} == {"test-a"}


async def test_failing_handler_leaves_entry_for_retry(
    redis_server: RedisServer, client: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    # Bug caught: an exception in the handler acknowledging (losing) the command.
    handler = CountingHandler(fail_first={"flaky"})
    async with running(make_bridge(redis_server.url, handler, claim_timeout=0.2)):
        await add_transcript(client, "flaky", "x")
        await wait_until(lambda: result_count(client, 1), "answered on retry")
        await wait_until(lambda: _pending_is(client, 0), "acknowledged")
    assert handler.executed == ["flaky"]
    assert len(handler.started) == 2
    assert "could not handle entry" in caplog.text


async def test_two_instances_share_a_burst_without_overlap(
    redis_server: RedisServer, client: Redis
) -> None:
    # Bug caught: instances in one group each processing every entry.
    both_busy = asyncio.Event()
    calls: Counter[str] = Counter()
    by_consumer: dict[str, list[str]] = {"a": [], "b": []}

    def handler_for(name: str) -> CountingHandler:
        def seen(transcript: Transcript) -> None:
            calls[transcript.frame_id] += 1
            by_consumer[name].append(transcript.frame_id)
            if by_consumer["a"] and by_consumer["b"]:
                both_busy.set()

        # Each holds its commands until both have some: neither can take the
        # whole burst, whatever the scheduling.
        return CountingHandler(gate=both_busy, on_start=seen)

    bridge_a = make_bridge(redis_server.url, handler_for("a"), consumer="a", capacity=10)
    bridge_b = make_bridge(redis_server.url, handler_for("b"), consumer="b", capacity=10)
    async with running(bridge_a), running(bridge_b):
        pipe = client.pipeline(transaction=False)
        for n in range(BURST):
            pipe.xadd("voice:transcribed", {"frame_id": f"s{n}", "transcript": "x"})
        await pipe.execute()
        await wait_until(lambda: _unique_results_are(client, BURST), "200 results")
        await wait_until(lambda: _pending_is(client, 0), "nothing pending")
        assert bridge_a.status.processed_total + bridge_b.status.processed_total == BURST
    assert len(calls) == BURST
    assert max(calls.values()) == 1
    assert by_consumer["a"] and by_consumer["b"]
    assert set(by_consumer["a"]).isdisjoint(by_consumer["b"])
    producers = Counter(r["processor_id"] for r in await results(client))
    assert set(producers) == {"a", "b"}
    assert len(await results(client)) == BURST


# --- Redis away -------------------------------------------------------------


async def test_start_and_stop_do_not_hang_without_redis(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    # Bug caught: startup blocked on an unreachable Redis, or the password
    # leaking into the status or the log.
    redis_server.stop()
    url = f"redis://ha:s3cr3t-pw@127.0.0.1:{redis_server.port}/0"
    handler = CountingHandler()
    bridge = make_bridge(url, handler)
    task = asyncio.create_task(bridge.run())
    await wait_until(lambda: bridge.status.last_error is not None, "first failure recorded")
    assert not bridge.status.connected
    async with asyncio.timeout(5):
        await bridge.stop(timeout=1.0)
        await task
    assert "s3cr3t" not in (bridge.status.last_error or "")
    assert "s3cr3t" not in caplog.text
    assert "redis://ha:***@127.0.0.1" in caplog.text


async def test_bridge_connects_when_redis_comes_up_later(
    redis_server: RedisServer,
) -> None:
    # Bug caught: a bridge started before Redis never reconnecting.
    redis_server.stop()
    handler = CountingHandler()
    bridge = make_bridge(redis_server.url, handler)
    task = asyncio.create_task(bridge.run())
    await wait_until(lambda: bridge.status.last_error is not None, "first failure recorded")
    redis_server.start()
    await wait_until(lambda: bridge.status.connected, "connected once Redis is up")
    client = Redis.from_url(redis_server.url)
    try:
        await add_transcript(client, "late", "x")
        await wait_until(lambda: result_count(client, 1), "answered")
    finally:
        await bridge.stop(timeout=1.0)
        await task
        await client.aclose()
    assert handler.executed == ["late"]


async def test_status_listener_sees_changes_until_removed(
    redis_server: RedisServer, client: Redis
) -> None:
    # Bug caught: a sensor never updated (listener not called) or called after removal.
    seen: list[BridgeStatus] = []
    handler = CountingHandler()
    bridge = make_bridge(redis_server.url, handler)
    remove = bridge.add_listener(seen.append)
    async with running(bridge):
        await add_transcript(client, "s1", "x")
        await wait_until(
            lambda: any(s.processed_total == 1 and s.pending == 0 for s in seen),
            "listener saw the processed command",
        )
        remove()
        count = len(seen)
        await add_transcript(client, "s2", "x")
        await wait_until(lambda: result_count(client, 2), "second result")
    assert len(seen) == count
    assert seen[0].connected


async def test_consumer_name_with_spaces_still_connects(
    redis_server: RedisServer, client: Redis
) -> None:
    # Bug caught: the consumer name reused as CLIENT SETNAME, which Redis
    # refuses with spaces, making every connection fail.
    handler = CountingHandler()
    async with running(make_bridge(redis_server.url, handler, consumer="kuchnia pi 1")):
        await add_transcript(client, "sp", "x")
        await wait_until(lambda: result_count(client, 1), "answered")
    (result,) = await results(client)
    assert result["processor_id"] == "kuchnia pi 1"
