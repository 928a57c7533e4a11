"""The Air Force's monthly Iskander-M/KN-23 launches: a context series, replaced as a whole.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "launches_monthly",
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("reports", sa.Integer, nullable=False),
        sa.Column("launched", sa.Integer, nullable=True),
        sa.Column("launched_missing", sa.Integer, nullable=False),
        sa.Column("destroyed", sa.Integer, nullable=True),
        sa.Column("destroyed_missing", sa.Integer, nullable=False),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("imported_by", sa.Text, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("launches_monthly")
