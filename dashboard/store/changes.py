"""The changes that reached live data, read back from the batch log for feeds and webhooks, and
the webhook deliveries' claims, shared by every instance over the one database.

A change is one history row: one incident as it was before a batch and after it. Deliveries are
claimed row by row with a conditional ``UPDATE`` (the database decides who got it), so two
instances never post the same batch to the same target, and a batch written by a CLI import in
another process is delivered all the same.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from dashboard.core.records import Record
from dashboard.store.part import Part
from dashboard.store.tables import batches, history, webhook_deliveries, webhook_targets


@dataclass(frozen=True)
class LoggedBatch:
    """A batch as a change's reader needs it: what kind, when, from which file."""

    batch_id: int
    kind: str
    created_at: datetime
    filename: str
    source_format: str
    reverts_batch: int | None


@dataclass(frozen=True)
class StoredChange:
    """One incident changed by one batch: its state before (None: new) and after (None: gone)."""

    change_id: int
    batch: LoggedBatch
    incident_id: str
    recorded_at: datetime
    before: Record | None
    after: Record | None


def _batch(row: Any) -> LoggedBatch:
    return LoggedBatch(
        batch_id=row.batch_id,
        kind=row.kind,
        created_at=row.created_at,
        filename=row.filename,
        source_format=row.source_format,
        reverts_batch=row.reverts_batch,
    )


_CHANGE_COLUMNS = (
    history.c.id,
    history.c.batch_id,
    history.c.incident_id,
    history.c.recorded_at,
    history.c.before,
    history.c.after,
    batches.c.kind,
    batches.c.created_at,
    batches.c.filename,
    batches.c.source_format,
    batches.c.reverts_batch,
)


def _changes(conn: sa.Connection, query: sa.Select[Any]) -> list[StoredChange]:
    return [
        StoredChange(
            change_id=row.id,
            batch=_batch(row),
            incident_id=row.incident_id,
            recorded_at=row.recorded_at,
            before=row.before,
            after=row.after,
        )
        for row in conn.execute(query)
    ]


