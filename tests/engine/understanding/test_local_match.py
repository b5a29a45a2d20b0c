"""The local matcher: inflected and diacritic-less Polish, honest confidence, follow-ups."""

from __future__ import annotations

from pathlib import Path

import pytest

from custom_components.llm_intent.engine.home import Area, Entity, Floor, Home
from custom_components.llm_intent.engine.understanding.catalogue import Catalogue, load_catalogue
from custom_components.llm_intent.engine.understanding.context import Context, Turn
from custom_components.llm_intent.engine.understanding.local_match import match_local
from custom_components.llm_intent.engine.understanding.recognition import Recognition

BUILTIN = Path(__file__).parents[3] / "custom_components" / "llm_intent" / "intents.yaml"
CATALOGUE: Catalogue = load_catalogue(BUILTIN)
CONFIDENT = 0.9

# The same home as tests/ha/conftest.py, without Home Assistant.
HOME = Home(
    floors=(Floor("parter", "Parter"), Floor("pietro", "Piętro")),
    areas=(
        Area("salon", "Salon", ("Pokój dzienny",), "parter"),
        Area("kuchnia", "Kuchnia", (), "parter"),
        Area("sypialnia", "Sypialnia", (), "pietro"),
        Area("lazienka", "Łazienka", (), "pietro"),
        Area("pokoj_dzieciecy", "Pokój dziecięcy", (), "pietro"),
        Area("przedpokoj", "Przedpokój", ("Korytarz",), "parter"),
        Area("gabinet", "Gabinet", (), "pietro"),
        Area("jadalnia", "Jadalnia", (), "parter"),
        Area("garaz", "Garaż", (), "parter"),
        Area("ogrod", "Ogród"),
    ),
    entities=(
        Entity("light.salon_sufit", "Światło sufitowe salon", area_id="salon"),
        Entity("light.salon_lampa", "Lampa stojąca", area_id="salon"),
        Entity("light.kuchnia", "Światło kuchnia", area_id="kuchnia"),
        Entity("light.kuchnia_blat", "Listwa nad blatem", area_id="kuchnia"),
        Entity("light.sypialnia", "Światło sypialnia", area_id="sypialnia"),
        Entity("light.lampka_nocna", "Lampka nocna", area_id="sypialnia"),
        Entity("light.lazienka", "Światło łazienka", area_id="lazienka"),
        Entity("light.gabinet", "Lampa biurkowa", area_id="gabinet"),
        Entity("light.jadalnia", "Żyrandol", area_id="jadalnia"),
        Entity("switch.ekspres", "Ekspres do kawy", area_id="kuchnia"),
        Entity("fan.sypialnia", "Wentylator", area_id="sypialnia"),
        Entity("cover.salon", "Rolety salon", area_id="salon"),
        Entity("cover.sypialnia", "Rolety sypialnia", area_id="sypialnia"),
        Entity("cover.brama", "Brama garażowa", area_id="garaz", device_class="garage"),
        Entity("climate.salon", "Termostat salon", area_id="salon"),
        Entity("climate.sypialnia", "Termostat sypialnia", area_id="sypialnia"),
        Entity("media_player.telewizor", "Telewizor", area_id="salon"),
        Entity("media_player.glosnik", "Głośnik kuchnia", area_id="kuchnia"),
        Entity("lock.drzwi", "Drzwi wejściowe", area_id="przedpokoj"),
        Entity("lock.taras", "Drzwi tarasowe", area_id="jadalnia"),
        Entity("alarm_control_panel.alarm", "Alarm", area_id="przedpokoj"),
        Entity("scene.kino", "Kino", area_id="salon"),
    ),
)


