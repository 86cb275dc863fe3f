from __future__ import annotations

import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import text

from server.db import make_engine
from server.settings import PROJECT_ROOT
from tests.postgres import postgres_schema
from tests.silent_proxy import SilentProxy

HOUVAST = str(Path(sys.executable).parent / "houvast")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HOUVAST, *args], capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=60
    )


def test_importing_the_command_leaves_the_server_stack_alone() -> None:
    """`houvast --help` must answer at once: importing the command loads no push stack, no
    HTTP client, no database, no scheduler and no app (only the commands that need them do)."""
    heavy = (
        "aiohttp",
        "pywebpush",
        "sqlalchemy",
        "apscheduler",
        "argon2",
        "segno",
        "limits",
        "server.push",
        "server.app",
        "server.therapist.accounts",
    )
    code = (
        f"import server.cli, sys; print(sorted(m for m in sys.modules if m.startswith({heavy!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[]\n"


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0, result.stderr
    assert all(command in result.stdout for command in ("serve", "export", "check"))


def test_export_writes_the_site(tmp_path: Path) -> None:
    result = run("export", str(tmp_path / "site"), "--base-path", "/houvast/")
    assert result.returncode == 0, result.stderr
    words = result.stdout.split()
    assert words[0] == "wrote" and words[-1] == "/houvast/"
    files = [path for path in (tmp_path / "site").rglob("*") if path.is_file()]
    assert len(files) == int(words[1]) > 0


def test_export_refuses_a_base_path_that_is_no_path(tmp_path: Path) -> None:
    result = run("export", str(tmp_path / "site"), "--base-path", "/a b/")
    assert result.returncode == 2
    assert "--base-path '/a b/' is not a plain URL path" in result.stderr
    assert not (tmp_path / "site").exists()


def test_check_passes_on_the_shipped_exercises() -> None:
    result = run("check")
    assert result.returncode == 0, result.stderr
    assert "complete" in result.stdout


def test_check_names_the_broken_file_and_problem(exercise_copy: Path) -> None:
    broken = exercise_copy / "four-s.toml"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace('kind = "timed"', 'kind = "wait"', 1), "utf-8"
    )
    result = run("check", env={"HOUVAST_EXERCISES_DIR": str(exercise_copy), "PATH": ""})
    assert result.returncode == 2
    assert "four-s.toml" in result.stderr and "unknown step kind 'wait'" in result.stderr


def test_a_bad_setting_stops_the_command() -> None:
    result = run("check", env={"HOUVAST_PORT": "port", "PATH": ""})
    assert result.returncode == 2
    assert result.stderr == (
        "houvast: HOUVAST_PORT='port': expected a port number between 0 and 65535\n"
    )


def test_a_misspelt_setting_stops_the_command_naming_the_one_meant(tmp_path: Path) -> None:
    """Ignored, HOUVAST_REQUIRE2FA=true would leave two-step sign-in optional without a word;
    the same in the environment and in the file of settings."""
    said = "houvast: unknown setting HOUVAST_REQUIRE2FA (did you mean HOUVAST_REQUIRE_2FA?)"
    base = {"PATH": "", "HOUVAST_DATA_DIR": str(tmp_path / "data")}
    refused = run("therapist", "list", env={**base, "HOUVAST_REQUIRE2FA": "true"})
    assert (refused.returncode, refused.stderr) == (2, said + "\n")
    settings = tmp_path / "houvast.env"
    settings.write_text("HOUVAST_REQUIRE2FA=true\n")
    from_file = run("--env-file", str(settings), "migrate", env=base)
    assert from_file.returncode == 2
    assert from_file.stderr == (
        f"houvast: unknown setting HOUVAST_REQUIRE2FA in {settings} "
        "(did you mean HOUVAST_REQUIRE_2FA?)\n"
    )
    assert not (tmp_path / "data").exists(), "stopped before anything was done"
    # Names read by other programs (deploy/Caddyfile) are not refused.
    caddy = {"HOUVAST_SITE": "houvast.example.org", "HOUVAST_UPSTREAM": "127.0.0.1:8000"}
    assert run("check", env={**base, **caddy}).returncode == 0


