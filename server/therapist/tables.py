"""The therapist side's tables, on the app's MetaData (server/db.py); migrations 0003, 0005, 0007.

Nothing here names a client. Every secret (session ids, one-time password links, share tokens
and codes, progress secrets) is stored as its SHA-256 hash only; times are whole seconds since
the epoch (UTC), as in server/db.py.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String, Table, Text

from ..db import belongs_to, metadata

therapists = Table(
    "therapists",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False, unique=True),
    # Null until the therapist sets a password through the operator's one-time link.
    Column("password_hash", Text, nullable=True),
    Column("totp_secret", String(64), nullable=True),
    # A secret shown for setting up, not yet confirmed with a code.
    Column("totp_pending", String(64), nullable=True),
    # The last time step a code was accepted for: a code is never accepted twice.
    Column("totp_last_step", Integer, nullable=False, default=0),
    Column("created_at", Integer, nullable=False),
    # The language the operator made the account in: its password links open in it.
    Column("locale", String(8), nullable=False, server_default="nl"),
    # When a session last became fully signed in; null until the first (migration 0005).
    Column("signed_in_at", Integer, nullable=True),
)

# One-time links to set a password (made by `houvast therapist add` and `reset`).
password_links = Table(
    "therapist_password_links",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    belongs_to("therapist_id", "therapists.id"),
    Column("expires_at", Integer, nullable=False),
)

sessions = Table(
    "therapist_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    belongs_to("therapist_id", "therapists.id"),
    # False while the password is checked but the authenticator code is still to come.
    Column("verified", Boolean, nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", Integer, nullable=False),
    Column("seen_at", Integer, nullable=False),
)

sets = Table(
    "therapist_sets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # What the client and the therapist's URLs know the set by; random, so ids say nothing.
    Column("public_id", String(32), nullable=False, unique=True),
    belongs_to("therapist_id", "therapists.id"),
    Column("title", String(120), nullable=False),
    Column("note", Text, nullable=False),
    Column("locale", String(8), nullable=False),
    # JSON: [{"exercise", "values": {"<step id>.<field>": int}, "note", "plan"?: true}] and
    # [{"days": [1-7], "time": "HH:MM"}]; read and written only through server/therapist/sets.py.
    Column("items", Text, nullable=False),
    Column("reminders", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", Integer, nullable=False),
    Column("updated_at", Integer, nullable=False),
    # Put away from the therapist's list (migration 0010); its links go on working.
    Column("archived_at", Integer, nullable=True),
)

# A set handed over: a link and a short code, until revoked.
shares = Table(
    "therapist_shares",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("public_id", String(32), nullable=False, unique=True),
    belongs_to("set_id", "therapist_sets.id"),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("code_expires_at", Integer, nullable=False),
    Column("created_at", Integer, nullable=False),
    Column("revoked_at", Integer, nullable=True),
    # The therapist's own label for the link (a file number or initials, never a name).
    Column("label", String(40), nullable=False, server_default=""),
    # The link's token and the code, sealed (server/therapist/sealing.py) while the link
    # works, so it can be shown again; gone once it is stopped. Null for links made before.
    Column("token_sealed", Text, nullable=True),
    Column("code_sealed", Text, nullable=True),
    # What the client's phones did with it (migration 0009): first opened, first kept. Once
    # kept, the link and code open nothing more (a link left in a browser's history on a
    # shared tablet must not open the set); the link also stops at link_expires_at unless
    # kept before (null for links made before there was a limit).
    Column("opened_at", Integer, nullable=True),
    Column("kept_at", Integer, nullable=True),
    Column("link_expires_at", Integer, nullable=True),
)

# The tokens that follow a share: the link's own, and one for each app that opened it by its
# code (the app keeps a token of its own to check for a newer version).
share_tokens = Table(
    "therapist_share_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    belongs_to("share_id", "therapist_shares.id"),
    Column("created_at", Integer, nullable=False),
    # "link": the link's own token, which opens the set until it is kept; "app": one handed to
    # an app that opened the set (by the link or the code), which it keeps to follow changes.
    Column("kind", String(8), nullable=False, server_default="app"),
    # When the app first checked back with it (the set was kept), and last did.
    Column("kept_at", Integer, nullable=True),
    Column("seen_at", Integer, nullable=True),
)

# A client's opt-in to share progress for a share; withdrawing deletes the row and its runs.
progress_links = Table(
    "progress_links",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    belongs_to("share_id", "therapist_shares.id"),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("created_at", Integer, nullable=False),
)

progress_runs = Table(
    "progress_runs",
    metadata,
    belongs_to("link_id", "progress_links.id", primary_key=True),
    # The client's own id for the run: a run sent twice is stored once.
    Column("run_id", String(36), primary_key=True),
    Column("exercise", String(64), nullable=False),
    Column("started_at", Integer, nullable=False),
    Column("seconds", Integer, nullable=False),
    Column("completed", Boolean, nullable=False),
    Column("rating_before", Integer, nullable=True),
    Column("rating_after", Integer, nullable=True),
    Index("ix_progress_runs_started_at", "started_at"),
)

# A form that came in after its session ran out (migration 0007): kept for its account until
# the therapist signs in again, then saved. The browser holds a random key in a cookie; the
# database only its hash. Nothing in it names a client (a set's texts, as in "sets").
drafts = Table(
    "therapist_drafts",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    belongs_to("therapist_id", "therapists.id"),
    # The set the form changes; null for a new set.
    Column("set_id", String(32), nullable=True),
    # The form's fields as a JSON list of [name, value] pairs, the CSRF token left out.
    Column("form", Text, nullable=False),
    Column("created_at", Integer, nullable=False),
)

# The audit trail (server/therapist/audit.py, migration 0006): rows are only ever added, and
# deleted when older than HOUVAST_AUDIT_DAYS. No foreign key: an entry outlives the account,
# set or link it names, and names the account by its email address as well as its id.
audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Integer, nullable=False, index=True),
    Column("event", String(32), nullable=False),
    Column("therapist_id", Integer, nullable=True, index=True),
    Column("email", String(254), nullable=True, index=True),
    # The client's address as rate limits see it; null for the operator's commands.
    Column("address", String(64), nullable=True),
    # Public ids only: what a set or link is called, never what it holds.
    Column("set_id", String(32), nullable=True),
    Column("share_id", String(32), nullable=True),
    sqlite_autoincrement=True,
)
