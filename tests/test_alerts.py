"""The alerts an operator loads into Prometheus (deploy/prometheus-rules.yml): promtool finds
them valid, they fire when they should (promtool's own rule tests, on series as the app
exports them), and every metric they read is one the app's /metrics really has."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import PROJECT_ROOT, Settings

RULES = PROJECT_ROOT / "deploy" / "prometheus-rules.yml"

FIRING = f"""
rule_files: [{RULES}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'houvast_dispatch_failures_total{{instance="a", cause="database"}}'
        values: '0 0 1 1 1'
      - series: 'houvast_dispatch_last_run_timestamp_seconds{{instance="a"}}'
        values: '0x10'
      - series: 'probe_success{{job="houvast-ready", instance="a"}}'
        values: '1 0 0 0 0'
      - series: 'houvast_reminders_failed_total{{instance="a"}}'
        values: '0 40 80'
    alert_rule_test:
      - eval_time: 3m
        alertname: HouvastDispatchFailing
        exp_alerts:
          - exp_labels: {{severity: warning, instance: a, cause: database}}
            exp_annotations: {{summary: "a: dispatch runs fail (database)"}}
      - eval_time: 8m
        alertname: HouvastDispatchStale
        exp_alerts:
          - exp_labels: {{severity: critical, instance: a}}
            exp_annotations:
              summary: "a has not dispatched reminders for over 5 minutes"
      - eval_time: 4m
        alertname: HouvastNotReady
        exp_alerts:
          - exp_labels: {{severity: critical, instance: a, job: houvast-ready}}
            exp_annotations:
              summary: "a answers /readyz with 503 (database or scheduler)"
      - eval_time: 2m
        alertname: HouvastRemindersGivenUp
        exp_alerts:
          - exp_labels: {{severity: warning, instance: a}}
            exp_annotations:
              summary: "a gave up on 80 reminders in the last hour"
"""


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("promtool")
    if tool is None:
        pytest.fail("promtool not found: `make test` installs it (Debian's prometheus)")
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=60)


def test_promtool_finds_the_rules_valid() -> None:
    checked = promtool("check", "rules", str(RULES))
    assert checked.returncode == 0 and "SUCCESS: 6 rules found" in checked.stdout, checked.stderr


def test_each_alert_fires_when_it_should(tmp_path: Path) -> None:
    tests = tmp_path / "tests.yml"
    tests.write_text(FIRING)
    tested = promtool("test", "rules", str(tests))
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_the_rules_read_only_what_the_app_exports(settings: Settings) -> None:
    with TestClient(create_app(settings, dispatch=False)) as client:
        exported = client.get("/metrics").text
    read = set(re.findall(r"\b(houvast_[a-z_]+)", RULES.read_text()))
    assert read, "the rules read the app's metrics"
    for name in read:
        assert re.search(rf"^{name}[{{ ]", exported, re.MULTILINE), f"{name} is not exported"