def test_commands_read_the_same_environment_file_as_the_server(tmp_path: Path) -> None:
    """`houvast --env-file FILE migrate` (or HOUVAST_ENV_FILE) reads the file the systemd unit
    reads: comments, quotes and `export` as there; the environment wins over the file; a line
    that is no setting stops the command, naming the line."""
    data = tmp_path / "data"
    settings = tmp_path / "houvast.env"
    settings.write_text(
        "# Houvast\n\n"
        f"HOUVAST_DATA_DIR='{data}'\n"
        'export HOUVAST_PUBLIC_URL="https://houvast.example.org"\n'
        "HOUVAST_PORT=not-a-port\n"
    )
    base = {key: value for key, value in os.environ.items() if not key.startswith("HOUVAST_")}
    refused = run("--env-file", str(settings), "migrate", env=base)
    assert refused.returncode == 2 and "HOUVAST_PORT='not-a-port'" in refused.stderr
    # The environment wins over the file.
    made = run("--env-file", str(settings), "migrate", env={**base, "HOUVAST_PORT": "8001"})
    assert made.returncode == 0, made.stderr
    assert (data / "houvast.db").exists(), "the data folder came from the file"
    listed = run(
        "therapist", "list", env={**base, "HOUVAST_PORT": "8001", "HOUVAST_ENV_FILE": str(settings)}
    )
    assert listed.returncode == 0, listed.stderr
    settings.write_text("HOUVAST_DATA_DIR=/tmp\nthis is no setting\n")
    broken = run("--env-file", str(settings), "check", env=base)
    assert broken.returncode == 2
    assert f"{settings}, line 2: not KEY=VALUE" in broken.stderr
    missing = run("--env-file", str(tmp_path / "none.env"), "check", env=base)
    assert missing.returncode == 2 and "none.env" in missing.stderr


def call(base: str, method: str, path: str, body: object = None, token: str = "") -> Any:
    request = urllib.request.Request(base + path, method=method)
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            data = response.read()
    except urllib.error.HTTPError as error:
        return error.code
    return json.loads(data) if data.startswith(b"{") else data


