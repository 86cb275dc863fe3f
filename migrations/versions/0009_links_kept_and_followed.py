"""A link opens its set until a phone keeps it (or until its days are over); each app that
opened it follows the set with a token of its own, and the therapist sees when a link was
opened and kept, on how many phones, and when a phone last checked back.

Tokens made before: the one made with its share is the link's; the others were handed to apps
that typed the code. Links made before have no time limit.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("therapist_share_tokens") as table:
        table.add_column(sa.Column("kind", sa.String(8), nullable=False, server_default="app"))
        table.add_column(sa.Column("kept_at", sa.Integer, nullable=True))
        table.add_column(sa.Column("seen_at", sa.Integer, nullable=True))
    with op.batch_alter_table("therapist_shares") as table:
        table.add_column(sa.Column("opened_at", sa.Integer, nullable=True))
        table.add_column(sa.Column("kept_at", sa.Integer, nullable=True))
        table.add_column(sa.Column("link_expires_at", sa.Integer, nullable=True))
    # Links that can be shown again (made with 0008) get their days; older ones none.
    op.execute(
        "UPDATE therapist_shares SET link_expires_at = created_at + 28 * 24 * 3600 "
        "WHERE token_sealed IS NOT NULL"
    )
    op.execute(
        "UPDATE therapist_share_tokens SET kind = 'link' WHERE created_at = ("
        "SELECT created_at FROM therapist_shares "
        "WHERE therapist_shares.id = therapist_share_tokens.share_id)"
    )


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN, never a copy of the table (ON DELETE CASCADE on SQLite).
    with op.batch_alter_table("therapist_shares", recreate="never") as table:
        table.drop_column("link_expires_at")
        table.drop_column("kept_at")
        table.drop_column("opened_at")
    with op.batch_alter_table("therapist_share_tokens", recreate="never") as table:
        table.drop_column("seen_at")
        table.drop_column("kept_at")
        table.drop_column("kind")
