"""Claims with leases, a read-only calendar token, neutral texts, shared secrets and the files of
recent releases.

Only additions: a server of the previous release keeps working on this schema, so instances can
be upgraded one at a time after ``houvast migrate``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as table:
        table.add_column(sa.Column("owner", sa.String(32), nullable=True))
        table.add_column(sa.Column("lease_until", sa.Integer, nullable=True))
    op.create_index("ix_deliveries_status_lease", "deliveries", ["status", "lease_until"])

    with op.batch_alter_table("devices") as table:
        table.add_column(sa.Column("calendar_token_hash", sa.String(64), nullable=True))
        table.add_column(
            sa.Column("neutral", sa.Boolean, nullable=False, server_default=sa.false())
        )
        table.create_unique_constraint("uq_devices_calendar_token_hash", ["calendar_token_hash"])
    # Calendar links handed out before this release carry the device's token: they keep working.
    op.execute("UPDATE devices SET calendar_token_hash = token_hash")

    op.create_table(
        "shared_secrets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("created_at", sa.Integer, nullable=False),
    )
    op.create_table(
        "release_files",
        sa.Column("path", sa.String(300), primary_key=True),
        sa.Column("release", sa.String(40), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("stored_at", sa.Integer, nullable=False),
    )
    op.create_index("ix_release_files_release", "release_files", ["release"])


def downgrade() -> None:
    op.drop_index("ix_release_files_release", table_name="release_files")
    op.drop_table("release_files")
    op.drop_table("shared_secrets")
    with op.batch_alter_table("devices") as table:
        table.drop_constraint("uq_devices_calendar_token_hash", type_="unique")
        table.drop_column("neutral")
        table.drop_column("calendar_token_hash")
    op.drop_index("ix_deliveries_status_lease", table_name="deliveries")
    with op.batch_alter_table("deliveries") as table:
        table.drop_column("lease_until")
        table.drop_column("owner")
