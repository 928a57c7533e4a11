"""Incident reads: the incidents now, after any batch, and the changes of one incident."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypedDict

import pandas as pd
import sqlalchemy as sa

from dashboard.core.records import Record, incidents_frame
from dashboard.core.schema import COLUMNS
from dashboard.store.part import Part, current_records
from dashboard.store.tables import history, incidents


class IncidentChange(TypedDict):
    """One recorded change of an incident: the batch, when, and the record before and after."""

    batch_id: int
    recorded_at: datetime
    before: Record | None
    after: Record | None


class IncidentReads(Part):
    """What the incidents are now and were after each batch (reads only)."""

    def incidents(self) -> pd.DataFrame:
        """All current incidents as a typed canonical frame, newest first."""
        query = sa.select(*(incidents.c[c] for c in COLUMNS)).order_by(
            incidents.c.date.desc(), incidents.c.incident_id
        )
        with self.db.read() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
        return incidents_frame(rows)

    def incidents_at_batch(self, batch_id: int) -> pd.DataFrame:
        """The incidents as batch ``batch_id`` left them, rebuilt from the history, newest first.

        Batches commit in id order, so once a batch is visible this never changes: a cache key.
        """
        latest = (
            sa.select(sa.func.max(history.c.id).label("id"))
            .where(history.c.batch_id <= batch_id)
            .group_by(history.c.incident_id)
            .subquery()
        )
        query = sa.select(history.c.after).join(latest, history.c.id == latest.c.id)
        with self.db.read() as conn:
            states = [row.after for row in conn.execute(query) if row.after is not None]
        frame = incidents_frame(states)
        return frame.sort_values(["date", "incident_id"], ascending=[False, True]).reset_index(
            drop=True
        )

    def records(self, ids: Sequence[str]) -> dict[str, Record]:
        """Current records of the given incident ids (absent ids are left out)."""
        with self.db.read() as conn:
            return current_records(conn, ids)

    def incident_changes(self, incident_id: str) -> list[IncidentChange]:
        """Every recorded change of one incident, oldest first: batch, time, before and after."""
        query = (
            sa.select(history.c.batch_id, history.c.recorded_at, history.c.before, history.c.after)
            .where(history.c.incident_id == incident_id)
            .order_by(history.c.id)
        )
        with self.db.read() as conn:
            return [
                IncidentChange(
                    batch_id=row.batch_id,
                    recorded_at=row.recorded_at,
                    before=row.before,
                    after=row.after,
                )
                for row in conn.execute(query)
            ]
