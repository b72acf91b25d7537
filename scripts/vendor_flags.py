"""Vendor the country flags from the npm package flag-icons (pinned in package.json).

Run once after `npm ci` when the pinned version changes: `make flags`. For every country
the settings form offers (pycountry's ISO 3166-1 list) it copies flag-icons' 4×3 SVG into
buildstory/static/flags/; an SVG heavier than SVG_MAX bytes (coats of arms drawn in
detail, up to 180 KB) is instead drawn once by Chromium as a 40×30 PNG (a 20×15 flag on a
2× screen) and palette-compressed to at most 1 KB. The package's licence goes along.
"""
from __future__ import annotations

import io
import os
import shutil
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "node_modules" / "flag-icons"
TARGET = ROOT / "buildstory" / "static" / "flags"
SVG_MAX = 4096
PNG_MAX = 1024
SIZE = (40, 30)


def codes() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from buildstory.profiles.countries import all_countries
    return [c.code.lower() for c in all_countries()]


def small_png(screenshot: bytes) -> bytes:
    image = Image.open(io.BytesIO(screenshot)).convert("RGB")
    for colours in (64, 32, 16, 8):
        out = io.BytesIO()
        image.quantize(colours, method=Image.Quantize.MEDIANCUT).save(out, "PNG", optimize=True)
        if out.tell() <= PNG_MAX:
            return out.getvalue()
    raise SystemExit("a flag does not fit in 1 KB even with 8 colours")


def main() -> None:
    from playwright.sync_api import sync_playwright

    if TARGET.exists():
        shutil.rmtree(TARGET)
    TARGET.mkdir(parents=True)
    shutil.copy(SOURCE / "LICENSE", TARGET / "LICENSE")
    heavy = []
    for code in codes():
        svg = SOURCE / "flags" / "4x3" / f"{code}.svg"
        if svg.stat().st_size <= SVG_MAX:
            shutil.copy(svg, TARGET / f"{code}.svg")
        else:
            heavy.append(code)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
        page = browser.new_page(viewport={"width": SIZE[0], "height": SIZE[1]})
        for code in heavy:
            svg = (SOURCE / "flags" / "4x3" / f"{code}.svg").read_text()
            page.set_content(
                '<style>html,body{margin:0}svg{display:block;width:40px;height:30px}</style>' + svg)
            (TARGET / f"{code}.png").write_bytes(small_png(page.screenshot()))
        browser.close()
    print(f"{len(codes()) - len(heavy)} SVG and {len(heavy)} PNG flags in {TARGET}")


if __name__ == "__main__":
    main()
