"""The Redis commands of the stream bridge, each one round trip, each bounded in time.

Writing a result is one Lua script (atomic, like MULTI, but able to decide):
it remembers the frame (``SET`` with a day's ``EX``), appends the result with
``XADD ... MAXLEN ~`` and acknowledges with ``XACK``, all or nothing. The same
script replays the remembered result when another entry carries a frame that
is already done, so a retried command is answered without acting twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
import json
from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import ResponseError

# KEYS: done record, result stream, transcript stream.
# ARGV: group, message id, record TTL (s), result MAXLEN, fresh record (JSON
# [field, value, ...]) or "" to only look, number of override pairs, then the
# pairs a replay takes from the entry being answered.
_SETTLE = """
local stored = redis.call('GET', KEYS[1])
local fields = nil
if stored then
  local ok, decoded = pcall(cjson.decode, stored)
  if ok and type(decoded) == 'table' and #decoded > 0 and #decoded % 2 == 0 then
    fields = decoded
  end
end
if fields then
  for i = 1, #fields, 2 do
    if fields[i] == 'message_id' and fields[i + 1] == ARGV[2] then
      redis.call('XACK', KEYS[3], ARGV[1], ARGV[2])
      return 3
    end
  end
  for j = 0, tonumber(ARGV[6]) - 1 do
    local name, value = ARGV[7 + 2 * j], ARGV[8 + 2 * j]
    local found = false
    for i = 1, #fields, 2 do
      if fields[i] == name then
        fields[i + 1] = value
        found = true
      end
    end
    if not found then
      table.insert(fields, name)
      table.insert(fields, value)
    end
  end
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', unpack(fields))
  redis.call('XACK', KEYS[3], ARGV[1], ARGV[2])
  return 2
end
if ARGV[5] == '' then
  return 0
