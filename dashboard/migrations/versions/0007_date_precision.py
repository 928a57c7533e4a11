"""Date precision: how much of an incident's date its source gives, the day or only the month.

A month-precision incident is stored as the month's first day with ``date_precision`` "month".
Every stored incident, and every record logged before the column existed, gives the day.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(
            sa.Column("date_precision", sa.String(10), nullable=False, server_default="day")
        )


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("date_precision")
