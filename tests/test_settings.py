from __future__ import annotations

import re

import pytest

from server.settings import PROJECT_ROOT, Settings, SettingsError, settings_table


def test_defaults_work_without_any_environment() -> None:
    settings = Settings.from_env({})
    assert settings.port == 8000
    assert settings.crisis_phone == "113"
    assert settings.practice_name == settings.practice_contact == "", "optional"
    assert settings.crisis_phone_free == "0800-0113"
    assert settings.emergency_phone == "112"
    assert settings.exercises_dir == PROJECT_ROOT / "exercises"
    assert str(settings.time_zone) == "Europe/Amsterdam"


def test_environment_overrides_defaults() -> None:
    settings = Settings.from_env({"HOUVAST_PORT": "9000", "HOUVAST_CRISIS_PHONE": "+32 1813"})
    assert settings.port == 9000
    assert settings.crisis_phone == "+32 1813"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HOUVAST_PORT", "eighty"),
        ("HOUVAST_PORT", "70000"),
        ("HOUVAST_CRISIS_PHONE", "call us"),
        ("HOUVAST_CRISIS_URL", "http://insecure.example"),
        ("HOUVAST_EXERCISES_DIR", "/no/such/folder"),
        ("HOUVAST_CRISIS_NAME", "   "),
        ("DATABASE_URL", "mysql://root@localhost/houvast"),
        ("HOUVAST_PUSH_HOSTS", "https://fcm.googleapis.com"),
        ("HOUVAST_PUSH_HOSTS", "127.0.0.1"),
        ("HOUVAST_PUSH_HOSTS", ""),
        ("HOUVAST_VAPID_SUBJECT", "admin"),
        ("HOUVAST_PUSH_TTL", "999999"),
        ("HOUVAST_MAX_REMINDERS", "0"),
        ("HOUVAST_DISPATCH_INTERVAL", "soon"),
        ("HOUVAST_DISPATCH_INTERVAL", "7"),  # runs would drift off the whole minutes
        ("HOUVAST_DISPATCH_INTERVAL", "90"),
        ("HOUVAST_DISPATCH_INTERVAL", "600"),
        ("HOUVAST_TIME_ZONE", "Europe/Amsterdma"),
        ("HOUVAST_TIME_ZONE", "../etc/passwd"),
        ("HOUVAST_TIME_ZONE", ""),
        ("HOUVAST_PRACTICE_NAME", "Praktijk\nDe Linde"),  # one printed line
        ("HOUVAST_PRACTICE_CONTACT", "x" * 121),
    ],
)
def test_a_bad_value_fails_loudly_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(variable)):
        Settings.from_env({variable: value})


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert settings_table() in readme, "run `python -m server.settings` and paste its table"
