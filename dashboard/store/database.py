"""One database: the engine, its outage translation, the cross-process locks and the migrations.

The store's parts reach the database only through :class:`Database`: reads run in read-only
transactions, changes to the batch log in :meth:`Database.write` under the one write lock, and
every failure to reach the server surfaces as :class:`StoreUnavailableError`, whoever called.
:func:`insert_rows` and :func:`update_rows` write many rows at once inside such a transaction.
"""

from __future__ import annotations

import contextlib
import fcntl
import operator
import os
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from dashboard import DATA_DIR, PACKAGE_DIR
from dashboard.core.errors import StoreUnavailableError

#: Seconds to wait for a PostgreSQL connection unless the URL says otherwise.
_CONNECT_TIMEOUT = 5
#: Key of the PostgreSQL advisory lock held while migrating and seeding.
_MIGRATION_LOCK = 0x1718_0001
#: Key of the PostgreSQL advisory lock each transaction that changes the batch log takes.
_WRITE_LOCK = 0x1718_0002
#: SQLite's page cache (KiB) while a transaction changes the batch log, the default's (2 MB)
#: otherwise. A million-row import inserts into the incidents' indexes all over them: with the
#: default cache its pages went out and back in, and the inserts took twice as long.
_WRITE_CACHE_KIB = 128 * 1024


def display_url(url: str) -> str:
    """A database URL with any password hidden, for messages."""
    return sa.make_url(url).render_as_string(hide_password=True)


def default_url() -> str:
    """``DASHBOARD_DB_URL``, else an SQLite file under ``data/`` (git ignores it)."""
    return os.environ.get("DASHBOARD_DB_URL") or f"sqlite:///{DATA_DIR / 'dashboard.sqlite3'}"


class Database:
    """An SQLite file or a PostgreSQL database, reached only through the transactions below."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_url()
        parsed = sa.make_url(self.url)
        # Give up on a silent PostgreSQL host after a few seconds instead of hanging the page.
        connect_args = (
            {"connect_timeout": _CONNECT_TIMEOUT}
            if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query
            else {}
        )
        self._engine = sa.create_engine(self.url, pool_pre_ping=True, connect_args=connect_args)
        if self.dialect == "sqlite":
            sa.event.listen(self._engine, "connect", _sqlite_pragmas)
        # Every statement and every connection of this engine goes through here: an outage
        # reaches every caller of every method as one error, with nobody having to wrap a call.
        sa.event.listen(self._engine, "handle_error", self._outage_as_error)

    @property
    def dialect(self) -> str:
        """The back end, "sqlite" or "postgresql": the few statements that differ choose by it."""
        return self._engine.dialect.name

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages."""
        return display_url(self.url)

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
        """Close the pooled connections (a process that is done with the store)."""
        self._engine.dispose()

    # -- transactions ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """A read-only transaction: the database refuses any write made through it."""
        if self.dialect == "postgresql":
            with self._engine.connect().execution_options(postgresql_readonly=True) as conn:
                yield conn
            return
        with self._engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA query_only = ON")
            try:
                yield conn
            finally:
                conn.rollback()
                if not conn.invalidated:
                    conn.exec_driver_sql("PRAGMA query_only = OFF")

    @contextlib.contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """One transaction that changes the batch log, taken in turn with every other writer.

        Writers queue on one lock (a transaction-scoped advisory lock on PostgreSQL, released at
        commit or rollback; a file lock on SQLite), so each batch reads the state the previous
        one left: two batches adding the same incident cannot collide, history stays one chain,
        and history ids grow in commit order, which keeps the data version a sound cache key.
        """
        with self._file_lock("write.lock"), self._engine.connect() as conn:
            if self.dialect == "sqlite":
                with _page_cache(conn, _WRITE_CACHE_KIB), conn.begin():
                    yield conn
                return
            with conn.begin():
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _WRITE_LOCK})
                yield conn

    @contextlib.contextmanager
    def write_own_rows(self) -> Iterator[sa.Connection]:
        """A transaction outside the batch log (saved mappings, the sign-in throttle) whose
        statements lock only the rows they write, so it never queues behind an import."""
        with self._engine.begin() as conn:
            yield conn

    # -- schema ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """A lock across processes: one migrates or seeds, the others wait and then find it done."""
        if self.dialect == "postgresql":
            with self._engine.connect() as conn:
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

    def migrate(self, revision: str = "head") -> None:
        """Create or upgrade the schema in place through Alembic (never drops data).

        A database already at the last migration is left as it is without starting Alembic
        (a command line run, an import among them, would spend a tenth of a second or more on
        loading it and its migration scripts)."""
        if revision == "head" and self.revision() == head_revision():
            return
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(PACKAGE_DIR / "migrations"))
        with self._engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)

    def revision(self) -> str | None:
        """The schema's migration as Alembic recorded it, or None (no schema yet)."""
        with self._engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return None
            found = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
            versions = list(found)
        return versions[0] if len(versions) == 1 else None

    @contextlib.contextmanager
    def _file_lock(self, suffix: str) -> Iterator[None]:
        """Beside an SQLite file, an exclusive ``flock`` on ``<file>.<suffix>``; else nothing."""
        database = self._engine.url.database
        if self.dialect != "sqlite" or database in (None, "", ":memory:"):
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


