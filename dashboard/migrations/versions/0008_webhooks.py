"""Webhook deliveries: each change (a batch) is posted once per target, whichever instance
claims it first; a target is delivered the batches after the one it was first seen at.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_targets",
        sa.Column("target", sa.String(64), primary_key=True),
        sa.Column("since_batch", sa.Integer, nullable=False),
        sa.Column("added_at", sa.Float, nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), primary_key=True),
        sa.Column("target", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.Float, nullable=False),
        sa.Column("lease_until", sa.Float, nullable=False),
        sa.Column("claimed_by", sa.Text, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("done_at", sa.Float, nullable=True),
    )
    op.create_index("ix_webhook_deliveries_state", "webhook_deliveries", ["state", "target"])


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_state", "webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_targets")
