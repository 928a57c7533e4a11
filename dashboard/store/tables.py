"""The schema as the code declares it: the migrations must produce exactly these tables."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from dashboard.core.evidence import DECLARED, Kind
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
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("reviewed_by", sa.Text, nullable=True),
    sa.Column("proposal_id", sa.Integer, nullable=True),
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


#: One column per declaration in core/schema.py, plus the batch that last set the row. A text
#: column with a default has it in the store too: a record logged before the column existed (an
#: old history state a revert puts back) takes it.
incidents = sa.Table(
    "incidents",
    metadata,
    *(
        sa.Column(
            c.name,
            _sql_type(c),
            primary_key=c.key,
            nullable=c.nullable,
            server_default=c.default if isinstance(c.default, str) else None,
        )
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
#: Map payload files by name (a hash of their bytes): what one instance published, another serves.
map_payloads = sa.Table(
    "map_payloads",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("published_at", sa.Float, nullable=False),
    sa.Index("ix_map_payloads_published_at", "published_at"),
)

#: Webhook targets (a hash of the URL: the URL itself may carry a token) and the batch each was
#: first seen at: a target is delivered the changes after it, not the whole history.
webhook_targets = sa.Table(
    "webhook_targets",
    metadata,
    sa.Column("target", sa.String(64), primary_key=True),
    sa.Column("since_batch", sa.Integer, nullable=False),
    sa.Column("added_at", sa.Float, nullable=False),
)
#: One row per batch and target: "pending" (retried from ``next_attempt_at``; an instance holds
#: it while ``lease_until`` is ahead), "delivered" or "failed" (attempts used up).
webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), primary_key=True),
    sa.Column("target", sa.String(64), primary_key=True),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.Float, nullable=False),
    sa.Column("lease_until", sa.Float, nullable=False),
    sa.Column("claimed_by", sa.Text, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("done_at", sa.Float, nullable=True),
    sa.Index("ix_webhook_deliveries_state", "state", "target"),
)


def _evidence_table(name: str, kind: Kind, *indexes: sa.Index) -> sa.Table:
    """One table per evidence kind: a row id, a column per declaration (core/evidence.py), the
    batch that added the row and the batch that removed it (so a past state can be read back)."""
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        *(sa.Column(c.name, _sql_type(c), nullable=not c.required) for c in DECLARED[kind]),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("removed_by", sa.Integer, sa.ForeignKey("batches.id"), nullable=True),
        *indexes,
    )


sources = _evidence_table("sources", "sources", sa.Index("ix_sources_incident", "incident_id"))
examinations = _evidence_table(
    "examinations",
    "examinations",
    sa.Index("ix_examinations_examination", "examination_id"),
    sa.Index("ix_examinations_incident", "incident_id"),
)
component_origins = _evidence_table(
    "component_origins",
    "component_origins",
    sa.Index("ix_component_origins_examination", "examination_id"),
)
EVIDENCE_TABLES: dict[Kind, sa.Table] = {
    "sources": sources,
    "examinations": examinations,
    "component_origins": component_origins,
}
#: The Air Force's monthly launches (core/launches.py), replaced as a whole by each import: every
#: row names the file, its digest, who imported it and when.
launches_monthly = sa.Table(
    "launches_monthly",
    metadata,
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
#: Changes waiting for a second analyst (core/review.py): the change as an upload's bytes, who
#: asked and why, the last history row of each incident it touches when proposed (``base``), and
#: the decision.
proposals = sa.Table(
    "proposals",
    metadata,
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
    sa.Index("ix_proposals_status", "status", "id"),
)
