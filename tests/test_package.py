"""The package an operator installs: the wheel built from this checkout, installed into a
fresh virtual environment outside it, runs `houvast migrate` and `houvast serve` from another
folder with nothing but an environment file, and serves the app as a checkout does.

The wheel is built without a registry (`--no-build-isolation`, with the setuptools and Babel
the test extras install). The fresh environment gets the wheel alone (`--no-deps`); its
dependencies are not downloaded again but seen through a .pth file: a folder of links to the
installed distributions the wheel's own metadata requires, and nothing else. So what it
declares must be enough (psycopg, a test dependency, is not there), though at the versions
this checkout's environment has, not the newest a registry would give.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from email.parser import Parser
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from server.assets import StaticAssets
from server.settings import PROJECT_ROOT
from tests.postgres import postgres_schema
from tests.test_deployment import free_port, get

# What setup.py reads to build the wheel.
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")
FOLDERS = ("server", "exercises", "locales", "pwa", "migrations")
DUTCH = "Hier en nu"
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]


def build_wheel(tmp_path: Path) -> Path:
    """The wheel, built from a copy of the checkout (a build leaves build/ behind, and other
    tests run from this checkout meanwhile)."""
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
    for folder in FOLDERS:
        shutil.copytree(PROJECT_ROOT / folder, source / folder, ignore=ignore)
    for name in SOURCES:
        shutil.copyfile(PROJECT_ROOT / name, source / name)
    # esbuild minifies the scripts into the wheel, as it does for a checkout.
    (source / "node_modules").symlink_to(PROJECT_ROOT / "node_modules")
    dist = tmp_path / "dist"
    subprocess.run(
        [*PIP, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, source],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = dist.glob("houvast-*.whl")
    return wheel


def required(wheel: Path, extra: str = "") -> set[str]:
    """Every distribution the wheel needs (with ``extra``, one of its extras), followed through
    their own needs."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        own = Parser().parsestr(archive.read(name).decode()).get_all("Requires-Dist") or []
    wanted = [
        requirement
        for requirement in map(Requirement, own)
        if requirement.marker is None or requirement.marker.evaluate({"extra": extra})
    ]
    found: set[str] = set()
    while wanted:
        requirement = wanted.pop()
        dist = canonicalize_name(requirement.name)
        if dist in found:
            continue
        found.add(dist)
        for needed in map(Requirement, metadata.distribution(dist).requires or []):
            extras = ["", *requirement.extras]
            if needed.marker is None or any(needed.marker.evaluate({"extra": e}) for e in extras):
                wanted.append(needed)
    return found


def dependency_view(wheel: Path, folder: Path, extra: str = "") -> Path:
    """A folder of links to the installed files of the distributions the wheel requires."""
    folder.mkdir()
    for name in sorted(required(wheel, extra)):
        dist = metadata.distribution(name)
        for path in dist.files or []:
            top = path.parts[0]
            if top == ".." or (folder / top).exists():
                continue
            (folder / top).symlink_to(Path(str(dist.locate_file(top))))
    return folder


