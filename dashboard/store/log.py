"""The batch log: every change to the incidents as a batch, applied or reverted in one transaction.

Each touched incident gets a history row holding its state before and after, so a batch can be
traced and reverted and the state after any batch rebuilt. What a batch changes is planned by the
pure :mod:`dashboard.core.batches`; this module reads what a plan needs and executes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa

from dashboard.core.batches import Change, LoggedChange, Plan, plan_apply, plan_revert
from dashboard.core.records import Record
from dashboard.store.part import Part, chunks, current_records, db_values
from dashboard.store.tables import batches, history, incidents


@dataclass(frozen=True)
class BatchMeta:
    """Where a batch came from."""

    filename: str
    sha256: str
    uploaded_by: str
    source_format: str = "incidents"
    kind: str = "import"
    rows_read: int = 0
    rejected: int = 0
    reverts_batch: int | None = None


@dataclass(frozen=True)
class BatchSummary:
    """What a batch did to the incidents."""

    batch_id: int
    added: int
    updated: int
    unchanged: int
    removed: int = 0


class BatchLog(Part):
    """The batches, their history rows, and the only way to change the incidents."""

    def batch_count(self) -> int:
        """How many batches the store holds (0: never seeded)."""
        with self.db.read() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(batches)).scalar_one()

    def data_version(self) -> int:
        """Grows with every change to the incidents: a cache key shared by all processes."""
        with self.db.read() as conn:
            return conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(history.c.id), 0))
            ).scalar_one()

    def batches(self) -> pd.DataFrame:
        """Every batch, newest first."""
        with self.db.read() as conn:
            return pd.read_sql(sa.select(batches).order_by(batches.c.id.desc()), conn)

    def last_batch_at(self, moment: datetime) -> int:
        """The batch whose state the store held at ``moment``: 0 before the first batch.

        Writers commit in batch order, but a batch's time is taken before it waits for the write
        lock, so times need not grow with ids. The answer is the last batch of the run of batches
        from the first one that were all started at or before ``moment``: no later batch can have
        been committed by then. Reads only the batches table, one row per upload.
        """
        first_after = (
            sa.select(sa.func.min(batches.c.id))
            .where(batches.c.created_at > moment)
            .scalar_subquery()
        )
        query = sa.select(sa.func.coalesce(sa.func.max(batches.c.id), 0)).where(
            sa.or_(first_after.is_(None), batches.c.id < first_after)
        )
        with self.db.read() as conn:
            return int(conn.execute(query).scalar_one())

    def apply_batch(
        self, records: Sequence[Record], meta: BatchMeta, *, now: datetime | None = None
    ) -> BatchSummary:
        """Upsert ``records`` as one batch in one transaction; unchanged rows are not touched.

        A record equal to the stored one counts as unchanged and writes no history, so importing
        the same file twice changes nothing. Safe from many processes at once (writers take
        turns on the write lock, so each plans against the state the previous one left).
        """
        now = now or datetime.now(UTC)
        with self.db.write() as conn:
            stored = current_records(conn, [str(r["incident_id"]) for r in records])
            return _execute(conn, plan_apply(records, stored), meta, now)

    def revert_batch(
        self, batch_id: int, *, uploaded_by: str, now: datetime | None = None
    ) -> BatchSummary:
        """Put every incident ``batch_id`` touched back as it was before it, in one transaction.

        The undoing is a new batch of kind "revert" with its own history rows, so the history
        stays append-only. Refused (:class:`RevertRefusedError`, nothing changed) when the batch
        is unknown, already reverted, changed nothing, or an incident it touched has changed since
        (see :func:`dashboard.core.batches.plan_revert`).
        """
        now = now or datetime.now(UTC)
        with self.db.write() as conn:
            original = conn.execute(sa.select(batches).where(batches.c.id == batch_id)).first()
            reverted_by = conn.execute(
                sa.select(batches.c.id).where(batches.c.reverts_batch == batch_id)
            ).scalar()
            own = [
                Change(row.incident_id, row.before, row.after)
                for row in conn.execute(
                    sa.select(history.c.incident_id, history.c.before, history.c.after)
                    .where(history.c.batch_id == batch_id)
                    .order_by(history.c.id)
                )
            ]
            plan = plan_revert(
                batch_id,
                known=original is not None,
                reverted_by=reverted_by,
                own=own,
                latest=_latest_changes(conn, [c.incident_id for c in own]),
            )
            assert original is not None  # plan_revert refuses an unknown batch
            meta = BatchMeta(
                filename=f"revert of batch {batch_id} ({original.filename})",
                sha256=original.sha256,
                uploaded_by=uploaded_by,
                source_format=original.source_format,
                kind="revert",
                reverts_batch=batch_id,
            )
            return _execute(conn, plan, meta, now)


def _latest_changes(conn: sa.Connection, ids: Sequence[str]) -> dict[str, LoggedChange]:
    """The most recent logged change of each of the given incidents."""
    found: dict[str, LoggedChange] = {}
    for chunk in chunks(ids):
        latest = (
            sa.select(sa.func.max(history.c.id).label("id"))
            .where(history.c.incident_id.in_(chunk))
            .group_by(history.c.incident_id)
            .subquery()
        )
        query = sa.select(
            history.c.batch_id, history.c.incident_id, history.c.before, history.c.after
        ).join(latest, history.c.id == latest.c.id)
        for row in conn.execute(query):
            found[row.incident_id] = LoggedChange(
                row.batch_id, Change(row.incident_id, row.before, row.after)
            )
    return found


def _execute(conn: sa.Connection, plan: Plan, meta: BatchMeta, now: datetime) -> BatchSummary:
    """Write ``plan`` as one batch on ``conn``: its batch row, the incidents, their history."""
    batch_id = conn.execute(
        sa.insert(batches)
        .values(
            kind=meta.kind,
            filename=meta.filename,
            sha256=meta.sha256,
            source_format=meta.source_format,
            uploaded_by=meta.uploaded_by,
            created_at=now,
            rows_read=meta.rows_read,
            added=plan.added,
            updated=plan.updated,
            unchanged=plan.unchanged,
            rejected=meta.rejected,
            removed=plan.removed,
            reverts_batch=meta.reverts_batch,
        )
        .returning(batches.c.id)
    ).scalar_one()
    removed = [c.incident_id for c in plan.changes if c.after is None]
    added = [c.after for c in plan.changes if c.before is None and c.after is not None]
    updated = [c.after for c in plan.changes if c.before is not None and c.after is not None]
    for chunk in chunks(removed):
        conn.execute(sa.delete(incidents).where(incidents.c.incident_id.in_(chunk)))
    if added:
        conn.execute(sa.insert(incidents), [{**db_values(r), "batch_id": batch_id} for r in added])
    if updated:
        conn.execute(
            sa.update(incidents).where(incidents.c.incident_id == sa.bindparam("key")),
            [{**db_values(r), "key": r["incident_id"], "batch_id": batch_id} for r in updated],
        )
    if plan.changes:
        conn.execute(
            sa.insert(history),
            [
                {
                    "batch_id": batch_id,
                    "incident_id": c.incident_id,
                    "recorded_at": now,
                    "before": c.before,
                    "after": c.after,
                }
                for c in plan.changes
            ],
        )
    return BatchSummary(batch_id, plan.added, plan.updated, plan.unchanged, plan.removed)
