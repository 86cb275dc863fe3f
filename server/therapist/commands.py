"""The operator's commands: ``houvast therapist add``, ``reset``, ``list`` and ``remove``, and
``houvast audit``.

Imported by server/cli.py only when one of them runs, so ``houvast --help`` stays light.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TextIO

from starlette.routing import Router

from ..db import open_database
from ..settings import Settings
from ..urls import Urls
from .accounts import LINK_SECONDS, AccountError, Accounts, Listed
from .audit import Entry, Trail


def password_link(settings: Settings, locale: str, token: str) -> str:
    """The one-time link to set a password; the token travels in the fragment, which a
    browser never sends, so it is in no server's or proxy's log."""
    from ..routes import routes

    urls = Urls(Router(routes), origin=settings.origin)
    return urls.absolute(urls.path("t_password", locale=locale)) + f"#{token}"


def _warn_if_local(settings: Settings) -> None:
    """Without a public address, a link points at where the server listens: this machine."""
    if settings.public_url:
        return
    print(
        f"houvast: warning: HOUVAST_PUBLIC_URL is not set, so this link points at this machine "
        f"only ({settings.origin}); set HOUVAST_PUBLIC_URL to the address people reach the "
        "site at, e.g. https://houvast.example.org, and make a new link with "
        "`houvast therapist reset EMAIL`",
        file=sys.stderr,
    )


def run(args: argparse.Namespace, settings: Settings, out: TextIO = sys.stdout) -> int:
    """Carry out ``houvast therapist <action>``; 0 when done, 1 when the operator did not
    confirm, 2 when refused."""
    engine = open_database(settings)
    accounts = Accounts(engine, time.time)
    try:
        if args.action == "add":
            token = accounts.add(args.email, args.locale)
            hours = LINK_SECONDS // 3600
            print(f"Account made for {args.email.strip().lower()}.", file=out)
            print(f"Send this link; it sets the password once, within {hours} hours:", file=out)
            print(password_link(settings, args.locale, token), file=out)
            _warn_if_local(settings)
            return 0
        if args.action == "reset":
            account, token = accounts.reset(args.email, totp=args.totp)
            extra = " and two-step sign-in is off" if args.totp else ""
            print(f"The old password no longer works{extra}; every session ended.", file=out)
            print("Send this link to set a new password (valid 24 hours):", file=out)
            print(password_link(settings, args.locale or account.locale, token), file=out)
            _warn_if_local(settings)
            return 0
        if args.action == "list":
            _list(accounts.listing(), out, as_csv=args.csv)
            return 0
        return _remove(args, accounts, out)
    except AccountError as error:
        print(f"houvast: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()


def _remove(args: argparse.Namespace, accounts: Accounts, out: TextIO) -> int:
    account = accounts.by_email(args.email)
    if account is None:
        raise AccountError(f"no account for {args.email!r}")
    held = accounts.holdings(account.id)
    print(
        f"This deletes {account.email}, {held.sets} set(s), {held.shares} shared link(s) "
        f"(they stop working) and {held.runs} shared exercise(s). It cannot be undone.",
        file=out,
    )
    if not args.yes:
        if not sys.stdin.isatty():
            raise AccountError("not removed: confirm with --yes when no one can type")
        answer = input(f"Type {account.email} to confirm: ")
        if answer.strip().lower() != account.email:
            # Not done, as asked: a script that checks the status must not take it for done.
            print("Not removed.", file=out)
            return 1
    accounts.remove(account.id)
    print(f"Removed {account.email} and everything it owned.", file=out)
    return 0


def _when(seconds: int | None) -> str:
    if seconds is None:
        return ""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M")


_HEADER = ("email", "language", "two-step", "made (UTC)", "last sign-in (UTC)")


def _list(listed: list[Listed], out: TextIO, *, as_csv: bool) -> None:
    """One line per account, by email address; no hash, secret or token is even read."""
    rows = [
        (
            account.email,
            account.locale,
            "on" if account.has_totp else "off",
            _when(account.created_at),
            _when(account.signed_in_at),
        )
        for account in listed
    ]
    if as_csv:
        write_csv(out, _HEADER, rows)
        return
    if not rows:
        print("No accounts yet; `houvast therapist add EMAIL` makes one.", file=out)
        return
    # A sign-in before migration 0005, or none yet, is not known.
    table = [_HEADER, *((*row[:4], row[4] or "-") for row in rows)]
    widths = [max(len(row[column]) for row in table) for column in range(len(_HEADER))]
    for row in table:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip(), file=out)


_AUDIT_HEADER = ("time (UTC)", "event", "account", "address", "set", "link")


def run_audit(args: argparse.Namespace, settings: Settings, out: TextIO = sys.stdout) -> int:
    """``houvast audit``: the trail's entries, oldest first, as lines or CSV."""
    if args.since and args.until and args.since > args.until:
        # Else "No entries.", which reads as if nothing happened.
        print(
            f"houvast: --since {args.since} is after --until {args.until}: no day is in "
            "between; give the earlier day to --since",
            file=sys.stderr,
        )
        return 2
    engine = open_database(settings)
    try:
        trail = Trail(engine, time.time, settings.audit_days)
        entries = trail.query(email=args.account, since=args.since, until=args.until)
    finally:
        engine.dispose()
    rows = [_audit_row(entry) for entry in entries]
    if args.csv:
        write_csv(out, _AUDIT_HEADER, rows)
        return 0
    if not rows:
        print("No entries.", file=out)
        return 0
    for row in rows:
        when, event, account, address, set_id, share_id = row
        # The operator's own commands come from no address: from the server's command line.
        line = [when, event, account or "-", address or "(command line)"]
        line += [f"set {set_id}"] if set_id else []
        line += [f"link {share_id}"] if share_id else []
        print("  ".join(line), file=out)
    return 0


def _audit_row(entry: Entry) -> tuple[str, str, str, str, str, str]:
    when = datetime.fromtimestamp(entry.at, UTC).strftime("%Y-%m-%d %H:%M:%S")
    return (
        when,
        entry.event,
        entry.email or "",
        entry.address or "",
        entry.set_id or "",
        entry.share_id or "",
    )


# Where a spreadsheet may read a formula: at a field's start, or after a semicolon or comma (a
# spreadsheet set to Dutch splits on semicolons), before what starts one (or, after a tab or
# carriage return, may).
_FORMULA = re.compile(r"(^|[;,]\s*)(?=[=+\-@\t\r])")


def spreadsheet_safe(field: str) -> str:
    """``field`` as text a spreadsheet shows and never runs: the trail keeps what was typed
    (an email address at a failed sign-in may be ``=HYPERLINK(...)``), so wherever a formula
    could start a cell a single quote goes before it, as OWASP advises against CSV injection
    (``a@b.nl;=1+1`` becomes ``a@b.nl;'=1+1``)."""
    return _FORMULA.sub(r"\1'", field)


def write_csv(out: TextIO, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Every CSV the commands write: a header, then the rows, each field spreadsheet-safe."""
    # RFC 4180's line end, and more than form: Python's writer quotes a field with a carriage
    # return only when the line end holds one, and unquoted it would split the row.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([spreadsheet_safe(field) for field in row] for row in rows)
