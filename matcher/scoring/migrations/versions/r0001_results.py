"""The results table of `evidence score` (as it was before migrations).

Stores written before migrations existed already have this table, created by the same
definition in plain SQL, and no alembic_version: they are adopted as they are, so an old
``results.sqlite`` resumes like any other.

Revision ID: r0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("results"):
        return  # a store from before migrations: same table, adopted
    op.create_table(
        "results",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("content_sha256", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("rubric_id", sa.Text(), nullable=False),
        sa.Column("rubric_fingerprint", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("judge", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("scored_at", sa.Float(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_results"),
    )


def downgrade() -> None:
    op.drop_table("results")