class ChangeLog(Part):
    """The changes to the incidents, newest first, and the webhook deliveries' claims."""

    def recent_changes(
        self, limit: int, *, below: int | None = None, upto_batch: int | None = None
    ) -> list[StoredChange]:
        """At most ``limit`` changes, newest first: those with an id below ``below`` (paging
        back), of batches up to ``upto_batch`` (a view ``asof`` a moment)."""
        query = sa.select(*_CHANGE_COLUMNS).join(batches, batches.c.id == history.c.batch_id)
        if below is not None:
            query = query.where(history.c.id < below)
        if upto_batch is not None:
            query = query.where(history.c.batch_id <= upto_batch)
        with self.db.read() as conn:
            return _changes(conn, query.order_by(history.c.id.desc()).limit(limit))

    def batch_changes(self, batch_id: int, limit: int) -> tuple[LoggedBatch, list[StoredChange]]:
        """A batch and its first ``limit`` changes, in the order it made them."""
        query = (
            sa.select(*_CHANGE_COLUMNS)
            .join(batches, batches.c.id == history.c.batch_id)
            .where(history.c.batch_id == batch_id)
            .order_by(history.c.id)
            .limit(limit)
        )
        with self.db.read() as conn:
            found = conn.execute(
                sa.select(
                    batches.c.id.label("batch_id"),
                    batches.c.kind,
                    batches.c.created_at,
                    batches.c.filename,
                    batches.c.source_format,
                    batches.c.reverts_batch,
                ).where(batches.c.id == batch_id)
            ).one()
            return _batch(found), _changes(conn, query)

    def change_count(self, batch_id: int) -> int:
        """How many incidents the batch changed (its history rows)."""
        with self.db.read() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.count())
                    .select_from(history)
                    .where(history.c.batch_id == batch_id)
                ).scalar_one()
            )

    # -- webhook deliveries ---------------------------------------------------------------------
    def _insert(self, table: sa.Table) -> Any:
        return (postgresql.insert if self.db.dialect == "postgresql" else sqlite.insert)(table)

    def register_target(self, target: str, now: float | None = None) -> int:
        """The batch ``target`` was first seen at (the latest batch then): it is delivered the
        batches after it. The first instance to see a target decides; the others read it."""
        with self.db.write_own_rows() as conn:
            latest = conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(batches.c.id), 0))
            ).scalar_one()
            conn.execute(
                self._insert(webhook_targets).on_conflict_do_nothing(
                    index_elements=[webhook_targets.c.target]
                ),
                [{"target": target, "since_batch": latest, "added_at": now or time.time()}],
            )
            return int(
                conn.execute(
                    sa.select(webhook_targets.c.since_batch).where(
                        webhook_targets.c.target == target
                    )
                ).scalar_one()
            )

    def claim_delivery(
        self, target: str, since: int, holder: str, now: float, lease: float
    ) -> tuple[int, int] | None:
        """Claim the oldest batch after ``since`` that changed incidents and is due for
        ``target`` (never tried, or its retry time has come and no other holder's lease runs):
        its id and the attempts made so far, or None when nothing is due. Held until
        ``now + lease`` or until :meth:`finish_delivery`."""
        with self.db.write_own_rows() as conn:
            known = sa.select(webhook_deliveries.c.batch_id).where(
                webhook_deliveries.c.target == target
            )
            fresh = (
                conn.execute(
                    sa.select(batches.c.id)
                    .where(batches.c.id > since, batches.c.id.not_in(known))
                    .where(sa.exists().where(history.c.batch_id == batches.c.id))
                    .order_by(batches.c.id)
                )
                .scalars()
                .all()
            )
            if fresh:
                conn.execute(
                    self._insert(webhook_deliveries).on_conflict_do_nothing(
                        index_elements=[webhook_deliveries.c.batch_id, webhook_deliveries.c.target]
                    ),
                    [
                        {
                            "batch_id": batch_id,
                            "target": target,
                            "state": "pending",
                            "attempts": 0,
                            "next_attempt_at": 0.0,
                            "lease_until": 0.0,
                        }
                        for batch_id in fresh
                    ],
                )
        due = (
            webhook_deliveries.c.target == target,
            webhook_deliveries.c.state == "pending",
            webhook_deliveries.c.next_attempt_at <= now,
            webhook_deliveries.c.lease_until <= now,
        )
        with self.db.read() as conn:
            candidates = conn.execute(
                sa.select(webhook_deliveries.c.batch_id, webhook_deliveries.c.attempts)
                .where(*due)
                .order_by(webhook_deliveries.c.batch_id)
                .limit(20)
            ).all()
        for batch_id, attempts in candidates:
            with self.db.write_own_rows() as conn:
                taken = conn.execute(
                    sa.update(webhook_deliveries)
                    .where(webhook_deliveries.c.batch_id == batch_id, *due)
                    .values(lease_until=now + lease, claimed_by=holder)
                ).rowcount
            if taken == 1:
                return int(batch_id), int(attempts)
        return None

    def finish_delivery(
        self,
        batch_id: int,
        target: str,
        *,
        delivered: bool,
        now: float,
        retry_at: float | None,
        error: str | None = None,
    ) -> None:
        """Record an attempt: delivered, to be retried at ``retry_at``, or failed for good
        (``retry_at`` None)."""
        state = "delivered" if delivered else ("pending" if retry_at is not None else "failed")
        with self.db.write_own_rows() as conn:
            conn.execute(
                sa.update(webhook_deliveries)
                .where(
                    webhook_deliveries.c.batch_id == batch_id,
                    webhook_deliveries.c.target == target,
                )
                .values(
                    state=state,
                    attempts=webhook_deliveries.c.attempts + 1,
                    next_attempt_at=retry_at if retry_at is not None else now,
                    lease_until=0.0,
                    last_error=error,
                    done_at=None if state == "pending" else now,
                )
            )

    def deliveries(self, target: str) -> list[dict[str, Any]]:
        """Every delivery to ``target``, oldest batch first (what the tests and operators read)."""
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(webhook_deliveries)
                .where(webhook_deliveries.c.target == target)
                .order_by(webhook_deliveries.c.batch_id)
            )
            return [dict(r._mapping) for r in rows]
