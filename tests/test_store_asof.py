"""The store rebuilt at a past moment, on SQLite and PostgreSQL (what ``asof`` links show)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashboard.core.records import frame_records
from dashboard.store import BatchMeta, Store


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
