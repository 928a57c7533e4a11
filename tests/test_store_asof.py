"""The store rebuilt at a past moment, on SQLite and PostgreSQL (what ``asof`` links show)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
import streamlit as st

from dashboard.core.records import frame_records
from dashboard.store import BatchMeta, Store
from dashboard.store.snapshots import SNAPSHOT_DIR_ENV
from dashboard.store.tables import history
from dashboard.ui import data


def test_incidents_asof_ignores_later_batches(store: Store) -> None:
    seeded = store.incidents()
    later = datetime.now(UTC) + timedelta(hours=1)
    changed = frame_records(seeded[seeded["incident_id"] == "UA-KHA-20240102"])
    changed[0]["killed"] = 99
    store.apply_batch(
        changed, BatchMeta(filename="fix.csv", sha256="0" * 64, uploaded_by="t"), now=later
    )
    before = store.incidents_asof(later - timedelta(minutes=1))
    after = store.incidents_asof(later)
    assert before.equals(seeded)
    killed = dict(zip(after["incident_id"], after["killed"], strict=True))
    assert killed["UA-KHA-20240102"] == 99
    assert store.incidents_asof(datetime(2020, 1, 1, tzinfo=UTC)).empty


def _fix(store: Store, source: str, now: datetime, **changes: object) -> int:
    """Store one changed copy of a stored incident as a batch started at ``now``; its id."""
    record = {**store.records([source])[source], **changes}
    meta = BatchMeta(filename="fix.csv", sha256="0" * 64, uploaded_by="t")
    return store.apply_batch([record], meta, now=now).batch_id


def test_a_record_a_batch_added_reads_back_exactly_after_later_changes(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An added incident's record is not repeated in its history row (the incidents row and the
    next change's ``before`` hold it): every past state, the incident's changes, the feed's and a
    revert still see it exactly, after an update, a retract and the retract's revert."""
    monkeypatch.setenv(SNAPSHOT_DIR_ENV, "off")  # read the history itself, not a snapshot
    source = store.records(["UA-KHA-20240106"])["UA-KHA-20240106"]
    added = {**source, "incident_id": "NEW-1", "latitude": 0.1 + 0.2, "killed": 3}
    meta = BatchMeta(filename="new.csv", sha256="1" * 64, uploaded_by="t")
    first = store.apply_batch([added], meta).batch_id
    with store.db.read() as conn:
        stored = conn.execute(sa.select(history.c.after).where(history.c.batch_id == first))
        assert stored.scalars().all() == [None]  # by reference

    def past(batch_id: int) -> dict[str, object] | None:
        frame = store.incidents_at_batch(batch_id)
        rows = frame_records(frame[frame["incident_id"] == "NEW-1"])
        return rows[0] if rows else None

    assert past(first) == added
    assert store.incident_log("NEW-1")[-1]["after"] == added
    assert store.records(["NEW-1"])["NEW-1"] == added
    update = _fix(store, "NEW-1", datetime.now(UTC), killed=4)
    retract = store.retract(["NEW-1"], meta).batch_id
    assert (past(first), past(update), past(retract)) == (added, {**added, "killed": 4}, None)
    steps = store.incident_log("NEW-1")
    assert [(s["before"], s["after"]) for s in steps] == [
        (None, added),
        (added, {**added, "killed": 4}),
        ({**added, "killed": 4}, None),
    ]
    feed = {c.batch.batch_id: c.after for c in store.recent_changes(10)}
    assert feed[first] == added
    store.revert_batch(retract, uploaded_by="t")
    assert store.records(["NEW-1"])["NEW-1"] == {**added, "killed": 4}
    assert past(first) == added


def test_moments_between_the_same_batches_resolve_to_one_batch(store: Store) -> None:
    (seed,) = store.batches()["id"]
    start = datetime.now(UTC) + timedelta(hours=1)
    fix = _fix(store, "UA-KHA-20240106", start, killed=1)
    assert store.last_batch_at(start - timedelta(minutes=59)) == seed
    assert store.last_batch_at(start - timedelta(seconds=1)) == seed
    assert store.last_batch_at(start) == fix
    assert store.last_batch_at(start + timedelta(days=3, seconds=17)) == fix
    assert store.last_batch_at(datetime(2020, 1, 1, tzinfo=UTC)) == 0
    assert store.incidents_asof(datetime(2020, 1, 1, tzinfo=UTC)).empty


