"""Shared fixtures: a real store on SQLite and on PostgreSQL, and the injected "today"."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard.imports import open_store
from dashboard.store import Store

#: "Today" for tests: fixed, so day counts and future-date checks are reproducible.
TODAY = date(2026, 11, 26)
PG_ADMIN_URL = os.environ.get(
    "DASHBOARD_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = bool(os.environ.get("CI"))


def unavailable(reason: str) -> None:
    """Skip on a developer machine; in CI a missing service is a failure, not a skip."""
    if IN_CI:
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark what each test needs, so ``-m e2e`` and ``-m postgres`` select by it: browser tests
    by their folder, PostgreSQL ones by the fixtures they use (``db_url`` is on both kinds)."""
    e2e = Path(__file__).parent / "e2e"
    for item in items:
        if e2e in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)
        params = getattr(item, "callspec", None)
        on_postgres = params is not None and params.params.get("db_url") == "postgresql"
        if on_postgres or "pg_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(autouse=True)
def _keep_main_module() -> Iterator[None]:
    """Streamlit's script runner (AppTest) installs the page as ``sys.modules["__main__"]`` and
    leaves it there; a later test that spawns processes would make each child re-run that page.
    Put the real ``__main__`` back after every test."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture
def today() -> date:
    return TODAY


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"dash_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        unavailable(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.orig}")
    url = sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind the store supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A migrated store holding the shipped incidents."""
    opened = open_store(db_url, today=TODAY)
    yield opened
    opened.dispose()
