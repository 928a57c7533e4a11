"""Failed sign-in attempts per client, shared by every process (the password throttle).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("client", sa.Text, primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_attempt", sa.Float, nullable=True),
    )
    op.create_index("ix_sign_in_failures_last_attempt", "sign_in_failures", ["last_attempt"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_failures_last_attempt", "sign_in_failures")
    op.drop_table("sign_in_failures")
