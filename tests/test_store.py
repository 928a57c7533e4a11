"""The store on SQLite and PostgreSQL: migrations, seeding, batches, history, past states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from dashboard import PACKAGE_DIR
from dashboard.core.errors import ImportRejectedError
from dashboard.core.records import CATEGORY_COLUMNS
from dashboard.core.schema import COLUMNS, DATE_COLUMNS, FLOAT_COLUMNS, INT_COLUMNS
from dashboard.imports import SHIPPED_INCIDENTS, commit, open_store, prepare
from dashboard.store import BatchMeta, Store
from dashboard.store import incidents as store_incidents
from dashboard.store import log as store_log
from dashboard.store.tables import history
from tests.conftest import TODAY


def test_opening_migrates_and_loads_the_shipped_data_once(store: Store) -> None:
    frame = store.incidents()
    assert len(frame) == 8
    kharkiv = frame.set_index("incident_id").loc["UA-KHA-20240102"]
    assert (kharkiv["killed"], kharkiv["injured"], kharkiv["attribution_status"]) == (
        3,
        64,
        "confirmed",
    )
    assert kharkiv["weapon"] == "Hwasong-11 series (KN-23/KN-24)"
    again = open_store(store.url, today=TODAY)
    assert again.batch_count() == 1
    (seed,) = again.batches().to_dict("records")
    assert (seed["kind"], seed["added"], seed["uploaded_by"]) == ("seed", 8, "shipped data")
    assert len(seed["sha256"]) == 64
    again.dispose()


def test_reads_are_typed_column_by_column(store: Store) -> None:
    """Dates as datetime64, counts as nullable ints, low-cardinality text as categoricals, the
    rest as strings; NULLs stay missing; newest first."""
    frame = store.incidents()
    for column in COLUMNS:
        kind = frame[column].dtype
        if column in DATE_COLUMNS:
            assert kind == "datetime64[s]", column
        elif column in INT_COLUMNS:
            assert kind == "Int64", column
        elif column in FLOAT_COLUMNS:
            assert kind == "float64", column
        elif column in CATEGORY_COLUMNS:
            assert isinstance(kind, pd.CategoricalDtype), column
        else:
            assert isinstance(kind, pd.StringDtype), column
    assert frame["district"].isna().sum() == 3  # Poltava too: the oblast, no district
    assert frame["date"].is_monotonic_decreasing
    assert frame["date"].iloc[0] == pd.Timestamp("2025-04-24")


def test_a_read_in_chunks_equals_a_read_in_one(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows are typed a chunk at a time; categories found only in a later chunk are kept."""
    whole = store.incidents()
    monkeypatch.setattr(store_incidents, "READ_CHUNK_ROWS", 3)
    pd.testing.assert_frame_equal(store.incidents(), whole)
    (seed,) = store.batches()["id"]
    pd.testing.assert_frame_equal(store.incidents_at_batch(seed), whole)
    assert set(whole["district"].cat.categories) == set(whole["district"].dropna())