def test_the_server_reports_what_it_does_and_never_a_token(tmp_path: Path) -> None:
    """`houvast serve` shows the app's own log lines (here: the VAPID key made on first start),
    not only uvicorn's, so an operator sees what the reminder service reports. Request lines
    name the route where a path holds a device id or token, and a normal stop, with the
    dispatcher running every second, logs no error."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = tmp_path / "data"
    env = {
        **os.environ,
        "HOUVAST_DATA_DIR": str(data),
        "HOUVAST_PORT": str(port),
        "HOUVAST_DISPATCH_INTERVAL": "1",
    }
    server = subprocess.Popen(
        [HOUVAST, "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # request lines go to standard output, the rest to error
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    secrets = []
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/api/push/key", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("the server did not answer")
        schedule = {
            "timezone": "Europe/Amsterdam",
            "locale": "nl",
            "reminders": [
                {"days": [1], "time": "08:30", "target": {"type": "exercise", "id": "grounding"}}
            ],
        }
        made = call(base, "POST", "/api/devices", schedule)
        secrets = [made["id"], made["token"], made["calendar"].rsplit("/", 1)[1][:-4]]
        assert isinstance(call(base, "GET", made["calendar"] + "?from=query"), bytes)
        path = f"/api/devices/{made['id']}"
        assert call(base, "PUT", path, schedule, token=made["token"]) == {"id": made["id"]}
        assert call(base, "DELETE", path, token=made["token"]) == b""
        # Behind a proxy (loopback is trusted): the address the proxy says, without a port.
        proxied = urllib.request.Request(
            f"{base}/api/push/key", headers={"X-Forwarded-For": "203.0.113.7"}
        )
        with urllib.request.urlopen(proxied, timeout=5):
            pass
        time.sleep(1.5)  # a dispatch run or two
    finally:
        server.send_signal(signal.SIGINT)
        stderr, _ = server.communicate(timeout=30)
    assert "INFO:     made a new VAPID key, kept in the database for every instance" in stderr
    # Every line says when, with its offset from UTC.
    for line in stderr.splitlines():
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} ", line), line
    assert '203.0.113.7 - "GET /api/push/key HTTP/1.1" 200' in stderr
    assert ":0 - " not in stderr
    assert "Application startup complete" in stderr
    assert '"GET /api/calendar/{device_id}/{token}.ics HTTP/1.1" 200' in stderr
    assert '"DELETE /api/devices/{device_id} HTTP/1.1" 204' in stderr
    for secret in secrets:
        assert secret not in stderr
    assert "from=query" not in stderr
    assert "ERROR" not in stderr and "Traceback" not in stderr, stderr


def test_seed_texts_are_not_copied() -> None:
    """Every text is written fresh; the shared tool lists any run of 8+ words from the sources."""
    tool = PROJECT_ROOT.parent / "shared" / "tools" / "seed_overlap.py"
    assert tool.exists(), f"{tool} is missing: shared/ belongs beside the project"
    result = subprocess.run(
        [sys.executable, str(tool), str(PROJECT_ROOT)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout


def test_the_server_waits_for_its_database_and_says_so(tmp_path: Path) -> None:
    """Started before its PostgreSQL answers (a machine booting): `houvast serve` waits, says
    where and why on each try, without a traceback or the password, and serves once the
    database is there."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        database_port = probe.getsockname()[1]  # nothing listens here yet
    with postgres_schema() as url:
        # A password too (PostgreSQL here trusts loopback and ignores it): never logged.
        waiting_url = url.replace(
            "postgres@127.0.0.1:5432", f"postgres:secret-pw@127.0.0.1:{database_port}"
        )
        env = {
            **os.environ,
            "HOUVAST_DATA_DIR": str(tmp_path / "data"),
            "HOUVAST_PORT": str(port),
            "DATABASE_URL": waiting_url,
        }
        log = tmp_path / "serve.log"
        with log.open("w") as out:
            server = subprocess.Popen(
                [HOUVAST, "serve"], stdout=out, stderr=subprocess.STDOUT, text=True, env=env
            )
        try:
            deadline = time.time() + 60
            while "waiting for the database" not in log.read_text():
                assert server.poll() is None, log.read_text()
                assert time.time() < deadline, "no word of waiting"
                time.sleep(0.05)
            with SilentProxy(("127.0.0.1", 5432), port=database_port):
                deadline = time.time() + 60
                while True:
                    try:
                        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2):
                            break
                    except OSError:
                        assert server.poll() is None, log.read_text()
                        assert time.time() < deadline, "the server never came up"
                        time.sleep(0.1)
                server.send_signal(signal.SIGINT)
                server.wait(timeout=30)
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
    said = log.read_text()
    where = f"postgresql+psycopg://postgres:***@127.0.0.1:{database_port}/test"
    assert f"waiting for the database at {where}" in said
    assert "secret-pw" not in said and "Traceback" not in said, said


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """What an operator is told when the command cannot go on: one line, never a traceback."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("houvast: "), result.stderr
    return lines[0]


# Every command that opens the database (serve apart: it waits for a PostgreSQL).
OPENING = (
    ("therapist", "list"),
    ("therapist", "add", "anna@example.org"),
    ("therapist", "reset", "anna@example.org"),
    ("therapist", "remove", "anna@example.org", "--yes"),
    ("audit",),
    ("migrate",),
)


def test_a_database_behind_this_release_is_one_line_for_every_command(tmp_path: Path) -> None:
    env = {"PATH": "", "HOUVAST_DATA_DIR": str(tmp_path / "data"), "HOUVAST_MIGRATE": "manual"}
    for command in (*OPENING[:-1], ("serve", "--port", "0")):
        said = one_line(run(*command, env=env))
        assert "run `houvast migrate` first" in said, said


def test_a_data_folder_that_cannot_be_made_is_one_line_for_every_command() -> None:
    env = {"PATH": "", "HOUVAST_DATA_DIR": "/proc/nope"}
    for command in (*OPENING, ("serve", "--port", "0")):
        said = one_line(run(*command, env=env))
        assert said.startswith(
            "houvast: cannot create or write the data folder /proc/nope (/proc/nope: "
        ), said
        assert "set HOUVAST_DATA_DIR to a folder houvast may write" in said


def test_a_postgresql_that_cannot_be_reached_is_one_line_without_its_password() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here
    url = f"postgresql+psycopg://postgres:secret-pw@127.0.0.1:{port}/test"
    for command in OPENING:
        said = one_line(run(*command, env={"PATH": "", "DATABASE_URL": url}))
        assert said.startswith(
            f"houvast: cannot use the database at postgresql+psycopg://postgres:***@127.0.0.1:"
            f"{port}/test ("
        ), said
        assert "check that PostgreSQL runs" in said and "secret-pw" not in said


def test_a_database_of_another_user_says_whom_to_run_as() -> None:
    """A data folder and database an earlier release left readable by all, used by another
    user than the service's: SQLite opens it read-only and the first write fails."""
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        assert run("migrate", env={"PATH": "", "HOUVAST_DATA_DIR": str(data)}).returncode == 0
        os.chmod(folder, 0o755)
        os.chmod(data, 0o755)
        os.chmod(data / "houvast.db", 0o644)
        as_other: list[str] = []
        if os.geteuid() == 0:
            # root may write anything: the command runs as someone else, as an operator's
            # would (util-linux's setpriv; subprocess's own user= would drop the permission to
            # read the interpreter it is started with).
            as_other = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        else:
            os.chmod(data / "houvast.db", 0o444)
            os.chmod(data, 0o555)
        try:
            refused = subprocess.run(
                [*as_other, HOUVAST, "therapist", "add", "anna@example.org"],
                capture_output=True,
                text=True,
                env={"PATH": "/usr/bin:/bin", "HOUVAST_DATA_DIR": str(data)},
                cwd=PROJECT_ROOT,
                timeout=60,
            )
        finally:
            os.chmod(data, 0o700)
    said = one_line(refused)
    assert said.startswith(
        f"houvast: the database {data}/houvast.db is read-only for this user "
        "(attempt to write a readonly database): the file belongs to another user; run the "
        f"command as the service's user, e.g. `sudo -u houvast {HOUVAST} therapist add "
    ), said


