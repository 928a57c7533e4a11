"""Incident reads: the incidents now, after any batch, and the changes of one incident (its
log)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from dashboard.core.records import Record, categorised, one_chunk, typed_frame
from dashboard.core.schema import COLUMNS, DATE_COLUMNS, FLOAT_COLUMNS, INT_COLUMNS, KEY
from dashboard.store.part import BY_REFERENCE, LOGGED_AFTER, Part, current_records, logged_afters
from dashboard.store.snapshots import Snapshots, token
from dashboard.store.tables import batches, history, incidents

#: Rows read and typed at a time: the driver's Python objects for one chunk at most are alive at
#: once (at 1,000,000 incidents all of them would take gigabytes).
READ_CHUNK_ROWS = 50_000


def empty_frame() -> pd.DataFrame:
    """A read frame of no incidents (the store's state before its first batch)."""
    return typed_frame(dict.fromkeys(COLUMNS, ()), categories=True)


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
        return empty_frame()
    return one_chunk(categorised(pd.concat(chunks, ignore_index=True)))


def ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` newest first, then by id (Python's order of text, the same on every back end,
    so a read and a snapshot built from a batch agree row for row), indexed from 0.

    Two stable sorts in numpy (by id, then by date descending): half the time of pandas'
    ``sort_values`` over Arrow text at 100,000 rows.
    """
    by_id = np.argsort(frame[KEY].to_numpy(dtype=object), kind="stable")
    days = frame["date"].to_numpy("datetime64[s]").astype("int64")[by_id]
    order = by_id[np.argsort(-days, kind="stable")]
    return frame.take(order).reset_index(drop=True)


#: Each canonical column's dtype in a read frame, before its low-cardinality text becomes
#: categoricals (see :func:`~dashboard.core.records.typed_frame`).
_DTYPES: dict[str, str] = {
    c: "datetime64[s]"
    if c in DATE_COLUMNS
    else "float64"
    if c in FLOAT_COLUMNS
    else "Int64"
    if c in INT_COLUMNS
    else "string"
    for c in COLUMNS
}


def advanced(previous: pd.DataFrame, touched: Sequence[str], rows: pd.DataFrame) -> pd.DataFrame:
    """The read frame after a batch: ``previous`` (a read frame) without the ``touched``
    incidents, with ``rows`` (typed incidents: those the batch added or updated) instead."""
    kept = previous[~previous[KEY].astype(object).isin(touched).to_numpy(bool)]
    together = pd.concat(
        [kept.astype(_DTYPES), rows[list(COLUMNS)].astype(_DTYPES)], ignore_index=True
    )
    return ordered(categorised(together))


def _as_text(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """A date column as ISO text, parsed once per column in pandas, not per value by SQLAlchemy."""
    return sa.cast(column, sa.String)


def _field(document: sa.ColumnElement[Any], column: str) -> sa.ColumnElement[Any]:
    """One field of a history row's JSON record, as the database extracts it."""
    value = document[column]
    if column in FLOAT_COLUMNS:
        return value.as_float()
    if column in INT_COLUMNS:
        return value.as_integer()
    return value.as_string()


class IncidentReads(Part):
    """What the incidents are now and were after each batch (reads only)."""

    def incidents(self) -> pd.DataFrame:
        """All current incidents as a typed canonical frame, newest first (see :func:`ordered`).

        Read from this state's snapshot when there is one; else from SQL, then kept as the
        snapshot (unless a batch landed during the read: the rows may then mix two states).
        """
        selected = [
            (_as_text(incidents.c[c]) if c in DATE_COLUMNS else incidents.c[c]).label(c)
            for c in COLUMNS
        ]
        snapshots = Snapshots.of(self.db.url)
        with self.db.read() as conn:
            state = token(conn)
            if snapshots is not None and (kept := snapshots.load(state)) is not None:
                return kept
            frame = ordered(_read_frame(conn, sa.select(*selected)))
            if token(conn) != state:
                return frame
        if snapshots is not None:
            snapshots.save(state, frame)
        return frame

    def incidents_at_batch(self, batch_id: int) -> pd.DataFrame:
        """The incidents as batch ``batch_id`` left them, rebuilt from the history, newest first.

        Each field is taken out of the history's JSON record by the database (``json_extract``
        on SQLite, ``->>`` on PostgreSQL), so the rows arrive as columns like the live read.
        Batches commit in id order, so once a batch is visible this never changes: a cache key,
        and the state a snapshot of the store at that batch's last history row holds.
        """
        latest = (
            sa.select(sa.func.max(history.c.id).label("id"))
            .where(history.c.batch_id <= batch_id)
            .group_by(history.c.incident_id)
            .subquery()
        )
        # A record added by reference (see dashboard.store.part.LOGGED_AFTER) is the next
        # history row's before or, with none, the incidents row, read as the live read does.
        later = history.alias("later")
        following = history.alias("following")
        by_reference = history.c.after.is_(None)
        next_id = (
            sa.select(sa.func.min(later.c.id))
            .where(later.c.incident_id == history.c.incident_id, later.c.id > history.c.id)
            .scalar_subquery()
        )
        fields = {
            c: sa.case(
                (~by_reference, _field(history.c.after, c)),
                (following.c.id.is_not(None), _field(following.c.before, c)),
                else_=_as_text(incidents.c[c]) if c in DATE_COLUMNS else incidents.c[c],
            )
            for c in COLUMNS
        }
        query = (
            sa.select(*(field.label(c) for c, field in fields.items()))
            .join(latest, history.c.id == latest.c.id)
            .outerjoin(following, sa.and_(by_reference, following.c.id == next_id))
            .outerjoin(
                incidents, sa.and_(by_reference, incidents.c.incident_id == history.c.incident_id)
            )
            .where(fields["incident_id"].is_not(None))
        )
        snapshots = Snapshots.of(self.db.url)
        with self.db.read() as conn:
            state = token(conn, batch_id=batch_id)
            if snapshots is not None and (kept := snapshots.load(state)) is not None:
                return kept
            frame = ordered(_read_frame(conn, query))
        if snapshots is not None:
            snapshots.save(state, frame)
        return frame

    def records(self, ids: Sequence[str]) -> dict[str, Record]:
        """Current records of the given incident ids (absent ids are left out)."""
        with self.db.read() as conn:
            return current_records(conn, ids)

    def incident_log(self, incident_id: str) -> list[dict[str, Any]]:
        """Every recorded change of one incident, oldest first: its batch (id, kind, file, who,
        why, the reviewer, the proposal it applied, the batch it reverts), when, and the record
        before and after."""
        query = (
            sa.select(
                history.c.batch_id,
                history.c.recorded_at,
                history.c.incident_id,
                history.c.before,
                LOGGED_AFTER,
                BY_REFERENCE,
                batches.c.kind,
                batches.c.filename,
                batches.c.uploaded_by,
                batches.c.reason,
                batches.c.reviewed_by,
                batches.c.proposal_id,
                batches.c.reverts_batch,
            )
            .join(batches, batches.c.id == history.c.batch_id)
            .where(history.c.incident_id == incident_id)
            .order_by(history.c.id)
        )
        with self.db.read() as conn:
            rows = conn.execute(query).all()
            afters = logged_afters(conn, rows)
        log = []
        for row, after in zip(rows, afters, strict=True):
            entry = dict(row._mapping)
            del entry["incident_id"], entry["by_reference"]
            log.append({**entry, "after": after})
        return log
