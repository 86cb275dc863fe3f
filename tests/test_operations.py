"""Running Houvast as an operator does: health and readiness for a load balancer, counters to
scrape, migrations once under a lock, one VAPID key for every instance, the previous release's
files during a rolling upgrade, and backup and restore. On SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from starlette.testclient import TestClient

from server.app import create_app
from server.db import (
    _alembic_config,
    current_revision,
    head_revision,
    make_engine,
    open_database,
    upgrade,
)
from server.push.vapid import KEY_FILE, VapidKeys, new_pem
from server.settings import PROJECT_ROOT, Settings
from tests.conftest import isolated_settings
from tests.postgres import POSTGRES, postgres_schema
from tests.test_api import REMINDER, device, subscription
from tests.test_cli import HOUVAST


def houvast(settings: Settings, *args: str, **more: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HOUVAST_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
        **more,
    }
    return subprocess.run(
        [HOUVAST, *args], capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=120
    )


def shared(tmp_path: Path, database_url: str) -> str:
    """One database for several instances with data folders of their own (SQLite: one file)."""
    return database_url or f"sqlite:///{tmp_path / 'shared.db'}"


def test_alive_ready_and_counted(db_settings: Settings) -> None:
    with TestClient(create_app(db_settings)) as client:
        assert client.get("/healthz").text == "ok"
        ready = client.get("/readyz")
        assert ready.status_code == 200
        body = ready.json()
        release = body.pop("release")
        assert body == {"database": "ok", "migrations": "ok", "scheduler": "ok"}
        # The release is the one whose files this instance serves (server/releases.py).
        assets, offline = client.app_state["assets"], client.app_state["offline"]
        assert release == f"{assets.version}-{offline.version}"
        metrics = client.get("/metrics")
        assert f'houvast_release_info{{release="{release}"}} 1.0' in metrics.text
        assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
        for name in ("due", "delivered", "gone", "failed", "unknown", "skipped"):
            assert f"houvast_reminders_{name}_total 0.0" in metrics.text
        assert 'houvast_reminder_lateness_seconds_bucket{le="600.0"} 0.0' in metrics.text


def test_not_ready_without_the_database_or_the_scheduler(db_settings: Settings) -> None:
    with TestClient(create_app(db_settings)) as client:
        state = client.app_state  # what the lifespan handed the requests
        state["scheduler"].shutdown(wait=False)
        stopped = client.get("/readyz")
        assert stopped.status_code == 503 and stopped.json()["scheduler"] == "stopped"
        engine = state["engine"]
        state["engine"] = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
        gone = client.get("/readyz")
        assert gone.status_code == 503
        assert gone.json()["database"] == "unreachable"
        state["engine"] = engine


def test_migrations_run_once_however_many_start_at_once(db_settings: Settings) -> None:
    """Four `houvast migrate` at the same moment on a new database: all succeed, the schema
    is made once and is what the code's tables say."""
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: houvast(db_settings, "migrate"), range(4)))
    assert [r.returncode for r in results] == [0] * 4, [r.stderr for r in results]
    assert {r.stdout.strip() for r in results} == {f"the database is at revision {head_revision()}"}
    engine = make_engine(db_settings.database)
    with engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        from alembic.autogenerate import compare_metadata
        from alembic.runtime.migration import MigrationContext

        from server.db import metadata

        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert differences == [], "the migrations make exactly the tables in server/db.py"


def test_a_server_set_to_migrate_by_hand_refuses_a_database_behind(db_settings: Settings) -> None:
    manual = isolated_settings(
        db_settings.data_dir, database_url=db_settings.database_url, migrate="manual"
    )
    from server.db import SchemaError

    with pytest.raises(SchemaError, match="houvast migrate"):
        open_database(manual)
    refused = houvast(manual, "serve", HOUVAST_MIGRATE="manual")
    assert refused.returncode == 2
    assert "run `houvast migrate` first" in refused.stderr
    assert houvast(db_settings, "migrate").returncode == 0
    open_database(manual).dispose()


