"""The ``houvast`` command: serve the app, check exercises and catalogs, manage therapists,
read the audit trail, migrate the database, back it up and restore it.

The app, and with it the push stack and the database, is imported by the commands that need
it, never at the top: ``houvast --help`` should answer at once.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .exercises import ExerciseError
from .i18n import CatalogError
from .settings import ENV_FILE, Settings, SettingsError, check_names


def settle_garbage_collector() -> None:
    """Tune Python's cyclic garbage collector for a server (call it after ``create_app``).

    What ``create_app`` made (imported modules, catalogs, exercises, compiled templates) lives
    as long as the process; the defaults make the collector scan it again and again while a
    dispatch makes hundreds of thousands of short-lived objects. Measured with
    bench/dispatch.py (100,000 reminders, one process): the collector took about a fifth of
    the server's CPU. So those objects are frozen (never scanned; reference counting still
    frees them), after a collection so that no garbage is frozen with them, and the youngest
    generation is collected every 50,000 allocations instead of 700. The older generations
    keep their default rhythm relative to it, so garbage in cycles still goes.
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 10, 10)


def log_config() -> dict[str, Any]:
    """uvicorn's logging, plus the app's own: what the reminder service reports (houvast.*,
    INFO and up) and the scheduler's warnings, on standard error in uvicorn's format. Without
    it Python drops INFO lines, and warnings come out bare. Request lines never hold a token."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    # Every line says when, to the second, with the offset from UTC (a journal or a file read
    # later, or shipped elsewhere, is read in another time zone).
    for formatter in config["formatters"].values():
        formatter["fmt"] = "%(asctime)s " + formatter["fmt"]
        formatter["datefmt"] = "%Y-%m-%dT%H:%M:%S%z"
    # Request lines name the route where a path holds a token (server/access_log.py).
    config.setdefault("filters", {})["redact"] = {"()": "server.access_log.RedactSecrets"}
    config["handlers"]["access"]["filters"] = ["redact"]
    config["loggers"]["houvast"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    config["loggers"]["apscheduler"] = {
        "handlers": ["default"],
        "level": "WARNING",
        "propagate": False,
    }
    return config


def wait_for_database(settings: Settings, pause: Callable[[float], None] = time.sleep) -> None:
    """Wait until the database answers, saying so every time: a server started before its
    PostgreSQL (a machine booting, a database restarting) waits for it, instead of stopping
    with a traceback. The password is never in the line."""
    import logging

    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from .db import make_engine

    logger = logging.getLogger("houvast.start")
    engine = make_engine(settings.database)
    where = engine.url.render_as_string(hide_password=True)
    delay = 1.0
    try:
        while True:
            try:
                with engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
                return
            except DBAPIError as error:
                if engine.dialect.name == "sqlite":
                    # A file does not come up later as a database server does: main() says
                    # what is wrong with it.
                    raise
                reason = str(error.orig or error).strip().splitlines()[0]
                logger.warning(
                    "waiting for the database at %s (%s); trying again in %.0f s",
                    where,
                    reason,
                    delay,
                )
                pause(delay)
                delay = min(delay * 2, 30.0)
    finally:
        engine.dispose()


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import logging.config

    import uvicorn

    from .app import create_app

    logging.config.dictConfig(log_config())
    wait_for_database(settings)
    if not settings.migrate_on_start:
        from .db import SchemaError, make_engine, schema_is_current

        engine = make_engine(settings.database)
        try:
            with engine.connect() as connection:
                if not schema_is_current(connection):
                    return _refuse(
                        SchemaError(
                            "the database is behind this release: run `houvast migrate` first"
                        )
                    )
        finally:
            engine.dispose()

    app = create_app(settings)
    settle_garbage_collector()
    uvicorn.run(
        app,
        host=args.host or settings.host,
        port=args.port if args.port is not None else settings.port,
        proxy_headers=True,
        server_header=False,
        log_level="info",
        log_config=log_config(),
    )
    return 0


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from .app import create_app

    create_app(settings)
    print("exercises and catalogs are complete")
    return 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from .export import ExportError, export_site

    try:
        written = export_site(settings, args.directory, args.base_path)
    except ExportError as error:
        return _refuse(error)
    print(f"wrote {len(written)} files to {args.directory} for {args.base_path}")
    return 0


def _therapist(args: argparse.Namespace, settings: Settings) -> int:
    from .therapist.commands import run

    return run(args, settings)


def _add_therapist_parser(commands: Any) -> None:
    # The arguments are declared next to the commands (light: argparse and nothing else).
    from .therapist.commands_parser import add_parser

    add_parser(commands)
    commands.choices["therapist"].set_defaults(handler=_therapist)


def _audit(args: argparse.Namespace, settings: Settings) -> int:
    from .therapist.commands import run_audit

    return run_audit(args, settings)


def _add_audit_parser(commands: Any) -> None:
    from .therapist.commands_parser import add_audit_parser

    add_audit_parser(commands)
    commands.choices["audit"].set_defaults(handler=_audit)


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from .db import make_engine, upgrade

    engine = make_engine(settings.database)
    try:
        revision = upgrade(engine)
    finally:
        engine.dispose()
    print(f"the database is at revision {revision}")
    return 0


def _backup(args: argparse.Namespace, settings: Settings) -> int:
    from .backup import BackupError, backup

    try:
        found = backup(settings, args.file)
    except BackupError as error:
        return _refuse(error)
    print(f"wrote {found} to {args.file}")
    return 0


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    from .backup import BackupError, restore

    try:
        found = restore(settings, args.file)
    except BackupError as error:
        return _refuse(error)
    print(f"restored {found} from {args.file}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    # The module's first paragraph; the rest is for whoever reads the code.
    parser = argparse.ArgumentParser(prog="houvast", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--env-file",
        type=Path,
        help="read settings from this file of KEY=VALUE lines, as the systemd unit does "
        f"(default: ${ENV_FILE}, if set); the environment wins over the file",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the app (settings: see README)")
    serve.add_argument("--host", help="address to listen on (default: HOUVAST_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (default: HOUVAST_PORT)")
    serve.set_defaults(handler=_serve)
    export = commands.add_parser(
        "export", help="write the client app as static files that work offline"
    )
    export.add_argument("directory", type=Path, help="a new or empty folder")
    export.add_argument(
        "--base-path", default="/", help="the URL path the files are served under (default: /)"
    )
    export.set_defaults(handler=_export)
    check = commands.add_parser("check", help="validate exercise files and catalogs, then exit")
    check.set_defaults(handler=_check)
    _add_therapist_parser(commands)
    _add_audit_parser(commands)
    migrate = commands.add_parser(
        "migrate", help="bring the database up to date, once, however many instances share it"
    )
    migrate.set_defaults(handler=_migrate)
    backup = commands.add_parser(
        "backup", help="copy the SQLite database, keys included, while the server runs"
    )
    backup.add_argument("file", type=Path, help="a new file")
    backup.set_defaults(handler=_backup)
    restore = commands.add_parser(
        "restore", help="put a backup in place of the database (stop the server first)"
    )
    restore.add_argument("file", type=Path, help="a file made by houvast backup")
    restore.set_defaults(handler=_restore)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings: Settings | None = None
    try:
        env_file = args.env_file or os.environ.get(ENV_FILE)
        if env_file:
            found = read_env_file(Path(env_file))
            check_names(found, where=str(env_file))
            # Into the process's environment, so that what reads it directly (uvicorn's
            # FORWARDED_ALLOW_IPS) sees the file too.
            for key, value in found.items():
                os.environ.setdefault(key, value)
        settings = Settings.from_env()
        return int(args.handler(args, settings))
    except (SettingsError, ExerciseError, CatalogError) as error:
        return _refuse(error)
    except BrokenPipeError:
        # The reader went early (`houvast therapist add | head`): what was done is done, and
        # the operator must know that what it printed (a sign-in link) may not have arrived.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print(
            "houvast: the output was closed before all of it was written; if an account was "
            "made, `houvast therapist reset` gives it a new link",
            file=sys.stderr,
        )
        return 1
    except Exception as error:
        # What an operator can put right (a database, a folder, a user), said in one line; a
        # traceback is for a programmer's mistake only.
        said = _plainly(error, settings, sys.argv[1:] if argv is None else argv)
        if said is None:
            raise
        return _refuse(said)


def _plainly(error: Exception, settings: Settings | None, argv: Sequence[str]) -> str | None:
    """What went wrong and what to do, for the failures of the place houvast runs in; None
    for anything else. Only modules already loaded are looked at: an error cannot come from
    one that is not, and ``houvast --help`` stays light."""
    db = sys.modules.get(f"{__package__}.db")
    if db is not None and isinstance(error, db.SchemaError):
        return str(error)
    exc = sys.modules.get("sqlalchemy.exc")
    if exc is not None and isinstance(error, exc.OperationalError) and settings is not None:
        return _database_failure(error, settings, argv)
    if isinstance(error, OSError) and settings is not None:
        return _file_failure(error, settings, argv)
    return None


def _as_the_service(argv: Sequence[str]) -> str:
    # The full path as it was started: sudo's PATH may not lead to the virtual environment.
    program = sys.argv[0] if Path(sys.argv[0]).name == "houvast" else "houvast"
    command = shlex.join(["sudo", "-u", "houvast", program, *argv])
    return f"run the command as the service's user, e.g. `{command}`"


def _database_failure(error: Any, settings: Settings, argv: Sequence[str]) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(settings.database)
    reason = str(error.orig or error).strip().splitlines()[0]
    if url.password:
        # A driver may repeat what it was given; the password is never printed.
        reason = reason.replace(str(url.password), "***")
    if url.get_backend_name() == "sqlite":
        if "readonly" in reason:
            return (
                f"the database {url.database} is read-only for this user ({reason}): the file "
                f"belongs to another user; {_as_the_service(argv)}"
            )
        return (
            f"cannot open the database {url.database} ({reason}): it or its folder may belong "
            f"to another user; {_as_the_service(argv)}, or set HOUVAST_DATA_DIR"
        )
    where = url.render_as_string(hide_password=True)
    return (
        f"cannot use the database at {where} ({reason}): check that PostgreSQL runs and "
        "accepts this user there, and DATABASE_URL"
    )


def _file_failure(error: OSError, settings: Settings, argv: Sequence[str]) -> str:
    name = str(error.filename) if error.filename is not None else ""
    reason = error.strerror or str(error)
    folder = settings.data_dir
    if name and (Path(name) == folder or folder in Path(name).parents):
        return (
            f"cannot create or write the data folder {folder} ({name}: {reason}): set "
            f"HOUVAST_DATA_DIR to a folder houvast may write, or {_as_the_service(argv)}"
        )
    return f"cannot use {name or 'a file'}: {reason}"


_ENV_LINE = re.compile(r"(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)")


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, as systemd's EnvironmentFile= reads them: blank lines and lines
    starting with # are skipped, a value may be in single or double quotes. A line that is
    none of these is an operator's mistake, named with its line number."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise SettingsError(f"--env-file {path}: {error.strerror}") from None
    found: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        match = _ENV_LINE.fullmatch(line)
        if match is None:
            raise SettingsError(f"{path}, line {number}: not KEY=VALUE: {line[:40]!r}")
        key, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        found[key] = value
    return found


def _refuse(error: Exception | str) -> int:
    # A programmer's or operator's mistake: say exactly what is wrong and stop.
    print(f"houvast: {error}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