def test_a_batch_written_in_slices_equals_one_written_at_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch's rows go to the driver a slice at a time: with slices of two rows, three new
    incidents and three updated ones are all stored, each as given, in one batch."""
    monkeypatch.setattr(store_log, "_DRIVER_ROWS", 2)
    records = store.records(["UA-KHA-20240102", "UA-KHA-20240106", "UA-KHA-20240207"])
    updated = [{**r, "notes": f"revised {i}"} for i, r in enumerate(records.values())]
    added = [{**updated[0], "incident_id": f"SLICE-{i}"} for i in range(3)]
    summary = store.apply_batch([*updated, *added], BatchMeta("s.csv", "6" * 64, "analyst"))
    assert (summary.added, summary.updated) == (3, 3)
    wanted = {r["incident_id"]: r for r in [*updated, *added]}
    assert store.records(list(wanted)) == wanted
    assert set(store.incidents()["incident_id"]) >= set(wanted)


def test_schema_is_at_alembic_head(store: Store) -> None:
    with store.db.read() as conn:
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    scripts = ScriptDirectory(str(PACKAGE_DIR / "migrations"))
    assert version == scripts.get_current_head()
    assert version == "0009"


def test_reimporting_the_same_file_changes_nothing(store: Store) -> None:
    version = store.data_version()
    summary = commit(
        store, prepare(SHIPPED_INCIDENTS.read_bytes(), "incidents.csv", TODAY), uploaded_by="t"
    )
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 8)
    assert store.data_version() == version


def test_changed_row_is_updated_and_keeps_its_history(store: Store) -> None:
    before = store.records(["UA-KHA-20240106"])["UA-KHA-20240106"]
    changed = {**before, "killed": 1, "notes": "revised"}
    summary = store.apply_batch([changed], BatchMeta("fix.csv", "0" * 64, "analyst", rows_read=1))
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 0)
    assert store.records(["UA-KHA-20240106"])["UA-KHA-20240106"] == changed
    assert store.data_version() == 9
    steps = store.incident_log("UA-KHA-20240106")
    assert [(s["before"], s["after"]) for s in steps] == [(None, before), (before, changed)]
    query = (
        sa.select(history.c.after)
        .where(history.c.incident_id == "UA-KHA-20240106")
        .order_by(history.c.id)
    )
    with store.db.read() as conn:
        stored = conn.execute(query).scalars().all()
    # The seed added it: its record is the next step's before, not repeated in the history.
    assert stored == [None, changed]


def test_rejected_file_stores_nothing(store: Store) -> None:
    bad = SHIPPED_INCIDENTS.read_bytes().replace(b"confirmed", b"rumoured")
    with pytest.raises(ImportRejectedError) as caught:
        commit(store, prepare(bad, "bad.csv", TODAY), uploaded_by="t")
    errors = [(i.line, i.column, i.code) for i in caught.value.issues if i.severity == "error"]
    assert errors == [(2, "attribution_status", "invalid-status")]
    assert store.batch_count() == 1
    assert store.incidents()["attribution_status"].tolist().count("confirmed") == 1


def test_failed_batch_rolls_back_whole(store: Store) -> None:
    good = store.records(["UA-KHA-20240106"])["UA-KHA-20240106"]
    new = {**good, "incident_id": "NEW-1"}
    broken = {**good, "incident_id": "NEW-2", "location": None}  # violates NOT NULL
    with pytest.raises(sa.exc.IntegrityError):
        store.apply_batch([new, broken], BatchMeta("x.csv", "1" * 64, "analyst"))
    assert store.records(["NEW-1"]) == {}
    assert store.batch_count() == 1


def test_past_state_is_rebuilt_from_history(store: Store) -> None:
    seeded_at = datetime.now(UTC)
    record = store.records(["UA-KHA-20240106"])["UA-KHA-20240106"]
    later = seeded_at + timedelta(days=30)
    store.apply_batch(
        [{**record, "killed": 9}, {**record, "incident_id": "LATER-1"}],
        BatchMeta("later.csv", "2" * 64, "analyst"),
        now=later,
    )
    then = store.incidents_asof(seeded_at + timedelta(days=1))
    assert len(then) == 8
    assert then.set_index("incident_id").loc["UA-KHA-20240106"]["killed"] is pd.NA
    now = store.incidents_asof(later)
    assert len(now) == 9
    assert now.set_index("incident_id").loc["UA-KHA-20240106"]["killed"] == 9
    assert store.incidents_asof(seeded_at - timedelta(days=1)).empty


def test_a_read_transaction_refuses_to_write(store: Store) -> None:
    with pytest.raises(sa.exc.DBAPIError, match=r"read-only|readonly"), store.db.read() as conn:
        conn.execute(sa.delete(history))
    assert store.data_version() == 8
    store.apply_batch(  # the pooled connection that refused the write still writes in turn
        [{**store.records(["UA-KHA-20240106"])["UA-KHA-20240106"], "killed": 2}],
        BatchMeta("after.csv", "3" * 64, "analyst"),
    )
    assert store.data_version() == 9


def test_bulk_written_history_reads_back_as_sqlalchemy_writes_it(store: Store) -> None:
    """History rows go to the driver as plain values: their time, JSON and absent records must
    read back as the batch row SQLAlchemy wrote beside them, on either back end."""
    record = store.records(["UA-KHA-20240106"])["UA-KHA-20240106"]
    summary = store.apply_batch(
        [{**record, "killed": 1}, {**record, "incident_id": "NEW-1", "notes": 'say "ok" \\ é'}],
        BatchMeta("x.csv", "4" * 64, "analyst"),
    )
    created = store.batches().set_index("id").loc[summary.batch_id, "created_at"]
    (added,) = store.incident_log("NEW-1")
    assert pd.Timestamp(added["recorded_at"]) == created
    assert added["before"] is None
    assert added["after"] == {**record, "incident_id": "NEW-1", "notes": 'say "ok" \\ é'}
    assert store.incident_log("UA-KHA-20240106")[-1]["before"] == record
    query = sa.select(sa.cast(history.c.before, sa.Text)).where(history.c.incident_id == "NEW-1")
    with store.db.read() as conn:
        assert conn.execute(query).scalar_one() == "null"  # JSON null, as SQLAlchemy stores None


def test_text_round_trips_through_the_bulk_writers(store: Store) -> None:
    """COPY's text format gives backslash, tab, line breaks and ``\\N`` meanings of their own:
    stored and read back, every such value is the text that went in."""
    record = store.records(["UA-KHA-20240106"])["UA-KHA-20240106"]
    tricky = {
        **record,
        "incident_id": "T\\N",
        "notes": "a\tb\\nc\r\n\\N end\\",
        "district": "None",
        "weapon_origin": "\\",
        "launch_origin": "",
        "killed": None,
    }
    store.apply_batch([tricky], BatchMeta("x.csv", "5" * 64, "analyst"))
    assert store.records(["T\\N"]) == {"T\\N": tricky}
    assert store.incident_log("T\\N")[0]["after"] == tricky
