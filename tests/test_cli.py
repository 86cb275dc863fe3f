from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from server.settings import PROJECT_ROOT

HOUVAST = str(Path(sys.executable).parent / "houvast")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HOUVAST, *args], capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=60
    )


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
    assert "HOUVAST_PORT" in result.stderr


def test_the_server_reports_what_the_reminder_service_does(tmp_path: Path) -> None:
    """`houvast serve` shows the app's own log lines (here: the VAPID key made on first start),
    not only uvicorn's, so an operator sees what the reminder service reports."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = tmp_path / "data"
    env = {**os.environ, "HOUVAST_DATA_DIR": str(data), "HOUVAST_PORT": str(port)}
    server = subprocess.Popen(
        [HOUVAST, "serve"], stderr=subprocess.PIPE, text=True, env=env, cwd=PROJECT_ROOT
    )
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/push/key", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("the server did not answer")
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=30)
    assert f"INFO:     created a new VAPID key in {data / 'vapid_private.pem'}" in stderr
    assert "Application startup complete" in stderr


def test_seed_texts_are_not_copied() -> None:
    """Every text is written fresh; the shared tool lists any run of 8+ words from the sources."""
    tool = PROJECT_ROOT.parent / "shared" / "tools" / "seed_overlap.py"
    assert tool.exists(), f"{tool} is missing: shared/ belongs beside the project"
    result = subprocess.run(
        [sys.executable, str(tool), str(PROJECT_ROOT)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout
