"""Draw public/favicon.ico, the icon browsers ask for at /favicon.ico, from the same shapes as
static/favicon.svg (the icon the pages link to): the portal's blue rounded square with a white L.

    .venv/bin/python scripts/make_favicon.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
SCALE = 8  # the SVG's 32-unit box drawn at 256 pixels, then reduced to each icon size
BLUE = (0x0B, 0x47, 0x78, 255)
WHITE = (255, 255, 255, 255)
L_SHAPE = [(9, 7), (13.5, 7), (13.5, 21), (23, 21), (23, 25), (9, 25)]  # static/favicon.svg's path


def draw() -> Image.Image:
    size = 32 * SCALE
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle((0, 0, size - 1, size - 1), radius=6 * SCALE, fill=BLUE)
    pen.polygon([(x * SCALE, y * SCALE) for x, y in L_SHAPE], fill=WHITE)
    return image


def main() -> None:
    out = ROOT / "public" / "favicon.ico"
    out.parent.mkdir(exist_ok=True)
    draw().save(out, sizes=[(16, 16), (32, 32), (48, 48)])
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
