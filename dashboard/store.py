"""The one module that talks SQL: incidents, import batches and their history (SQLAlchemy 2).

Every change to incidents arrives as a *batch*, applied in one transaction; each touched incident
gets a history row holding its state before and after, so a batch can be traced and reverted and
the store's state at any past moment can be rebuilt.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypedDict

import pandas as pd
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.dialects import postgresql, sqlite

from dashboard import DATA_DIR, PACKAGE_DIR
from dashboard.core.auth import Attempt, ThrottlePolicy
from dashboard.core.errors import RevertRefusedError, StoreUnavailableError
from dashboard.core.records import Record, incidents_frame, to_record
from dashboard.core.schema import COLUMNS, DATE_COLUMNS

metadata = sa.MetaData()
batches = sa.Table(
    "batches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("filename", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("source_format", sa.String(20), nullable=False),
    sa.Column("uploaded_by", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("rows_read", sa.Integer, nullable=False),
    sa.Column("added", sa.Integer, nullable=False),
    sa.Column("updated", sa.Integer, nullable=False),
    sa.Column("unchanged", sa.Integer, nullable=False),
    sa.Column("rejected", sa.Integer, nullable=False),
    sa.Column("reverts_batch", sa.Integer, sa.ForeignKey("batches.id"), nullable=True),
    sa.Column("removed", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ux_batches_reverts_batch", "reverts_batch", unique=True),
)
incidents = sa.Table(
    "incidents",
    metadata,
    sa.Column("incident_id", sa.String(200), primary_key=True),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("time", sa.Text),
    sa.Column("location", sa.Text, nullable=False),
    sa.Column("district", sa.Text),
    sa.Column("latitude", sa.Float, nullable=False),
    sa.Column("longitude", sa.Float, nullable=False),
    sa.Column("geo_precision", sa.SmallInteger, nullable=False),
    sa.Column("weapon", sa.Text, nullable=False),
    sa.Column("weapon_origin", sa.Text),
    sa.Column("attribution_status", sa.String(20), nullable=False),
    sa.Column("attributed_by", sa.Text),
    sa.Column("launch_origin", sa.Text),
    sa.Column("killed", sa.Integer),
    sa.Column("injured", sa.Integer),
    sa.Column("source_title", sa.Text),
    sa.Column("source_url", sa.Text),
    sa.Column("source_date", sa.Date),
    sa.Column("sanctions_provisions", sa.Text),
    sa.Column("notes", sa.Text),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
    sa.Index("ix_incidents_date", "date"),
)
history = sa.Table(
    "incident_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
    sa.Column("incident_id", sa.String(200), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("before", sa.JSON, nullable=True),
    sa.Column("after", sa.JSON, nullable=True),
    sa.Index("ix_history_incident", "incident_id", "id"),
    sa.Index("ix_history_batch", "batch_id"),
)
column_mappings = sa.Table(
    "column_mappings",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("mapping", sa.JSON, nullable=False),
    sa.Column("saved_by", sa.Text, nullable=False),
    sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
)
sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    sa.Column("client", sa.Text, primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_attempt", sa.Float, nullable=True),
    sa.Index("ix_sign_in_failures_last_attempt", "last_attempt"),
)


_CHUNK = 500
#: Seconds to wait for a PostgreSQL connection unless the URL says otherwise.
_CONNECT_TIMEOUT = 5
#: Key of the PostgreSQL advisory lock held while migrating and seeding.
_MIGRATION_LOCK = 0x1718_0001
#: Key of the PostgreSQL advisory lock each transaction that changes incidents takes.
_WRITE_LOCK = 0x1718_0002


def display_url(url: str) -> str:
    """A database URL with any password hidden, for messages."""
    return sa.make_url(url).render_as_string(hide_password=True)


def default_url() -> str:
    """``DASHBOARD_DB_URL``, else an SQLite file under ``data/`` (git ignores it)."""
    return os.environ.get("DASHBOARD_DB_URL") or f"sqlite:///{DATA_DIR / 'dashboard.sqlite3'}"


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


class IncidentChange(TypedDict):
    """One recorded change of an incident: the batch, when, and the record before and after."""

    batch_id: int
    recorded_at: datetime
    before: Record | None
    after: Record | None


@dataclass(frozen=True)
class BatchSummary:
    """What a batch did to the incidents."""

    batch_id: int
    added: int
    updated: int
    unchanged: int
    removed: int = 0


def _db_values(record: Record) -> dict[str, object]:
    values = dict(record)
    for column in DATE_COLUMNS:
        if values[column] is not None:
            values[column] = date.fromisoformat(str(values[column]))
    return values


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Store:
    """Incidents and their history in one SQL database (SQLite file or PostgreSQL)."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_url()
        parsed = sa.make_url(self.url)
        # Give up on a silent PostgreSQL host after a few seconds instead of hanging the page.
        connect_args = (
            {"connect_timeout": _CONNECT_TIMEOUT}
            if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query
            else {}
        )
        self.engine = sa.create_engine(self.url, pool_pre_ping=True, connect_args=connect_args)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        # Every statement and every connection of this engine goes through here: an outage
        # reaches every caller of every method as one error, with nobody having to wrap a call.
        sa.event.listen(self.engine, "handle_error", self._outage_as_error)

    def _outage_as_error(self, context: sa.engine.ExceptionContext) -> None:
        """Raise :class:`StoreUnavailableError` for a refused or lost connection (other errors
        pass unchanged). A failed pre-ping is left to the pool, which then tries to reconnect."""
        if context.is_pre_ping:
            return
        refused = context.connection is None  # the pool could not open a connection
        if isinstance(context.sqlalchemy_exception, sa.exc.OperationalError) and (
            refused or context.is_disconnect
        ):
            raise StoreUnavailableError(
                f"cannot open the store at {self.safe_url}: {context.original_exception}"
            ) from context.sqlalchemy_exception

    def dispose(self) -> None:
        self.engine.dispose()

    # -- schema ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """A lock across processes: one migrates or seeds, the others wait and then find it done."""
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK})
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK})
                    conn.commit()
        else:
            with self._file_lock("lock"):
                yield

    @contextlib.contextmanager
    def _file_lock(self, suffix: str) -> Iterator[None]:
        """Beside an SQLite file, an exclusive ``flock`` on ``<file>.<suffix>``; else nothing."""
        database = self.engine.url.database
        if self.engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
            yield
            return
        lock_path = Path(f"{database}.{suffix}")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with lock_path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def write_transaction(self) -> Iterator[sa.Connection]:
        """One transaction that changes incidents, taken in turn with every other writer.

        Writers queue on one lock (a transaction-scoped advisory lock on PostgreSQL, released at
        commit or rollback; a file lock on SQLite), so each batch reads the state the previous
        one left: two batches adding the same incident cannot collide, history stays one chain,
        and history ids grow in commit order, which keeps :meth:`data_version` a sound cache key.
        """
        with self._file_lock("write.lock"), self.engine.begin() as conn:
            if self.engine.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _WRITE_LOCK})
            yield conn

    def migrate(self) -> None:
        """Create or upgrade the schema in place through Alembic (never drops data)."""
        config = Config()
        config.set_main_option("script_location", str(PACKAGE_DIR / "migrations"))
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages."""
        return display_url(self.url)

    # -- reading --------------------------------------------------------------------------------
    def batch_count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(batches)).scalar_one()

    def data_version(self) -> int:
        """Grows with every change to the incidents: a cache key shared by all processes."""
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(history.c.id), 0))
            ).scalar_one()

    def incidents(self) -> pd.DataFrame:
        """All current incidents as a typed canonical frame, newest first."""
        query = sa.select(*(incidents.c[c] for c in COLUMNS)).order_by(
            incidents.c.date.desc(), incidents.c.incident_id
        )
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
        return incidents_frame(rows)

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
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

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
        with self.engine.connect() as conn:
            states = [row.after for row in conn.execute(query) if row.after is not None]
        frame = incidents_frame(states)
        return frame.sort_values(["date", "incident_id"], ascending=[False, True]).reset_index(
            drop=True
        )

    def incidents_asof(self, moment: datetime) -> pd.DataFrame:
        """The incidents as the store held them at ``moment`` (see :meth:`last_batch_at`)."""
        return self.incidents_at_batch(self.last_batch_at(moment))

    def records(self, ids: Sequence[str]) -> dict[str, Record]:
        """Current records of the given incident ids (absent ids are left out)."""
        with self.engine.connect() as conn:
            return self._records(conn, ids)

    @staticmethod
    def _records(conn: sa.Connection, ids: Sequence[str]) -> dict[str, Record]:
        found: dict[str, Record] = {}
        for chunk in _chunks(list(ids)):
            query = sa.select(*(incidents.c[c] for c in COLUMNS)).where(
                incidents.c.incident_id.in_(chunk)
            )
            for row in conn.execute(query):
                record = to_record(dict(row._mapping))
                found[str(record["incident_id"])] = record
        return found

    def batches(self) -> pd.DataFrame:
        """Every batch, newest first."""
        with self.engine.connect() as conn:
            return pd.read_sql(sa.select(batches).order_by(batches.c.id.desc()), conn)

    def incident_changes(self, incident_id: str) -> list[IncidentChange]:
        """Every recorded change of one incident, oldest first: batch, time, before and after."""
        query = (
            sa.select(history.c.batch_id, history.c.recorded_at, history.c.before, history.c.after)
            .where(history.c.incident_id == incident_id)
            .order_by(history.c.id)
        )
        with self.engine.connect() as conn:
            return [
                IncidentChange(
                    batch_id=row.batch_id,
                    recorded_at=row.recorded_at,
                    before=row.before,
                    after=row.after,
                )
                for row in conn.execute(query)
            ]

    def mappings(self) -> dict[str, dict[str, object]]:
        """Saved column mappings by name (JSON as saved)."""
        query = sa.select(column_mappings.c.name, column_mappings.c.mapping).order_by(
            column_mappings.c.name
        )
        with self.engine.connect() as conn:
            return {row.name: row.mapping for row in conn.execute(query)}

    def save_mapping(
        self, name: str, mapping: dict[str, object], *, saved_by: str, now: datetime | None = None
    ) -> None:
        """Save a column mapping under ``name``, replacing one of the same name."""
        with self.engine.begin() as conn:
            conn.execute(sa.delete(column_mappings).where(column_mappings.c.name == name))
            conn.execute(
                sa.insert(column_mappings).values(
                    name=name, mapping=mapping, saved_by=saved_by, saved_at=now or datetime.now(UTC)
                )
            )

    # -- writing --------------------------------------------------------------------------------
    def apply_batch(
        self, records: Sequence[Record], meta: BatchMeta, *, now: datetime | None = None
    ) -> BatchSummary:
        """Upsert ``records`` as one batch in one transaction; unchanged rows are not touched.

        A record equal to the stored one counts as unchanged and writes no history, so importing
        the same file twice changes nothing. Safe from many processes at once (see
        :meth:`write_transaction`).
        """
        now = now or datetime.now(UTC)
        with self.write_transaction() as conn:
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
                    added=0,
                    updated=0,
                    unchanged=0,
                    rejected=meta.rejected,
                    reverts_batch=meta.reverts_batch,
                )
                .returning(batches.c.id)
            ).scalar_one()
            existing = self._records(conn, [str(r["incident_id"]) for r in records])
            added: list[Record] = []
            changed: list[Record] = []
            trail: list[dict[str, object]] = []
            for record in records:
                before = existing.get(str(record["incident_id"]))
                if before == record:
                    continue
                (added if before is None else changed).append(record)
                trail.append(
                    {
                        "batch_id": batch_id,
                        "incident_id": record["incident_id"],
                        "recorded_at": now,
                        "before": before,
                        "after": record,
                    }
                )
            if added:
                conn.execute(
                    sa.insert(incidents), [{**_db_values(r), "batch_id": batch_id} for r in added]
                )
            if changed:
                conn.execute(
                    sa.update(incidents).where(incidents.c.incident_id == sa.bindparam("key")),
                    [
                        {**_db_values(r), "key": r["incident_id"], "batch_id": batch_id}
                        for r in changed
                    ],
                )
            if trail:
                conn.execute(sa.insert(history), trail)
            summary = BatchSummary(batch_id, len(added), len(changed), len(records) - len(trail))
            conn.execute(
                sa.update(batches)
                .where(batches.c.id == batch_id)
                .values(added=summary.added, updated=summary.updated, unchanged=summary.unchanged)
            )
        return summary

    def revert_batch(
        self, batch_id: int, *, uploaded_by: str, now: datetime | None = None
    ) -> BatchSummary:
        """Put every incident ``batch_id`` touched back as it was before it, in one transaction.

        The undoing is a new batch of kind "revert" with its own history rows, so the history
        stays append-only. Refused (:class:`RevertRefusedError`, nothing changed) when the batch
        is unknown, already reverted, changed nothing, or an incident it touched has changed since.
        """
        now = now or datetime.now(UTC)
        with self.write_transaction() as conn:
            return self._revert(conn, batch_id, uploaded_by, now)

    def _revert(
        self, conn: sa.Connection, batch_id: int, uploaded_by: str, now: datetime
    ) -> BatchSummary:
        original = conn.execute(sa.select(batches).where(batches.c.id == batch_id)).first()
        if original is None:
            raise RevertRefusedError(f"there is no batch {batch_id}")
        undone_by = conn.execute(
            sa.select(batches.c.id).where(batches.c.reverts_batch == batch_id)
        ).scalar()
        if undone_by is not None:
            raise RevertRefusedError(f"batch {batch_id} was already reverted by batch {undone_by}")
        trail = conn.execute(
            sa.select(history.c.incident_id, history.c.before, history.c.after)
            .where(history.c.batch_id == batch_id)
            .order_by(history.c.id)
        ).all()
        if not trail:
            raise RevertRefusedError(f"batch {batch_id} changed no incident: nothing to revert")
        current = self._records(conn, [t.incident_id for t in trail])
        overtaken = [t.incident_id for t in trail if current.get(t.incident_id) != t.after]
        if overtaken:
            raise RevertRefusedError(
                f"batch {batch_id} cannot be reverted: {len(overtaken)} incident(s) it changed "
                f"were changed again since ({', '.join(overtaken[:5])}); revert the later "
                "batches first"
            )
        revert_id = conn.execute(
            sa.insert(batches)
            .values(
                kind="revert",
                filename=f"revert of batch {batch_id} ({original.filename})",
                sha256=original.sha256,
                source_format=original.source_format,
                uploaded_by=uploaded_by,
                created_at=now,
                rows_read=0,
                added=0,
                updated=0,
                unchanged=0,
                rejected=0,
                removed=0,
                reverts_batch=batch_id,
            )
            .returning(batches.c.id)
        ).scalar_one()
        removed = [t.incident_id for t in trail if t.before is None]
        restored = [t.before for t in trail if t.before is not None and t.after is None]
        reset = [t.before for t in trail if t.before is not None and t.after is not None]
        for chunk in _chunks(removed):
            conn.execute(sa.delete(incidents).where(incidents.c.incident_id.in_(chunk)))
        if restored:
            conn.execute(
                sa.insert(incidents),
                [{**_db_values(r), "batch_id": revert_id} for r in restored],
            )
        if reset:
            conn.execute(
                sa.update(incidents).where(incidents.c.incident_id == sa.bindparam("key")),
                [{**_db_values(r), "key": r["incident_id"], "batch_id": revert_id} for r in reset],
            )
        conn.execute(
            sa.insert(history),
            [
                {
                    "batch_id": revert_id,
                    "incident_id": t.incident_id,
                    "recorded_at": now,
                    "before": t.after,
                    "after": t.before,
                }
                for t in trail
            ],
        )
        summary = BatchSummary(revert_id, len(restored), len(reset), 0, len(removed))
        conn.execute(
            sa.update(batches)
            .where(batches.c.id == revert_id)
            .values(added=summary.added, updated=summary.updated, removed=summary.removed)
        )
        return summary

    # -- sign-in throttle -----------------------------------------------------------------------
    def reserve_sign_in(self, client: str, policy: ThrottlePolicy, now: float) -> Attempt:
        """Decide ``client``'s sign-in attempt by ``policy`` and record it, atomically.

        The first statement writes the client's row (creating it if need be), which takes its
        row lock on PostgreSQL and the database's write lock on SQLite, so concurrent attempts
        by one client, from any process or replica, are decided one after another; a granted
        attempt is counted before the transaction ends, before any password is compared.
        """
        insert = (postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert)(
            sign_in_failures
        )
        lock_row = (
            insert.values(client=client, failures=0, last_attempt=None)
            .on_conflict_do_update(
                index_elements=[sign_in_failures.c.client],
                set_={"failures": sign_in_failures.c.failures},
            )
            .returning(sign_in_failures.c.failures, sign_in_failures.c.last_attempt)
        )
        with self.engine.begin() as conn:
            row = conn.execute(lock_row).one()
            attempt = policy.attempt(row.failures, row.last_attempt, now)
            if attempt.granted:
                conn.execute(
                    sa.update(sign_in_failures)
                    .where(sign_in_failures.c.client == client)
                    .values(failures=attempt.failures, last_attempt=now)
                )
        with self.engine.begin() as conn:
            # Its own statement: a reservation only ever waits for its own client's row.
            conn.execute(
                sa.delete(sign_in_failures).where(
                    sign_in_failures.c.last_attempt < now - policy.forget_after
                )
            )
        return attempt

    def clear_sign_in(self, client: str) -> None:
        """Forget ``client``'s failed sign-in attempts (it signed in)."""
        with self.engine.begin() as conn:
            conn.execute(sa.delete(sign_in_failures).where(sign_in_failures.c.client == client))


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