def match(text: str, lang: str = "pl", context: Context | None = None) -> Recognition | None:
    return match_local(text, lang, HOME, CATALOGUE, context or Context())


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        ("włącz światło w kuchni", "HassTurnOn", {"area": "Kuchnia", "domain": "light"}),
        ("wlacz swiatlo w lazience", "HassTurnOn", {"area": "Łazienka", "domain": "light"}),
        ("zgas swiatlo w pokoju dzieciecym", "HassTurnOff", {"area": "Pokój dziecięcy"}),
        ("wyłącz lampkę nocną", "HassTurnOff", {"name": "Lampka nocna"}),
        ("wlacz lampe stojaca", "HassTurnOn", {"name": "Lampa stojąca"}),
        ("otwórz rolety w salonie", "HassOpenCover", {"area": "Salon"}),
        ("zamknij drzwi tarasowe", "LockLock", {"name": "Drzwi tarasowe"}),
        ("otwórz drzwi wejściowe", "LockUnlock", {"name": "Drzwi wejściowe"}),
        ("wyłącz alarm", "AlarmDisarm", {}),
        (
            "ustaw temperaturę w sypialni na 21 stopni",
            "HassClimateSetTemperature",
            {"temperature": 21},
        ),
        ("ustaw 22 stopnie w salonie", "HassClimateSetTemperature", {"area": "Salon"}),
        ("ile stopni jest w sypialni", "HassClimateGetTemperature", {"area": "Sypialnia"}),
        ("ustaw minutnik na 10 minut", "HassStartTimer", {"minutes": 10}),
        ("wyłącz wszystkie światła", "HassTurnOff", {"domain": "light"}),
        ("zgaś światło na parterze", "HassTurnOff", {"floor": "Parter", "domain": "light"}),
        ("przełącz klimatyzację w salonie na chłodzenie", "ClimateSetMode", {"mode": "cool"}),
        ("ciemniej w kuchni", "LightBrightnessStep", {"step": -20, "area": "Kuchnia"}),
        ("czy drzwi są zamknięte", "HassGetState", {"domain": "lock", "state": "locked"}),
        (
            "czy drzwi wejściowe są zamknięte",
            "HassGetState",
            {"name": "Drzwi wejściowe", "state": "locked"},
        ),
        ("czy rolety w salonie są otwarte", "HassGetState", {"area": "Salon", "state": "open"}),
    ],
)
def test_understood_with_confidence(text: str, intent: str, slots: dict[str, object]) -> None:
    rec = match(text)
    assert rec is not None
    assert rec.intent == intent
    assert rec.confidence >= CONFIDENT
    assert slots.items() <= rec.slots.items(), rec.slots
    assert not rec.extra.get("missing")


def test_the_intents_own_word_is_not_half_a_device_name() -> None:
    # Bug caught: "temperatura" in "jaka jest temperatura w salonie" filled
    # name="Temperatura ogród", so the answer was about the garden.
    sensor = Entity("sensor.ogrod", "Temperatura ogród", area_id=None, device_class="temperature")
    home = Home(HOME.areas, HOME.floors, (*HOME.entities, sensor))
    rec = match_local("jaka jest temperatura w salonie", "pl", home, CATALOGUE, Context())
    assert rec is not None
    assert rec.intent == "HassClimateGetTemperature"
    assert rec.slots == {"area": "Salon"}
    said = match_local("jaka jest temperatura ogród", "pl", home, CATALOGUE, Context())
    assert said is not None and said.slots.get("name") == "Temperatura ogród"


def test_dim_to_a_level_sets_the_level_instead_of_stepping() -> None:
    """ "do trzydziestu procent" is where to end, not how much to change."""
    rec = match("przyciemnij światło w salonie do trzydziestu procent")
    assert rec is not None
    assert rec.intent == "HassLightSet"
    assert rec.slots["brightness"] == 30
    step = match("przyciemnij światło w salonie o 20 procent")
    assert step is not None
    assert (step.intent, step.slots["step"]) == ("LightBrightnessStep", -20)


def test_a_light_pattern_does_not_claim_a_speaker() -> None:
    rec = match("daj głośnik w kuchni na 35 procent")
    assert rec is None or rec.intent != "HassLightSet"


def test_words_swallowed_by_a_wildcard_are_not_understood() -> None:
    """'dim ... percent' matches, but "living room" names nothing: not sure enough."""
    rec = match("dim the living room lights to 30 percent", "en")
    assert rec is not None
    assert rec.confidence < CONFIDENT


def test_the_verb_switch_is_not_the_device_kind() -> None:
    rec = match("switch off the light in Kuchnia", "en")
    assert rec is not None
    assert rec.slots.get("domain") == "light"