#: The migration scripts, one per revision, each named by its revision: ``0009_review.py``.
MIGRATIONS = PACKAGE_DIR / "migrations" / "versions"


def head_revision() -> str:
    """The last migration's revision: the highest-numbered script's (the chain is linear and
    each script is named by its revision; tests/test_migrations.py checks Alembic agrees)."""
    return max(path.name.split("_", 1)[0] for path in MIGRATIONS.glob("[0-9]*_*.py"))


def insert_rows(
    conn: sa.Connection,
    table: sa.Table,
    names: Sequence[str],
    columns: Sequence[Sequence[object]],
) -> None:
    """Insert rows given column by column (one sequence per name in ``names``, values as the
    driver takes them: text, numbers, ISO dates, None) into ``table`` in ``conn``'s transaction.

    PostgreSQL takes them through ``COPY`` (text format, written column-wise in blocks),
    SQLite through one ``executemany``; a driver error arrives as from any statement
    (SQLAlchemy's, an outage as StoreUnavailableError).
    """
    if not columns or not columns[0]:
        return
    quote = conn.dialect.identifier_preparer.quote
    listed = ", ".join(map(quote, names))
    if conn.dialect.name != "postgresql":
        marks = ", ".join("?" * len(names))
        statement = f"INSERT INTO {quote(table.name)} ({listed}) VALUES ({marks})"
        conn.exec_driver_sql(statement, list(zip(*columns, strict=True)))
        return
    statement = f"COPY {quote(table.name)} ({listed}) FROM STDIN"
    fields = [_copy_fields(values) for values in columns]
    dbapi = conn.dialect.loaded_dbapi
    driver = conn.connection.driver_connection
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for start in range(0, len(fields[0]), _COPY_BLOCK):
                block = (f[start : start + _COPY_BLOCK] for f in fields)
                copy.write("\n".join(map("\t".join, zip(*block, strict=True))) + "\n")
    except dbapi.Error as exc:
        error = sa.exc.DBAPIError.instance(statement, None, exc, dbapi.Error)
        if isinstance(error, sa.exc.OperationalError) and conn.dialect.is_disconnect(
            exc, driver, None
        ):
            raise StoreUnavailableError(
                f"cannot open the store at {conn.engine.url.render_as_string()}: {exc}"
            ) from error
        raise error from exc


#: Rows per write of a ``COPY``: the text of a million rows is never held at once.
_COPY_BLOCK = 10_000
#: What ``COPY``'s text format escapes in a value: backslash, tab, line feed, carriage return.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


_is_none = partial(operator.is_, None)


def _copy_fields(values: Sequence[object]) -> list[str]:
    """One column's values as fields of ``COPY``'s text format: escaped text, None as ``\\N``."""
    fields = list(map(str, values))
    joined = "".join(fields)
    if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
        fields = [field.translate(_COPY_ESCAPES) for field in fields]
    if None in values:  # a scan in C; most columns have no missing value
        missing = np.fromiter(map(_is_none, values), bool, len(fields))
        for row in np.flatnonzero(missing).tolist():
            fields[row] = "\\N"
    return fields


def update_rows(
    conn: sa.Connection,
    table: sa.Table,
    key: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
) -> None:
    """Set ``columns`` of the rows of ``table`` whose ``key`` is each row's last value, in
    one ``executemany`` of plain tuples (values as for :func:`insert_rows`)."""
    if not rows:
        return
    quote = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    assignments = ", ".join(f"{quote(c)} = {mark}" for c in columns)
    conn.exec_driver_sql(
        f"UPDATE {quote(table.name)} SET {assignments} WHERE {quote(key)} = {mark}",
        rows,
    )


@contextlib.contextmanager
def _page_cache(conn: sa.Connection, kib: int) -> Iterator[None]:
    """An SQLite connection's page cache set to ``kib`` KiB (pages fill it only as they are
    used), and back to what it was afterwards: the pool keeps its connections."""
    was = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size = {-int(kib)}")
    conn.commit()
    try:
        yield
    finally:
        if not conn.invalidated:
            conn.exec_driver_sql(f"PRAGMA cache_size = {int(was)}")
            conn.commit()


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
