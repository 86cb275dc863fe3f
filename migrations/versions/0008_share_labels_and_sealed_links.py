"""A share's label, and its link and code kept sealed so that a therapist can show them again.

Links made before carry no sealed copy: they keep working, but cannot be shown again (the
therapist replaces one to get a link to show).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("therapist_shares") as table:
        table.add_column(sa.Column("label", sa.String(40), nullable=False, server_default=""))
        table.add_column(sa.Column("token_sealed", sa.Text, nullable=True))
        table.add_column(sa.Column("code_sealed", sa.Text, nullable=True))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN, never a copy of the table: on SQLite, dropping the old
    # "therapist_shares" would take its tokens and shared progress with it (ON DELETE CASCADE).
    with op.batch_alter_table("therapist_shares", recreate="never") as table:
        table.drop_column("code_sealed")
        table.drop_column("token_sealed")
        table.drop_column("label")
