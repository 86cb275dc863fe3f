"""The audit trail (NEN 7513): who signed in or failed to, viewed shared progress, made,
changed or deleted sets, made or revoked links, changed their sign-in; and what the operator
did to accounts. Rows are added only, and deleted after HOUVAST_AUDIT_DAYS.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Integer, nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("therapist_id", sa.Integer, nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("address", sa.String(64), nullable=True),
        sa.Column("set_id", sa.String(32), nullable=True),
        sa.Column("share_id", sa.String(32), nullable=True),
        # Ids never come back after the newest row is purged (SQLite would reuse them).
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_therapist_id", "audit_events", ["therapist_id"])
    op.create_index("ix_audit_events_email", "audit_events", ["email"])


def downgrade() -> None:
    op.drop_table("audit_events")