def test_a_batch_started_later_but_committed_first_ends_the_past(store: Store) -> None:
    """Batch ids follow commit order; a moment sees no batch committed after a later-started one."""
    (seed,) = store.batches()["id"]
    start = datetime.now(UTC) + timedelta(hours=1)
    late_start = _fix(store, "UA-KHA-20240106", start + timedelta(hours=2), killed=1)
    early_start = _fix(store, "UA-KHA-20240106", start, killed=2)  # waited for the lock
    assert store.last_batch_at(start + timedelta(hours=1)) == seed
    killed = store.incidents_asof(start + timedelta(hours=1)).set_index("incident_id")["killed"]
    assert killed["UA-KHA-20240106"] is pd.NA  # not yet the early start's 2: not committed then
    assert store.last_batch_at(start + timedelta(hours=2)) == early_start > late_start


def test_the_rebuild_of_each_batch_equals_the_live_state_after_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SNAPSHOT_DIR_ENV, "off")  # both sides from SQL: the history's JSON
    (seed,) = store.batches()["id"]
    live = {seed: store.incidents()}
    start = datetime.now(UTC)
    changed = _fix(store, "UA-KHA-20240106", start, killed=5)
    live[changed] = store.incidents()
    added = _fix(store, "UA-KHA-20240106", start, incident_id="LATER-1")
    live[added] = store.incidents()
    reverted = store.revert_batch(changed, uploaded_by="t", now=start).batch_id
    live[reverted] = store.incidents()
    for batch_id, state in live.items():
        pd.testing.assert_frame_equal(store.incidents_at_batch(batch_id), state)
    assert store.incidents_at_batch(0).empty


@pytest.fixture
def cached_store(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Store, list[str]]]:
    """The store the app's cached reads use, and the rebuilds (reads of past states) it runs.

    Snapshots are off: these tests count the rebuilds the process cache saves, which a batch's
    snapshot (tests/test_store_snapshots.py) would otherwise save all of."""
    monkeypatch.setenv("DASHBOARD_DB_URL", db_url)
    monkeypatch.setenv(SNAPSHOT_DIR_ENV, "off")
    st.cache_resource.clear()
    st.cache_data.clear()
    current = data.store()
    rebuilds: list[str] = []

    def count(conn: sa.Connection, _cursor: object, statement: str, *_args: object) -> None:
        if conn.engine.url == sa.make_url(db_url) and re.search(
            r'incident_history\."?after', statement
        ):
            rebuilds.append(statement)

    # Every engine's statements (the store keeps its own engine to itself), this store's counted.
    sa.event.listen(sa.Engine, "before_cursor_execute", count)
    yield current, rebuilds
    sa.event.remove(sa.Engine, "before_cursor_execute", count)
    st.cache_data.clear()
    st.cache_resource.clear()
    current.dispose()


def test_asof_links_share_one_rebuild_per_batch_in_a_bounded_cache(
    cached_store: tuple[Store, list[str]],
) -> None:
    store, rebuilds = cached_store
    start = datetime.now(UTC) + timedelta(hours=1)
    for hour in range(1, 7):
        _fix(store, "UA-KHA-20240106", start + timedelta(hours=hour), killed=hour)
    between = [  # 10 distinct seconds after each of the 7 batches, before the next one
        [start + timedelta(hours=hour, seconds=second) for second in range(0, 3000, 300)]
        for hour in range(7)
    ]
    for moments in between:
        frames = [data.incidents_asof(moment) for moment in moments]
        assert all(frame.equals(frames[0]) for frame in frames)
    assert len(rebuilds) == 7  # one per batch, not one per moment

    for moments in reversed(between[-data.ASOF_CACHE_ENTRIES :]):  # the most recent stay cached
        data.incidents_asof(moments[-1])
    assert len(rebuilds) == 7
    data.incidents_asof(between[0][-1])  # the oldest was dropped: the cache holds only a few
    assert len(rebuilds) == 8


def test_sessions_asking_at_once_for_one_batch_share_one_rebuild(
    cached_store: tuple[Store, list[str]],
) -> None:
    store, rebuilds = cached_store
    start = datetime.now(UTC) + timedelta(hours=1)
    _fix(store, "UA-KHA-20240106", start, killed=3)
    sessions = 8
    ready = threading.Barrier(sessions)

    def session(second: int) -> pd.DataFrame:
        ready.wait()
        return data.incidents_asof(start + timedelta(seconds=second))

    with ThreadPoolExecutor(sessions) as pool:
        frames = list(pool.map(session, range(sessions)))
    assert len(rebuilds) == 1
    assert all(frame.equals(frames[0]) for frame in frames)
    assert (
        dict(zip(frames[0]["incident_id"], frames[0]["killed"], strict=True))["UA-KHA-20240106"]
        == 3
    )
