"""The arguments of ``houvast therapist``: argparse alone, so ``houvast --help`` stays light
(server/therapist/commands.py carries the actions out)."""

from __future__ import annotations

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
