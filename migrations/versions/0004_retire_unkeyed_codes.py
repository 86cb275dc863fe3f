"""Short codes are kept as an HMAC under the instance's key from now on; the codes of shares made
before were kept as a plain SHA-256, which a copy of the database could be searched for (40
bits), and nothing can turn them into the keyed form. They are retired: their fingerprint is
replaced by a value no code matches and they count as expired. A code lives CODE_DAYS (14) at
most anyway; the share's link keeps working, and the therapist shares the set again for a new
code.

Changes data only: a server of the previous release keeps working on this schema (its new codes
open on it alone until it is upgraded too).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # "retired:<id>" is unique, as the column must be, and is no hex digest of anything.
    op.execute(
        sa.text(
            "UPDATE therapist_shares SET code_hash = 'retired:' || CAST(id AS VARCHAR(20)), "
            "code_expires_at = CASE WHEN code_expires_at > :now THEN :now "
            "ELSE code_expires_at END"
        ).bindparams(now=int(time.time()))
    )


def downgrade() -> None:
    # Nothing to restore: the retired codes stay retired.
    pass
