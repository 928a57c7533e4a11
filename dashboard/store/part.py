"""What every part of the store shares: the one :class:`Database` it reaches SQL through."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

import pandas as pd
import sqlalchemy as sa

from dashboard.core.records import Record, incidents_frame, to_record
from dashboard.core.schema import COLUMNS, KEY
from dashboard.store.database import Database
from dashboard.store.tables import incidents

#: Ids per ``IN (...)`` list, under every back end's parameter limit (SQLite's is 32,766 since
#: 3.32, PostgreSQL's 65,535): a 100,000-row file is read back in 10 queries.
_CHUNK = 10_000
_T = TypeVar("_T")


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