def test_a_data_folder_houvast_makes_is_its_owners_alone(tmp_path: Path) -> None:
    """The database holds the VAPID key, password hashes and TOTP secrets."""
    data = tmp_path / "new" / "data"
    made = run("migrate", env={"PATH": "", "HOUVAST_DATA_DIR": str(data)})
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "houvast.db").stat().st_mode) == 0o600
    # A folder that is there keeps its mode (the operator's choice); what is made in it is
    # private all the same.
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    assert run("migrate", env={"PATH": "", "HOUVAST_DATA_DIR": str(shared)}).returncode == 0
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    assert stat.S_IMODE((shared / "houvast.db").stat().st_mode) == 0o600


def test_the_files_beside_the_database_are_private_too(tmp_path: Path) -> None:
    """SQLite's write-ahead log and shared memory file, there while a connection is open."""
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'houvast.db'}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
        with engine.connect() as connection:
            connection.execute(text("SELECT * FROM t")).all()
            made = sorted(path.name for path in (tmp_path / "data").iterdir())
            assert made == ["houvast.db", "houvast.db-shm", "houvast.db-wal"]
            for name in made:
                mode = stat.S_IMODE((tmp_path / "data" / name).stat().st_mode)
                assert mode == 0o600, (name, oct(mode))
    finally:
        engine.dispose()
