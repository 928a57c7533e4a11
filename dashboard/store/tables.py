"""The schema as the code declares it: the migrations must produce exactly these tables."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from dashboard.core.schema import DECLARATIONS, Column

metadata = sa.MetaData()
batches = sa.Table(
    "batches",
    metadata,
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
    sa.Column("removed", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ux_batches_reverts_batch", "reverts_batch", unique=True),
)
#: SQL types by the declarations' ``sql_name`` (``VARCHAR`` takes the column's length).
_SQL_TYPES: dict[str, type[sa.types.TypeEngine[Any]]] = {
    "TEXT": sa.Text,
    "SMALLINT": sa.SmallInteger,
    "INTEGER": sa.Integer,
    "FLOAT": sa.Float,
    "DATE": sa.Date,
}


def _sql_type(column: Column) -> sa.types.TypeEngine[Any]:
    if column.sql_name == "VARCHAR":
        return sa.String(column.length)
    return _SQL_TYPES[column.sql_name]()


#: One column per declaration in core/schema.py, plus the batch that last set the row.
incidents = sa.Table(
    "incidents",
    metadata,
    *(
        sa.Column(c.name, _sql_type(c), primary_key=c.key, nullable=c.nullable)
        for c in DECLARATIONS
    ),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
    sa.Index("ix_incidents_date", "date"),
)
history = sa.Table(
    "incident_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
    sa.Column("incident_id", sa.String(200), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("before", sa.JSON, nullable=True),
    sa.Column("after", sa.JSON, nullable=True),
    sa.Index("ix_history_incident", "incident_id", "id"),
    sa.Index("ix_history_batch", "batch_id"),
)
column_mappings = sa.Table(
    "column_mappings",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("mapping", sa.JSON, nullable=False),
    sa.Column("saved_by", sa.Text, nullable=False),
    sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
)
sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    sa.Column("client", sa.Text, primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_attempt", sa.Float, nullable=True),
    sa.Index("ix_sign_in_failures_last_attempt", "last_attempt"),
)
