"""The migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dashboard.store import Database, metadata


def test_migrated_database_matches_the_declared_tables(db_url: str) -> None:
    db = Database(db_url)
    db.migrate()
    with db.read() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        differences = compare_metadata(context, metadata)
    db.dispose()
    assert differences == []
