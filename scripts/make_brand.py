"""Draws the integration's brand images into custom_components/llm_intent/brand/.

Home Assistant (2026.3+) serves a custom integration's own ``brand/`` folder
(``homeassistant.loader.Integration.has_branding``, ``components/brands``), so
the images travel with the install. Sizes follow the home-assistant/brands
image specification: icons square at 256 and 512 (hDPI) pixels; logos with the
shortest side 128 and 256 (hDPI) pixels; PNG with a transparent background,
trimmed; ``dark_`` variants for the dark theme.

The design: a speech bubble with a house in it (a voice agent for the home).
Every shape is drawn at four times the target size and scaled down, which
gives smooth edges without an SVG renderer.

Run inside the development environment (Pillow and DejaVu fonts are there):
    source scripts/_env.sh; llm_in_env python scripts/make_brand.py
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BRAND_DIR = Path(__file__).resolve().parent.parent / "custom_components" / "llm_intent" / "brand"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
WORDMARK = "LLM Intent"
SUPERSAMPLE = 4


@dataclass(frozen=True)
class Palette:
    bubble: tuple[int, int, int, int]
    house: tuple[int, int, int, int]
    text: tuple[int, int, int, int]


LIGHT = Palette(bubble=(11, 122, 117, 255), house=(255, 255, 255, 255), text=(33, 33, 33, 255))
DARK = Palette(bubble=(79, 209, 197, 255), house=(16, 48, 46, 255), text=(240, 240, 240, 255))


def _draw_mark(draw: ImageDraw.ImageDraw, origin: tuple[int, int], size: int, pal: Palette) -> None:
    """The mark in a square of side ``size``: a bubble with a tail, a house inside."""
    x0, y0 = origin

    def p(fx: float, fy: float) -> tuple[float, float]:
        return (x0 + fx * size, y0 + fy * size)

    # Bubble body and its tail (bottom left), kept inside the square so it is trimmed.
    draw.rounded_rectangle((*p(0.0, 0.0), *p(1.0, 0.80)), radius=0.2 * size, fill=pal.bubble)
    draw.polygon([p(0.18, 0.70), p(0.44, 0.70), p(0.14, 1.0)], fill=pal.bubble)
    # House: a roof triangle over a body with a door cut out in the bubble colour.
    draw.polygon([p(0.5, 0.12), p(0.80, 0.40), p(0.20, 0.40)], fill=pal.house)
    draw.rectangle((*p(0.29, 0.38), *p(0.71, 0.66)), fill=pal.house)
    draw.rectangle((*p(0.45, 0.49), *p(0.55, 0.66)), fill=pal.bubble)


def icon(side: int, pal: Palette) -> Image.Image:
    big = side * SUPERSAMPLE
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    _draw_mark(ImageDraw.Draw(img), (0, 0), big, pal)
    return img.resize((side, side), Image.Resampling.LANCZOS)


def logo(height: int, pal: Palette) -> Image.Image:
    """The mark followed by the wordmark, ``height`` pixels tall (its shortest side)."""
    big_h = height * SUPERSAMPLE
    font = ImageFont.truetype(str(FONT), size=int(big_h * 0.42))
    left, top, right, bottom = font.getbbox(WORDMARK)
    gap = int(big_h * 0.16)
    big_w = big_h + gap + (right - left)
    img = Image.new("RGBA", (big_w, big_h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    _draw_mark(draw, (0, 0), big_h, pal)
    # Wordmark centred on the bubble body (the upper 80 % of the mark).
    text_y = int(big_h * 0.40 - (top + bottom) / 2)
    draw.text((big_h + gap - left, text_y), WORDMARK, font=font, fill=pal.text)
    width = round(big_w / SUPERSAMPLE)
    return img.resize((width, height), Image.Resampling.LANCZOS)


def main() -> None:
    BRAND_DIR.mkdir(exist_ok=True)
    for prefix, pal in (("", LIGHT), ("dark_", DARK)):
        icon(256, pal).save(BRAND_DIR / f"{prefix}icon.png", optimize=True)
        icon(512, pal).save(BRAND_DIR / f"{prefix}icon@2x.png", optimize=True)
        logo(128, pal).save(BRAND_DIR / f"{prefix}logo.png", optimize=True)
        logo(256, pal).save(BRAND_DIR / f"{prefix}logo@2x.png", optimize=True)
    for path in sorted(BRAND_DIR.glob("*.png")):
        with Image.open(path) as img:
            print(f"{path.name}: {img.size[0]}x{img.size[1]}")


if __name__ == "__main__":
    main()
