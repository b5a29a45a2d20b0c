"""Precision before coverage: a local match acts only when complete and unambiguous."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings, strategies as st

from custom_components.llm_intent.engine.clock import ManualClock
from custom_components.llm_intent.engine.home import Area, Entity, Floor, Home
from custom_components.llm_intent.engine.pipeline import (
    Command,
    ExecResult,
    Outcome,
    Pipeline,
    Settings,
)
from custom_components.llm_intent.engine.understanding.catalogue import IntentSpec
from custom_components.llm_intent.engine.understanding.context import Context, ContextStore
from custom_components.llm_intent.engine.understanding.local_match import match_local
from custom_components.llm_intent.engine.understanding.precision import (
    INTENT_KINDS,
    builtin_acceptable,
    local_acceptable,
)
from custom_components.llm_intent.engine.understanding.recognition import Recognition

from .test_local_match import CATALOGUE, HOME

# The shared test home plus what the failure classes need: a window sensor,
# blinds and an awning filed by class, a script whose name has a cover word.
PRECISION_HOME = replace(
    HOME,
    entities=(
        *(
            replace(e, device_class="blind")
            if e.entity_id.startswith("cover.") and e.entity_id != "cover.brama"
            else e
            for e in HOME.entities
        ),
        Entity("cover.kuchnia", "Żaluzje kuchnia", area_id="kuchnia", device_class="blind"),
        Entity("cover.markiza", "Markiza", area_id="ogrod", device_class="awning"),
        Entity(
            "binary_sensor.okno_kuchnia", "Okno kuchnia", area_id="kuchnia", device_class="window"
        ),
        Entity("script.rolety_rano", "Rolety rano", area_id="gabinet"),
        Entity("fan.lazienka", "Wyciąg", area_id="lazienka"),
    ),
)


class _Never:
    async def execute(self, spec: IntentSpec, rec: Recognition, command: Command) -> ExecResult:
        raise AssertionError("recognition only")


class _Homes:
    def home(self) -> Home:
        return PRECISION_HOME


async def _handle(text: str, satellite: str | None = None) -> Outcome:
    clock = ManualClock()
    pipeline = Pipeline(
        CATALOGUE, _Homes(), _Never(), clock, ContextStore(clock), settings=Settings()
    )
    return await pipeline.handle(Command(text, "pl", satellite_area_id=satellite, execute=False))


async def test_a_window_heard_in_part_is_not_the_kitchen_blinds() -> None:
    outcome = await _handle("zamknij okno w kuchni")
    assert outcome.intent is None or not outcome.understood, outcome


async def test_a_place_that_was_said_is_never_dropped() -> None:
    # "na parterze" heard: the answer is not about every light in the house.
    outcome = await _handle("czy lampy są wyłączone na parterze")
    assert not (outcome.understood and outcome.intent == "HassGetState"), outcome


async def test_a_question_about_a_room_must_say_about_what() -> None:
    for text in ("czy ciepło w sypialni", "włącz następny utwór w salonie"):
        outcome = await _handle(text)
        assert not outcome.understood or outcome.intent not in ("HassGetState", "HassTurnOn")


async def test_a_number_the_match_lost_stops_it() -> None:
    outcome = await _handle("podnieś rolety w sypialni do połowy")
    assert outcome.intent != "HassOpenCover", outcome


def test_the_class_word_names_the_class_not_every_cover() -> None:
    rec = match_local("zamknij wszystkie rolety", "pl", PRECISION_HOME, CATALOGUE, Context())
    assert rec is not None
    assert "blind" in rec.slots["device_class"] and "garage" not in rec.slots["device_class"]


def test_a_plural_class_word_is_the_kind_not_the_device_named_like_it() -> None:
    rec = match_local("wyłącz wentylatory", "pl", PRECISION_HOME, CATALOGUE, Context())
    assert rec is not None
    assert "name" not in rec.slots and rec.slots.get("domain") == "fan"


def test_half_a_minute_is_thirty_seconds() -> None:
    rec = match_local("nastaw minutnik na pół minuty", "pl", PRECISION_HOME, CATALOGUE, Context())
    assert rec is not None and rec.slots.get("seconds") == 30 and not rec.slots.get("minutes")
    rec = match_local(
        "nastaw timer na półtorej godziny", "pl", PRECISION_HOME, CATALOGUE, Context()
    )
    assert rec is not None and rec.slots.get("minutes") == 90


def test_a_cover_intent_never_acts_on_a_script() -> None:
    rec = Recognition(
        "HassCloseCover",
        {"name": "Rolety rano"},
        0.95,
        entity_ids=("script.rolety_rano",),
    )
    assert not local_acceptable(rec, "zasuń rolety rano", "pl", PRECISION_HOME, CATALOGUE)


def test_built_in_wildcards_that_swallow_a_place_are_not_acted_on() -> None:
    assert not builtin_acceptable(
        "nastaw minutnik w kuchni", "pl", "HassStartTimer", {"name": "w kuchni"}, PRECISION_HOME
    )
    assert not builtin_acceptable(
        "następny utwór w salonie",
        "pl",
        "HassMediaSearchAndPlay",
        {"search_query": "następny utwór"},
        PRECISION_HOME,
    )
    assert builtin_acceptable(
        "włącz światło kuchnia", "pl", "HassTurnOn", {"name": "Światło kuchnia"}, PRECISION_HOME
    )


_VERBS = {
    "HassTurnOn": ["włącz", "zapal", "uruchom"],
    "HassTurnOff": ["wyłącz", "zgaś"],
    "HassOpenCover": ["otwórz", "podnieś", "odsłoń"],
    "HassCloseCover": ["zamknij", "opuść", "zasuń"],
}
_FILLER = ["", "no ", "proszę ", "a teraz "]
_TAILS = ["", " w domu", " tu", " proszę"]


@st.composite
def _command(draw: st.DrawFn) -> tuple[str, str]:
    intent = draw(st.sampled_from(sorted(_VERBS)))
    entity = draw(st.sampled_from(PRECISION_HOME.entities))
    words = entity.name.lower().split()
    # Only a part of a multi-word name, or the whole of it.
    cut = draw(st.integers(min_value=1, max_value=len(words)))
    said = " ".join(words[:cut]) if draw(st.booleans()) else " ".join(words[-cut:])
    area = draw(st.sampled_from(["", " w kuchni", " w salonie", " w sypialni", " w gabinecie"]))
    text = (
        draw(st.sampled_from(_FILLER))
        + draw(st.sampled_from(_VERBS[intent]))
        + " "
        + said
        + area
        + draw(st.sampled_from(_TAILS))
    )
    return text, intent


@settings(max_examples=300, deadline=None)
@given(_command())
def test_a_local_action_fits_its_intent_and_a_partial_name_never_targets(
    command: tuple[str, str],
) -> None:
    text, _ = command
    rec = match_local(text, "pl", PRECISION_HOME, CATALOGUE, Context())
    if rec is None or not local_acceptable(rec, text, "pl", PRECISION_HOME, CATALOGUE):
        return
    kinds = INTENT_KINDS.get(rec.intent)
    for entity_id in rec.entity_ids:
        entity = PRECISION_HOME.entity_by_id[entity_id]
        if kinds is not None:
            assert entity.domain in kinds, (text, rec)
        # A named target's every word was said (in some form).
        said = text.lower()
        for word in entity.name.lower().split():
            assert word[:3] in said, (text, rec.intent, entity.name)


def test_a_media_command_without_a_place_means_the_satellites_room() -> None:
    ctx = Context(satellite_area_id="kuchnia")
    rec = match_local("wstrzymaj muzykę", "pl", PRECISION_HOME, CATALOGUE, ctx)
    assert rec is not None and rec.intent == "HassMediaPause"
    assert rec.slots.get("area") == "Kuchnia" and rec.context_used


def _local(text: str) -> Recognition | None:
    rec = match_local(text, "pl", PRECISION_HOME, CATALOGUE, Context())
    if rec is None or not local_acceptable(rec, text, "pl", PRECISION_HOME, CATALOGUE):
        return None
    return rec


def test_half_an_hour_on_a_minutnik_is_thirty_minutes_only() -> None:
    # "minutnik" starts like "minuta": the half belongs to the word after it.
    rec = _local("ustaw minutnik na pół godziny")
    assert rec is not None
    assert (rec.slots.get("minutes"), rec.slots.get("seconds")) == (30, None)


def test_a_brightness_setting_needs_its_value_and_reads_it_in_words() -> None:
    assert _local("ustaw jasność lampy stojącej") is None
    rec = _local("ustaw jasność lampy stojącej na maksa")
    assert rec is not None and rec.slots.get("brightness") == 100


def test_a_cover_command_that_names_no_cover_acts_on_none() -> None:
    # No window among the covers: "okna" is not every cover in the house.
    assert _local("zamknij wszystkie okna") is None


def test_resuming_a_timer_is_not_resuming_the_music() -> None:
    assert _local("wznów czasomierz") is None


def test_unlocked_in_a_question_is_the_locks_state() -> None:
    rec = _local("czy są odblokowane jakieś drzwi")
    assert rec is None or rec.slots.get("state") == "unlocked"


def test_a_zone_that_is_a_time_word_is_no_zone() -> None:
    slots = {"name": "Maria", "state": "teraz w domu"}
    assert not builtin_acceptable("czy maria jest teraz w domu", "pl", "HassGetState", slots, HOME)
    slots = {"name": "Maria", "state": "w domu"}
    assert builtin_acceptable("czy maria jest w domu", "pl", "HassGetState", slots, HOME)


def test_a_floor_said_is_not_a_room_whose_name_holds_it() -> None:
    home = replace(
        HOME,
        areas=(*HOME.areas, Area("lazienka_gora", "Łazienka na górze", floor_id="pietro")),
        floors=(*HOME.floors[:1], Floor("pietro", "Piętro", ("Góra",))),
        entities=(
            *HOME.entities,
            Entity("fan.lazienka_gora", "Wyciąg górny", area_id="lazienka_gora"),
        ),
    )
    text = "włącz wszystkie wentylatory na górze"
    rec = match_local(text, "pl", home, CATALOGUE, Context())
    assert rec is None or not (
        rec.slots.get("area") == "Łazienka na górze"
        and local_acceptable(rec, text, "pl", home, CATALOGUE)
    )


def test_brightening_to_the_maximum_is_a_level_not_a_step() -> None:
    rec = _local("rozjaśnij salon na maksa")
    assert rec is None or rec.intent != "LightBrightnessStep"


def test_already_and_further_are_not_a_zone_or_a_search() -> None:
    slots = {"name": "Ola", "state": "już w domu"}
    assert not builtin_acceptable("czy ola jest już w domu", "pl", "HassGetState", slots, HOME)
    search = {"search_query": "dalej muzykę", "area": "Kuchnia"}
    assert not builtin_acceptable("puść dalej muzykę", "pl", "HassMediaSearchAndPlay", search, HOME)


def test_a_short_name_that_begins_longer_ones_is_not_taken_for_a_plural_name() -> None:
    home = replace(
        HOME,
        entities=(
            Entity("light.k", "Kinkiety", area_id="salon"),
            Entity("light.l", "Kinkiet przy łóżku", area_id="sypialnia"),
        ),
    )
    rec = match_local("zgaś kinkiet", "pl", home, CATALOGUE, Context())
    assert rec is None or not local_acceptable(rec, "zgaś kinkiet", "pl", home, CATALOGUE)


def test_here_from_no_satellite_is_no_room_and_no_whole_house() -> None:
    assert _local("wyłącz wszystko tutaj") is None
    # Asking where is fine; acting on every light is not.
    rec = _local("zgaś światło w tym pokoju")
    assert rec is None or rec.extra.get("missing") == "area"


def test_a_lamp_is_one_of_the_rooms_lights_so_which_one_is_asked() -> None:
    rec = match_local("zapal lampkę", "pl", HOME, CATALOGUE, Context(satellite_area_id="salon"))
    assert rec is None or not local_acceptable(rec, "zapal lampkę", "pl", HOME, CATALOGUE)
    # The room's light as a whole stays the room's lights.
    rec = _local("zapal światło w salonie")
    assert rec is not None and rec.slots.get("area") == "Salon"


def test_play_something_is_a_wish_not_a_resume() -> None:
    rec = _local("puść coś w salonie")
    assert rec is None or rec.intent != "HassMediaUnpause"
