from __future__ import annotations

import subprocess
import sys
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


def test_seed_texts_are_not_copied() -> None:
    """Every text is written fresh; the shared tool lists any run of 8+ words from the sources."""
    tool = PROJECT_ROOT.parent / "shared" / "tools" / "seed_overlap.py"
    assert tool.exists(), f"{tool} is missing: shared/ belongs beside the project"
    result = subprocess.run(
        [sys.executable, str(tool), str(PROJECT_ROOT)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout
