"""The systemd unit an operator installs (deploy/houvast@.service), as systemd reads it:
`systemd-analyze verify` finds nothing wrong, and `systemd-analyze security` scores its
exposure at most 3.0 (0 is fully locked down, 10 wide open)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from server.settings import PROJECT_ROOT
from tests.test_cli import HOUVAST

UNIT = PROJECT_ROOT / "deploy" / "houvast@.service"
SHIPPED_COMMAND = "/opt/houvast/bin/houvast"


def analyze(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.fail("systemd-analyze not found: `make test` installs it")
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=60)


def instance(tmp_path: Path) -> Path:
    """The shipped unit as instance "main", its command where this machine has it (verify
    checks that the command can run; everything else is as shipped)."""
    text = UNIT.read_text()
    assert SHIPPED_COMMAND in text
    unit = tmp_path / "houvast@main.service"
    unit.write_text(text.replace(SHIPPED_COMMAND, HOUVAST))
    return unit


def test_systemd_finds_nothing_wrong_in_the_units(tmp_path: Path) -> None:
    backup = [
        str(PROJECT_ROOT / "deploy" / f"houvast-backup.{kind}") for kind in ("service", "timer")
    ]
    checked = analyze("verify", str(instance(tmp_path)), *backup)
    assert checked.returncode == 0 and not checked.stderr.strip(), checked.stderr


def test_the_unit_is_locked_down(tmp_path: Path) -> None:
    scored = analyze("security", "--offline=true", "--threshold=30", str(instance(tmp_path)))
    found = re.search(r"Overall exposure level for houvast@main.service: (\d+\.\d)", scored.stdout)
    assert found, scored.stdout + scored.stderr
    print(f"systemd-analyze security: {found.group(1)}")
    assert scored.returncode == 0 and float(found.group(1)) <= 3.0, scored.stdout
    text = UNIT.read_text()
    for needed in ("Restart=on-failure", "RestartSec=", "After=network-online.target postgresql"):
        assert needed in text
