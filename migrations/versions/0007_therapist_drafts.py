"""Drafts: a set's form that came in after its session ran out is kept for its account until
the therapist signs in again, instead of being lost.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "therapist_drafts",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column(
            "therapist_id",
            sa.Integer,
            sa.ForeignKey("therapists.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("set_id", sa.String(32), nullable=True),
        sa.Column("form", sa.Text, nullable=False),
        sa.Column("created_at", sa.Integer, nullable=False),
    )
    op.create_index("ix_therapist_drafts_therapist_id", "therapist_drafts", ["therapist_id"])


def downgrade() -> None:
    # A table of its own: dropping it touches no other table's rows.
    op.drop_index("ix_therapist_drafts_therapist_id", "therapist_drafts")
    op.drop_table("therapist_drafts")
