"""A therapist's language and last sign-in: `houvast therapist reset` prints the link in the
language the account was made in, and `houvast therapist list` shows when each last signed in.

Accounts made before get Dutch (the command's default then) and no sign-in until their next.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("therapists") as table:
        table.add_column(sa.Column("locale", sa.String(8), nullable=False, server_default="nl"))
        table.add_column(sa.Column("signed_in_at", sa.Integer, nullable=True))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN (SQLite has it since 3.35), never a copy of the table: on
    # SQLite, dropping the old "therapists" would take every set and share with it (ON DELETE
    # CASCADE).
    with op.batch_alter_table("therapists", recreate="never") as table:
        table.drop_column("signed_in_at")
        table.drop_column("locale")
