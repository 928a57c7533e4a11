"""What every part of the store shares: the one :class:`Database` it reaches SQL through."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import pandas as pd
import sqlalchemy as sa

from dashboard.core.records import Record, incidents_frame, to_record
from dashboard.core.schema import COLUMNS, KEY
from dashboard.store.database import Database
from dashboard.store.tables import history, incidents

#: Ids per ``IN (...)`` list, under every back end's parameter limit (SQLite's is 32,766 since
#: 3.32, PostgreSQL's 65,535): a 100,000-row file is read back in 10 queries.
_CHUNK = 10_000
_T = TypeVar("_T")


_later = history.alias("later")
#: What a history row's batch left: its ``after``, except for an incident a file import added,
#: whose record is not repeated in the history (its ``after`` is SQL NULL). That
#: record is the ``before`` of the incident's next history row (every change logs the state it
#: starts from) or, with none, the incidents row (see :func:`logged_afters`). A removal's
#: ``after`` is JSON ``null``, never SQL NULL.
LOGGED_AFTER = sa.type_coerce(
    sa.func.coalesce(
        history.c.after,
        sa.select(_later.c.before)
        .where(_later.c.incident_id == history.c.incident_id, _later.c.id > history.c.id)
        .order_by(_later.c.id)
        .limit(1)
        .scalar_subquery(),
    ),
    sa.JSON,
).label("after")
#: Whether a history row's ``after`` is by reference (see :data:`LOGGED_AFTER`).
BY_REFERENCE = history.c.after.is_(None).label("by_reference")


def logged_afters(conn: sa.Connection, rows: Sequence[Any]) -> list[Any]:
    """The ``after`` of each history row selected with :data:`LOGGED_AFTER`, :data:`BY_REFERENCE`
    and ``incident_id``: a record by reference with no later history row is the incidents
    row, read on ``conn``."""
    current = [r.incident_id for r in rows if r.by_reference and r.after is None]
    found = current_records(conn, current) if current else {}
    return [found[r.incident_id] if r.by_reference and r.after is None else r.after for r in rows]


class Part:
    """A part of the store (incident reads, the batch log, mappings, the throttle) over ``db``."""

    def __init__(self, db: Database) -> None:
        self.db = db


def chunks(items: Sequence[_T], size: int = _CHUNK) -> Iterator[Sequence[_T]]:
    """``items`` in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def current_records(conn: sa.Connection, ids: Sequence[str]) -> dict[str, Record]:
    """The current records of the given incident ids, read on ``conn`` (absent ids left out)."""
    found: dict[str, Record] = {}
    for chunk in chunks(list(ids)):
        query = sa.select(*(incidents.c[c] for c in COLUMNS)).where(
            incidents.c.incident_id.in_(chunk)
        )
        for row in conn.execute(query):
            record = to_record(dict(row._mapping))
            found[str(record["incident_id"])] = record
    return found


def current_frame(conn: sa.Connection, ids: Sequence[str]) -> pd.DataFrame:
    """The current incidents of the given ids as a typed frame, read on ``conn`` (absent ids
    left out). The statement goes to the driver as written: SQLAlchemy would compile each of
    its thousands of parameters."""
    quote = conn.dialect.identifier_preparer.quote
    select = f"SELECT {', '.join(map(quote, COLUMNS))} FROM {quote(incidents.name)}"
    rows: list[dict[str, object]] = []
    for chunk in chunks(list(ids)):
        if conn.dialect.name == "postgresql":  # one array parameter: nothing to split per id
            found = conn.exec_driver_sql(f"{select} WHERE {quote(KEY)} = ANY(%s)", (list(chunk),))
        else:
            marks = ", ".join("?" * len(chunk))
            found = conn.exec_driver_sql(f"{select} WHERE {quote(KEY)} IN ({marks})", tuple(chunk))
        rows += [dict(zip(COLUMNS, row, strict=True)) for row in found]
    return incidents_frame(rows)