end
redis.call('SET', KEYS[1], ARGV[5], 'EX', ARGV[3])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', unpack(cjson.decode(ARGV[5])))
redis.call('XACK', KEYS[3], ARGV[1], ARGV[2])
return 1
"""


class Settled(IntEnum):
    """What the settle script did."""

    NOT_DONE = 0  # nothing remembered for the frame: process it
    PUBLISHED = 1  # the fresh result was remembered, appended and acknowledged
    REPLAYED = 2  # another entry's result for the frame was appended again, acknowledged
    ALREADY = 3  # this very entry was settled before (a lost reply); acknowledged


@dataclass(frozen=True, slots=True)
class StreamNames:
    transcripts: str
    results: str
    dead_letter: str
    group: str
    done_prefix: str


type Entry = tuple[str, dict[bytes, bytes]]


class BridgeStreams:
    """The bridge's view of Redis; raises ``RedisError``/``OSError``/``TimeoutError`` on failure."""

    def __init__(
        self,
        client: Redis,
        names: StreamNames,
        *,
        consumer: str,
        timeout: float,
        results_maxlen: int,
        record_ttl: int,
    ) -> None:
        self.client = client
        self.names = names
        self.consumer = consumer
        self._timeout = timeout
        self._results_maxlen = results_maxlen
        self._record_ttl = record_ttl
        self._settle = client.register_script(_SETTLE)

    async def ensure_group(self) -> None:
        """Creates the group at the stream's end (MKSTREAM); an existing group is kept.

        Starting at the end, not at 0: transcripts added before the bridge ever
        ran are old commands, and acting on them now would surprise.
        """
        try:
            async with asyncio.timeout(self._timeout):
                await self.client.xgroup_create(
                    self.names.transcripts, self.names.group, id="$", mkstream=True
                )
        except ResponseError as err:
            if "BUSYGROUP" not in str(err):
                raise

    async def read_new(self, count: int, block: float) -> list[Entry]:
        """Up to ``count`` never-delivered entries, waiting at most ``block`` seconds."""
        async with asyncio.timeout(block + self._timeout):
            reply: Any = await self.client.xreadgroup(
                self.names.group,
                self.consumer,
                {self.names.transcripts: ">"},
                count=count,
                block=max(1, int(block * 1000)),
            )
        streams = cast("list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]]", reply or [])
        entries: list[Entry] = []
        for _stream, messages in streams:
            entries.extend(_entries(messages))
        return entries

    async def claim_idle(self, min_idle: float, start: str, count: int) -> tuple[str, list[Entry]]:
        """XAUTOCLAIM: entries of this group idle for ``min_idle`` s become ours.

        Returns the cursor to continue from ("0-0" when the scan is complete).
        """
        async with asyncio.timeout(self._timeout):
            reply = await self.client.xautoclaim(
                self.names.transcripts,
                self.names.group,
                self.consumer,
                max(0, int(min_idle * 1000)),
                start_id=start,
                count=count,
            )
        return _text(reply[0]), _entries(reply[1])

    async def delivery_counts(self, message_ids: Sequence[str]) -> dict[str, int]:
        """How many times each entry was delivered (XPENDING), in one round trip."""
        if not message_ids:
            return {}
        async with asyncio.timeout(self._timeout):
            pipe = self.client.pipeline(transaction=False)
            for message_id in message_ids:
                pipe.xpending_range(
                    self.names.transcripts, self.names.group, message_id, message_id, 1
                )
            replies: list[list[dict[str, Any]]] = await pipe.execute()
        counts: dict[str, int] = {}
        for rows in replies:
            for row in rows:
                counts[_text(row["message_id"])] = int(row["times_delivered"])
        return counts

    async def pending(self) -> int:
        async with asyncio.timeout(self._timeout):
            summary = await self.client.xpending(self.names.transcripts, self.names.group)
        return int(summary["pending"])

    async def settle(
        self,
        frame_id: str,
        message_id: str,
        fresh: Sequence[tuple[str, str]] | None,
        overrides: Sequence[tuple[str, str]],
    ) -> Settled:
        """Publish-and-acknowledge (``fresh``), or only replay if the frame is done (None)."""
        record = json.dumps([part for pair in fresh for part in pair]) if fresh else ""
        args: list[str | int] = [
            self.names.group,
            message_id,
            self._record_ttl,
            self._results_maxlen,
            record,
            len(overrides),
        ]
        args.extend(part for pair in overrides for part in pair)
        keys = [
            self.names.done_prefix + frame_id,
            self.names.results,
            self.names.transcripts,
        ]
        async with asyncio.timeout(self._timeout):
            outcome = await self._settle(keys=keys, args=args)
        return Settled(int(cast("int", outcome)))

    async def load_recognition(self, frame_id: str) -> str | None:
        """The model's recognition stored for ``frame_id``, if the frame was asked before."""
        async with asyncio.timeout(self._timeout):
            value = await self.client.get(self._recognition_key(frame_id))
        return None if value is None else _text(value)

    async def save_recognition(self, frame_id: str, recognition: str) -> None:
        async with asyncio.timeout(self._timeout):
            await self.client.set(self._recognition_key(frame_id), recognition, ex=self._record_ttl)

    def _recognition_key(self, frame_id: str) -> str:
        return f"{self.names.done_prefix}recognition:{frame_id}"

    async def dead_letter(self, message_id: str, fields: Sequence[tuple[bytes, bytes]]) -> None:
        """Appends to the dead-letter stream and acknowledges, in one MULTI."""
        async with asyncio.timeout(self._timeout):
            pipe = self.client.pipeline(transaction=True)
            pipe.xadd(
                self.names.dead_letter,
                dict(fields),
                maxlen=self._results_maxlen,
                approximate=True,
            )
            pipe.xack(self.names.transcripts, self.names.group, message_id)
            await pipe.execute()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _entries(messages: Sequence[tuple[bytes | str, Mapping[bytes, bytes] | None]]) -> list[Entry]:
    # An entry trimmed away while pending comes back without fields; skip it.
    return [
        (_text(message_id), dict(fields))
        for message_id, fields in messages
        if message_id is not None and fields is not None
    ]
