"""Commands only a language model understands, end to end on the real HA harness.

The fake provider plays a correct model (``CorrectModel``): each case teaches it
the intent and slots a good model returns for the sentence. What is under test
is everything around that answer: the prompt reaching the provider, the reply
being validated against the catalogue and the home, HA's intent handlers (or a
catalogue service) changing the right entity, and the spoken answer in the
command's language. Every sentence is phrased so that the local matcher cannot
claim it, and each test asserts the model was asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from homeassistant.core import HomeAssistant
import pytest

from ..fake_provider import FakeProviderServer
from .conftest import CorrectModel, HomeCalls, recognize

Check = tuple[str, str | None, Any]  # entity_id, attribute (None = state), expected


@dataclass(frozen=True)
class Case:
    text: str
    intent: str
    slots: Mapping[str, Any]
    checks: tuple[Check, ...]
    speech: str
    before: Mapping[str, tuple[str, Mapping[str, Any]]] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text


def case(
    text: str,
    intent: str,
    slots: Mapping[str, Any],
    checks: Check | tuple[Check, ...],
    speech: str,
    **before: tuple[str, Mapping[str, Any]] | str,
) -> Case:
    checks_t: tuple[Check, ...] = (
        (checks,) if checks and isinstance(checks[0], str) else checks  # type: ignore[assignment,unused-ignore]
    )
    return Case(
        text,
        intent,
        slots,
        checks_t,
        speech,
        {k.replace("__", "."): (v, {}) if isinstance(v, str) else v for k, v in before.items()},
    )


POLISH = [
    # lights on / off
    case(
        "czy mógłbyś zapalić światło w kuchni",
        "HassTurnOn",
        {"area": "Kuchnia", "domain": "light"},
        ("light.kuchnia", None, "on"),
        "Włączono światło w kuchni.",
    ),
    case(
        "poproszę lampę stojącą",
        "HassTurnOn",
        {"name": "Lampa stojąca"},
        ("light.salon_lampa", None, "on"),
        "Włączono lampę stojącą.",
    ),
    case(
        "zrób trochę światła w łazience",
        "HassTurnOn",
        {"area": "Łazienka", "domain": "light"},
        ("light.lazienka", None, "on"),
        "Włączono światło w łazience.",
    ),
    case(
        "potrzebuję światła przy biurku w gabinecie",
        "HassTurnOn",
        {"name": "Lampa biurkowa"},
        ("light.gabinet", None, "on"),
        "Włączono lampę biurkową.",
    ),
    case(
        "zgaś proszę światło w sypialni bo chcę spać",
        "HassTurnOff",
        {"area": "Sypialnia", "domain": "light"},
        ("light.sypialnia", None, "off"),
        "Wyłączono światło w sypialni.",
        light__sypialnia="on",
    ),
    case(
        "zgaś tę lampę przy kanapie",
        "HassTurnOff",
        {"name": "Lampa stojąca"},
        ("light.salon_lampa", None, "off"),
        "Wyłączono lampę stojącą.",
        light__salon_lampa="on",
    ),
    case(
        "nie potrzebuję już lampki nocnej",
        "HassTurnOff",
        {"name": "Lampka nocna"},
        ("light.lampka_nocna", None, "off"),
        "Wyłączono lampkę nocną.",
        light__lampka_nocna="on",
    ),
    case(
        "zgaś wszystkie światła na parterze, idę na górę",
        "HassTurnOff",
        {"floor": "Parter", "domain": "light"},
        (("light.kuchnia", None, "off"), ("light.salon_sufit", None, "off")),
        "Wyłączono światło na parterze.",
        light__kuchnia="on",
        light__salon_sufit="on",
    ),
    case(
        "w pokoju dziecięcym jest ciemno, zapal coś",
        "HassTurnOn",
        {"area": "Pokój dziecięcy", "domain": "light"},
        ("light.pokoj_dzieciecy", None, "on"),
        "Włączono światło w pokoju dziecięcym.",
    ),
    # brightness and colour
    case(
        "w salonie jest za jasno, daj trzydzieści procent",
        "HassLightSet",
        {"area": "Salon", "brightness": 30},
        (("light.salon_sufit", "brightness_pct", 30), ("light.salon_lampa", "brightness_pct", 30)),
        "Ustawiono światło w salonie na 30%.",
    ),
    case(
        "lampa biurkowa na pół jasności",
        "HassLightSet",
        {"name": "Lampa biurkowa", "brightness": 50},
        ("light.gabinet", "brightness_pct", 50),
        "Ustawiono lampę biurkową na 50%.",
    ),
    case(
        "daj czerwone światło nad stołem w jadalni",
        "HassLightSet",
        {"name": "Żyrandol", "color": "red"},
        ("light.jadalnia", "rgb_color", (255, 0, 0)),
        "Ustawiono żyrandol na czerwono.",
    ),
    case(
        "niech światło w sypialni będzie niebieskie",
        "HassLightSet",
        {"area": "Sypialnia", "color": "blue"},
        ("light.sypialnia", "rgb_color", (0, 0, 255)),
        "Ustawiono światło w sypialni na niebiesko.",
    ),
    case(
        "trochę jaśniej w kuchni proszę, nic nie widzę",
        "LightBrightnessStep",
        {"area": "Kuchnia", "step": 20},
        ("light.kuchnia", "brightness_pct", 70),
        "Rozjaśniono światło w kuchni.",
        light__kuchnia=("on", {"brightness_pct": 50}),
    ),
    # switches
    case(
        "zrób mi kawę",
        "HassTurnOn",
        {"name": "Ekspres do kawy"},
        ("switch.ekspres", None, "on"),
        "Włączono ekspres do kawy.",
    ),
    case(
        "niech choinka świeci",
        "HassTurnOn",
        {"name": "Choinka"},
        ("switch.choinka", None, "on"),
        "Włączono choinkę.",
    ),
    case(
        "pralka ma być wyłączona",
        "HassTurnOff",
        {"name": "Pralka"},
        ("switch.pralka", None, "off"),
        "Wyłączono pralkę.",
        switch__pralka="on",
    ),
    case(
        "zacznij podlewać ogród",
        "HassTurnOn",
        {"name": "Podlewanie"},
        ("switch.podlewanie", None, "on"),
        "Włączono podlewanie.",
    ),
    # fans
    case(
        "puść wiatrak w sypialni, jest duszno",
        "HassTurnOn",
        {"name": "Wentylator"},
        ("fan.sypialnia", None, "on"),
        "Włączono wentylator.",
    ),
    case(
        "ten wyciąg w łazience strasznie hałasuje, wyłącz go",
        "HassTurnOff",
        {"name": "Wyciąg"},
        ("fan.lazienka", None, "off"),
        "Wyłączono wyciąg.",
        fan__lazienka="on",
    ),
    # covers
    case(
        "odsłoń okna w salonie",
        "HassOpenCover",
        {"area": "Salon"},
        ("cover.salon", None, "open"),
        "Otwarto rolety w salonie.",
    ),
    case(
        "zasłoń okna w sypialni, słońce razi",
        "HassCloseCover",
        {"area": "Sypialnia"},
        ("cover.sypialnia", None, "closed"),
        "Zamknięto rolety w sypialni.",
        cover__sypialnia=("open", {"current_position": 100, "supported_features": 7}),
    ),
    case(
        "rolety w salonie do połowy",
        "HassSetPosition",
        {"area": "Salon", "position": 50},
        ("cover.salon", "current_position", 50),
        "Ustawiono rolety w salonie na 50%.",
    ),
    case(
        "podnieś rolety w sypialni do siedemdziesięciu procent",
        "HassSetPosition",
        {"name": "Rolety sypialnia", "position": 70},
        ("cover.sypialnia", "current_position", 70),
        "Ustawiono rolety w sypialni na 70%.",
    ),
    # climate
    case(
        "chcę mieć 22 stopnie w salonie",
        "HassClimateSetTemperature",
        {"area": "Salon", "temperature": 22},
        ("climate.salon", "temperature", 22),
        "Ustawiono 22 °C w salonie.",
    ),
    case(
        "w sypialni ma być dwadzieścia jeden stopni",
        "HassClimateSetTemperature",
        {"area": "Sypialnia", "temperature": 21},
        ("climate.sypialnia", "temperature", 21),
        "Ustawiono 21 °C w sypialni.",
    ),
    case(
        "podkręć ogrzewanie w salonie o dwa stopnie",
        "ClimateAdjustTemperature",
        {"area": "Salon", "delta": 2},
        ("climate.salon", "temperature", 22),
        "Podniesiono temperaturę w salonie o 2 °C.",
    ),
    case(
        "przykręć trochę kaloryfer w sypialni",
        "ClimateAdjustTemperature",
        {"area": "Sypialnia", "delta": -1},
        ("climate.sypialnia", "temperature", 18),
        "Obniżono temperaturę w sypialni o 1 °C.",
    ),
    case(
        "w salonie za gorąco, przełącz klimę na chłodzenie",
        "ClimateSetMode",
        {"area": "Salon", "mode": "cool"},
        ("climate.salon", None, "cool"),
        "Ustawiono tryb chłodzenia w salonie.",
    ),
    case(
        "wyłącz grzanie w sypialni",
        "ClimateSetMode",
        {"area": "Sypialnia", "mode": "off"},
        ("climate.sypialnia", None, "off"),
        "Wyłączono ogrzewanie w sypialni.",
    ),
    # media
    case(
        "zatrzymaj na chwilę telewizor",
        "HassMediaPause",
        {"name": "Telewizor"},
        ("media_player.telewizor", None, "paused"),
        "Wstrzymano odtwarzanie.",
        media_player__telewizor=("playing", {"supported_features": 16829}),
    ),
    case(
        "puść dalej muzykę w kuchni",
        "HassMediaUnpause",
        {"area": "Kuchnia"},
        ("media_player.glosnik", None, "playing"),
        "Wznowiono odtwarzanie.",
    ),
    case(
        "niech telewizor gra ciszej, na dwadzieścia procent",
        "HassSetVolume",
        {"name": "Telewizor", "volume_level": 20},
        ("media_player.telewizor", "volume_level", 0.2),
        "Ustawiono głośność na 20%.",
        media_player__telewizor=("playing", {"volume_level": 0.5, "supported_features": 16829}),
    ),
    case(
        "daj głośnik w kuchni na 35 procent",
        "HassSetVolume",
        {"name": "Głośnik kuchnia", "volume_level": 35},
        ("media_player.glosnik", "volume_level", 0.35),
        "Ustawiono głośność na 35%.",
    ),
    case(
        "następna piosenka w kuchni, ta jest nudna",
        "HassMediaNext",
        {"area": "Kuchnia"},
        ("media_player.glosnik", "media_track", 2),
        "Następny utwór.",
        media_player__glosnik=("playing", {"supported_features": 16829}),
    ),
    # locks
    case(
        "zarygluj drzwi na taras",
        "LockLock",
        {"name": "Drzwi tarasowe"},
        ("lock.taras", None, "locked"),
        "Zamknięto drzwi tarasowe.",
        lock__taras="unlocked",
    ),
    case(
        "przekręć klucz w drzwiach wejściowych",
        "LockLock",
        {"name": "Drzwi wejściowe"},
        ("lock.drzwi", None, "locked"),
        "Zamknięto drzwi wejściowe.",
        lock__drzwi="unlocked",
    ),
    # state questions
    case(
        "powiedz, czy wszystkie drzwi są pozamykane?",
        "HassGetState",
        {"domain": "lock", "state": "locked"},
        (),
        "Tak, drzwi wejściowe i drzwi tarasowe są zamknięte.",
    ),
    case(
        "a drzwi tarasowe na pewno są zamknięte?",
        "HassGetState",
        {"name": "Drzwi tarasowe", "state": "locked"},
        (),
        "Nie, drzwi tarasowe są otwarte.",
        lock__taras="unlocked",
    ),
    case(
        "powiedz mi, ile stopni jest w sypialni?",
        "HassClimateGetTemperature",
        {"area": "Sypialnia"},
        (),
        "W sypialni jest 19 °C.",
    ),
    case(
        "jaka temperatura panuje w salonie",
        "HassClimateGetTemperature",
        {"area": "Salon"},
        (),
        "W salonie jest 21,5 °C.",
    ),
    case(
        "czy pralka dalej chodzi?",
        "HassGetState",
        {"name": "Pralka", "state": "on"},
        (),
        "Tak, pralka jest włączona.",
        switch__pralka="on",
    ),
    # scenes, vacuum
    case(
        "czas na kino",
        "SceneActivate",
        {"name": "Kino"},
        ("scene.kino", None, "on"),
        "Włączono scenę kino.",
    ),
    case(
        "niech robot posprząta mieszkanie",
        "HassVacuumStart",
        {"name": "Odkurzacz"},
        ("vacuum.odkurzacz", None, "cleaning"),
        "Odkurzacz rusza.",
    ),
    case(
        "odkurzacz niech już wraca do bazy",
        "HassVacuumReturnToBase",
        {"name": "Odkurzacz"},
        ("vacuum.odkurzacz", None, "returning"),
        "Odkurzacz wraca do stacji.",
        vacuum__odkurzacz=("cleaning", {"supported_features": 8208}),
    ),
    # everything off in a room
    case(
        "w kuchni wszystko ma być wyłączone",
        "AreaAllOff",
        {"area": "Kuchnia"},
        (("light.kuchnia", None, "off"), ("switch.ekspres", None, "off")),
        "Wyłączono wszystko w kuchni.",
        light__kuchnia="on",
        switch__ekspres="on",
    ),
    case(
        "pogaś wszystko co działa w salonie",
        "AreaAllOff",
        {"area": "Salon"},
        (("light.salon_lampa", None, "off"), ("switch.choinka", None, "off")),
        "Wyłączono wszystko w salonie.",
        light__salon_lampa="on",
        switch__choinka="on",
    ),
    # cancel
    case("a zresztą, nieważne", "HassNevermind", {}, (), "Dobrze."),
    case("zostaw to, nic nie rób", "HassNevermind", {}, (), "Dobrze."),
]

ENGLISH = [
    case(
        "could you switch on the kitchen light",
        "HassTurnOn",
        {"area": "Kuchnia", "domain": "light"},
        ("light.kuchnia", None, "on"),
        "Turned on the lights in Kuchnia.",
    ),
    case(
        "please turn the floor lamp on",
        "HassTurnOn",
        {"name": "Lampa stojąca"},
        ("light.salon_lampa", None, "on"),
        "Turned on Lampa stojąca.",
    ),
    case(
        "kill the lights in the bedroom",
        "HassTurnOff",
        {"area": "Sypialnia", "domain": "light"},
        ("light.sypialnia", None, "off"),
        "Turned off the lights in Sypialnia.",
        light__sypialnia="on",
    ),
    case(
        "dim the living room lights to 30 percent",
        "HassLightSet",
        {"area": "Salon", "brightness": 30},
        ("light.salon_sufit", "brightness_pct", 30),
        "Set the lights in Salon to 30%.",
    ),
    case(
        "make the dining room chandelier red",
        "HassLightSet",
        {"name": "Żyrandol", "color": "red"},
        ("light.jadalnia", "rgb_color", (255, 0, 0)),
        "Set Żyrandol to red.",
    ),
    case(
        "open the bedroom blinds halfway",
        "HassSetPosition",
        {"name": "Rolety sypialnia", "position": 50},
        ("cover.sypialnia", "current_position", 50),
        "Set Rolety sypialnia to 50%.",
    ),
    case(
        "shut the blinds in the living room",
        "HassCloseCover",
        {"area": "Salon"},
        ("cover.salon", None, "closed"),
        "Closed the blinds in Salon.",
        cover__salon=("open", {"current_position": 100, "supported_features": 7}),
    ),
    case(
        "set the bedroom thermostat to 21 degrees",
        "HassClimateSetTemperature",
        {"name": "Termostat sypialnia", "temperature": 21},
        ("climate.sypialnia", "temperature", 21),
        "Set the temperature in Sypialnia to 21 °C.",
    ),
    case(
        "make it two degrees warmer in the living room",
        "ClimateAdjustTemperature",
        {"area": "Salon", "delta": 2},
        ("climate.salon", "temperature", 22),
        "Raised the temperature in Salon by 2 °C.",
    ),
    case(
        "switch the living room air conditioning to cooling",
        "ClimateSetMode",
        {"area": "Salon", "mode": "cool"},
        ("climate.salon", None, "cool"),
        "Set cooling mode in Salon.",
    ),
    case(
        "hold the tv for a second",
        "HassMediaPause",
        {"name": "Telewizor"},
        ("media_player.telewizor", None, "paused"),
        "Paused.",
        media_player__telewizor=("playing", {"supported_features": 16829}),
    ),
    case(
        "resume the music in the kitchen",
        "HassMediaUnpause",
        {"area": "Kuchnia"},
        ("media_player.glosnik", None, "playing"),
        "Resumed playback.",
    ),
    case(
        "skip this song on the kitchen speaker",
        "HassMediaNext",
        {"name": "Głośnik kuchnia"},
        ("media_player.glosnik", "media_track", 2),
        "Skipped to the next track.",
        media_player__glosnik=("playing", {"supported_features": 16829}),
    ),
    case(
        "turn the tv down to 25 percent",
        "HassSetVolume",
        {"name": "Telewizor", "volume_level": 25},
        ("media_player.telewizor", "volume_level", 0.25),
        "Volume set to 25%.",
    ),
    case(
        "lock up the patio door",
        "LockLock",
        {"name": "Drzwi tarasowe"},
        ("lock.taras", None, "locked"),
        "Locked Drzwi tarasowe.",
        lock__taras="unlocked",
    ),
    case(
        "is the front door locked?",
        "HassGetState",
        {"name": "Drzwi wejściowe", "state": "locked"},
        (),
        "Yes, Drzwi wejściowe is locked.",
    ),
    case(
        "how warm is it in the bedroom right now",
        "HassClimateGetTemperature",
        {"area": "Sypialnia"},
        (),
        "It is 19 °C in Sypialnia.",
    ),
    case(
        "shut everything down in the kitchen",
        "AreaAllOff",
        {"area": "Kuchnia"},
        (("light.kuchnia", None, "off"), ("switch.ekspres", None, "off")),
        "Turned everything off in Kuchnia.",
        light__kuchnia="on",
        switch__ekspres="on",
    ),
    case(
        "start movie night",
        "SceneActivate",
        {"name": "Kino"},
        ("scene.kino", None, "on"),
        "Activated Kino.",
    ),
    case(
        "get the bedroom fan going",
        "HassTurnOn",
        {"name": "Wentylator"},
        ("fan.sypialnia", None, "on"),
        "Turned on Wentylator.",
    ),
    case("oh forget about it", "HassNevermind", {}, (), "OK."),
]


async def _run(
    hass: HomeAssistant,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
    correct_model: CorrectModel,
    item: Case,
    language: str,
) -> None:
    for entity_id, (state, attrs) in item.before.items():
        current = hass.states.get(entity_id)
        assert current is not None
        hass.states.async_set(entity_id, state, {**current.attributes, **attrs})
    correct_model.teach(item.text, item.intent, **item.slots)
    asked = fake_provider.count

    outcome = await recognize(hass, item.text, language)

    assert fake_provider.count == asked + 1, "the model was not asked"
    assert outcome["path"] == "llm", outcome
    assert outcome["intent"] == item.intent, outcome
    assert outcome["success"] is True, outcome
    for entity_id, attribute, expected in item.checks:
        after = hass.states.get(entity_id)
        assert after is not None
        got = after.state if attribute is None else after.attributes.get(attribute)
        if isinstance(expected, tuple):
            got = tuple(got) if got is not None else None
        assert got == expected, (entity_id, attribute, got, outcome["speech"])
    assert outcome["speech"] == item.speech


@pytest.mark.parametrize("item", POLISH, ids=str)
async def test_polish_command_through_the_model(
    hass: HomeAssistant,
    openai_entry: object,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
    correct_model: CorrectModel,
    item: Case,
) -> None:
    await _run(hass, polish_home, fake_provider, correct_model, item, "pl")


@pytest.mark.parametrize("item", ENGLISH, ids=str)
async def test_english_command_through_the_model(
    hass: HomeAssistant,
    openai_entry: object,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
    correct_model: CorrectModel,
    item: Case,
) -> None:
    await _run(hass, polish_home, fake_provider, correct_model, item, "en")


def test_the_matrix_is_big_enough() -> None:
    assert len(POLISH) >= 40
    assert len(ENGLISH) >= 15
