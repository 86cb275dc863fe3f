"""What a built package carries besides the code (everything else is in pyproject.toml).

The running app reads the exercises, the message catalogs, the app's own files and the
database migrations. In a checkout they live beside the package (exercises/, locales/, pwa/,
migrations/); a wheel carries them inside it, under server/resources/, where server/settings.py
finds them when there is no checkout. The catalogs go in compiled (.mo), and the scripts and
styles minified by esbuild when the checkout has it (`npm ci`; server/minify.py).

An editable install (`make`) copies nothing: it runs from the checkout.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
COPIED = {"exercises": ("*.toml",), "pwa": ("**/*",), "migrations": ("**/*.py", "*.mako")}


class BuildWithResources(build_py):
    def run(self) -> None:
        super().run()
        if not getattr(self, "editable_mode", False):
            self.add_resources(Path(self.build_lib) / "server" / "resources")

    def add_resources(self, target: Path) -> None:
        if target.exists():
            shutil.rmtree(target)
        for folder, patterns in COPIED.items():
            for pattern in patterns:
                for path in sorted((HERE / folder).glob(pattern)):
                    if not path.is_file() or "__pycache__" in path.parts:
                        continue
                    copy = target / path.relative_to(HERE)
                    copy.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, copy)
        self.compile_catalogs(target / "locales")
        self.minify(target)

    def compile_catalogs(self, target: Path) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted((HERE / "locales").glob("*/LC_MESSAGES/messages.po")):
            mo = target / po.relative_to(HERE / "locales").with_suffix(".mo")
            mo.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parent.parent.name)
            with mo.open("wb") as out:
                write_mo(out, catalog)

    def minify(self, target: Path) -> None:
        sys.path.insert(0, str(HERE))
        try:
            from server.minify import ESBUILD, premade
        finally:
            sys.path.remove(str(HERE))
        if not ESBUILD.exists():
            print(f"{ESBUILD} is missing (npm ci): the scripts go in unminified", file=sys.stderr)
            return
        made = premade(HERE, ("pwa", "server/therapist/static"))
        (target / "minified.json").write_text(json.dumps(made, sort_keys=True), encoding="utf-8")


setup(cmdclass={"build_py": BuildWithResources})
