"""Incident reads: the incidents now, after any batch, and the changes of one incident."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypedDict

import pandas as pd
import sqlalchemy as sa

from dashboard.core.records import Record, categorised, typed_frame
from dashboard.core.schema import COLUMNS, DATE_COLUMNS, FLOAT_COLUMNS, INT_COLUMNS
from dashboard.store.part import Part, current_records
from dashboard.store.tables import history, incidents


class IncidentChange(TypedDict):
    """One recorded change of an incident: the batch, when, and the record before and after."""

    batch_id: int
    recorded_at: datetime
    before: Record | None
    after: Record | None


#: Rows read and typed at a time: the driver's Python objects for one chunk at most are alive at
#: once (at 1,000,000 incidents all of them would take gigabytes).
READ_CHUNK_ROWS = 50_000


def _read_frame(conn: sa.Connection, query: sa.Select[Any]) -> pd.DataFrame:
    """The canonical incidents ``query`` selects (one labelled column each), read column-wise.

    Each chunk of rows is transposed into columns at once (no dict per row) and each column is
    typed whole (:func:`~dashboard.core.records.typed_frame`); once all are in, the
    low-cardinality text becomes categoricals.
    """
    result = conn.execution_options(yield_per=READ_CHUNK_ROWS).execute(query)
    chunks = [
        typed_frame(dict(zip(COLUMNS, zip(*rows, strict=True), strict=True)))
        for rows in result.partitions()
    ]
    if not chunks:
        return typed_frame(dict.fromkeys(COLUMNS, ()), categories=True)
    return categorised(pd.concat(chunks, ignore_index=True))


def _as_text(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """A date column as ISO text, parsed once per column in pandas, not per value by SQLAlchemy."""
    return sa.cast(column, sa.String)


class IncidentReads(Part):
    """What the incidents are now and were after each batch (reads only)."""

    def incidents(self) -> pd.DataFrame:
        """All current incidents as a typed canonical frame, newest first."""
        selected = [
            (_as_text(incidents.c[c]) if c in DATE_COLUMNS else incidents.c[c]).label(c)
            for c in COLUMNS
        ]
        query = sa.select(*selected).order_by(incidents.c.date.desc(), incidents.c.incident_id)
        with self.db.read() as conn:
            return _read_frame(conn, query)

    def incidents_at_batch(self, batch_id: int) -> pd.DataFrame:
        """The incidents as batch ``batch_id`` left them, rebuilt from the history, newest first.

        Each field is taken out of the history's JSON record by the database (``json_extract``
        on SQLite, ``->>`` on PostgreSQL), so the rows arrive as columns like the live read.
        Batches commit in id order, so once a batch is visible this never changes: a cache key.
        """
        latest = (
            sa.select(sa.func.max(history.c.id).label("id"))
            .where(history.c.batch_id <= batch_id)
            .group_by(history.c.incident_id)
            .subquery()
        )
        after = history.c.after
        fields = {
            c: after[c].as_float()
            if c in FLOAT_COLUMNS
            else after[c].as_integer()
            if c in INT_COLUMNS
            else after[c].as_string()
            for c in COLUMNS
        }
        query = (
            sa.select(*(field.label(c) for c, field in fields.items()))
            .join(latest, history.c.id == latest.c.id)
            .where(fields["incident_id"].is_not(None))
            .order_by(fields["date"].desc(), fields["incident_id"])
        )
        with self.db.read() as conn:
            return _read_frame(conn, query)

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
