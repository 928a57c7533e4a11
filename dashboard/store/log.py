"""The batch log: every change to the incidents as a batch, applied or reverted in one transaction.

Each touched incident gets a history row holding its state before and after, so a batch can be
traced and reverted and the state after any batch rebuilt. What a batch changes is planned by the
pure :mod:`dashboard.core.batches`; this module reads what a plan needs and executes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii

import numpy as np
import pandas as pd
import sqlalchemy as sa

from dashboard.core.batches import Change, LoggedChange, Plan, change_kinds, plan_revert
from dashboard.core.records import Record, incidents_frame
from dashboard.core.schema import COLUMNS, DATE_COLUMNS, FLOAT_COLUMNS, INT_COLUMNS, KEY
from dashboard.store.database import insert_rows, update_rows
from dashboard.store.incidents import advanced, empty_frame
from dashboard.store.part import Part, chunks, current_frame
from dashboard.store.snapshots import EMPTY, Snapshots, Token, token
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

    def stored_incidents(self, ids: Sequence[str]) -> pd.DataFrame:
        """The stored incidents of the given ids (a typed frame): what a batch of them is
        compared with (see :func:`dashboard.core.batches.change_kinds`)."""
        with self.db.read() as conn:
            return current_frame(conn, ids)

    def apply_batch(
        self, records: Sequence[Record], meta: BatchMeta, *, now: datetime | None = None
    ) -> BatchSummary:
        """Upsert ``records`` as one batch (see :meth:`apply_frame`)."""
        return self.apply_frame(incidents_frame([dict(r) for r in records]), meta, now=now)

    def apply_frame(
        self, frame: pd.DataFrame, meta: BatchMeta, *, now: datetime | None = None
    ) -> BatchSummary:
        """Upsert the incidents of ``frame`` (a typed incidents frame) as one batch in one
        transaction; unchanged rows are not touched.

        A row equal to the stored incident counts as unchanged and writes no history, so
        importing the same file twice changes nothing. Safe from many processes at once (writers
        take turns on the write lock, so each compares against the state the previous one
        left). The comparison, the rows and their history are built column-wise and written in
        bulk (``COPY`` on PostgreSQL, ``executemany`` on SQLite). The incidents' snapshot
        moves on with the batch (see :meth:`_advance`).
        """
        now = now or datetime.now(UTC)
        frame = frame[list(COLUMNS)].reset_index(drop=True)
        with self.db.write() as conn:
            stored = current_frame(conn, frame[KEY].tolist())
            kinds = change_kinds(frame, stored)
            changed = frame[kinds != "unchanged"]
            new = (kinds == "new")[kinds != "unchanged"]
            # As objects: pandas' isin on Arrow text makes an Arrow scalar of each wanted id.
            replaced = stored[stored[KEY].astype(object).isin(changed[KEY].astype(object))]
            before = pd.Series(
                json_documents(replaced), index=replaced[KEY].to_numpy(), dtype=object
            ).reindex(changed[KEY].to_numpy())
            steps = Steps(
                ids=changed[KEY].tolist(),
                before=before.where(~new, _NULL).tolist(),
                after=json_documents(changed),
                added=changed[new],
                updated=changed[~new],
                removed=[],
            )
            summary, states = self._execute(
                conn, meta, now, steps, unchanged=int((kinds == "unchanged").sum())
            )
        self._advance(states, steps)
        return summary

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
            steps = Steps.of(plan)
            summary, states = self._execute(conn, meta, now, steps, unchanged=plan.unchanged)
        self._advance(states, steps)
        return summary

    def _execute(
        self, conn: sa.Connection, meta: BatchMeta, now: datetime, steps: Steps, *, unchanged: int
    ) -> tuple[BatchSummary, tuple[Token, Token]]:
        """Write ``steps`` as one batch on ``conn``: its batch row, the incidents, their history.

        Also gives the store's state before and after the batch (see :meth:`_advance`)."""
        previous = token(conn)
        added, updated, removed = len(steps.added), len(steps.updated), len(steps.removed)
        batch_id = insert_batch(
            conn,
            meta,
            now,
            source_format=meta.source_format,
            added=added,
            updated=updated,
            unchanged=unchanged,
            removed=removed,
        )
        for chunk in chunks(steps.removed):
            conn.execute(sa.delete(incidents).where(incidents.c.incident_id.in_(chunk)))
        added_values: list[Sequence[object]] = [*_driver_columns(steps.added), [batch_id] * added]
        insert_rows(conn, incidents, [*COLUMNS, "batch_id"], added_values)
        others = [c for c in COLUMNS if c != KEY]
        *changed_values, keys = _driver_columns(steps.updated[[*others, KEY]])
        update_rows(
            conn,
            incidents,
            KEY,
            [*others, "batch_id"],
            list(zip(*changed_values, [batch_id] * updated, keys, strict=True)),
        )
        stamp = history.c.recorded_at.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        recorded_at = stamp(now) if stamp is not None else now
        insert_rows(
            conn,
            history,
            ["batch_id", "incident_id", "recorded_at", "before", "after"],
            [
                [batch_id] * len(steps.ids),
                steps.ids,
                [recorded_at] * len(steps.ids),
                steps.before,
                steps.after,
            ],
        )
        return BatchSummary(batch_id, added, updated, unchanged, removed), (previous, token(conn))

    def _advance(self, states: tuple[Token, Token], steps: Steps) -> None:
        """Once a batch is committed, write the snapshot of the state it left from the snapshot
        of the state before it and the batch's own rows, when that one exists (or the store was
        empty): the next read after an import needs no SQL. Nothing else reads the store here."""
        snapshots = Snapshots.of(self.db.url)
        previous, current = states
        if snapshots is None or previous == current:
            return
        before = empty_frame() if previous == EMPTY else snapshots.load(previous)
        if before is None:
            return
        rows = pd.concat([steps.added, steps.updated], ignore_index=True)
        snapshots.save(current, advanced(before, steps.ids, rows))


