"""What every part of the store shares: the one :class:`Database` it reaches SQL through."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

import sqlalchemy as sa

from dashboard.core.records import Record, to_record
from dashboard.core.schema import COLUMNS, DATE_COLUMNS
from dashboard.store.database import Database
from dashboard.store.tables import incidents

#: Ids per ``IN (...)`` list, well under every back end's parameter limit.
_CHUNK = 500


class Part:
    """A part of the store (incident reads, the batch log, mappings, the throttle) over ``db``."""

    def __init__(self, db: Database) -> None:
        self.db = db


def chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
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


def db_values(record: Record) -> dict[str, object]:
    """``record`` as column values of the incidents table (dates as :class:`date`)."""
    values = dict(record)
    for column in DATE_COLUMNS:
        if values[column] is not None:
            values[column] = date.fromisoformat(str(values[column]))
    return values
