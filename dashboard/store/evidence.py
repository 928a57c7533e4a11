"""Evidence in the store: sources, examinations and component origins, added and removed by batch.

Rows are never updated or deleted: a batch adds rows (``batch_id``) and a revert marks them
removed (``removed_by``), both recorded in the batches table beside the incident imports (the
shipped evidence belongs to the shipped data's seed batch). So the
evidence as it stood after any batch is a filter on the two ids, and the live evidence the rows
nobody removed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa

from dashboard.core.errors import RevertRefusedError
from dashboard.core.evidence import Evidence, Kind, columns, db_rows, evidence_frame
from dashboard.store.log import BatchMeta, BatchSummary, insert_batch
from dashboard.store.part import Part
from dashboard.store.tables import EVIDENCE_TABLES, batches, incidents

#: The batches' ``source_format`` of evidence batches.
EVIDENCE_FORMAT = "evidence"


class EvidenceStore(Part):
    """Reads of the evidence (live, or as a batch left it) and its one write path."""

    def evidence(self, batch_id: int | None = None) -> Evidence:
        """All evidence now, or as batch ``batch_id`` left it."""
        frames: dict[Kind, pd.DataFrame] = {}
        with self.db.read() as conn:
            for kind, table in EVIDENCE_TABLES.items():
                query = sa.select(*(table.c[c] for c in columns(kind))).order_by(table.c.id)
                if batch_id is None:
                    query = query.where(table.c.removed_by.is_(None))
                else:
                    query = query.where(
                        table.c.batch_id <= batch_id,
                        sa.or_(table.c.removed_by.is_(None), table.c.removed_by > batch_id),
                    )
                frames[kind] = evidence_frame(kind, [dict(r._mapping) for r in conn.execute(query)])
        return Evidence(frames["sources"], frames["examinations"], frames["component_origins"])

    def evidence_for(self, ids: Collection[str], batch_id: int | None = None) -> Evidence:
        """The evidence of the given incidents (their sources, examinations and those origins)."""
        return self.evidence(batch_id).for_incidents(ids)

    def evidence_version(self) -> int:
        """The last batch that added or removed evidence (0 for none): a cache key."""
        latest = [
            sa.select(sa.func.max(sa.func.coalesce(t.c.removed_by, t.c.batch_id)))
            for t in EVIDENCE_TABLES.values()
        ]
        with self.db.read() as conn:
            return max(int(conn.execute(q).scalar() or 0) for q in latest)

    def known_ids(self) -> tuple[set[str], set[str]]:
        """The stored incident ids and live examination ids: what an evidence file may name."""
        exams = EVIDENCE_TABLES["examinations"]
        with self.db.read() as conn:
            incident_ids = set(conn.execute(sa.select(incidents.c.incident_id)).scalars())
            examination_ids = set(
                conn.execute(
                    sa.select(exams.c.examination_id).where(exams.c.removed_by.is_(None))
                ).scalars()
            )
        return incident_ids, examination_ids

    def add_evidence(
        self,
        frames: Mapping[Kind, pd.DataFrame],
        meta: BatchMeta,
        *,
        now: datetime | None = None,
    ) -> BatchSummary:
        """Store validated evidence frames (see :func:`dashboard.core.evidence.validate_evidence`)
        as one batch, in one transaction: its batch row and every row, or nothing."""
        now = now or datetime.now(UTC)
        rows = {kind: db_rows(kind, frame) for kind, frame in frames.items()}
        added = sum(len(r) for r in rows.values())
        with self.db.write() as conn:
            batch_id = _batch_row(conn, meta, now, added=added)
            _insert(conn, rows, batch_id)
        return BatchSummary(batch_id, added, 0, 0)

    def attach_evidence(self, frames: Mapping[Kind, pd.DataFrame], batch_id: int) -> int:
        """Store validated evidence frames as added by an existing batch (the shipped data's
        seed batch carries the shipped evidence too), in one transaction; how many rows."""
        rows = {kind: db_rows(kind, frame) for kind, frame in frames.items()}
        with self.db.write() as conn:
            _insert(conn, rows, batch_id)
        return sum(len(r) for r in rows.values())

    def revert_evidence(
        self, batch_id: int, *, uploaded_by: str, now: datetime | None = None
    ) -> BatchSummary:
        """Remove every row evidence batch ``batch_id`` added, recorded as a new batch of kind
        "revert" (the rows stay, marked removed, so ``asof`` still shows them before it).

        Refused (:class:`RevertRefusedError`, nothing changed) for an unknown or non-evidence
        batch, one already reverted, or one whose rows are all gone.
        """
        now = now or datetime.now(UTC)
        with self.db.write() as conn:
            original = conn.execute(sa.select(batches).where(batches.c.id == batch_id)).first()
            if original is None or original.source_format != EVIDENCE_FORMAT:
                raise RevertRefusedError(f"there is no evidence batch {batch_id}")
            reverted_by = conn.execute(
                sa.select(batches.c.id).where(batches.c.reverts_batch == batch_id)
            ).scalar()
            if reverted_by is not None:
                raise RevertRefusedError(
                    f"batch {batch_id} was already reverted by batch {reverted_by}"
                )
            live = {
                kind: sa.and_(table.c.batch_id == batch_id, table.c.removed_by.is_(None))
                for kind, table in EVIDENCE_TABLES.items()
            }
            removed = sum(
                conn.execute(
                    sa.select(sa.func.count()).select_from(EVIDENCE_TABLES[k]).where(where)
                ).scalar_one()
                for k, where in live.items()
            )
            if removed == 0:
                raise RevertRefusedError(f"batch {batch_id} left no evidence: nothing to revert")
            meta = BatchMeta(
                filename=f"revert of batch {batch_id} ({original.filename})",
                sha256=original.sha256,
                uploaded_by=uploaded_by,
                source_format=EVIDENCE_FORMAT,
                kind="revert",
                reverts_batch=batch_id,
            )
            revert_id = _batch_row(conn, meta, now, removed=removed)
            for kind, where in live.items():
                conn.execute(
                    sa.update(EVIDENCE_TABLES[kind]).where(where).values(removed_by=revert_id)
                )
        return BatchSummary(revert_id, 0, 0, 0, removed)


def _insert(
    conn: sa.Connection, rows: Mapping[Kind, list[dict[str, object]]], batch_id: int
) -> None:
    for kind, values in rows.items():
        if values:
            conn.execute(
                sa.insert(EVIDENCE_TABLES[kind]), [{**v, "batch_id": batch_id} for v in values]
            )


def _batch_row(
    conn: sa.Connection, meta: BatchMeta, now: datetime, *, added: int = 0, removed: int = 0
) -> int:
    """Record an evidence batch in the batches table; its id."""
    return insert_batch(
        conn, meta, now, source_format=EVIDENCE_FORMAT, added=added, removed=removed
    )
