"""Shared fixtures: a real store on SQLite and on PostgreSQL, and the injected "today"."""

from __future__ import annotations

import os
import sqlite3
import sys
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

from dashboard.imports import open_store
from dashboard.store import Store

#: "Today" for tests: fixed, so day counts and future-date checks are reproducible.
TODAY = date(2026, 11, 26)
PG_ADMIN_URL = os.environ.get(
    "DASHBOARD_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = bool(os.environ.get("CI"))

# Property tests: Hypothesis's 100 examples each in the suite, with no time limit per example (a
# loaded machine is slow, not wrong); HYPOTHESIS_PROFILE=deep tries 2,000 each.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("deep", settings.get_profile("suite"), max_examples=2_000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


def unavailable(reason: str) -> None:
    """Skip on a developer machine; in CI a missing service is a failure, not a skip."""
    if IN_CI:
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


#: Where the last whole run left each test file's seconds (pytest's cache, ``.pytest_cache``).
FILE_SECONDS = "dashboard/file-seconds"


def pytest_configure(config: pytest.Config) -> None:
    """Under ``-n``, hand out the files in the order set below rather than pytest-xdist's
    default, the files with the most tests first: that one puts the browser files (a few long
    tests each) last, where one runs alone while the other processes wait."""
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def _recorded_seconds(config: pytest.Config) -> dict[str, float]:
    cache = getattr(config, "cache", None)  # none with -p no:cacheprovider
    return cache.get(FILE_SECONDS, {}) if cache is not None else {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark what each test needs, so ``-m e2e`` and ``-m postgres`` select by it: browser tests
    by their folder, PostgreSQL ones by the fixtures they use (``db_url`` is on both kinds).

    Then put the longest files first, so that under ``-n`` (``--dist loadfile``) no long file
    starts last and runs alone: by each file's seconds if the last whole run recorded them,
    else the files holding browser tests first (a fresh clone, as in CI, has no record)."""
    e2e = Path(__file__).parent / "e2e"
    for item in items:
        if e2e in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)
        params = getattr(item, "callspec", None)
        on_postgres = params is not None and params.params.get("db_url") == "postgresql"
        if on_postgres or {"pg_url", "pg_seeded_url"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)
    seconds = _recorded_seconds(config)
    if not seconds:
        browser_files = {_file_of(i.nodeid) for i in items if i.get_closest_marker("e2e")}
        seconds = dict.fromkeys(browser_files, 1.0)
    # Stable: each file's tests keep their order.
    items.sort(key=lambda item: seconds.get(_file_of(item.nodeid), 0.0), reverse=True)


def _file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


_seconds_run: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Add up each file's seconds (set-up, call and tear-down; with ``-n``, as the workers
    report them to the main process)."""
    file = _file_of(report.nodeid)
    _seconds_run[file] = _seconds_run.get(file, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    """After a run of the whole suite (no paths, no ``-k``; ``-m`` may leave files out), keep
    each file's seconds for the next run's order."""
    config = session.config
    whole = config.args_source == pytest.Config.ArgsSource.TESTPATHS and not config.option.keyword
    cache = getattr(config, "cache", None)
    if whole and cache is not None and not hasattr(config, "workerinput"):
        kept = cache.get(FILE_SECONDS, {})
        cache.set(FILE_SECONDS, kept | {f: round(s, 1) for f, s in _seconds_run.items()})


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


def _create_database(admin: sa.Engine, template: str | None = None) -> str:
    """A new database, empty or a copy of ``template``, named for this test; returns its URL."""
    name = f"dash_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"{copy}'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        unavailable(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.orig}")
    return sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _drop_database(admin: sa.Engine, url: str) -> None:
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{sa.make_url(url).database}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def _pg_seeded() -> Iterator[str]:
    """The name of a PostgreSQL database migrated and seeded once per test process, which
    ``store`` copies (``CREATE DATABASE … TEMPLATE``: a file copy, not the migrations again)."""
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    url = _create_database(admin)
    try:
        open_store(url, today=TODAY).dispose()  # no connection left: a template must be idle
        yield str(sa.make_url(url).database)
    finally:
        _drop_database(admin, url)
        admin.dispose()


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards: empty, unless the test uses
    ``store`` (then already migrated and seeded, as ``store`` would leave it)."""
    copy = SEEDED_COPY in request.fixturenames
    template = request.getfixturevalue("_pg_seeded") if copy else None
    with pg_database(template) as url:
        yield url


@pytest.fixture
def pg_seeded_url(_pg_seeded: str) -> Iterator[str]:
    """A fresh PostgreSQL database for one test, migrated and seeded (what ``open_store`` makes
    of an empty one), dropped afterwards."""
    with pg_database(_pg_seeded) as url:
        yield url


@contextmanager
def pg_database(template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database (empty, or a copy of ``template``) while in the block."""
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    url = _create_database(admin, template)
    try:
        yield url
    finally:
        _drop_database(admin, url)
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind the store supports (seeded already if the test uses
    ``store``)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
        if SEEDED_COPY in request.fixturenames:
            _copy_sqlite(request.getfixturevalue("_sqlite_seeded"), tmp_path / "store.sqlite3")
        return url
    return request.getfixturevalue("pg_url")


@pytest.fixture(scope="session")
def _sqlite_seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store migrated and seeded once per test process, which ``store`` copies."""
    path = tmp_path_factory.mktemp("seeded") / "store.sqlite3"
    open_store(f"sqlite:///{path}", today=TODAY).dispose()
    return path


def _copy_sqlite(source: Path, target: Path) -> None:
    """Copy a SQLite database with SQLite's own backup (whatever its journal holds comes too)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


#: The fixture by which ``db_url`` and ``pg_url`` know that the test's ``store`` is the one below
#: (a test file may define its own, which opens an empty database itself).
SEEDED_COPY = "_seeded_copy"


@pytest.fixture
def _seeded_copy() -> None:
    """Nothing: its presence asks ``db_url`` and ``pg_url`` for a copy of a seeded database."""


@pytest.fixture
def store(db_url: str, _seeded_copy: None) -> Iterator[Store]:
    """A migrated store holding the shipped incidents (a copy of one migrated and seeded once
    per test process; opening it checks that it is at the head and seeded, as on a new one)."""
    opened = open_store(db_url, today=TODAY)
    yield opened
    opened.dispose()
