"""Several processes on one PostgreSQL: simultaneous imports and a migration race at start."""

from __future__ import annotations

import csv
import io
import itertools
import multiprocessing
import time
from collections.abc import Iterator
from multiprocessing.managers import SyncManager
from multiprocessing.pool import Pool
from multiprocessing.synchronize import Barrier

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from dashboard import PACKAGE_DIR
from dashboard.imports import SHIPPED_INCIDENTS, commit, open_store, prepare
from dashboard.store.tables import history
from tests.conftest import TODAY

pytestmark = pytest.mark.postgres

WORKERS = 8
_SPAWN = multiprocessing.get_context("spawn")


def incident_csv(rows: list[dict[str, str]]) -> bytes:
    """A canonical CSV: the shipped Kharkiv row under other ids and casualty counts."""
    with SHIPPED_INCIDENTS.open(encoding="utf-8", newline="") as handle:
        template = next(csv.DictReader(handle))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(template))
    writer.writeheader()
    writer.writerows({**template, **row} for row in rows)
    return out.getvalue().encode("utf-8")


def import_at_once(url: str, worker: int, barrier: Barrier) -> tuple[int, int, int, float]:
    """One analyst's import, started together with the others: a row every worker adds, a row
    every worker changes differently, and a row of its own. Returns the batch summary and the
    seconds the commit took."""
    store = open_store(url, today=TODAY)
    data = incident_csv(
        [
            {"incident_id": "SHARED-NEW"},
            {"incident_id": "CONTESTED", "killed": str(worker)},
            {"incident_id": f"OWN-{worker}"},
        ]
    )
    prepared = prepare(data, f"analyst-{worker}.csv", TODAY)
    barrier.wait(timeout=60)
    started = time.perf_counter()
    summary = commit(store, prepared, uploaded_by=f"analyst-{worker}")
    elapsed = time.perf_counter() - started
    store.dispose()
    return summary.added, summary.updated, summary.unchanged, elapsed


def open_at_once(url: str, barrier: Barrier) -> int:
    """Open (migrate and seed) the store together with the other workers."""
    barrier.wait(timeout=60)
    store = open_store(url, today=TODAY)
    count = store.batch_count()
    store.dispose()
    return count


@pytest.fixture(scope="module")
def workers() -> Iterator[tuple[Pool, SyncManager]]:
    """Separate processes (spawned: nothing shared with the test process) and a manager for the
    barrier that starts them together. Started once: spawning costs seconds."""
    with _SPAWN.Manager() as manager, _SPAWN.Pool(WORKERS) as pool:
        yield pool, manager


def test_simultaneous_imports_all_land_once(pg_url: str, workers: tuple[Pool, SyncManager]) -> None:
    open_store(pg_url, today=TODAY).dispose()
    pool, manager = workers
    barrier = manager.Barrier(WORKERS)
    results = pool.starmap_async(
        import_at_once, [(pg_url, w, barrier) for w in range(WORKERS)]
    ).get(timeout=120)

    summaries = sorted((added, updated, unchanged) for added, updated, unchanged, _ in results)
    # The first batch adds all three rows; every later one adds its own row, changes the
    # contested one (each worker wrote a different count) and leaves the shared row unchanged.
    assert summaries == [(1, 1, 1)] * (WORKERS - 1) + [(3, 0, 0)]

    store = open_store(pg_url, today=TODAY)
    frame = store.incidents().set_index("incident_id")
    assert len(frame) == 8 + 2 + WORKERS
    assert {f"OWN-{w}" for w in range(WORKERS)} <= set(frame.index)
    batches = store.batches()
    assert sorted(batches["uploaded_by"]) == sorted(
        ["shipped data", *(f"analyst-{w}" for w in range(WORKERS))]
    )
    with store.db.read() as conn:
        order = conn.execute(sa.select(history.c.batch_id).order_by(history.c.id)).scalars().all()
    assert len(store.incident_log("SHARED-NEW")) == 1
    contested = store.incident_log("CONTESTED")
    assert len(contested) == WORKERS
    # History is one unbroken chain: each change starts from the state the previous one left.
    assert contested[0]["before"] is None
    for previous, current in itertools.pairwise(contested):
        assert current["before"] == previous["after"]
    assert frame.loc["CONTESTED", "killed"] == contested[-1]["after"]["killed"]
    # Batches commit in the order of their history ids, so the data version (the highest id)
    # grows with every commit and no cache can miss a change.
    assert order == sorted(order)
    store.dispose()


def test_simultaneous_start_migrates_and_seeds_once(
    pg_url: str, workers: tuple[Pool, SyncManager]
) -> None:
    pool, manager = workers
    barrier = manager.Barrier(WORKERS)
    counts = pool.starmap_async(open_at_once, [(pg_url, barrier)] * WORKERS).get(timeout=120)
    assert counts == [1] * WORKERS
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
        kinds = conn.execute(sa.text("SELECT kind FROM batches")).scalars().all()
        count = conn.execute(sa.text("SELECT count(*) FROM incidents")).scalar_one()
    engine.dispose()
    head = ScriptDirectory(str(PACKAGE_DIR / "migrations")).get_current_head()
    assert (version, kinds, count) == ([head], ["seed"], 8)
