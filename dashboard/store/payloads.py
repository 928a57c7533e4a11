"""Map payload files shared by every instance over the one database.

An instance writes a payload's files to its own folder and here; another instance, asked for a
file it lacks (the browser's next request reached it, or the first one died), reads it from
here. Files are named by a hash of their bytes, so a name always means the same bytes and
writing one twice changes nothing but its age. The table keeps a byte budget, oldest out.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from dashboard.store.part import Part
from dashboard.store.tables import map_payloads

#: Bytes of payload files kept in the database; past it the least recently published go first.
SHARED_PAYLOAD_BUDGET = 256 * 1024 * 1024


class SharedPayloads(Part):
    """Map payload files by name, for every instance."""

    def share_payload(
        self, files: Mapping[str, bytes], budget: int = SHARED_PAYLOAD_BUDGET
    ) -> None:
        """Keep ``files`` (name -> bytes): the ones already here are only marked as published
        now, so their bytes are not sent again; then drop the oldest others over ``budget``."""
        now = time.time()
        names = list(files)
        with self.db.write_own_rows() as conn:
            present = set(
                conn.execute(
                    sa.select(map_payloads.c.name).where(map_payloads.c.name.in_(names))
                ).scalars()
            )
            if present:
                conn.execute(
                    sa.update(map_payloads)
                    .where(map_payloads.c.name.in_(present))
                    .values(published_at=now)
                )
            missing = [name for name in names if name not in present]
            if missing:
                insert = (postgresql.insert if self.db.dialect == "postgresql" else sqlite.insert)(
                    map_payloads
                )
                conn.execute(
                    insert.on_conflict_do_nothing(index_elements=[map_payloads.c.name]),
                    [
                        {"name": n, "data": files[n], "size": len(files[n]), "published_at": now}
                        for n in missing
                    ],
                )
        self._prune(budget, keep=names)

    def shared_payload(self, name: str) -> bytes | None:
        """The bytes of the payload file ``name``, or None when no instance published it (or it
        was dropped for the budget)."""
        with self.db.read() as conn:
            data = conn.execute(
                sa.select(map_payloads.c.data).where(map_payloads.c.name == name)
            ).scalar_one_or_none()
        return None if data is None else bytes(data)

    def _prune(self, budget: int, keep: list[str]) -> None:
        with self.db.write_own_rows() as conn:
            rows = conn.execute(
                sa.select(map_payloads.c.name, map_payloads.c.size).order_by(
                    map_payloads.c.published_at.desc(), map_payloads.c.name
                )
            ).all()
            total, drop = 0, []
            for row in rows:
                total += row.size
                if total > budget and row.name not in keep:
                    drop.append(row.name)
            if drop:
                conn.execute(sa.delete(map_payloads).where(map_payloads.c.name.in_(drop)))