def test_words_the_matcher_cannot_place_lower_confidence() -> None:
    rec = match("czy mógłbyś zapalić światło w kuchni")
    assert rec is None or rec.confidence < CONFIDENT


@pytest.mark.parametrize("text", ["a teraz wyłącz", "i teraz wyłącz", "ok wyłącz"])
def test_a_bare_verb_follows_up_on_the_previous_turn(text: str) -> None:
    last = Turn("HassTurnOn", {"area": "Kuchnia", "domain": "light"}, "kuchnia", ())
    rec = match(text, context=Context(last=last))
    assert rec is not None
    assert rec.intent == "HassTurnOff"
    assert rec.slots["area"] == "Kuchnia"
    assert rec.context_used
    assert match(text) is None


def test_i_w_kuchni_tez_repeats_the_previous_action_elsewhere() -> None:
    last = Turn("HassTurnOn", {"area": "Salon", "domain": "light"}, "salon", ())
    rec = match("i w kuchni też", context=Context(last=last))
    assert rec is not None
    assert (rec.intent, rec.slots["area"], rec.slots["domain"]) == (
        "HassTurnOn",
        "Kuchnia",
        "light",
    )
    assert rec.confidence >= CONFIDENT
    assert match("i w kuchni też") is None


def test_jasniej_brightens_the_previous_device() -> None:
    last = Turn("HassTurnOn", {"name": "Lampa stojąca"}, "salon", ("light.salon_lampa",))
    rec = match("jaśniej", context=Context(last=last))
    assert rec is not None
    assert rec.intent == "LightBrightnessStep"
    assert rec.slots["name"] == "Lampa stojąca"
    assert rec.entity_ids == ("light.salon_lampa",)


def test_the_satellites_room_is_the_default_place() -> None:
    rec = match("włącz światło", context=Context(satellite_area_id="sypialnia"))
    assert rec is not None
    assert rec.slots["area"] == "Sypialnia"
    assert not rec.extra.get("missing")


@pytest.mark.parametrize(
    ("text", "intent", "kind"),
    [
        ("włącz muzykę", "HassTurnOn", "media_player"),
        ("włącz światło", "HassTurnOn", "light"),
        ("zamknij rolety", "HassCloseCover", "cover"),
        ("ustaw temperaturę na 21 stopni", "HassClimateSetTemperature", None),
    ],
)
def test_what_without_where_is_marked_missing(text: str, intent: str, kind: str | None) -> None:
    rec = match(text)
    assert rec is not None
    assert rec.intent == intent
    assert rec.extra.get("missing") == "area"
    if kind is not None:
        assert rec.extra.get("domain") == kind


def test_a_verb_alone_says_nothing_to_act_on() -> None:
    assert match("włącz") is None
    assert match("aktywuj scenę") is None


def test_media_and_vacuum_need_no_place() -> None:
    pause = match("pauza")
    assert pause is not None
    assert pause.intent == "HassMediaPause"
    assert not pause.extra.get("missing")


def test_blinds_filed_as_shutters_in_one_room_are_still_the_rooms_rolety() -> None:
    home = Home(
        areas=(Area("salon", "Salon"), Area("kuchnia", "Kuchnia")),
        entities=(
            Entity("cover.salon", "Okno lewe", area_id="salon", device_class="shutter"),
            Entity("cover.kuchnia", "Okno kuchenne", area_id="kuchnia", device_class="blind"),
        ),
    )
    rec = match_local("zamknij rolety w salonie", "pl", home, CATALOGUE, Context())
    assert rec is not None
    assert rec.slots.get("device_class") in (None, ["shutter"])


def test_a_kind_word_is_the_kind_not_a_device_whose_name_shares_it() -> None:
    home = Home(
        areas=(Area("salon", "Salon"),),
        entities=(
            Entity("cover.a", "Okno lewe", area_id="salon", device_class="blind"),
            Entity("script.p", "Pozycjonowanie rolet", area_id="salon"),
        ),
    )
    rec = match_local("czy roleta w salonie jest otwarta", "pl", home, CATALOGUE, Context())
    assert rec is not None
    assert rec.slots.get("name") != "Pozycjonowanie rolet"
    assert rec.slots.get("device_class") == ["blind"]