def install(wheel: Path, tmp_path: Path, extra: str = "") -> Path:
    """A fresh environment with the wheel installed (and what ``extra`` brings); its
    `houvast` command."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=60)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    deps = dependency_view(wheel, tmp_path / "deps", extra)
    Path(purelib, "houvast-dependencies.pth").write_text(f"{deps}\n")
    subprocess.run(
        [*PIP, "--python", python, "install", "--no-deps", "--no-index", wheel],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return venv / "bin" / "houvast"


def serve(
    command: list[Any], site: Path, env: dict[str, str], port: int, paths: tuple[str, ...]
) -> tuple[dict[str, str], str]:
    """`houvast serve` until /readyz says it is ready; each of ``paths`` read (all must answer
    200), then the server stopped as systemd stops it. The pages and the server's log."""
    server = subprocess.Popen(
        [*command, "serve"],
        cwd=site,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    pages = {}
    try:
        deadline = time.monotonic() + 60
        while get(f"{base}/readyz")[0] != 200:
            assert server.poll() is None, server.communicate()[0]
            assert time.monotonic() < deadline, "the installed server is not ready"
            time.sleep(0.2)
        for path in paths:
            status, body = get(base + path)
            assert status == 200, (path, status)
            pages[path] = body.decode()
    finally:
        server.send_signal(signal.SIGINT)
        log = server.communicate(timeout=30)[0]
    return pages, log


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


def test_an_installed_wheel_serves_the_app_outside_the_checkout(
    wheel: Path, tmp_path: Path
) -> None:
    houvast = install(wheel, tmp_path)
    site = tmp_path / "site"
    site.mkdir()
    port = free_port()
    (site / "houvast.env").write_text(
        "# As docs/deployment.md writes it; the server and every command read it.\n"
        f"HOUVAST_DATA_DIR={tmp_path / 'data'}\n"
        f"HOUVAST_PORT={port}\n"
        "HOUVAST_VAPID_SUBJECT=mailto:ops@houvast.example.org\n"
        # The server refuses a database `houvast migrate` did not bring up to date.
        "HOUVAST_MIGRATE=manual\n"
    )
    # Nothing from this checkout's environment: not its path, not its Python's.
    env = {
        "PATH": f"{houvast.parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
    }
    command: list[Any] = [houvast, "--env-file", "houvast.env"]
    where = subprocess.run(
        [houvast.parent / "python", "-c", "import server.settings as s; print(s.RESOURCES_DIR)"],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(tmp_path / "venv"), where.stdout
    # PostgreSQL's driver is an extra, named when it is missing.
    postgresql = {**env, "DATABASE_URL": "postgresql+psycopg://houvast@db/houvast"}
    refused = subprocess.run(
        [*command, "check"], cwd=site, env=postgresql, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 2, refused.stderr
    assert "pip install 'houvast[postgresql]'" in refused.stderr, refused.stderr
    migrate = subprocess.run(
        [*command, "migrate"], cwd=site, env=env, capture_output=True, text=True, timeout=120
    )
    assert migrate.returncode == 0, migrate.stderr
    pages, log = serve(
        command,
        site,
        env,
        port,
        (
            "/",
            "/nl/",
            "/en/",
            "/nl/exercises/grounding",
            "/en/exercises/grounding",
            "/nl/app.json",
            "/manifest-nl.webmanifest",
            "/sw.js",
            "/t/nl/",
            "/t/en/",
        ),
    )
    assert "Traceback" not in log and "ERROR" not in log, log
    # The packaged scripts are minified as a checkout's are: the very same files.
    assert "unminified" not in log, log
    assert f"/static/{StaticAssets().version}/" in pages["/nl/"]
    for path in ("/", "/nl/", "/nl/exercises/grounding", "/manifest-nl.webmanifest"):
        assert 'lang="nl"' in pages[path] or '"lang":"nl"' in pages[path].replace(" ", ""), path
    assert DUTCH in pages["/nl/exercises/grounding"]
    assert "Here and now" in pages["/en/exercises/grounding"]
    assert DUTCH in pages["/nl/app.json"]
    # The therapist's sign-in, in both languages.
    assert "Aanmelden" in pages["/t/nl/"] and "Sign in" in pages["/t/en/"]


def test_with_its_postgresql_extra_it_serves_on_postgresql(wheel: Path, tmp_path: Path) -> None:
    """`houvast[postgresql]` brings the driver: migrated and served on PostgreSQL."""
    houvast = install(wheel, tmp_path, "postgresql")
    site = tmp_path / "site"
    site.mkdir()
    port = free_port()
    env = {"PATH": f"{houvast.parent}:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    with postgres_schema() as url:
        (site / "houvast.env").write_text(
            f"HOUVAST_DATA_DIR={tmp_path / 'data'}\n"
            f"HOUVAST_PORT={port}\n"
            "HOUVAST_VAPID_SUBJECT=mailto:ops@houvast.example.org\n"
            "HOUVAST_MIGRATE=manual\n"
            f"DATABASE_URL={url}\n"
        )
        command: list[Any] = [houvast, "--env-file", "houvast.env"]
        migrate = subprocess.run(
            [*command, "migrate"], cwd=site, env=env, capture_output=True, text=True, timeout=120
        )
        assert migrate.returncode == 0, migrate.stderr
        pages, log = serve(command, site, env, port, ("/nl/", "/nl/exercises/grounding", "/readyz"))
    assert "Traceback" not in log and "ERROR" not in log, log
    assert DUTCH in pages["/nl/exercises/grounding"]
    ready = json.loads(pages["/readyz"])
    assert (ready["database"], ready["migrations"]) == ("ok", "ok"), ready