#: A missing record in the history (SQLAlchemy's JSON type stores None as JSON ``null`` too).
_NULL = "null"


@dataclass(frozen=True, eq=False)
class Steps:
    """What a batch writes: each touched incident's history step (JSON documents of its record
    before and after, ``null`` for absent), and the incidents to add, update and remove."""

    ids: list[str]
    before: list[str]
    after: list[str]
    added: pd.DataFrame
    updated: pd.DataFrame
    removed: list[str]

    @classmethod
    def of(cls, plan: Plan) -> Steps:
        """The steps of a plan of record changes (a revert)."""

        def documents(records: list[Record | None]) -> list[str]:
            present = [r for r in records if r is not None]
            found = iter(json_documents(incidents_frame([dict(r) for r in present])))
            return [_NULL if r is None else next(found) for r in records]

        changes = plan.changes
        return cls(
            ids=[c.incident_id for c in changes],
            before=documents([c.before for c in changes]),
            after=documents([c.after for c in changes]),
            added=incidents_frame(
                [dict(c.after) for c in changes if c.before is None and c.after is not None]
            ),
            updated=incidents_frame(
                [dict(c.after) for c in changes if c.before is not None and c.after is not None]
            ),
            removed=[c.incident_id for c in changes if c.after is None],
        )


def json_documents(frame: pd.DataFrame) -> list[str]:
    """Each row of a typed incidents frame as the JSON document of its record (the values
    :func:`~dashboard.core.records.to_record` gives, keys in template order, as ``json.dumps``
    writes them), built column by column: each cell is encoded once, each row filled in once.

    Cells are encoded by mapping one C-level function over a column (no Python per cell);
    missing cells are encoded like the rest, then replaced by ``null``."""
    columns: list[list[str]] = []
    for name in COLUMNS:
        series = frame[name]
        if name in DATE_COLUMNS:
            cells = list(map('"%s"'.__mod__, _iso_dates(series).tolist()))
        elif name in FLOAT_COLUMNS:
            cells = list(map(repr, series.to_numpy(float).tolist()))
        elif name in INT_COLUMNS:
            cells = list(map(str, series.to_numpy(dtype=object).tolist()))
        else:
            text = series.astype(object).fillna("").to_numpy(dtype=object).tolist()
            cells = list(map(encode_basestring_ascii, text))
        missing = series.isna().to_numpy(bool)
        if missing.any():
            cells = np.where(missing, "null", np.array(cells, dtype=object)).tolist()
        columns.append(cells)
    return list(map(_DOCUMENT.__mod__, zip(*columns, strict=True)))


#: A record's JSON document, cells filled in already encoded.
_DOCUMENT = "{" + ", ".join(f'"{name}": %s' for name in COLUMNS) + "}"


def _objects(series: pd.Series) -> list[object]:
    """The values of ``series`` as Python objects, missing as None."""
    values = series.to_numpy(dtype=object, copy=True)
    values[series.isna().to_numpy(bool)] = None
    return values.tolist()


def _iso_dates(dates: pd.Series) -> pd.Series:
    """Dates as ISO text (``2024-01-02``), missing as None."""
    text = np.datetime_as_string(dates.to_numpy("datetime64[s]").astype("datetime64[D]"))
    text = text.astype(object)
    text[dates.isna().to_numpy(bool)] = None
    return pd.Series(text, index=dates.index, dtype=object)


def _driver_columns(frame: pd.DataFrame) -> list[list[object]]:
    """The columns of ``frame`` as plain values for the driver (dates as ISO text, missing as
    None)."""
    return [
        _objects(_iso_dates(frame[name]) if name in DATE_COLUMNS else frame[name])
        for name in frame.columns
    ]


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


def insert_batch(
    conn: sa.Connection,
    meta: BatchMeta,
    now: datetime,
    *,
    source_format: str,
    added: int = 0,
    updated: int = 0,
    unchanged: int = 0,
    removed: int = 0,
) -> int:
    """Record a batch (incidents or evidence) in the batches table, with its counts; its id."""
    return int(
        conn.execute(
            sa.insert(batches)
            .values(
                kind=meta.kind,
                filename=meta.filename,
                sha256=meta.sha256,
                source_format=source_format,
                uploaded_by=meta.uploaded_by,
                created_at=now,
                rows_read=meta.rows_read,
                added=added,
                updated=updated,
                unchanged=unchanged,
                rejected=meta.rejected,
                removed=removed,
                reverts_batch=meta.reverts_batch,
            )
            .returning(batches.c.id)
        ).scalar_one()
    )
