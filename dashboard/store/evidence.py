"""Evidence in the store: sources, examinations and component origins, added and removed by batch.

Rows are never changed but for being marked removed: a batch adds rows (``batch_id``), and marks
removed (``removed_by``) the live rows it updates (same identity) or, for a revert, the rows the
reverted batch added; all are recorded in the batches table beside the incident imports (the
shipped evidence belongs to the shipped data's seed batch). Reverts are the batch log's
(:meth:`dashboard.store.log.BatchLog.revert_batch`), for every batch. So the
evidence as it stood after any batch is a filter on the two ids, and the live evidence the rows
nobody removed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa

from dashboard.core.evidence import Evidence, Kind, columns, db_rows, evidence_frame, identity
from dashboard.store.log import BatchMeta, BatchSummary, Guard, insert_batch, live_evidence
from dashboard.store.part import Part, chunks
from dashboard.store.tables import EVIDENCE_TABLES, incidents

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
        guard: Guard | None = None,
    ) -> BatchSummary:
        """Store validated evidence frames (see :func:`dashboard.core.evidence.validate_evidence`)
        as one batch, in one transaction: its batch row and every row, or nothing.

        A row whose :func:`~dashboard.core.evidence.identity` is live updates that row: the
        stored one is marked removed by this batch and the new one added (a revert puts the
        stored one back); a row equal to the live one is left alone (unchanged). A ``guard`` is
        checked and settled in the same transaction.
        """
        now = now or datetime.now(UTC)
        rows = {kind: db_rows(kind, frame) for kind, frame in frames.items()}
        with self.db.write() as conn:
            if guard is not None:
                guard.check(conn)
            new: dict[Kind, list[dict[str, object]]] = {}
            replaced: dict[Kind, list[int]] = {}
            unchanged = 0
            for kind, values in rows.items():
                live = {identity(kind, r): r for r in live_evidence(conn, kind)}
                new[kind], replaced[kind] = [], []
                for row in values:
                    old = live.get(identity(kind, row))
                    if old is not None and all(old[c] == v for c, v in row.items()):
                        unchanged += 1
                        continue
                    new[kind].append(row)
                    if old is not None:
                        replaced[kind].append(int(old["id"]))
            updated = sum(len(ids) for ids in replaced.values())
            added = sum(len(r) for r in new.values()) - updated
            batch_id = insert_batch(
                conn,
                meta,
                now,
                source_format=EVIDENCE_FORMAT,
                added=added,
                updated=updated,
                unchanged=unchanged,
            )
            for kind, ids in replaced.items():
                table = EVIDENCE_TABLES[kind]
                for chunk in chunks(ids):
                    conn.execute(
                        sa.update(table).where(table.c.id.in_(chunk)).values(removed_by=batch_id)
                    )
            _insert(conn, new, batch_id)
            if guard is not None:
                guard.done(conn, batch_id)
        return BatchSummary(batch_id, added, updated, unchanged)

    def attach_evidence(self, frames: Mapping[Kind, pd.DataFrame], batch_id: int) -> int:
        """Store validated evidence frames as added by an existing batch (the shipped data's
        seed batch carries the shipped evidence too), in one transaction; how many rows."""
        rows = {kind: db_rows(kind, frame) for kind, frame in frames.items()}
        with self.db.write() as conn:
            _insert(conn, rows, batch_id)
        return sum(len(r) for r in rows.values())


def _insert(
    conn: sa.Connection, rows: Mapping[Kind, list[dict[str, object]]], batch_id: int
) -> None:
    for kind, values in rows.items():
        if values:
            conn.execute(
                sa.insert(EVIDENCE_TABLES[kind]), [{**v, "batch_id": batch_id} for v in values]
            )
