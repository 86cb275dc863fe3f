from __future__ import annotations

import re

import pytest

from server.settings import PROJECT_ROOT, Settings, SettingsError, check_names, settings_table


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


def test_a_misspelt_setting_is_refused_with_the_one_meant() -> None:
    """Ignored, it would leave the default in place: two-step sign-in optional."""
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"HOUVAST_REQUIRE2FA": "true"})
    assert str(refused.value) == (
        "unknown setting HOUVAST_REQUIRE2FA (did you mean HOUVAST_REQUIRE_2FA?)"
    )
    with pytest.raises(SettingsError) as far_off:
        Settings.from_env({"HOUVAST_XYZZY": "blue"})
    assert str(far_off.value) == "unknown setting HOUVAST_XYZZY"
    # Another program's names are none of its business.
    assert Settings.from_env({"DATABASE_URI": "x", "PORT": "1"}).port == 8000


# Files that name HOUVAST_* variables for the programs that read them; the tests' own
# misspellings are left out.
_NAMING = ("server", "deploy", "docs", "scripts", "README.md", "Makefile", "tests")
_MISSPELT_ON_PURPOSE = {"test_settings.py", "test_cli.py"}


def test_every_houvast_name_the_project_uses_is_accepted() -> None:
    """The Caddyfile's addresses and the file of settings are read elsewhere: an operator who
    keeps them in the same environment is not refused."""
    named: set[str] = set()
    for place in _NAMING:
        root = PROJECT_ROOT / place
        for path in [root] if root.is_file() else root.rglob("*"):
            if (
                not path.is_file()
                or path.name in _MISSPELT_ON_PURPOSE
                or "__pycache__" in str(path)
            ):
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            # Not a family such as HOUVAST_CRISIS_* in the documentation.
            named |= set(re.findall(r"\bHOUVAST_[A-Z0-9_]*[A-Z0-9]\b(?![_*])", text))
    assert {"HOUVAST_ENV_FILE", "HOUVAST_SITE", "HOUVAST_UPSTREAM"} <= named
    check_names(named)


@pytest.mark.parametrize(
    ("variable", "expected"),
    [
        ("HOUVAST_PORT", "expected a port number between 0 and 65535"),
        ("HOUVAST_PUSH_TTL", "expected a whole number from 60 to 86400"),
        ("HOUVAST_DISPATCH_INTERVAL", "expected seconds that divide a minute"),
    ],
)
def test_a_number_that_is_no_number_says_what_is_expected(variable: str, expected: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({variable: "abc"})
    assert str(refused.value).startswith(f"{variable}='abc': {expected}")
    assert "invalid literal" not in str(refused.value)
