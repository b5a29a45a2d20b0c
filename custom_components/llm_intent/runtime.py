"""Everything one config entry runs, built at setup and kept in ``entry.runtime_data``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.components import persistent_notification
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.util import dt as dt_util

from .const import (
    CONF_CACHE_TTL,
    CONF_CHEAPER_MODEL,
    CONF_CONTEXT_TTL,
    CONF_DISABLED_INTENTS,
    CONF_MAX_OUTPUT_TOKENS,
    CONF_PREFER_LOCAL,
    CONF_REDIS_URL,
    CONF_STORE_TEXT,
    CONF_TEMPERATURE,
    DEFAULT_CACHE_TTL,
    DEFAULT_CONTEXT_TTL,
    DEFAULT_DAILY_BUDGET,
    DEFAULT_MAX_OUTPUT_TOKENS,
    DEFAULT_MONTHLY_BUDGET,
    DEFAULT_PREFER_LOCAL,
    DEFAULT_TEMPERATURE,
    DOMAIN,
    EVENT_BUDGET_ALERT,
    EVENT_CIRCUIT_CHANGED,
    LOGGER,
    USER_CATALOGUE_FILE,
)
from .engine.cache.pipeline_cache import PipelineCache
from .engine.cache.store import RecognitionCache, create_cache
from .engine.calling.breaker import BreakerState, CircuitBreaker
from .engine.calling.degrade import DegradingLLM
from .engine.calling.generation import PaidGeneration
from .engine.calling.paid_call import PaidLLM
from .engine.clock import SystemClock
from .engine.cost.accounting import Accounting
from .engine.cost.budget import Budget, BudgetAlert, BudgetPeriod
from .engine.cost.command_counts import count_commands
from .engine.cost.ledger import LEDGER_FILENAME, AsyncLedger, Ledger, period_bounds
from .engine.pipeline import Outcome, Pipeline, Settings
from .engine.understanding.catalogue import Catalogue, load_catalogue
from .engine.understanding.context import ContextStore
from .engine.understanding.intent_switches import without_intents
from .engine.understanding.prompt import PROMPT_VERSION
from .engine.understanding.sentence_library import SentenceLibrary
from .entry_state import BUDGET_OPTIONS, EntryState
from .ha_actions import HAExecutor
from .ha_home import HomeSnapshots
from .ha_local import HALocalAgent
from .llm_backend import async_create_backend
from .provider_availability import ProviderAvailability

BUILTIN_CATALOGUE = Path(__file__).parent / "intents.yaml"

type LLMIntentConfigEntry = ConfigEntry[LLMIntentRuntime]


@dataclass
class LLMIntentRuntime:
    pipeline: Pipeline
    homes: HomeSnapshots
    catalogue: Catalogue
    accounting: Accounting
    budget: Budget
    ledger: AsyncLedger
    entry_state: EntryState
    llm: PaidLLM | None = None
    # Records a command's or an AI task's outcome: ledger, sensors, metrics, reauth.
    record: Callable[[Outcome], None] = lambda _outcome: None
    generation: PaidGeneration | None = None
    cache: RecognitionCache | None = None
    bridge: Any = None
    availability: ProviderAvailability = field(default_factory=ProviderAvailability)
    extras: dict[str, Any] = field(default_factory=dict)
    # The model path with its cheaper stand-in, and the intents switched off.
    degrading: DegradingLLM | None = None
    disabled_intents: tuple[str, ...] = ()

    async def async_close(self) -> None:
        await self.entry_state.async_flush()
        await self.ledger.close()
        if self.cache is not None:
            await self.cache.close()


async def async_load_catalogue(hass: HomeAssistant) -> Catalogue:
    user = Path(hass.config.path(USER_CATALOGUE_FILE))
    return await hass.async_add_executor_job(load_catalogue, BUILTIN_CATALOGUE, user)


def settings_from(options: dict[str, Any]) -> Settings:
    return Settings(
        prefer_local=bool(options.get(CONF_PREFER_LOCAL, DEFAULT_PREFER_LOCAL)),
        max_output_tokens=int(options.get(CONF_MAX_OUTPUT_TOKENS, DEFAULT_MAX_OUTPUT_TOKENS)),
        temperature=float(options.get(CONF_TEMPERATURE, DEFAULT_TEMPERATURE)),
    )


def _budget_alert(hass: HomeAssistant, entry: ConfigEntry[Any]) -> Any:
    @callback
    def alert(event: BudgetAlert) -> None:
        data = {
            "level": event.level,
            "period": str(event.period),
            "spent": float(event.spent),
            "limit": float(event.limit),
            "entry_id": entry.entry_id,
        }
        hass.bus.async_fire(EVENT_BUDGET_ALERT, data)
        persistent_notification.async_create(
            hass,
            f"LLM Intent: {event.level}% of the {event.period} budget used "
            f"(${event.spent:.4f} of ${event.limit:.2f}).",
            title="LLM Intent budget",
            notification_id=f"{DOMAIN}_{entry.entry_id}_budget_{event.period}",
        )

    return alert


async def async_build_runtime(hass: HomeAssistant, entry: LLMIntentConfigEntry) -> LLMIntentRuntime:
    options = dict(entry.options)
    catalogue = await async_load_catalogue(hass)
    clock = SystemClock()
    tz = await dt_util.async_get_time_zone(hass.config.time_zone) or ZoneInfo("UTC")
    entry_state = EntryState(hass, entry.entry_id)
    await entry_state.async_load()
    defaults = {BudgetPeriod.DAY: DEFAULT_DAILY_BUDGET, BudgetPeriod.MONTH: DEFAULT_MONTHLY_BUDGET}
    # The limit stored when it was last set wins over options a crash may have left older.
    limits = {
        period: entry_state.budget_limit(period) or options.get(key, defaults[period])
        for period, key in BUDGET_OPTIONS.items()
    }
    # The options form shows and saves back these values: bring stale ones up to date.
    stale = {
        key: float(limits[period])
        for period, key in BUDGET_OPTIONS.items()
        if entry_state.budget_limit(period) is not None
        and options.get(key) != float(limits[period])
    }
    if stale:
        hass.config_entries.async_update_entry(entry, options={**entry.options, **stale})
    budget = Budget(
        limits[BudgetPeriod.DAY],
        limits[BudgetPeriod.MONTH],
        tz=tz,
        clock=clock,
        on_alert=_budget_alert(hass, entry),
    )
    llm = await async_create_backend(hass, entry, budget, clock)
    cheaper_model = str(options.get(CONF_CHEAPER_MODEL) or "").strip()
    degrading: DegradingLLM | None = None
    if llm is not None:
        cheaper = (
            await async_create_backend(hass, entry, budget, clock, model=cheaper_model)
            if cheaper_model
            else None
        )
        degrading = DegradingLLM(llm, cheaper, budget)
    disabled = [str(i) for i in options.get(CONF_DISABLED_INTENTS) or ()]
    store_text = bool(options.get(CONF_STORE_TEXT, False))
    ledger = AsyncLedger(
        Ledger(hass.config.path(LEDGER_FILENAME), keep_text=store_text),
        hass.async_add_executor_job,
    )
    accounting = Accounting(
        clock, tz, ledger=ledger, budget=budget, store_text=store_text, entry_id=entry.entry_id
    )
    if llm is not None:
        llm.recorder = accounting
    if degrading is not None and degrading.cheaper is not None:
        # The cheaper model's calls go to the same write-ahead ledger.
        degrading.cheaper.recorder = accounting
    await accounting.restore()
    await _async_restore_command_counts(accounting, ledger, clock, tz)
    homes = HomeSnapshots(hass)
    availability = ProviderAvailability()
    cache: RecognitionCache | None = None
    pipeline_cache: PipelineCache | None = None
    if llm is not None:
        primary = llm.router.routes[0].provider
        cache = create_cache(
            clock=clock,
            redis_url=options.get(CONF_REDIS_URL) or None,
            ttl=float(options.get(CONF_CACHE_TTL, DEFAULT_CACHE_TTL)),
        )
        pipeline_cache = PipelineCache(
            cache,
            clock,
            catalogue.version,
            PROMPT_VERSION,
            model=lambda: primary.model,
            provider=lambda: primary.label,
        )
        for route in llm.router.routes:
            _keep_breaker(entry, entry_state, route.breaker)
            _watch_breaker(hass, entry, route.breaker.name, route.breaker.add_listener)

    def on_outcome(outcome: Outcome) -> None:
        accounting.record(outcome)
        if llm is not None and outcome.routed is not None:
            availability.observe(outcome.routed.attempts)
            failed = outcome.routed.auth_failed_provider
            if failed is not None and failed == llm.router.routes[0].label:
                entry.async_start_reauth(hass)

    library = SentenceLibrary(disabled=frozenset(disabled))
    await hass.async_add_executor_job(library.load)
    pipeline = Pipeline(
        without_intents(catalogue, disabled),
        homes,
        HAExecutor(hass, homes),
        clock,
        ContextStore(clock, float(options.get(CONF_CONTEXT_TTL, DEFAULT_CONTEXT_TTL))),
        local_agent=HALocalAgent(hass, homes, disabled),
        library=library,
        # Without a cheaper model the paid path is the pipeline's backend itself.
        llm=degrading if degrading is not None and degrading.cheaper is not None else llm,
        cache=pipeline_cache,
        settings=settings_from(options),
        llm_block_reason=(
            (
                degrading.block_reason
                if degrading.cheaper is not None
                else degrading.normal.block_reason
            )
            if degrading is not None
            else None
        ),
        on_outcome=on_outcome,
    )
    return LLMIntentRuntime(
        pipeline=pipeline,
        homes=homes,
        catalogue=catalogue,
        accounting=accounting,
        budget=budget,
        ledger=ledger,
        entry_state=entry_state,
        llm=llm,
        record=on_outcome,
        generation=PaidGeneration(
            llm, clock, temperature=float(options.get(CONF_TEMPERATURE, DEFAULT_TEMPERATURE))
        )
        if llm is not None
        else None,
        cache=cache,
        degrading=degrading,
        disabled_intents=tuple(i for i in disabled if i in catalogue.intents),
        availability=availability,
    )


async def _async_restore_command_counts(
    accounting: Accounting, ledger: AsyncLedger, clock: SystemClock, tz: ZoneInfo
) -> None:
    """Today's cache hits, lookups and not-understood commands, all from today's rows."""
    start, end = period_bounds("day", tz, clock.time())
    counts = count_commands(await ledger.query(start, end, entry_id=accounting.entry_id))
    accounting.today.cache_hits = counts.cache_hits
    accounting.today.cache_lookups = counts.cache_lookups
    accounting.today.not_understood = counts.not_understood
    accounting.notify()


def _keep_breaker(
    entry: ConfigEntry[Any], entry_state: EntryState, breaker: CircuitBreaker
) -> None:
    """Start from the breaker's stored state and store every change, so a provider
    that was down before a restart is not tried again before its cooldown ends."""
    if (snapshot := entry_state.breaker(breaker.name)) is not None:
        breaker.restore(snapshot)

    @callback
    def changed(_old: BreakerState, _new: BreakerState) -> None:
        entry_state.save_breaker(breaker.name, breaker.snapshot())

    entry.async_on_unload(breaker.add_listener(changed))


def _watch_breaker(hass: HomeAssistant, entry: ConfigEntry[Any], name: str, add: Any) -> None:
    @callback
    def changed(old: BreakerState, new: BreakerState) -> None:
        # Debug only: an outage is logged once by ProviderAvailability, not per probe.
        LOGGER.debug("Circuit breaker for %s: %s -> %s", name, old, new)
        hass.bus.async_fire(
            EVENT_CIRCUIT_CHANGED,
            {"provider": name, "old": str(old), "new": str(new), "entry_id": entry.entry_id},
        )

    entry.async_on_unload(add(changed))
