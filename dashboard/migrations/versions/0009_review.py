"""Corrections and review: proposals waiting for a second analyst, and why each batch was made.

A proposal keeps the change as the bytes an upload would give (re-read when it is approved),
who asked for it and why, and the last history row of each incident it touches when proposed
(its base: a later change to one of them makes it conflicting). A batch records its reason,
its reviewer and the proposal it applied.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("options", sa.JSON, nullable=False),
        sa.Column("incident_ids", sa.JSON, nullable=False),
        sa.Column("base", sa.JSON, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewer", sa.Text, nullable=True),
        sa.Column("review_reason", sa.Text, nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=True),
    )
    op.create_index("ix_proposals_status", "proposals", ["status", "id"])
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("reason", sa.Text, nullable=True))
        batch.add_column(sa.Column("reviewed_by", sa.Text, nullable=True))
        batch.add_column(sa.Column("proposal_id", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("proposal_id")
        batch.drop_column("reviewed_by")
        batch.drop_column("reason")
    op.drop_index("ix_proposals_status", "proposals")
    op.drop_table("proposals")
