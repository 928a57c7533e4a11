"""Column mappings analysts saved, by name."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from dashboard.store.part import Part
from dashboard.store.tables import column_mappings


class Mappings(Part):
    """Saved column mappings (JSON as saved)."""

    def mappings(self) -> dict[str, dict[str, object]]:
        """Saved column mappings by name (JSON as saved)."""
        query = sa.select(column_mappings.c.name, column_mappings.c.mapping).order_by(
            column_mappings.c.name
        )
        with self.db.read() as conn:
            return {row.name: row.mapping for row in conn.execute(query)}

    def save_mapping(
        self, name: str, mapping: dict[str, object], *, saved_by: str, now: datetime | None = None
    ) -> None:
        """Save a column mapping under ``name``, replacing one of the same name."""
        with self.db.write_own_rows() as conn:
            conn.execute(sa.delete(column_mappings).where(column_mappings.c.name == name))
            conn.execute(
                sa.insert(column_mappings).values(
                    name=name, mapping=mapping, saved_by=saved_by, saved_at=now or datetime.now(UTC)
                )
            )
