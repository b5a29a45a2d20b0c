"""A Polish home on the real HA test harness.

Entities are real states in HA's state machine with registry entries (areas,
aliases); their domains' services are registered here and change the states,
so a test sees what a command really did.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import area_registry as ar, entity_registry as er, floor_registry as fr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.llm_intent.const import CONF_PROVIDER, DOMAIN, PROVIDER_LOCAL

from ..device_stand_ins import DEVICE_DOMAINS, register_stand_ins
from ..fake_provider import FakeProviderServer, RecordedRequest, Reply


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    return None


AREAS = {
    "salon": ("Salon", ("Pokój dzienny",), "parter"),
    "kuchnia": ("Kuchnia", (), "parter"),
    "sypialnia": ("Sypialnia", (), "pietro"),
    "lazienka": ("Łazienka", (), "pietro"),
    "pokoj_dzieciecy": ("Pokój dziecięcy", (), "pietro"),
    "przedpokoj": ("Przedpokój", ("Korytarz",), "parter"),
    "gabinet": ("Gabinet", (), "pietro"),
    "jadalnia": ("Jadalnia", (), "parter"),
    "garaz": ("Garaż", (), "parter"),
    "ogrod": ("Ogród", (), None),
}

# Supported-feature bits as the real integrations report them; HA's intent
# handlers refuse entities that lack the feature an intent needs.
_CLIMATE = 1 | 128 | 256  # TARGET_TEMPERATURE, TURN_OFF, TURN_ON
_MEDIA = 1 | 4 | 16 | 32 | 128 | 256 | 16384  # PAUSE, VOLUME_SET, PREV, NEXT, ON, OFF, PLAY
_COVER = 1 | 2 | 4  # OPEN, CLOSE, SET_POSITION
_VACUUM = 16 | 8192  # RETURN_HOME, START

# entity_id: (name, area, state, attributes)
ENTITIES: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "light.salon_sufit": ("Światło sufitowe salon", "salon", "off", {}),
    "light.salon_lampa": ("Lampa stojąca", "salon", "off", {}),
    "light.kuchnia": ("Światło kuchnia", "kuchnia", "off", {}),
    "light.kuchnia_blat": ("Listwa nad blatem", "kuchnia", "off", {}),
    "light.sypialnia": ("Światło sypialnia", "sypialnia", "off", {}),
    "light.lampka_nocna": ("Lampka nocna", "sypialnia", "off", {}),
    "light.lazienka": ("Światło łazienka", "lazienka", "off", {}),
    "light.pokoj_dzieciecy": ("Światło pokój dziecięcy", "pokoj_dzieciecy", "off", {}),
    "light.przedpokoj": ("Światło przedpokój", "przedpokoj", "off", {}),
    "light.gabinet": ("Lampa biurkowa", "gabinet", "off", {}),
    "light.jadalnia": ("Żyrandol", "jadalnia", "off", {}),
    "light.garaz": ("Światło garaż", "garaz", "off", {}),
    "light.ogrod": ("Oświetlenie ogrodu", "ogrod", "off", {}),
    "switch.ekspres": ("Ekspres do kawy", "kuchnia", "off", {}),
    "switch.choinka": ("Choinka", "salon", "off", {}),
    "switch.podlewanie": ("Podlewanie", "ogrod", "off", {}),
    "fan.sypialnia": ("Wentylator", "sypialnia", "off", {}),
    "fan.lazienka": ("Wyciąg", "lazienka", "off", {}),
    "cover.salon": (
        "Rolety salon",
        "salon",
        "closed",
        {"current_position": 0, "supported_features": _COVER},
    ),
    "cover.sypialnia": (
        "Rolety sypialnia",
        "sypialnia",
        "closed",
        {"current_position": 0, "supported_features": _COVER},
    ),
    "cover.brama": (
        "Brama garażowa",
        "garaz",
        "closed",
        {"device_class": "garage", "supported_features": 3},
    ),
    "climate.salon": (
        "Termostat salon",
        "salon",
        "heat",
        {"temperature": 20, "current_temperature": 21.5, "supported_features": _CLIMATE},
    ),
    "climate.sypialnia": (
        "Termostat sypialnia",
        "sypialnia",
        "heat",
        {"temperature": 19, "current_temperature": 19.0, "supported_features": _CLIMATE},
    ),
    "media_player.telewizor": (
        "Telewizor",
        "salon",
        "paused",
        {"volume_level": 0.2, "supported_features": _MEDIA},
    ),
    "media_player.glosnik": (
        "Głośnik kuchnia",
        "kuchnia",
        "paused",
        {"volume_level": 0.3, "supported_features": _MEDIA},
    ),
    "lock.drzwi": ("Drzwi wejściowe", "przedpokoj", "locked", {}),
    "lock.taras": ("Drzwi tarasowe", "jadalnia", "locked", {}),
    "vacuum.odkurzacz": ("Odkurzacz", "przedpokoj", "docked", {"supported_features": _VACUUM}),
    "scene.kino": ("Kino", "salon", "scening", {}),
    "switch.pralka": ("Pralka", "lazienka", "off", {}),
    "light.gabinet_sufit": ("Światło gabinet", "gabinet", "off", {}),
    "alarm_control_panel.alarm": ("Alarm", "przedpokoj", "armed_away", {}),
}
# Not exposed to Assist by default; this home chose to expose them.
EXPOSED_BY_CHOICE = ("lock.drzwi", "lock.taras", "alarm_control_panel.alarm")
# In the home but not exposed: the agent must never see or touch it.
HIDDEN = {"lock.sejf": ("Sejf", "gabinet", "locked", {})}


@dataclass
class HomeCalls:
    calls: list[ServiceCall]

    def for_entity(self, entity_id: str) -> list[ServiceCall]:
        out = []
        for call in self.calls:
            ids = call.data.get("entity_id", [])
            ids = [ids] if isinstance(ids, str) else ids
            if entity_id in ids:
                out.append(call)
        return out

    def clear(self) -> None:
        self.calls.clear()


async def _register_domain_intents(hass: HomeAssistant) -> None:
    """The intents a real HA gets from its light, climate, cover... integrations.

    Those integrations are not set up here (their services are mocked), so
    their intent platforms are loaded the way HA's ``intent`` integration
    loads them for a loaded domain.
    """
    from homeassistant.components.climate import intent as climate_intent
    from homeassistant.components.cover import intent as cover_intent
    from homeassistant.components.fan import intent as fan_intent
    from homeassistant.components.light import intent as light_intent
    from homeassistant.components.media_player import intent as media_player_intent
    from homeassistant.components.vacuum import intent as vacuum_intent

    for module in (
        light_intent,
        climate_intent,
        cover_intent,
        fan_intent,
        media_player_intent,
        vacuum_intent,
    ):
        await module.async_setup_intents(hass)


@pytest.fixture
async def polish_home(hass: HomeAssistant) -> HomeCalls:
    hass.config.language = "pl"
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "intent", {})
    await _register_domain_intents(hass)
    floors = fr.async_get(hass)
    floor_ids = {
        "parter": floors.async_create("Parter").floor_id,
        "pietro": floors.async_create("Piętro").floor_id,
    }
    areas = ar.async_get(hass)
    area_ids: dict[str, str] = {}
    for key, (name, aliases, floor) in AREAS.items():
        area = areas.async_create(name, aliases=set(aliases), floor_id=floor_ids.get(floor or ""))
        area_ids[key] = area.id
    entities = er.async_get(hass)
    for entity_id, (name, area, state, attrs) in {**ENTITIES, **HIDDEN}.items():
        domain, object_id = entity_id.split(".")
        entry = entities.async_get_or_create(
            domain, "test", object_id, suggested_object_id=object_id
        )
        entities.async_update_entity(entry.entity_id, area_id=area_ids[area], name=name)
        hass.states.async_set(entity_id, state, {"friendly_name": name, **attrs})
    for entity_id in EXPOSED_BY_CHOICE:
        async_expose_entity(hass, "conversation", entity_id, True)
    calls: list[ServiceCall] = []

    register_stand_ins(hass, (*DEVICE_DOMAINS, "homeassistant"), record=calls.append)
    return HomeCalls(calls)


class CorrectModel:
    """The fake provider's brain: answers each COMMAND as a correct model would.

    ``teach`` says what a good model answers for a sentence. With ``given``, the
    answer needs that text in the request's CONTEXT (a follow-up only makes
    sense after its previous turn); without it the model is unsure, as a real
    one would be. Every command it was asked is kept in ``asked``.
    """

    def __init__(self) -> None:
        self.answers: dict[str, list[tuple[str | None, dict[str, Any]]]] = {}
        self.asked: list[str] = []
        self.contexts: list[str] = []

    def teach(self, text: str, intent: str, *, given: str | None = None, **slots: Any) -> None:
        self.answers.setdefault(text, []).append(
            (
                given,
                {"intent": intent, "slots": slots, "confidence": 0.95, "clarify_question": None},
            )
        )

    def teach_question(self, text: str, question: str) -> None:
        """The model finds ``text`` unclear and asks ``question`` back."""
        self.answers.setdefault(text, []).append(
            (
                None,
                {"intent": "unclear", "slots": {}, "confidence": 0.3, "clarify_question": question},
            )
        )

    def __call__(self, request: RecordedRequest) -> Reply:
        body = request.body if isinstance(request.body, dict) else {}
        text = context = ""
        for message in body.get("messages", []):
            content = message.get("content")
            if isinstance(content, str) and "COMMAND:" in content:
                context, _, text = content.rpartition("COMMAND:")
                text = text.strip()
        self.asked.append(text)
        self.contexts.append(context)
        taught = self.answers.get(text, [])
        for given, answer in [*(t for t in taught if t[0] is not None), *taught]:
            if given is None or given in context:
                return Reply(content=answer)
        return Reply(content=UNSURE)


UNSURE = {"intent": "unclear", "slots": {}, "confidence": 0.2, "clarify_question": None}


@pytest.fixture
def correct_model() -> CorrectModel:
    return CorrectModel()


@pytest.fixture
async def local_entry(
    hass: HomeAssistant, polish_home: HomeCalls
) -> AsyncIterator[MockConfigEntry]:
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_PROVIDER: PROVIDER_LOCAL}, title="Local only")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.fixture
async def openai_entry(
    hass: HomeAssistant,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
    correct_model: CorrectModel,
) -> AsyncIterator[MockConfigEntry]:
    from ..fake_provider import OPENAI_KEY

    fake_provider.default_handler = correct_model
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={
            CONF_PROVIDER: "openai_compatible",
            "base_url": fake_provider.openai_base_url,
            "api_key": OPENAI_KEY,
            "model": "gpt-4o-mini",
        },
        options={"prefer_local": False},
        title="OpenAI-compatible",
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


async def recognize(
    hass: HomeAssistant, text: str, language: str = "pl", **extra: Any
) -> dict[str, Any]:
    """Run one command through the ``llm_intent.recognize`` action; its Outcome as a dict."""
    response = await hass.services.async_call(
        DOMAIN,
        "recognize",
        {"text": text, "language": language, **extra},
        blocking=True,
        return_response=True,
    )
    assert isinstance(response, dict)
    return response


# entity_id: (name, state, attributes)
ENTRY_DEVICES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "lock.front_door": ("Front Door", "locked", {}),
    "cover.garage_door": (
        "Garage Door",
        "closed",
        {"device_class": "garage", "current_position": 0, "supported_features": _COVER},
    ),
    "cover.driveway_gate": (
        "Driveway Gate",
        "closed",
        {"device_class": "gate", "current_position": 0, "supported_features": _COVER},
    ),
    "cover.patio_blinds": (
        "Patio Blinds",
        "closed",
        {"device_class": "blind", "current_position": 0, "supported_features": _COVER},
    ),
}


@pytest.fixture
async def entry_devices(hass: HomeAssistant, polish_home: HomeCalls) -> HomeCalls:
    """A lock, a garage door, a gate and blinds, named in English, exposed to Assist."""
    registry = er.async_get(hass)
    hall = ar.async_get(hass).async_get_area_by_name("Przedpokój")
    assert hall is not None
    for entity_id, (name, state, attrs) in ENTRY_DEVICES.items():
        domain, object_id = entity_id.split(".")
        entry = registry.async_get_or_create(
            domain, "test", object_id, suggested_object_id=object_id
        )
        registry.async_update_entity(entry.entity_id, area_id=hall.id, name=name)
        hass.states.async_set(entity_id, state, {"friendly_name": name, **attrs})
        async_expose_entity(hass, "conversation", entity_id, True)
    return polish_home
