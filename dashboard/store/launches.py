"""The Air Force's monthly launches in the store: one table, replaced as a whole in one transaction.

Not incidents and not in the batch log: a new import of the dataset supersedes the last one
(the dataset is cumulative), and each row names the file, its digest, who imported it and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa

from dashboard.core.launches import MONTHLY_COLUMNS, empty_monthly, typed_monthly
from dashboard.store.part import Part
from dashboard.store.tables import launches_monthly


@dataclass(frozen=True)
class LaunchesImport:
    """Where the stored series came from."""

    filename: str
    sha256: str
    imported_by: str
    imported_at: datetime
    months: int


class LaunchesStore(Part):
    """Reads of the monthly launches and their one write path."""

    def launches(self) -> pd.DataFrame:
        """The stored series (see :func:`dashboard.core.launches.typed_monthly`), oldest first."""
        query = sa.select(*(launches_monthly.c[c] for c in MONTHLY_COLUMNS)).order_by(
            launches_monthly.c.month
        )
        with self.db.read() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
        return (
            typed_monthly(pd.DataFrame(rows, columns=list(MONTHLY_COLUMNS)))
            if rows
            else (empty_monthly())
        )

    def launches_import(self) -> LaunchesImport | None:
        """The import the stored series comes from (None: none stored)."""
        query = sa.select(
            launches_monthly.c.filename,
            launches_monthly.c.sha256,
            launches_monthly.c.imported_by,
            launches_monthly.c.imported_at,
            sa.func.count().over().label("months"),
        ).limit(1)
        with self.db.read() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return LaunchesImport(
            row.filename, row.sha256, row.imported_by, row.imported_at, int(row.months)
        )

    def replace_launches(
        self,
        monthly: pd.DataFrame,
        *,
        filename: str,
        sha256: str,
        imported_by: str,
        now: datetime | None = None,
    ) -> LaunchesImport:
        """Store ``monthly`` in place of the stored series, in one transaction (all or nothing)."""
        now = now or datetime.now(UTC)
        rows = [
            {
                "month": pd.Timestamp(r["month"]).date(),
                **{c: None if pd.isna(r[c]) else int(r[c]) for c in MONTHLY_COLUMNS[1:]},
                "filename": filename,
                "sha256": sha256,
                "imported_by": imported_by,
                "imported_at": now,
            }
            for r in monthly.to_dict("records")
        ]
        with self.db.write() as conn:
            conn.execute(sa.delete(launches_monthly))
            if rows:
                conn.execute(sa.insert(launches_monthly), rows)
        return LaunchesImport(filename, sha256, imported_by, now, len(rows))
