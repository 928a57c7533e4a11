"""Map payload files, shared by every instance: one that lacks a file another wrote serves it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "map_payloads",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("published_at", sa.Float, nullable=False),
    )
    op.create_index("ix_map_payloads_published_at", "map_payloads", ["published_at"])


def downgrade() -> None:
    op.drop_index("ix_map_payloads_published_at", "map_payloads")
    op.drop_table("map_payloads")
