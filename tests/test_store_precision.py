"""A month-precision date and unknown casualties through the store, on SQLite and PostgreSQL:
stored, read, exported, re-imported, logged, and rebuilt at a past batch (``asof``)."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from dashboard.core.export import to_csv
from dashboard.imports import commit, prepare
from dashboard.store import BatchMeta, Store
from dashboard.store.snapshots import SNAPSHOT_DIR_ENV
from dashboard.store.tables import history, incidents
from tests.conftest import TODAY

POLTAVA = "UA-POL-202409"


def _row(frame: pd.DataFrame, incident_id: str) -> pd.Series:
    return frame.set_index("incident_id").loc[incident_id]


def test_a_month_and_unknown_counts_are_stored_as_such(store: Store) -> None:
    poltava = _row(store.incidents(), POLTAVA)
    assert (poltava["date"], poltava["date_precision"]) == (pd.Timestamp("2024-09-01"), "month")
    assert pd.isna(poltava["killed"])
    assert pd.isna(poltava["injured"])
    assert poltava["outcome"] == "shot down"
    with store.db.read() as conn:
        stored = conn.execute(
            sa.select(incidents.c.date_precision, incidents.c.killed).where(
                incidents.c.incident_id == POLTAVA
            )
        ).one()
    assert tuple(stored) == ("month", None)
    record = store.records([POLTAVA])[POLTAVA]
    assert (record["date"], record["date_precision"], record["killed"]) == (
        "2024-09-01",
        "month",
        None,
    )


def test_an_export_imports_again_unchanged(store: Store) -> None:
    exported = to_csv(store.incidents())
    assert f"{POLTAVA},2024-09," in exported
    summary = commit(store, prepare(exported.encode(), "export.csv", TODAY), uploaded_by="t")
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 8)


def test_a_past_state_keeps_its_precision(store: Store) -> None:
    (seed,) = store.batches()["id"]
    record = store.records([POLTAVA])[POLTAVA]
    dated = {**record, "date": "2024-09-20", "date_precision": "day"}
    later = store.apply_batch([dated], BatchMeta("day.csv", "0" * 64, "analyst"))
    assert _row(store.incidents(), POLTAVA)["date_precision"] == "day"
    before = _row(store.incidents_at_batch(seed), POLTAVA)
    assert (before["date"], before["date_precision"]) == (pd.Timestamp("2024-09-01"), "month")
    assert _row(store.incidents_at_batch(later.batch_id), POLTAVA)["date_precision"] == "day"
    changes = store.incident_log(POLTAVA)
    assert changes[-1]["before"] == record
    assert changes[-1]["after"] == dated


def test_a_record_logged_before_precision_existed_reads_as_a_day(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """History written before migration 0005 has no date_precision: the day, as stored."""
    monkeypatch.setenv(SNAPSHOT_DIR_ENV, "off")  # read the history itself, not a snapshot
    (seed,) = store.batches()["id"]
    records = store.records(store.incidents()["incident_id"].tolist())
    with store.db.write() as conn:
        rows = conn.execute(sa.select(history.c.id, history.c.incident_id, history.c.after)).all()
        for row_id, incident_id, after in rows:
            # Written then, the record was in the history itself (not by reference).
            written = after if after is not None else records[incident_id]
            old = {k: v for k, v in written.items() if k != "date_precision"}
            conn.execute(sa.update(history).where(history.c.id == row_id).values(after=old))
    past = store.incidents_at_batch(seed)
    assert set(past["date_precision"]) == {"day"}
    assert len(past) == 8
