"""A set can be archived: put away from the therapist's list, its links working on.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("therapist_sets") as table:
        table.add_column(sa.Column("archived_at", sa.Integer, nullable=True))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN, never a copy: dropping the old "therapist_sets" on SQLite
    # would take every share and shared run with it (ON DELETE CASCADE).
    with op.batch_alter_table("therapist_sets", recreate="never") as table:
        table.drop_column("archived_at")
