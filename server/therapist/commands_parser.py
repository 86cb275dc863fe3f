"""The arguments of ``houvast therapist`` and ``houvast audit``: argparse alone, so ``houvast
--help`` stays light (server/therapist/commands.py carries the actions out)."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

_LOCALES = ("nl", "en")


def add_parser(commands: Any) -> None:
    """The ``therapist`` command and its actions, for server/cli.py."""
    therapist = commands.add_parser(
        "therapist", help="add, reset, list or remove therapists' accounts"
    )
    actions = therapist.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="make an account; prints a one-time link (24 hours)")
    add.add_argument("email")
    add.add_argument(
        "--locale",
        choices=_LOCALES,
        default="nl",
        help="the account's language: its password links open in it (default: nl)",
    )
    reset = actions.add_parser(
        "reset", help="a new password link; the old password and all sessions stop working"
    )
    reset.add_argument("email")
    reset.add_argument(
        "--locale",
        choices=_LOCALES,
        help="language of the link's page (default: the account's, as given to `add`)",
    )
    reset.add_argument(
        "--totp", action="store_true", help="also turn two-step sign-in off (a lost phone)"
    )
    listing = actions.add_parser(
        "list", help="every account: language, two-step sign-in, made, last signed in"
    )
    listing.add_argument("--csv", action="store_true", help="comma-separated, with a header")
    remove = actions.add_parser(
        "remove", help="delete the account and its sets, links and shared progress"
    )
    remove.add_argument("email")
    remove.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-12-31") from None


def add_audit_parser(commands: Any) -> None:
    """The ``audit`` command, for server/cli.py."""
    audit = commands.add_parser(
        "audit", help="the audit trail: sign-ins, views of shared progress, changes (NEN 7513)"
    )
    audit.add_argument("--account", metavar="EMAIL", help="only this account's entries")
    audit.add_argument(
        "--since", metavar="DATE", type=_day, help="from this day on (YYYY-MM-DD, UTC)"
    )
    audit.add_argument(
        "--until", metavar="DATE", type=_day, help="up to and including this day (UTC)"
    )
    audit.add_argument("--csv", action="store_true", help="comma-separated, with a header")
