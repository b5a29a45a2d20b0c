"""The recognition cache as the pipeline sees it: keyed by command, home and context."""

from __future__ import annotations

from collections.abc import Callable

from ..clock import Clock
from ..home import Home
from ..pipeline import Command
from ..understanding.context import Context
from ..understanding.recognition import Recognition
from .key import ContextFingerprint
from .store import CachedRecognition, CacheVersions, RecognitionCache


def fingerprint(ctx: Context) -> ContextFingerprint:
    """Everything a recognition may have taken from context (not from the words)."""
    previous = ",".join(sorted(ctx.last.entity_ids)) if ctx.last and ctx.last.entity_ids else None
    if previous is None and ctx.last is not None:
        previous = f"{ctx.last.intent}:{ctx.last.area_id or ''}"
    return ContextFingerprint(area_id=ctx.satellite_area_id, previous_target=previous)


class PipelineCache:
    def __init__(
        self,
        cache: RecognitionCache,
        clock: Clock,
        catalogue_version: str,
        prompt_version: str,
        model: Callable[[], str],
        provider: Callable[[], str],
    ) -> None:
        self.cache = cache
        self._clock = clock
        self._catalogue_version = catalogue_version
        self._prompt_version = prompt_version
        self._model = model
        self._provider = provider
        # The context as it was when the command arrived: acting on a command
        # updates the context (its target becomes "previous"), and the entry
        # must be stored under the key the next identical command will look up.
        self._seen: dict[int, ContextFingerprint] = {}

    def _versions(self, home: Home) -> CacheVersions:
        return CacheVersions(
            catalogue_version=self._catalogue_version,
            prompt_version=self._prompt_version,
            model=self._model(),
            home_version=home.version,
        )

    async def lookup(self, command: Command, home: Home, context: Context) -> Recognition | None:
        seen = fingerprint(context)
        if len(self._seen) > 1000:
            self._seen.clear()
        self._seen[id(command)] = seen
        hit = await self.cache.lookup(command.text, command.language, self._versions(home), seen)
        if hit is None:
            return None
        lang = "pl" if command.language.lower().startswith("pl") else "en"
        area_id = None
        if isinstance(area := hit.slots.get("area"), str):
            area_id = home.index("area", lang).resolve(area)
        entity_ids: tuple[str, ...] = ()
        if isinstance(name := hit.slots.get("name"), str) and (
            key := home.index("entity", lang).resolve(name)
        ):
            entity_ids = (key,)
        return Recognition(
            intent=hit.intent,
            slots=dict(hit.slots),
            confidence=hit.confidence,
            context_used=hit.context_used,
            area_id=area_id,
            entity_ids=entity_ids,
        )

    async def store(
        self, command: Command, home: Home, context: Context, rec: Recognition, *, sensitive: bool
    ) -> None:
        record = CachedRecognition(
            intent=rec.intent,
            slots=dict(rec.slots),
            confidence=rec.confidence,
            model=self._model(),
            provider=self._provider(),
            created=self._clock.time(),
            context_used=rec.context_used,
        )
        await self.cache.store(
            command.text,
            command.language,
            self._versions(home),
            self._seen.pop(id(command), None) or fingerprint(context),
            record,
            sensitive=sensitive,
        )
