"""The batch log: every change to the incidents as a batch, applied or reverted in one transaction.

Each touched incident gets a history row holding its state before and after, so a batch can be
traced and reverted and the state after any batch rebuilt. What a batch changes is planned by the
pure :mod:`dashboard.core.batches`; this module reads what a plan needs and executes it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii
from typing import Any, Protocol

import numpy as np
import pandas as pd
import sqlalchemy as sa

from dashboard.core.batches import (
    Change,
    Dependant,
    LoggedChange,
    Plan,
    change_kinds,
    counted,
    plan_revert,
    refuse_dependants,
)
from dashboard.core.errors import RevertRefusedError, ReviewRefusedError
from dashboard.core.evidence import Kind, identity
from dashboard.core.evidence import columns as evidence_columns
from dashboard.core.i18n import _
from dashboard.core.records import Record, incidents_frame
from dashboard.core.schema import COLUMNS, DATE_COLUMNS, FLOAT_COLUMNS, INT_COLUMNS, KEY
from dashboard.store.database import insert_rows, update_rows
from dashboard.store.incidents import advanced, empty_frame
from dashboard.store.part import (
    BY_REFERENCE,
    LOGGED_AFTER,
    Part,
    chunks,
    current_frame,
    current_records,
    logged_afters,
)
from dashboard.store.snapshots import EMPTY, Snapshots, Token, token
from dashboard.store.tables import EVIDENCE_TABLES, batches, history, incidents


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
    #: Why the change was made, who approved it and the proposal it applied (review).
    reason: str | None = None
    reviewed_by: str | None = None
    proposal_id: int | None = None


class Guard(Protocol):
    """A condition a batch is written under, checked and settled in the batch's own write
    transaction (an approval: the proposal still pending and not overtaken)."""

    def check(self, conn: sa.Connection) -> None:
        """Raise to refuse the batch; nothing is written."""

    def done(self, conn: sa.Connection, batch_id: int) -> None:
        """Record what the batch ``batch_id`` settled."""


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

    def latest_history(self, ids: Sequence[str]) -> dict[str, int]:
        """The id of each given incident's last history row (0 for one never logged): a
        proposal's base, and what makes it conflicting once another batch touches one."""
        with self.db.read() as conn:
            return latest_history(conn, ids)

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
        self,
        frame: pd.DataFrame,
        meta: BatchMeta,
        *,
        now: datetime | None = None,
        guard: Guard | None = None,
    ) -> BatchSummary:
        """Upsert the incidents of ``frame`` (a typed incidents frame) as one batch in one
        transaction; unchanged rows are not touched.

        A row equal to the stored incident counts as unchanged and writes no history, so
        importing the same file twice changes nothing. Safe from many processes at once (writers
        take turns on the write lock, so each compares against the state the previous one
        left). The comparison, the rows and their history are built column-wise and written in
        bulk (``COPY`` on PostgreSQL, ``executemany`` on SQLite). The incidents' snapshot
        moves on with the batch (see :meth:`_advance`). A ``guard`` is checked and settled in
        the same transaction.
        """
        now = now or datetime.now(UTC)
        frame = frame[list(COLUMNS)].reset_index(drop=True)
        with self.db.write() as conn:
            if guard is not None:
                guard.check(conn)
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
                after=_by_reference(np.asarray(new, bool), json_documents(changed[~new])),
                added=changed[new],
                updated=changed[~new],
                removed=[],
            )
            summary, states = self._execute(
                conn, meta, now, steps, unchanged=int((kinds == "unchanged").sum())
            )
            if guard is not None:
                guard.done(conn, summary.batch_id)
        self._advance(states, steps)
        return summary

    def retract(
        self,
        ids: Sequence[str],
        meta: BatchMeta,
        *,
        now: datetime | None = None,
        guard: Guard | None = None,
    ) -> BatchSummary:
        """Take stored incidents out of the live data as one batch (of kind "retract"): each
        leaves the incidents table, its history step keeps the record before, and its live
        evidence (sources, examinations and their component origins) is marked removed by the
        batch. The state before stays readable (``asof``); reverting the batch puts them all
        back. Refused (:class:`ReviewRefusedError`, nothing written) for an id not stored."""
        now = now or datetime.now(UTC)
        with self.db.write() as conn:
            if guard is not None:
                guard.check(conn)
            records = current_records(conn, ids)
            if missing := [i for i in ids if i not in records]:
                raise ReviewRefusedError(
                    _("no stored incident {ids}: nothing to retract").format(ids=", ".join(missing))
                )
            steps = Steps.of(counted([Change(i, records[i], None) for i in ids]))
            evidence = _EvidenceUndo.cited(conn, set(ids))
            summary, states = self._execute(conn, meta, now, steps, unchanged=0, evidence=evidence)
            if guard is not None:
                guard.done(conn, summary.batch_id)
        self._advance(states, steps)
        return summary

    def revert_batch(
        self,
        batch_id: int,
        *,
        uploaded_by: str,
        reason: str | None = None,
        now: datetime | None = None,
    ) -> BatchSummary:
        """Revert any batch in one transaction: put every incident it touched back as it was
        before it, remove the evidence rows it added and put back those it replaced.

        The undoing is a new batch of kind "revert" with its own history rows, so the history
        stays append-only. Refused (:class:`RevertRefusedError`, nothing changed) when the batch
        is unknown, already reverted, changed nothing, or a later batch changed what it did (an
        incident it touched, an evidence row it added: see
        :func:`dashboard.core.batches.plan_revert`), or when evidence would be left pointing at
        nothing: live evidence of later batches naming an incident or examination the revert
        removes (:func:`dashboard.core.batches.refuse_dependants`), or evidence it would put
        back naming one no longer stored.
        """
        now = now or datetime.now(UTC)
        with self.db.write() as conn:
            original = conn.execute(sa.select(batches).where(batches.c.id == batch_id)).first()
            reverted_by = conn.execute(
                sa.select(batches.c.id).where(batches.c.reverts_batch == batch_id)
            ).scalar()
            rows = conn.execute(
                sa.select(history.c.incident_id, history.c.before, LOGGED_AFTER, BY_REFERENCE)
                .where(history.c.batch_id == batch_id)
                .order_by(history.c.id)
            ).all()
            own = [
                Change(row.incident_id, row.before, after)
                for row, after in zip(rows, logged_afters(conn, rows), strict=True)
            ]
            undo = _EvidenceUndo.of(conn, batch_id)
            plan = plan_revert(
                batch_id,
                known=original is not None,
                reverted_by=reverted_by,
                own=own,
                latest=_latest_changes(conn, [c.incident_id for c in own]),
                evidence=undo.touched,
            )
            assert original is not None  # plan_revert refuses an unknown batch
            if undo.overtaken:
                later = ", ".join(map(str, sorted(undo.overtaken)))
                raise RevertRefusedError(
                    f"batch {batch_id} cannot be reverted: evidence it added was replaced since "
                    f"by batch {later}; revert the later batches first"
                )
            undo.check(conn, batch_id, plan)
            meta = BatchMeta(
                filename=f"revert of batch {batch_id} ({original.filename})",
                sha256=original.sha256,
                uploaded_by=uploaded_by,
                source_format=original.source_format,
                kind="revert",
                reverts_batch=batch_id,
                reason=reason,
            )
            steps = Steps.of(plan)
            summary, states = self._execute(
                conn, meta, now, steps, unchanged=plan.unchanged, evidence=undo
            )
        self._advance(states, steps)
        return summary

    def _execute(
        self,
        conn: sa.Connection,
        meta: BatchMeta,
        now: datetime,
        steps: Steps,
        *,
        unchanged: int,
        evidence: _EvidenceUndo | None = None,
    ) -> tuple[BatchSummary, tuple[Token, Token]]:
        """Write ``steps`` as one batch on ``conn``: its batch row, the incidents, their history,
        and a revert's ``evidence`` rows (removed and put back, counted with the incidents).

        Also gives the store's state before and after the batch (see :meth:`_advance`)."""
        previous = token(conn)
        added, updated, removed = len(steps.added), len(steps.updated), len(steps.removed)
        if evidence is not None:
            added += sum(len(rows) for rows in evidence.restore.values())
            removed += sum(len(ids) for ids in evidence.remove.values())
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
        if evidence is not None:
            evidence.apply(conn, batch_id)
        for part in _slices(steps.added):
            added_values: list[Sequence[object]] = [
                *_driver_columns(part),
                [batch_id] * len(part),
            ]
            insert_rows(conn, incidents, [*COLUMNS, "batch_id"], added_values)
        others = [c for c in COLUMNS if c != KEY]
        for part in _slices(steps.updated[[*others, KEY]]):
            *changed_values, keys = _driver_columns(part)
            update_rows(
                conn,
                incidents,
                KEY,
                [*others, "batch_id"],
                list(zip(*changed_values, [batch_id] * len(part), keys, strict=True)),
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


@dataclass(frozen=True, eq=False)
class _EvidenceUndo:
    """What reverting a batch does to the evidence: the live rows it added to remove (following
    an update of them that was itself reverted to the row that revert put back), the rows it
    replaced to put back, and the later batches that replaced rows it added (``overtaken``)."""

    remove: dict[Kind, list[int]]
    restore: dict[Kind, list[dict[str, Any]]]
    overtaken: set[int]
    touched: int

    @classmethod
    def of(cls, conn: sa.Connection, batch_id: int) -> _EvidenceUndo:
        """Read on ``conn`` (every evidence row: the tables are small)."""
        reverts = {
            row.reverts_batch: row.id
            for row in conn.execute(
                sa.select(batches.c.reverts_batch, batches.c.id).where(
                    batches.c.reverts_batch.is_not(None)
                )
            )
        }
        remove: dict[Kind, list[int]] = {}
        restore: dict[Kind, list[dict[str, Any]]] = {}
        overtaken: set[int] = set()
        touched = 0
        for kind, table in EVIDENCE_TABLES.items():
            query = sa.select(
                table.c.id,
                table.c.batch_id,
                table.c.removed_by,
                *(table.c[c] for c in evidence_columns(kind)),
            )
            rows: list[dict[str, Any]] = [dict(r._mapping) for r in conn.execute(query)]
            by_batch: dict[tuple[object, object], dict[str, Any]] = {
                (r["batch_id"], identity(kind, r)): r for r in rows
            }
            remove[kind] = []
            for row in (r for r in rows if r["batch_id"] == batch_id):
                current: dict[str, Any] | None = row
                while current is not None and current["removed_by"] is not None:
                    later = current["removed_by"]
                    if later not in reverts:  # replaced by an update that still stands
                        overtaken.add(later)
                    current = by_batch.get((reverts.get(later), identity(kind, row)))
                if current is not None and current["removed_by"] is None:
                    remove[kind].append(current["id"])
            restore[kind] = [
                {c: r[c] for c in evidence_columns(kind)}
                for r in rows
                if r["removed_by"] == batch_id
            ]
            touched += sum(1 for r in rows if batch_id in (r["batch_id"], r["removed_by"]))
        return cls(remove, restore, overtaken, touched)

    @classmethod
    def cited(cls, conn: sa.Connection, ids: set[str]) -> _EvidenceUndo:
        """The live evidence of the incidents ``ids`` to remove with them (a retract): their
        sources and examinations, and the component origins of those examinations."""
        remove: dict[Kind, list[int]] = {}
        examined: set[str] = set()
        for kind in ("sources", "examinations"):
            rows = [r for r in live_evidence(conn, kind) if r["incident_id"] in ids]
            remove[kind] = [int(r["id"]) for r in rows]
            if kind == "examinations":
                examined = {str(r["examination_id"]) for r in rows}
        remove["component_origins"] = [
            int(r["id"])
            for r in live_evidence(conn, "component_origins")
            if r["examination_id"] in examined
        ]
        restore: dict[Kind, list[dict[str, Any]]] = {kind: [] for kind in EVIDENCE_TABLES}
        return cls(remove, restore, set(), 0)

    def check(self, conn: sa.Connection, batch_id: int, plan: Plan) -> None:
        """Refuse (:class:`RevertRefusedError`) a revert that would leave evidence naming an
        incident or examination no longer stored: live rows of later batches (named, see
        :func:`refuse_dependants`) or rows it would put back."""
        gone = {c.incident_id for c in plan.changes if c.after is None}
        back = {c.incident_id for c in plan.changes if c.before is None}
        removed = {kind: set(ids) for kind, ids in self.remove.items()}
        live = {
            kind: [r for r in live_evidence(conn, kind) if r["id"] not in removed[kind]]
            for kind in EVIDENCE_TABLES
        }
        cited = sorted(
            {
                r["incident_id"]
                for kind in ("sources", "examinations")
                for r in (*live[kind], *self.restore[kind])
                if r["incident_id"] is not None
            }
        )
        stored: set[str] = set()
        for chunk in chunks(cited):  # only the incidents evidence names, not every incident
            query = sa.select(incidents.c.incident_id).where(incidents.c.incident_id.in_(chunk))
            stored |= set(conn.execute(query).scalars())
        examinations = {r["examination_id"] for r in live["examinations"]} | {
            r["examination_id"] for r in self.restore["examinations"]
        }
        incident_ids = (stored - gone) | back
        missing: dict[int, dict[str, set[str]]] = {}
        put_back: set[str] = set()
        references: tuple[tuple[Kind, str, set[str]], ...] = (
            ("sources", "incident_id", incident_ids),
            ("examinations", "incident_id", incident_ids),
            ("component_origins", "examination_id", examinations),
        )
        for kind, refers, known in references:
            for row in live[kind]:
                if row[refers] is not None and row[refers] not in known:
                    of_batch = missing.setdefault(row["batch_id"], {})
                    of_batch.setdefault(f"{kind.replace('_', ' ')} naming {refers}", set()).add(
                        str(row[refers])
                    )
            for row in self.restore[kind]:
                if row[refers] is not None and row[refers] not in known:
                    put_back.add(str(row[refers]))
        if missing:
            found = conn.execute(sa.select(batches).where(batches.c.id.in_(list(missing))))
            raise refuse_dependants(
                batch_id,
                [
                    Dependant(
                        b.id,
                        b.filename,
                        b.uploaded_by,
                        b.created_at,
                        "; ".join(
                            f"{what} {', '.join(sorted(ids)[:_NAMED])}"
                            for what, ids in missing[b.id].items()
                        ),
                    )
                    for b in found
                ],
            )
        if put_back:
            raise RevertRefusedError(
                f"batch {batch_id} cannot be reverted: it would put back evidence naming what is "
                f"no longer stored ({', '.join(sorted(put_back)[:_NAMED])})"
            )

    def apply(self, conn: sa.Connection, revert_id: int) -> None:
        """Mark the rows removed by ``revert_id`` and put the replaced ones back as its rows."""
        for kind, ids in self.remove.items():
            table = EVIDENCE_TABLES[kind]
            for chunk in chunks(ids):
                conn.execute(
                    sa.update(table).where(table.c.id.in_(chunk)).values(removed_by=revert_id)
                )
            if self.restore[kind]:
                conn.execute(
                    sa.insert(table), [{**r, "batch_id": revert_id} for r in self.restore[kind]]
                )


#: How many names a refusal lists per kind of evidence.
_NAMED = 5


def live_evidence(conn: sa.Connection, kind: Kind) -> list[dict[str, Any]]:
    """The live rows of an evidence kind, read on ``conn``: their id, batch and columns."""
    table = EVIDENCE_TABLES[kind]
    query = sa.select(table.c.id, table.c.batch_id, *(table.c[c] for c in evidence_columns(kind)))
    return [dict(r._mapping) for r in conn.execute(query.where(table.c.removed_by.is_(None)))]


#: A missing record in the history (SQLAlchemy's JSON type stores None as JSON ``null`` too).
_NULL = "null"


@dataclass(frozen=True, eq=False)
class Steps:
    """What a batch writes: each touched incident's history step (JSON documents of its record
    before and after, ``null`` for absent; an ``after`` of None for an incident a file added: by
    reference, see :data:`dashboard.store.part.LOGGED_AFTER`), and the incidents to add, update
    and remove."""

    ids: list[str]
    before: list[str]
    after: Sequence[str | None]
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


def _by_reference(new: np.ndarray, updated: list[str]) -> list[str | None]:
    """The history's ``after`` of each changed row, in order: None (SQL NULL) for a new
    incident, whose record the incidents row and later history hold (not repeated: at a
    million rows it was half of what an import wrote), else the next of ``updated``."""
    after = np.full(len(new), None, dtype=object)
    after[~new] = updated
    return list(after)


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


#: Rows handed to the driver at a time: their values as Python objects (at a million rows, 1.2 GB
#: of them) are made for one slice at a time, not for the whole batch at once.
_DRIVER_ROWS = 100_000


def _slices(frame: pd.DataFrame) -> Iterator[pd.DataFrame]:
    """``frame`` in slices of at most :data:`_DRIVER_ROWS` rows (none for an empty frame)."""
    for start in range(0, len(frame), _DRIVER_ROWS):
        yield frame.iloc[start : start + _DRIVER_ROWS]


def _driver_columns(frame: pd.DataFrame) -> list[list[object]]:
    """The columns of ``frame`` as plain values for the driver (dates as ISO text, missing as
    None)."""
    return [
        _objects(_iso_dates(frame[name]) if name in DATE_COLUMNS else frame[name])
        for name in frame.columns
    ]


def latest_history(conn: sa.Connection, ids: Sequence[str]) -> dict[str, int]:
    """The id of each given incident's last history row, read on ``conn`` (0: never logged)."""
    found = dict.fromkeys(ids, 0)
    for chunk in chunks(list(ids)):
        query = (
            sa.select(history.c.incident_id, sa.func.max(history.c.id))
            .where(history.c.incident_id.in_(chunk))
            .group_by(history.c.incident_id)
        )
        found.update({row[0]: int(row[1]) for row in conn.execute(query)})
    return found


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
            history.c.batch_id, history.c.incident_id, history.c.before, LOGGED_AFTER, BY_REFERENCE
        ).join(latest, history.c.id == latest.c.id)
        rows = conn.execute(query).all()
        for row, after in zip(rows, logged_afters(conn, rows), strict=True):
            found[row.incident_id] = LoggedChange(
                row.batch_id, Change(row.incident_id, row.before, after)
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
                reason=meta.reason,
                reviewed_by=meta.reviewed_by,
                proposal_id=meta.proposal_id,
            )
            .returning(batches.c.id)
        ).scalar_one()
    )
