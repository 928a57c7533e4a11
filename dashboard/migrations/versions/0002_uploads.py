"""Uploads: rows a batch removed (reverts), one revert per batch, saved column mappings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("removed", sa.Integer, nullable=False, server_default="0"))
    # NULLs never collide, so this allows many plain batches but one revert of each batch.
    op.create_index("ux_batches_reverts_batch", "batches", ["reverts_batch"], unique=True)
    op.create_table(
        "column_mappings",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("mapping", sa.JSON, nullable=False),
        sa.Column("saved_by", sa.Text, nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("column_mappings")
    op.drop_index("ux_batches_reverts_batch", "batches")
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("removed")
