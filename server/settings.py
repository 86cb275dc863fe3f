"""Deployment settings, read from environment variables.

Every setting is declared once in ``SETTINGS`` with its default and help text; the README's
settings table is made from it (``python -m server.settings`` prints it; a test compares). A bad
value stops the server at start-up with the variable named, because a programmer's or
operator's mistake should fail loudly.
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# A checkout (the repository, `make` or an editable install) keeps the exercises, catalogs and
# the app's files beside the package; an installed wheel carries them inside it, in this folder
# (setup.py puts them there, the catalogs compiled).
PACKAGED_DIR = Path(__file__).resolve().parent / "resources"
CHECKOUT = not PACKAGED_DIR.is_dir()
# Where the exercises/, locales/, pwa/ and migrations/ folders the app ships are found.
RESOURCES_DIR = PROJECT_ROOT if CHECKOUT else PACKAGED_DIR

_PHONE = re.compile(r"^\+?[0-9][0-9 -]{1,19}$")


class SettingsError(ValueError):
    """A setting has a value the app cannot work with."""


def _phone(value: str) -> str:
    if not _PHONE.match(value):
        raise ValueError("expected a phone number of digits, spaces and dashes, e.g. 0800-0113")
    return value


def _whole_number(value: str, expected: str) -> int:
    # int()'s own complaint ("invalid literal for int() with base 10") tells an operator nothing.
    try:
        return int(value)
    except ValueError:
        raise ValueError(expected) from None


def _port(value: str) -> int:
    expected = "expected a port number between 0 and 65535"
    port = _whole_number(value, expected)
    if not 0 <= port <= 65535:
        raise ValueError(expected)
    return port


def _https_url(value: str) -> str:
    if not value.startswith("https://"):
        raise ValueError("expected an https:// address")
    return value


def _public_url(value: str) -> str:
    if not value:
        return value
    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username
        or parts.path.strip("/")
        or parts.query
        or parts.fragment
    ):
        raise ValueError("expected the site's address alone, e.g. https://houvast.example.org")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _relative_to() -> Path:
    """Where a relative path in a setting starts: the project root in a checkout, the current
    folder for an installed package (whose own folder is no place for an operator's files)."""
    return PROJECT_ROOT if CHECKOUT else Path.cwd()


def _exercises_directory(value: str) -> Path:
    # Empty: the exercises that come with Houvast, in the checkout or inside the package.
    return _directory(value) if value else RESOURCES_DIR / "exercises"


def _directory(value: str) -> Path:
    path = Path(value)
    if not path.is_absolute():
        path = _relative_to() / path
    if not path.is_dir():
        raise ValueError(f"{path} is not a directory")
    return path


def _path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else _relative_to() / path


def _database_url(value: str) -> str:
    if value and not re.match(r"^(sqlite|postgresql)(\+\w+)?://", value):
        raise ValueError("expected a sqlite:/// or postgresql:// URL, or nothing for SQLite")
    # The driver is an extra: say which, rather than fail later on a missing module.
    if value.startswith("postgresql+psycopg://") and importlib.util.find_spec("psycopg") is None:
        raise ValueError("PostgreSQL's driver is not installed: pip install 'houvast[postgresql]'")
    return value


def _hosts(value: str) -> tuple[str, ...]:
    hosts = tuple(host.strip().lower() for host in value.split(",") if host.strip())
    pattern = re.compile(r"^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+$")
    # A top-level label has letters: this also keeps IP addresses out.
    bad = [h for h in hosts if not pattern.match(h) or not re.search(r"[a-z]", h.rsplit(".")[-1])]
    if not hosts or bad:
        raise ValueError(
            f"expected host names such as fcm.googleapis.com or *.push.apple.com: {bad}"
        )
    return hosts


def _vapid_subject(value: str) -> str:
    if not re.match(r"^(mailto:[^@\s]+@[^@\s]+|https://\S+)$", value):
        raise ValueError("expected mailto:someone@example.org or an https:// address")
    return value


def _bounded_int(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        expected = f"expected a whole number from {low} to {high}"
        number = _whole_number(value, expected)
        if not low <= number <= high:
            raise ValueError(expected)
        return number

    return parse


def _dispatch_interval(value: str) -> int:
    # Reminders fall due on whole minutes; runs that do too send them at once, not up to an
    # interval later.
    expected = "expected seconds that divide a minute (1 to 60) or 120, 180, 240, 300"
    seconds = _whole_number(value, expected)
    if not 1 <= seconds <= 300 or (60 % seconds and seconds % 60):
        raise ValueError(expected)
    return seconds


def _switch(value: str) -> bool:
    word = value.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected true or false")


def _choice(*choices: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = value.strip().lower()
        if value not in choices:
            raise ValueError(f"expected one of: {', '.join(choices)}")
        return value

    return parse


def _rate(value: str) -> str:
    # Parsed by the same library that enforces it, so a setting it cannot read stops the start.
    from limits import parse

    try:
        parse(value)
    except ValueError:
        raise ValueError("expected a rate such as 30/minute or 5/second") from None
    return value.strip()


def _optional_file(value: str) -> Path | None:
    if not value:
        return None
    path = _path(value)
    if not path.is_file():
        raise ValueError(f"{path} is not a file")
    return path


def _time_zone(value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("expected a time zone name such as Europe/Amsterdam") from None


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


def _printed_line(value: str) -> str:
    # One line on a printed page: no line breaks or control characters, short enough to fit.
    value = value.strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("expected one line of text, without control characters")
    if len(value) > 120:
        raise ValueError("expected at most 120 characters")
    return value


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, default, parser and help text."""

    env: str
    default: str
    parse: Callable[[str], Any]
    help: str


SETTINGS: dict[str, Setting] = {
    "host": Setting("HOUVAST_HOST", "127.0.0.1", _text, "Address `houvast serve` listens on."),
    "port": Setting("HOUVAST_PORT", "8000", _port, "Port `houvast serve` listens on."),
    "public_url": Setting(
        "HOUVAST_PUBLIC_URL",
        "",
        _public_url,
        "The address people reach the site at, e.g. `https://houvast.example.org` (scheme and "
        "host only). Calendar files and the links to the other language use it. Empty: "
        "`http://HOUVAST_HOST:HOUVAST_PORT`.",
    ),
    "exercises_dir": Setting(
        "HOUVAST_EXERCISES_DIR",
        "",
        _exercises_directory,
        "Folder with the exercise files. Empty: the ones that come with Houvast (in a checkout, "
        "its `exercises` folder). A relative path here and in the other folder settings starts "
        "at the checkout's root, or for an installed package at the current folder.",
    ),
    "crisis_name": Setting(
        "HOUVAST_CRISIS_NAME",
        "113 Zelfmoordpreventie",
        _text,
        "Name of the crisis line on the help page.",
    ),
    "crisis_phone": Setting(
        "HOUVAST_CRISIS_PHONE", "113", _phone, "Phone number of the crisis line."
    ),
    "crisis_phone_free": Setting(
        "HOUVAST_CRISIS_PHONE_FREE",
        "0800-0113",
        _phone,
        "Second, toll-free number of the crisis line.",
    ),
    "crisis_url": Setting(
        "HOUVAST_CRISIS_URL",
        "https://www.113.nl",
        _https_url,
        "Website of the crisis line (chat and more).",
    ),
    "emergency_phone": Setting(
        "HOUVAST_EMERGENCY_PHONE", "112", _phone, "Emergency number (police, ambulance)."
    ),
    "practice_name": Setting(
        "HOUVAST_PRACTICE_NAME",
        "",
        _printed_line,
        "Name of the practice, printed on the handout a therapist gives a client (at most 120 "
        "characters). Empty: the handout leaves it out.",
    ),
    "practice_contact": Setting(
        "HOUVAST_PRACTICE_CONTACT",
        "",
        _printed_line,
        "How clients reach the practice, e.g. `020-123 45 67, info@praktijk.example` (one line, "
        "at most 120 characters), printed on the handout. Empty: left out.",
    ),
    "data_dir": Setting(
        "HOUVAST_DATA_DIR",
        "data",
        _path,
        "Folder for the SQLite database and the VAPID keys (created on first start; the "
        "private key file is made readable by the owner only).",
    ),
    "database_url": Setting(
        "DATABASE_URL",
        "",
        _database_url,
        "SQLAlchemy URL of the database. Empty: SQLite in WAL mode in the data folder. For "
        "several processes or hosts: PostgreSQL, e.g. "
        "`postgresql+psycopg://houvast@db/houvast`.",
    ),
    "push_hosts": Setting(
        "HOUVAST_PUSH_HOSTS",
        "fcm.googleapis.com,updates.push.services.mozilla.com,*.push.apple.com,"
        "*.notify.windows.com",
        _hosts,
        "Push services the server sends to; a subscription on any other host is refused.",
    ),
    "vapid_subject": Setting(
        "HOUVAST_VAPID_SUBJECT",
        "mailto:webpush@houvast.invalid",
        _vapid_subject,
        "Contact address sent to push services in every VAPID token (`mailto:` or `https:`). "
        "Set a real address: Apple's push service is reported to refuse the placeholder, and "
        "a server with a public address and the placeholder says so at start-up.",
    ),
    "vapid_key_file": Setting(
        "HOUVAST_VAPID_KEY_FILE",
        "",
        _optional_file,
        "A PEM file with the VAPID private key (P-256), the same on every instance. Empty: the "
        "key kept in the database, made by the first instance to start (a "
        "`vapid_private.pem` in the data folder from an earlier release is taken over).",
    ),
    "push_ttl": Setting(
        "HOUVAST_PUSH_TTL",
        "14400",
        _bounded_int(60, 86400),
        "Seconds a push service keeps a reminder for a phone that is off (60–86400).",
    ),
    "max_reminders": Setting(
        "HOUVAST_MAX_REMINDERS",
        "20",
        _bounded_int(1, 200),
        "Most reminders one device may keep.",
    ),
    "dispatch_interval": Setting(
        "HOUVAST_DISPATCH_INTERVAL",
        "15",
        _dispatch_interval,
        "Seconds between two runs of the job that sends due reminders; the runs fall on whole "
        "minutes, so it divides 60, or is 120, 180, 240 or 300.",
    ),
    "require_2fa": Setting(
        "HOUVAST_REQUIRE_2FA",
        "false",
        _switch,
        "`true`: every therapist must sign in with a code from an authenticator app (TOTP) as "
        "well as a password, and sets one up at the next sign-in (NEN 7510 asks for two-factor "
        "access to patient data). `false`: each therapist chooses.",
    ),
    "session_idle_minutes": Setting(
        "HOUVAST_SESSION_IDLE_MINUTES",
        "30",
        _bounded_int(5, 720),
        "Minutes without a request after which a therapist is signed out (5–720).",
    ),
    "progress_days": Setting(
        "HOUVAST_PROGRESS_DAYS",
        "365",
        _bounded_int(28, 1095),
        "Days the server keeps the exercises a client chose to share with their therapist "
        "(28–1095); older ones are deleted.",
    ),
    "time_zone": Setting(
        "HOUVAST_TIME_ZONE",
        "Europe/Amsterdam",
        _time_zone,
        "The practice's time zone (an IANA name such as `Europe/Amsterdam`): the therapist's "
        "pages show dates and times in it, and a client's shared exercises are counted per "
        "week from Monday in it.",
    ),
    "audit_days": Setting(
        "HOUVAST_AUDIT_DAYS",
        "365",
        _bounded_int(30, 7300),
        "Days the audit trail keeps who signed in, viewed shared progress or changed sets, "
        "links and accounts (30–7300); older entries are deleted. NEN 7513 asks for years: "
        "see docs/deployment.md.",
    ),
    "releases_kept": Setting(
        "HOUVAST_RELEASES_KEPT",
        "3",
        _bounded_int(2, 20),
        "How many releases' scripts, styles and offline bundles the database keeps (2–20), so "
        "that a page opened before an upgrade, or a phone still on an older version, gets its "
        "files from any instance: this release and the ones before it.",
    ),
    "claim_lease": Setting(
        "HOUVAST_CLAIM_LEASE",
        "60",
        _bounded_int(1, 300),
        "Seconds a claim on due reminders lasts without being renewed: after a crash, another "
        "instance (or this one, restarted) sends what was claimed once this much time passed, "
        "and what was being posted up to a minute later.",
    ),
    "migrate": Setting(
        "HOUVAST_MIGRATE",
        "start",
        _choice("start", "manual"),
        "`start`: the server brings the database up to date when it starts (one machine). "
        "`manual`: only `houvast migrate` does, and a server refuses to start on a database "
        "that is behind (several instances, upgraded one by one).",
    ),
    "hsts": Setting(
        "HOUVAST_HSTS",
        "auto",
        _choice("auto", "on", "off"),
        "Strict-Transport-Security (browsers then only use HTTPS for a year): `auto` sends it "
        "when `HOUVAST_PUBLIC_URL` starts with https://.",
    ),
    "rate_limit": Setting(
        "HOUVAST_RATE_LIMIT",
        "30/minute",
        _rate,
        "Most registrations, changes and calendar downloads from one address (a client behind "
        "the proxy); more get 429 with Retry-After.",
    ),
    "rate_limit_total": Setting(
        "HOUVAST_RATE_LIMIT_TOTAL",
        "1200/minute",
        _rate,
        "Most registrations, changes and calendar downloads from all addresses together, per "
        "instance.",
    ),
}


PREFIX = "HOUVAST_"
# Where the commands read their settings from, when no --env-file is given.
ENV_FILE = f"{PREFIX}ENV_FILE"
# Names with the prefix that are no setting of the app but are read elsewhere, so they are not
# refused as misspellings: the file of settings (server/cli.py) and the addresses in
# deploy/Caddyfile, which an operator may keep in the same environment.
READ_ELSEWHERE = frozenset({ENV_FILE, f"{PREFIX}SITE", f"{PREFIX}UPSTREAM"})


def check_names(names: Iterable[str], where: str = "") -> None:
    """Refuse a name with the prefix that nothing reads (``where``: the file it is in, if any).

    A misspelt setting would otherwise be ignored without a word, leaving its default in
    place: HOUVAST_REQUIRE_2FA=true without its last underscore would leave two-step sign-in
    optional.
    """
    known = {setting.env for setting in SETTINGS.values()} | READ_ELSEWHERE
    for name in sorted(names):
        if not name.startswith(PREFIX) or name in known:
            continue
        place = f" in {where}" if where else ""
        # Compared without the prefix they all share, which would make any name look close.
        meant = difflib.get_close_matches(
            name.removeprefix(PREFIX), sorted(k.removeprefix(PREFIX) for k in known), n=1
        )
        hint = f" (did you mean {PREFIX}{meant[0]}?)" if meant else ""
        raise SettingsError(f"unknown setting {name}{place}{hint}")


@dataclass(frozen=True)
class Settings:
    """The parsed settings the app is built with."""

    host: str
    port: int
    public_url: str
    exercises_dir: Path
    crisis_name: str
    crisis_phone: str
    crisis_phone_free: str
    crisis_url: str
    emergency_phone: str
    practice_name: str
    practice_contact: str
    data_dir: Path
    database_url: str
    push_hosts: tuple[str, ...]
    vapid_subject: str
    vapid_key_file: Path | None
    push_ttl: int
    max_reminders: int
    dispatch_interval: int
    require_2fa: bool
    session_idle_minutes: int
    progress_days: int
    time_zone: ZoneInfo
    audit_days: int
    releases_kept: int
    claim_lease: int
    migrate: str
    hsts: str
    rate_limit: str
    rate_limit_total: str

    @property
    def origin(self) -> str:
        """Where the site is reached: the public address, else where the server listens."""
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def secure_cookies(self) -> bool:
        """Whether cookies are sent over https only: from the public address, not the
        request, which behind a proxy may say http."""
        return self.origin.startswith("https://")

    @property
    def migrate_on_start(self) -> bool:
        return self.migrate == "start"

    @property
    def hsts_on(self) -> bool:
        """Whether responses carry Strict-Transport-Security."""
        if self.hsts == "auto":
            return self.public_url.startswith("https://")
        return self.hsts == "on"

    @property
    def vapid_placeholder(self) -> bool:
        """Whether the VAPID contact is still the placeholder on ``.invalid``."""
        return self.vapid_subject == SETTINGS["vapid_subject"].default

    @property
    def database(self) -> str:
        """The database URL to use: the setting, or SQLite in the data folder."""
        return self.database_url or f"sqlite:///{self.data_dir / 'houvast.db'}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read every setting from ``environ`` (default: ``os.environ``).

        ``overrides`` take already-parsed values, which is how tests build variants.
        """
        environ = os.environ if environ is None else environ
        check_names(environ)
        values: dict[str, Any] = {}
        for name, setting in SETTINGS.items():
            if name in overrides:
                values[name] = overrides.pop(name)
                continue
            raw = environ.get(setting.env, setting.default)
            try:
                values[name] = setting.parse(raw)
            except ValueError as error:
                raise SettingsError(f"{setting.env}={raw!r}: {error}") from None
        if overrides:
            raise TypeError(f"unknown settings: {', '.join(sorted(overrides))}")
        return cls(**values)


assert {f.name for f in fields(Settings)} == set(SETTINGS), "Settings and SETTINGS disagree"


def settings_table() -> str:
    """The README's table of settings, made from SETTINGS (``python -m server.settings``)."""
    rows = ["| variable | default | what it does |", "|---|---|---|"]
    for setting in SETTINGS.values():
        default = f"`{setting.default}`" if setting.default else "(empty)"
        rows.append(f"| `{setting.env}` | {default} | {setting.help} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(settings_table(), end="")
