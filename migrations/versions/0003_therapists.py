"""Therapists, their sessions and sets, shares, and the progress clients chose to share.

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _owner(column: str, table: str) -> sa.Column[int]:
    return sa.Column(
        column, sa.Integer, sa.ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "therapists",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=True),
        sa.Column("totp_secret", sa.String(64), nullable=True),
        sa.Column("totp_pending", sa.String(64), nullable=True),
        sa.Column("totp_last_step", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.Integer, nullable=False),
    )
    op.create_table(
        "therapist_password_links",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        _owner("therapist_id", "therapists"),
        sa.Column("expires_at", sa.Integer, nullable=False),
    )
    op.create_index(
        "ix_therapist_password_links_therapist_id", "therapist_password_links", ["therapist_id"]
    )
    op.create_table(
        "therapist_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        _owner("therapist_id", "therapists"),
        sa.Column("verified", sa.Boolean, nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Integer, nullable=False),
        sa.Column("seen_at", sa.Integer, nullable=False),
    )
    op.create_index("ix_therapist_sessions_therapist_id", "therapist_sessions", ["therapist_id"])
    op.create_table(
        "therapist_sets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("public_id", sa.String(32), nullable=False, unique=True),
        _owner("therapist_id", "therapists"),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("items", sa.Text, nullable=False),
        sa.Column("reminders", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.Integer, nullable=False),
    )
    op.create_index("ix_therapist_sets_therapist_id", "therapist_sets", ["therapist_id"])
    op.create_table(
        "therapist_shares",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("public_id", sa.String(32), nullable=False, unique=True),
        _owner("set_id", "therapist_sets"),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("code_expires_at", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Integer, nullable=False),
        sa.Column("revoked_at", sa.Integer, nullable=True),
    )
    op.create_index("ix_therapist_shares_set_id", "therapist_shares", ["set_id"])
    op.create_table(
        "therapist_share_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        _owner("share_id", "therapist_shares"),
        sa.Column("created_at", sa.Integer, nullable=False),
    )
    op.create_index("ix_therapist_share_tokens_share_id", "therapist_share_tokens", ["share_id"])
    op.create_table(
        "progress_links",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _owner("share_id", "therapist_shares"),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.Integer, nullable=False),
    )
    op.create_index("ix_progress_links_share_id", "progress_links", ["share_id"])
    op.create_table(
        "progress_runs",
        sa.Column(
            "link_id",
            sa.Integer,
            sa.ForeignKey("progress_links.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("run_id", sa.String(36), primary_key=True),
        sa.Column("exercise", sa.String(64), nullable=False),
        sa.Column("started_at", sa.Integer, nullable=False),
        sa.Column("seconds", sa.Integer, nullable=False),
        sa.Column("completed", sa.Boolean, nullable=False),
        sa.Column("rating_before", sa.Integer, nullable=True),
        sa.Column("rating_after", sa.Integer, nullable=True),
    )
    op.create_index("ix_progress_runs_started_at", "progress_runs", ["started_at"])


def downgrade() -> None:
    for table in (
        "progress_runs",
        "progress_links",
        "therapist_share_tokens",
        "therapist_shares",
        "therapist_sets",
        "therapist_sessions",
        "therapist_password_links",
        "therapists",
    ):
        op.drop_table(table)
