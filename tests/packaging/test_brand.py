"""The brand images Home Assistant serves for the integration.

Sizes from the home-assistant/brands image specification: icons square at
256 px (hDPI 512 px); logos with the shortest side 128 px (hDPI 256 px); PNG
with a transparent background. Home Assistant serves a custom integration's
own ``brand/`` folder when ``Integration.has_branding`` finds it.
"""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_custom_components
from homeassistant.setup import async_setup_component
from PIL import Image
import pytest

from custom_components.llm_intent.const import DOMAIN

BRAND = Path(__file__).resolve().parents[2] / "custom_components" / DOMAIN / "brand"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    return None


@pytest.mark.parametrize("prefix", ["", "dark_"])
@pytest.mark.parametrize(("name", "side"), [("icon.png", 256), ("icon@2x.png", 512)])
def test_icons_are_square_at_the_required_size(prefix: str, name: str, side: int) -> None:
    with Image.open(BRAND / f"{prefix}{name}") as img:
        assert img.format == "PNG"
        assert img.size == (side, side)
        assert img.mode == "RGBA"
        assert img.getpixel((side - 1, 0))[3] == 0, "background must be transparent"


@pytest.mark.parametrize("prefix", ["", "dark_"])
@pytest.mark.parametrize(("name", "shortest"), [("logo.png", 128), ("logo@2x.png", 256)])
def test_logos_have_the_required_shortest_side(prefix: str, name: str, shortest: int) -> None:
    with Image.open(BRAND / f"{prefix}{name}") as img:
        assert img.format == "PNG"
        assert min(img.size) == shortest
        assert img.size[0] >= img.size[1], "a logo is landscape or square"
        assert img.mode == "RGBA"
        assert img.getpixel((img.size[0] - 1, img.size[1] - 1))[3] == 0


def test_hidpi_images_match_their_base_images() -> None:
    for base in ("icon", "logo", "dark_icon", "dark_logo"):
        with Image.open(BRAND / f"{base}.png") as one, Image.open(BRAND / f"{base}@2x.png") as two:
            assert abs(two.size[0] - 2 * one.size[0]) <= 1
            assert two.size[1] == 2 * one.size[1]


def test_only_images_home_assistant_serves_are_shipped() -> None:
    from homeassistant.components.brands.const import ALLOWED_IMAGES

    assert {p.name for p in BRAND.iterdir()} == set(ALLOWED_IMAGES)


async def test_home_assistant_serves_the_shipped_icon(hass: HomeAssistant, hass_client) -> None:
    integration = (await async_get_custom_components(hass))[DOMAIN]
    assert integration.has_branding
    assert await async_setup_component(hass, "brands", {})
    client = await hass_client()
    for image in ("icon.png", "dark_logo@2x.png"):
        resp = await client.get(f"/api/brands/integration/{DOMAIN}/{image}")
        assert resp.status == HTTPStatus.OK
        assert await resp.read() == (BRAND / image).read_bytes()
