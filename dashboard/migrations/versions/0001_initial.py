"""Incidents, import batches and the per-incident history every batch writes.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("source_format", sa.String(20), nullable=False),
        sa.Column("uploaded_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows_read", sa.Integer, nullable=False),
        sa.Column("added", sa.Integer, nullable=False),
        sa.Column("updated", sa.Integer, nullable=False),
        sa.Column("unchanged", sa.Integer, nullable=False),
        sa.Column("rejected", sa.Integer, nullable=False),
        sa.Column("reverts_batch", sa.Integer, sa.ForeignKey("batches.id"), nullable=True),
    )
    op.create_table(
        "incidents",
        sa.Column("incident_id", sa.String(200), primary_key=True),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("time", sa.Text),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("district", sa.Text),
        sa.Column("latitude", sa.Float, nullable=False),
        sa.Column("longitude", sa.Float, nullable=False),
        sa.Column("geo_precision", sa.SmallInteger, nullable=False),
        sa.Column("weapon", sa.Text, nullable=False),
        sa.Column("weapon_origin", sa.Text),
        sa.Column("attribution_status", sa.String(20), nullable=False),
        sa.Column("attributed_by", sa.Text),
        sa.Column("launch_origin", sa.Text),
        sa.Column("killed", sa.Integer),
        sa.Column("injured", sa.Integer),
        sa.Column("source_title", sa.Text),
        sa.Column("source_url", sa.Text),
        sa.Column("source_date", sa.Date),
        sa.Column("sanctions_provisions", sa.Text),
        sa.Column("notes", sa.Text),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
    )
    op.create_index("ix_incidents_date", "incidents", ["date"])
    op.create_table(
        "incident_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("incident_id", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("before", sa.JSON, nullable=True),
        sa.Column("after", sa.JSON, nullable=True),
    )
    op.create_index("ix_history_incident", "incident_history", ["incident_id", "id"])
    op.create_index("ix_history_batch", "incident_history", ["batch_id"])


def downgrade() -> None:
    op.drop_table("incident_history")
    op.drop_table("incidents")
    op.drop_table("batches")
