"""Evidence: an incident's outcome, its sources, debris examinations and component origins.

Each evidence row carries the batch that added it and the batch that removed it, so the evidence
as it stood after any batch can be read back (``asof``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _log_columns() -> list[sa.Column[int]]:
    return [
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("removed_by", sa.Integer, sa.ForeignKey("batches.id"), nullable=True),
    ]


def upgrade() -> None:
    # Every stored incident struck (the column's default), as will a record logged before the
    # column existed when a revert puts it back.
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(
            sa.Column("outcome", sa.String(20), nullable=False, server_default="impact")
        )
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.String(200), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("publisher", sa.Text),
        sa.Column("published", sa.Date),
        sa.Column("says", sa.String(20), nullable=False),
        sa.Column("grade", sa.String(1), nullable=False),
        *_log_columns(),
    )
    op.create_index("ix_sources_incident", "sources", ["incident_id"])
    op.create_table(
        "examinations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("examination_id", sa.String(100), nullable=False),
        sa.Column("examiner", sa.Text, nullable=False),
        sa.Column("published", sa.Date),
        sa.Column("incident_id", sa.String(200)),
        sa.Column("place", sa.Text),
        sa.Column("event_date", sa.Date),
        sa.Column("components", sa.Integer),
        sa.Column("companies", sa.Integer),
        sa.Column("made_from", sa.SmallInteger),
        sa.Column("made_to", sa.SmallInteger),
        sa.Column("assembled_after", sa.Date),
        sa.Column("findings", sa.Text, nullable=False),
        sa.Column("source_title", sa.Text, nullable=False),
        sa.Column("source_url", sa.Text),
        sa.Column("grade", sa.String(1), nullable=False),
        *_log_columns(),
    )
    op.create_index("ix_examinations_examination", "examinations", ["examination_id"])
    op.create_index("ix_examinations_incident", "examinations", ["incident_id"])
    op.create_table(
        "component_origins",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("examination_id", sa.String(100), nullable=False),
        sa.Column("country", sa.Text, nullable=False),
        sa.Column("share", sa.Float),
        sa.Column("count", sa.Integer),
        sa.Column("manufacturer", sa.Text),
        *_log_columns(),
    )
    op.create_index("ix_component_origins_examination", "component_origins", ["examination_id"])


def downgrade() -> None:
    op.drop_table("component_origins")
    op.drop_table("examinations")
    op.drop_table("sources")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("outcome")
