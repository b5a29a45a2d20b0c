"""A whole pipeline over the fake provider: real catalogue, router, budget and ledger."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from custom_components.llm_intent.engine.calling.paid_call import PaidLLM
from custom_components.llm_intent.engine.clock import Clock
from custom_components.llm_intent.engine.cost.accounting import Accounting
from custom_components.llm_intent.engine.cost.ledger import AsyncLedger, Ledger
from custom_components.llm_intent.engine.home import Area, Entity, Home
from custom_components.llm_intent.engine.pipeline import Command, ExecResult, Pipeline, Settings
from custom_components.llm_intent.engine.understanding.catalogue import IntentSpec, load_catalogue
from custom_components.llm_intent.engine.understanding.context import ContextStore
from custom_components.llm_intent.engine.understanding.recognition import Recognition

CATALOGUE = Path(__file__).parents[2] / "custom_components" / "llm_intent" / "intents.yaml"

HOME = Home(
    areas=(
        Area("salon", "Salon"),
        Area("kuchnia", "Kuchnia"),
        Area("sypialnia", "Sypialnia"),
        Area("lazienka", "Łazienka"),
    ),
    entities=(
        Entity("light.salon", "Światło salon", area_id="salon"),
        Entity("light.kuchnia", "Światło kuchnia", area_id="kuchnia"),
        Entity("light.sypialnia", "Światło sypialnia", area_id="sypialnia"),
        Entity("light.lazienka", "Światło łazienka", area_id="lazienka"),
        Entity("fan.sypialnia", "Wentylator", area_id="sypialnia"),
    ),
)


@dataclass
class RecordingExecutor:
    """Stands in for Home Assistant's intent handlers and records what would run."""

    actions: list[tuple[str | None, str, dict[str, object]]] = field(default_factory=list)

    async def execute(self, spec: IntentSpec, rec: Recognition, command: Command) -> ExecResult:
        self.actions.append((command.conversation_id, rec.intent, dict(rec.slots)))
        return ExecResult(True, entity_ids=rec.entity_ids)


class StaticHome:
    def home(self) -> Home:
        return HOME


def build_pipeline(
    llm: PaidLLM, clock: Clock, ledger_path: Path, executor: RecordingExecutor
) -> tuple[Pipeline, Accounting]:
    ledger = AsyncLedger(Ledger(ledger_path), _run_inline)
    accounting = Accounting(clock, ZoneInfo("UTC"), ledger=ledger, budget=llm.budget)
    pipeline = Pipeline(
        load_catalogue(CATALOGUE),
        StaticHome(),
        executor,
        clock,
        ContextStore(clock),
        llm=llm,
        settings=Settings(prefer_local=False),
        llm_block_reason=llm.block_reason,
        on_outcome=accounting.record,
    )
    return pipeline, accounting


async def _run_inline[T](target: object) -> T:
    assert callable(target)
    result: T = target()
    return result