def test_every_instance_uses_one_vapid_key(tmp_path: Path, database_url: str) -> None:
    """Instances on one database, each with its own data folder: one key, made once; a key
    file left by an earlier release becomes the shared key; a key file in the settings wins."""
    database_url = shared(tmp_path, database_url)
    old = tmp_path / "old"
    old.mkdir()
    (old / KEY_FILE).write_bytes(new_pem())
    legacy = VapidKeys.load_or_create(old).public_key
    keys = []
    for name in ("old", "a", "b"):
        settings = isolated_settings(tmp_path / name, database_url=database_url)
        with TestClient(create_app(settings, dispatch=False)) as client:
            keys.append(client.get("/api/push/key").json()["publicKey"])
    assert keys == [legacy, legacy, legacy]
    key_file = tmp_path / "shared.pem"
    key_file.write_bytes(new_pem())
    key_file.chmod(0o600)
    configured = isolated_settings(
        tmp_path / "c", database_url=database_url, vapid_key_file=key_file
    )
    with TestClient(create_app(configured, dispatch=False)) as client:
        assert client.get("/api/push/key").json()["publicKey"] == (
            VapidKeys.load_file(key_file).public_key
        )


def test_two_instances_with_the_same_code_serve_the_same_worker_and_manifests(
    tmp_path: Path, database_url: str
) -> None:
    database_url = shared(tmp_path, database_url)
    answers = []
    for name in ("a", "b"):
        settings = isolated_settings(tmp_path / name, database_url=database_url)
        with TestClient(create_app(settings, dispatch=False)) as client:
            answers.append(
                [client.get(path).content for path in ("/sw.js", "/manifest-nl.webmanifest")]
            )
    assert answers[0] == answers[1]


def test_an_instance_serves_the_previous_releases_files(tmp_path: Path, database_url: str) -> None:
    """During a rolling upgrade a phone that installs the old release's worker may ask an
    instance of the new release for the old files, and the other way round: both answer."""
    database_url = shared(tmp_path, database_url)
    old_pwa = tmp_path / "old-pwa"
    shutil.copytree(PROJECT_ROOT / "pwa", old_pwa)
    stylesheet = old_pwa / "css" / "app.css"
    stylesheet.write_text(stylesheet.read_text() + "\n.old-release { color: inherit; }\n")
    old_settings = isolated_settings(tmp_path / "old", database_url=database_url)
    new_settings = isolated_settings(tmp_path / "new", database_url=database_url)
    with TestClient(create_app(old_settings, dispatch=False, pwa_dir=old_pwa)) as old:
        old_worker = old.get("/sw.js").text
        old_css_url = next(u for u in _stored(old_worker) if u.endswith("/css/app.css"))
        [old_bundle_url] = _bundles(old_worker)
        old_css = old.get(old_css_url).content
        assert b".old-release" in old_css
        old_bundle = old.get(old_bundle_url, headers={"Accept-Encoding": "identity"}).content
    with TestClient(create_app(new_settings, dispatch=False)) as new:
        new_worker = new.get("/sw.js").text
        assert new_worker != old_worker
        for url in (old_css_url, old_bundle_url):
            response = new.get(url)
            assert response.status_code == 200, url
            assert "immutable" in response.headers["cache-control"]
        assert new.get(old_css_url).content == old_css
        # Gzipped once, as the instance's own bundle is (``*``: GZipMiddleware would not).
        for url, body in ((old_bundle_url, old_bundle), (old_css_url, old_css)):
            packed = new.get(url, headers={"Accept-Encoding": "*"})
            assert packed.headers["content-encoding"] == "gzip", url
            assert packed.content == body
            plain = new.get(url, headers={"Accept-Encoding": "identity"})
            assert "content-encoding" not in plain.headers and plain.content == body
        new_css_url = next(u for u in _stored(new_worker) if u.endswith("/css/app.css"))
        assert new.get(old_css_url.replace("app.css", "nothing.css")).status_code == 404
    # The old instance, restarted (as during the upgrade), serves the new release's files.
    with TestClient(create_app(old_settings, dispatch=False, pwa_dir=old_pwa)) as old:
        assert old.get(new_css_url).status_code == 200
        assert b".old-release" not in old.get(new_css_url).content


