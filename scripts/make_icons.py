"""Draw the app's PNG icons from the one vector source, pwa/icons/icon.svg.

    .venv/bin/python scripts/make_icons.py

Chromium (through Playwright) renders the SVG, so no image library is needed. Writes:
icon-192.png and icon-512.png (the icon as drawn, with its rounded corners), icon-maskable-512.png
(full-bleed background, the drawing inside the 80 % safe zone, for Android's masks) and
apple-touch-icon.png (180 px, full-bleed: iOS rounds the corners itself). Run it after changing
icon.svg and commit the PNGs.
"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

ICONS = Path(__file__).resolve().parent.parent / "pwa" / "icons"
BACKGROUND = "#2d6a63"
# name: (size in px, scale of the drawing, full-bleed background behind it)
OUTPUTS = {
    "icon-192.png": (192, 1.0, False),
    "icon-512.png": (512, 1.0, False),
    "icon-maskable-512.png": (512, 0.78, True),
    "apple-touch-icon.png": (180, 0.9, True),
}


def page_for(svg: str, size: int, scale: float, bleed: bool) -> str:
    data = base64.b64encode(svg.encode()).decode()
    inner = round(size * scale)
    background = BACKGROUND if bleed else "transparent"
    return (
        f"<html><body style='margin:0;width:{size}px;height:{size}px;background:{background};"
        f"display:grid;place-items:center'>"
        f"<img src='data:image/svg+xml;base64,{data}' width='{inner}' height='{inner}'>"
        f"</body></html>"
    )


def main() -> None:
    svg = (ICONS / "icon.svg").read_text(encoding="utf-8")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=["--disable-gpu", "--no-first-run"]
        )
        for name, (size, scale, bleed) in OUTPUTS.items():
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(page_for(svg, size, scale, bleed))
            page.screenshot(path=ICONS / name, omit_background=not bleed)
            page.close()
            print(f"wrote pwa/icons/{name}")
        browser.close()


if __name__ == "__main__":
    main()
