"""Proposals: changes waiting for a second analyst, and the decision on each.

A proposal is written outside the batch log (it changes no incident); its approval is the batch
it applies, written under the batch log's write lock with an :class:`Approval` guard that marks
it approved only while it is still pending and none of its incidents moved since it was made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from dashboard.core.errors import ReviewRefusedError
from dashboard.core.evidence import Kind
from dashboard.core.i18n import _
from dashboard.core.review import conflict_message, stale
from dashboard.store.log import latest_history
from dashboard.store.part import BY_REFERENCE, LOGGED_AFTER, Part, logged_afters
from dashboard.store.tables import EVIDENCE_TABLES, batches, history, proposals

#: Status of a proposal waiting for a decision.
PENDING = "pending"


@dataclass(frozen=True)
class Approval:
    """The guard of a proposal's batch: still pending and not overtaken, checked in the batch's
    transaction; then approved by ``reviewer`` with the batch's id."""

    proposal_id: int
    reviewer: str
    base: Mapping[str, int]
    now: datetime

    def check(self, conn: sa.Connection) -> None:
        """Refuse (:class:`ReviewRefusedError`) unless the proposal is pending and none of its
        incidents changed since it was made; then claim it (a conditional update: of two
        approvers at once, one finds it claimed)."""
        moved = stale(self.base, latest_history(conn, list(self.base)))
        if moved:
            raise ReviewRefusedError(conflict_message(self.proposal_id, moved))
        claimed = conn.execute(
            sa.update(proposals)
            .where(proposals.c.id == self.proposal_id, proposals.c.status == PENDING)
            .values(status="approved", reviewer=self.reviewer, decided_at=self.now)
        )
        if claimed.rowcount != 1:
            raise ReviewRefusedError(
                _("proposal {id} is no longer pending: someone decided it meanwhile").format(
                    id=self.proposal_id
                )
            )

    def done(self, conn: sa.Connection, batch_id: int) -> None:
        """Name the batch that applied the proposal."""
        conn.execute(
            sa.update(proposals).where(proposals.c.id == self.proposal_id).values(batch_id=batch_id)
        )


class ProposalStore(Part):
    """Proposals and the history of an incident with who, why and the reviewer."""

    def add_proposal(self, values: Mapping[str, Any], *, now: datetime | None = None) -> int:
        """Store a pending proposal (the ``proposals`` columns but id, status and the
        decision); its id."""
        with self.db.write_own_rows() as conn:
            return int(
                conn.execute(
                    sa.insert(proposals)
                    .values(**values, status=PENDING, created_at=now or datetime.now(UTC))
                    .returning(proposals.c.id)
                ).scalar_one()
            )

    def proposal_rows(
        self, status: str | None = PENDING, ids: Sequence[int] | None = None
    ) -> list[dict[str, Any]]:
        """Proposals of ``status`` (None: all), oldest first, as column dicts."""
        query = sa.select(proposals).order_by(proposals.c.id)
        if status is not None:
            query = query.where(proposals.c.status == status)
        if ids is not None:
            query = query.where(proposals.c.id.in_(list(ids)))
        with self.db.read() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def pending_count(self) -> int:
        """How many proposals wait for a decision."""
        query = sa.select(sa.func.count()).where(proposals.c.status == PENDING)
        with self.db.read() as conn:
            return int(conn.execute(query).scalar_one())

    def close_proposal(
        self,
        proposal_id: int,
        status: str,
        *,
        by: str,
        reason: str | None,
        now: datetime | None = None,
    ) -> bool:
        """Set a pending proposal's ``status`` (rejected, withdrawn) with who and why; False when
        it was not pending any more (someone decided it meanwhile)."""
        with self.db.write_own_rows() as conn:
            done = conn.execute(
                sa.update(proposals)
                .where(proposals.c.id == proposal_id, proposals.c.status == PENDING)
                .values(
                    status=status,
                    reviewer=by,
                    review_reason=reason,
                    decided_at=now or datetime.now(UTC),
                )
            )
            return bool(done.rowcount == 1)

    def history_record(self, history_id: int) -> Any:
        """The record a history row left (None: the incident was absent, or no such row)."""
        query = sa.select(history.c.incident_id, LOGGED_AFTER, BY_REFERENCE).where(
            history.c.id == history_id
        )
        with self.db.read() as conn:
            rows = conn.execute(query).all()
            return logged_afters(conn, rows)[0] if rows else None

    def evidence_log(self, incident_id: str) -> list[dict[str, Any]]:
        """The batches that added or removed a source or examination of one incident, oldest
        first: the batch's kind, file, who, why and reviewer, and each row's kind, label (its
        title, or the examination's id), and whether the batch added or removed it."""
        found: list[dict[str, Any]] = []
        with self.db.read() as conn:
            labels: tuple[tuple[Kind, str], ...] = (
                ("sources", "title"),
                ("examinations", "examination_id"),
            )
            for kind, label in labels:
                table = EVIDENCE_TABLES[kind]
                query = sa.select(table.c.batch_id, table.c.removed_by, table.c[label]).where(
                    table.c.incident_id == incident_id
                )
                for row in conn.execute(query):
                    found.append(
                        {
                            "batch_id": row.batch_id,
                            "evidence": kind,
                            "label": row[2],
                            "change": "added",
                        }
                    )
                    if row.removed_by is not None:
                        found.append(
                            {
                                "batch_id": row.removed_by,
                                "evidence": kind,
                                "label": row[2],
                                "change": "removed",
                            }
                        )
            ids = sorted({f["batch_id"] for f in found})
            about = {
                row.id: dict(row._mapping)
                for row in conn.execute(
                    sa.select(
                        batches.c.id,
                        batches.c.kind,
                        batches.c.filename,
                        batches.c.created_at,
                        batches.c.uploaded_by,
                        batches.c.reason,
                        batches.c.reviewed_by,
                        batches.c.proposal_id,
                        batches.c.reverts_batch,
                    ).where(batches.c.id.in_(ids))
                )
            }
        return sorted(
            ({**about[f["batch_id"]], **f} for f in found),
            key=lambda f: (f["batch_id"], f["evidence"]),
        )