def _stored(worker: str) -> list[str]:
    import json

    config = json.loads(worker.split("const CONFIG = ", 1)[1].split(";\n", 1)[0])
    return list(config["stored"])


def _bundles(worker: str) -> list[str]:
    import json

    config = json.loads(worker.split("const CONFIG = ", 1)[1].split(";\n", 1)[0])
    return list(config["bundles"])


def test_a_backup_made_while_serving_restores_every_device(tmp_path: Path) -> None:
    settings = isolated_settings(tmp_path / "data")
    app = create_app(settings, dispatch=False)
    made = []
    with TestClient(app) as client:
        key = client.get("/api/push/key").json()["publicKey"]
        for number in range(5):
            push = subscription(f"https://fcm.googleapis.com/fcm/send/b{number}")
            body = device(push if number % 2 else None, reminders=[REMINDER] * (number + 1))
            made.append(client.post("/api/devices", json=body).json())
        feeds = [client.get(m["calendar"]).text.count("BEGIN:VEVENT") for m in made]
        # The server is running: the backup is taken from the live database, into a folder
        # the first backup makes.
        result = houvast(settings, "backup", str(tmp_path / "backups" / "houvast.backup"))
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == (
            f"wrote 5 devices and 15 reminders to {tmp_path / 'backups' / 'houvast.backup'}"
        )
    assert (tmp_path / "backups").stat().st_mode & 0o077 == 0, "private"
    assert (tmp_path / "backups" / "houvast.backup").stat().st_mode & 0o077 == 0, "private"

    fresh = isolated_settings(tmp_path / "fresh")
    restored = houvast(fresh, "restore", str(tmp_path / "backups" / "houvast.backup"))
    assert restored.returncode == 0, restored.stderr
    with TestClient(create_app(fresh, dispatch=False)) as client:
        assert client.get("/api/push/key").json()["publicKey"] == key, "the same VAPID key"
        assert [client.get(m["calendar"]).text.count("BEGIN:VEVENT") for m in made] == feeds
        for entry in made:
            auth = {"Authorization": f"Bearer {entry['token']}"}
            assert (
                client.put(f"/api/devices/{entry['id']}", json=device(), headers=auth).status_code
                == 200
            )
    engine = make_engine(fresh.database)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM devices")).scalar() == 5
    engine.dispose()


def test_backup_and_restore_say_what_they_cannot_do(tmp_path: Path, database_url: str) -> None:
    settings = isolated_settings(tmp_path / "data", database_url=database_url)
    target = tmp_path / "copy"
    if database_url:
        result = houvast(settings, "backup", str(target))
        assert result.returncode == 2 and "pg_dump" in result.stderr
        return
    assert "no database" in houvast(settings, "backup", str(target)).stderr
    open_database(settings).dispose()
    target.write_text("not a database")
    assert "exists already" in houvast(settings, "backup", str(target)).stderr
    unwritable = houvast(settings, "backup", str(target / "inside"))
    assert unwritable.returncode == 2 and "cannot write" in unwritable.stderr, unwritable.stderr
    assert "cannot be read as a database" in houvast(settings, "restore", str(target)).stderr
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE notes (text)").connection.close()
    assert "not a Houvast database" in houvast(settings, "restore", str(other)).stderr


def test_an_upgrade_from_the_first_release_keeps_every_reminder(db_settings: Settings) -> None:
    """Migrations that rebuild a table on SQLite (to change its constraints) drop the old one:
    with foreign keys on, that used to delete every device's reminders (ON DELETE CASCADE)."""
    engine = make_engine(db_settings.database)
    config = _alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
            connection.execute(
                text(
                    "INSERT INTO devices (id, token_hash, timezone, locale, endpoint, p256dh, "
                    "auth, created_at, updated_at) VALUES ('d1', :hash, 'Europe/Amsterdam', "
                    "'nl', 'https://fcm.googleapis.com/fcm/send/x', 'p', 'a', 1, 1)"
                ),
                {"hash": "0" * 64},
            )
            connection.execute(
                text(
                    "INSERT INTO reminders (device_id, days, time, target, next_fire_at) "
                    "VALUES ('d1', 127, '08:30', 'exercise:grounding', 1)"
                )
            )
        assert upgrade(engine) == head_revision()
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM reminders")).scalar() == 1
            if engine.dialect.name == "sqlite":
                # Foreign keys are on again for whoever uses the connection next.
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


