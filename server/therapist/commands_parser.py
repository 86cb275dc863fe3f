"""The arguments of ``houvast therapist``: argparse alone, so ``houvast --help`` stays light
(server/therapist/commands.py carries the actions out)."""

from __future__ import annotations

from typing import Any


def add_parser(commands: Any) -> None:
    """The ``therapist`` command and its actions, for server/cli.py."""
    therapist = commands.add_parser("therapist", help="add, reset or remove a therapist's account")
    actions = therapist.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="make an account; prints a one-time link (24 hours)")
    reset = actions.add_parser(
        "reset", help="a new password link; the old password and all sessions stop working"
    )
    reset.add_argument(
        "--totp", action="store_true", help="also turn two-step sign-in off (a lost phone)"
    )
    for action in (add, reset):
        action.add_argument("email")
        action.add_argument(
            "--locale", choices=("nl", "en"), default="nl", help="language of the link's page"
        )
    remove = actions.add_parser(
        "remove", help="delete the account and its sets, links and shared progress"
    )
    remove.add_argument("email")
    remove.add_argument("--yes", action="store_true", help="do not ask for confirmation")
