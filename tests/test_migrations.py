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


def test_the_last_migration_is_the_one_alembic_names_head() -> None:
    """``Database.migrate`` skips Alembic for a database at :func:`head_revision`: the script
    names must give the head Alembic finds."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from dashboard import PACKAGE_DIR
    from dashboard.store.database import head_revision

    config = Config()
    config.set_main_option("script_location", str(PACKAGE_DIR / "migrations"))
    assert ScriptDirectory.from_config(config).get_heads() == [head_revision()]


def test_a_database_at_the_head_is_left_as_it_is(db_url: str) -> None:
    """Migrating twice: the second finds the head and changes nothing; an older one upgrades."""
    from dashboard.store.database import head_revision

    db = Database(db_url)
    assert db.revision() is None
    db.migrate("0001")
    assert db.revision() == "0001"
    db.migrate()
    assert db.revision() == head_revision()
    db.migrate()
    assert db.revision() == head_revision()
    db.dispose()