# The connection pg_dump and pg_restore take (libpq's form of tests/postgres.py's URL).
PG_DSN = "postgresql://postgres@127.0.0.1:5432/test"


def test_a_postgresql_dump_as_the_backup_timer_makes_it_restores_every_device(
    tmp_path: Path,
) -> None:
    """deploy/houvast-backup.service's pg_dump (custom format, made under UMask=0077) restored
    as docs/deployment.md says into a fresh database: the same VAPID key, every device."""
    unit = (PROJECT_ROOT / "deploy" / "houvast-backup.service").read_text()
    assert "pg_dump --format=custom" in unit and "UMask=0077" in unit
    with postgres_schema() as url:
        settings = isolated_settings(tmp_path / "data", database_url=url)
        with TestClient(create_app(settings, dispatch=False)) as client:
            key = client.get("/api/push/key").json()["publicKey"]
            made = [
                client.post(
                    "/api/devices",
                    json=device(subscription(f"https://fcm.googleapis.com/fcm/send/p{n}")),
                ).json()
                for n in range(3)
            ]
        schema = url.split("search_path%3D", 1)[1]
        dump = tmp_path / "houvast.dump"
        dumped = subprocess.run(
            ["pg_dump", "--format=custom", f"--schema={schema}", f"--file={dump}", PG_DSN],
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=lambda: os.umask(0o077),
        )
        assert dumped.returncode == 0, dumped.stderr
    assert dump.stat().st_mode & 0o077 == 0, "readable by its owner only"
    database = f"houvast_restore_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES.rsplit("/", 1)[0] + "/postgres")
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        target = PG_DSN.rsplit("/", 1)[0] + f"/{database}"
        restored = subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={target}", str(dump)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert restored.returncode == 0, restored.stderr
        fresh = isolated_settings(
            tmp_path / "fresh",
            database_url=POSTGRES.rsplit("/", 1)[0]
            + f"/{database}?options=-csearch_path%3D{schema}",
        )
        with TestClient(create_app(fresh, dispatch=False)) as client:
            assert client.get("/api/push/key").json()["publicKey"] == key, "the same VAPID key"
            for entry in made:
                auth = {"Authorization": f"Bearer {entry['token']}"}
                answer = client.put(f"/api/devices/{entry['id']}", json=device(), headers=auth)
                assert answer.status_code == 200
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'DROP DATABASE "{database}" WITH (FORCE)'))
        admin.dispose()


def test_as_many_releases_are_kept_as_the_setting_says(tmp_path: Path, database_url: str) -> None:
    """HOUVAST_RELEASES_KEPT=2: after a third release starts, the first one's files are gone
    and the second one's still served by any instance."""
    database_url = shared(tmp_path, database_url)
    styles = []
    for number in range(3):
        pwa = tmp_path / f"pwa-{number}"
        shutil.copytree(PROJECT_ROOT / "pwa", pwa)
        stylesheet = pwa / "css" / "app.css"
        stylesheet.write_text(
            stylesheet.read_text() + f"\n.release-{number} {{ color: inherit; }}\n"
        )
        settings = isolated_settings(
            tmp_path / f"data-{number}", database_url=database_url, releases_kept=2
        )
        with TestClient(create_app(settings, dispatch=False, pwa_dir=pwa)) as client:
            worker = client.get("/sw.js").text
            styles.append(next(u for u in _stored(worker) if u.endswith("/css/app.css")))
    with TestClient(create_app(settings, dispatch=False, pwa_dir=pwa)) as client:
        assert client.get(styles[0]).status_code == 404, "the oldest release is forgotten"
        assert b".release-1" in client.get(styles[1]).content
        assert b".release-2" in client.get(styles[2]).content
