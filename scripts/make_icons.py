"""Draw the app's PNG icons from the one vector source, pwa/icons/icon.svg.

    .venv/bin/python scripts/make_icons.py

Chromium (through Playwright) renders the SVG, so no image library is needed. Writes:
icon-192.png and icon-512.png (the icon as drawn, with its rounded corners), icon-maskable-512.png
(full-bleed background, the drawing inside the 80 % safe zone, for Android's masks) and
apple-touch-icon.png (180 px, full-bleed: iOS rounds the corners itself), and the two 96-px icons
of the home-screen shortcuts (server/offline.py), drawn here in the icon's colours: grounding
(feet on the ground, in the way-out bar's warm colour) and help (a lifebuoy). Run it after
changing icon.svg and commit the PNGs.
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

# The shortcuts' drawings: full-bleed, the mark inside the middle 60 % (launchers crop to a
# circle). Not served: only their PNGs are.
SHORTCUT_ICONS = {
    "shortcut-ground-96.png": (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96">'
        '<rect width="96" height="96" fill="#f6e6c8"/>'
        '<g fill="#4a3712"><ellipse cx="37" cy="56" rx="8" ry="13"/>'
        '<ellipse cx="59" cy="56" rx="8" ry="13"/><circle cx="41" cy="36" r="3.6"/>'
        '<circle cx="34" cy="37" r="2.8"/><circle cx="28.5" cy="40" r="2.4"/>'
        '<circle cx="55" cy="36" r="3.6"/><circle cx="62" cy="37" r="2.8"/>'
        '<circle cx="67.5" cy="40" r="2.4"/></g>'
        '<path d="M24 76h48" stroke="#2d6a63" stroke-width="6" stroke-linecap="round"/></svg>'
    ),
    "shortcut-help-96.png": (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96">'
        '<rect width="96" height="96" fill="#2d6a63"/>'
        '<circle cx="48" cy="48" r="21" fill="none" stroke="#f7f4ee" stroke-width="12"/>'
        '<circle cx="48" cy="48" r="21" fill="none" stroke="#f2c47f" stroke-width="12" '
        'stroke-dasharray="11 22" stroke-dashoffset="5.5"/></svg>'
    ),
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
        for name, drawing in SHORTCUT_ICONS.items():
            page = browser.new_page(viewport={"width": 96, "height": 96})
            page.set_content(page_for(drawing, 96, 1.0, True))
            page.screenshot(path=ICONS / name)
            page.close()
            print(f"wrote pwa/icons/{name}")
        browser.close()


if __name__ == "__main__":
    main()
