"""Batches on a real store: re-import changes nothing, changes keep history, reverts restore."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import sqlalchemy as sa

from dashboard.core.errors import MappingRefusedError, RevertRefusedError
from dashboard.core.mapping import from_choices
from dashboard.core.records import frame_records
from dashboard.core.report import Report
from dashboard.imports import (
    classify,
    commit,
    open_store,
    prepare,
    revertible,
    save_mapping,
    saved_mappings,
    template_csv,
)
from dashboard.store import BatchMeta, Database, Store
from tests.conftest import TODAY
from tests.helpers import GOOD, csv_bytes, row


def _prepare(rows: list[dict[str, str]]) -> Report:
    return prepare(csv_bytes(rows), "upload.csv", TODAY)


def test_reimport_changes_nothing(store: Store) -> None:
    file = _prepare([GOOD, row(incident_id="T-2", location="Chuhuiv")])
    first = commit(store, file, uploaded_by="test")
    assert (first.added, first.updated, first.unchanged) == (2, 0, 0)
    incidents, version = store.incidents(), store.data_version()

    assert set(classify(store, file)["change"]) == {"unchanged"}
    again = commit(
        store, _prepare([GOOD, row(incident_id="T-2", location="Chuhuiv")]), uploaded_by="test"
    )
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    pd.testing.assert_frame_equal(store.incidents(), incidents)
    assert store.data_version() == version
    with pytest.raises(RevertRefusedError, match="changed nothing"):
        store.revert_batch(again.batch_id, uploaded_by="test")


def test_changed_row_keeps_its_history(store: Store) -> None:
    first = commit(store, _prepare([GOOD]), uploaded_by="test")
    changed = _prepare([row(killed="4", notes="'; DROP TABLE incidents; --")])
    assert classify(store, changed)[["incident_id", "change"]].values.tolist() == [
        ["T-0001", "update"]
    ]
    second = commit(store, changed, uploaded_by="test")
    assert (second.added, second.updated) == (0, 1)

    trail = store.incident_log("T-0001")
    assert [t["batch_id"] for t in trail] == [first.batch_id, second.batch_id]
    assert trail[0]["before"] is None
    assert trail[1]["before"]["killed"] == 3
    assert trail[1]["after"]["killed"] == 4
    stored = store.records(["T-0001"])["T-0001"]
    assert stored["notes"] == "'; DROP TABLE incidents; --"


def test_revert_restores_each_incident(store: Store) -> None:
    shipped = store.incidents()
    shipped_id = str(shipped["incident_id"].iloc[0])
    file = _prepare([GOOD, row(incident_id=shipped_id, killed="99")])
    assert sorted(classify(store, file)["change"]) == ["new", "update"]
    batch = commit(store, file, uploaded_by="test")

    undo = store.revert_batch(batch.batch_id, uploaded_by="test")
    assert (undo.removed, undo.updated, undo.added) == (1, 1, 0)
    pd.testing.assert_frame_equal(store.incidents(), shipped)
    batches = store.batches().set_index("id")
    assert batches.loc[undo.batch_id, "kind"] == "revert"
    assert batches.loc[undo.batch_id, "reverts_batch"] == batch.batch_id
    # History only grows: the import and its revert are both there.
    assert [t["batch_id"] for t in store.incident_log("T-0001")] == [
        batch.batch_id,
        undo.batch_id,
    ]
    assert store.incident_log("T-0001")[-1]["after"] is None
    assert batch.batch_id not in revertible(store.batches())

    with pytest.raises(RevertRefusedError, match=f"already reverted by batch {undo.batch_id}"):
        store.revert_batch(batch.batch_id, uploaded_by="test")
    pd.testing.assert_frame_equal(store.incidents(), shipped)


def test_revert_of_a_revert_puts_the_batch_back(store: Store) -> None:
    batch = commit(store, _prepare([GOOD]), uploaded_by="test")
    after_import = store.incidents()
    undo = store.revert_batch(batch.batch_id, uploaded_by="test")
    store.revert_batch(undo.batch_id, uploaded_by="test")
    pd.testing.assert_frame_equal(store.incidents(), after_import)


def test_revert_refuses_when_a_later_batch_changed_the_same_incident(store: Store) -> None:
    first = commit(store, _prepare([GOOD]), uploaded_by="test")
    later = commit(store, _prepare([row(killed="5")]), uploaded_by="test")
    current, batches = store.incidents(), store.batches()
    overtaken = rf"\(T-0001\) by batch {later.batch_id}; revert the later batches first"
    with pytest.raises(RevertRefusedError, match=overtaken):
        store.revert_batch(first.batch_id, uploaded_by="test")
    pd.testing.assert_frame_equal(store.incidents(), current)
    pd.testing.assert_frame_equal(store.batches(), batches)


def test_revert_of_an_unknown_batch(store: Store) -> None:
    with pytest.raises(RevertRefusedError, match="there is no batch 999"):
        store.revert_batch(999, uploaded_by="test")


def test_asof_still_sees_the_past_after_a_revert(store: Store) -> None:
    batch = commit(store, _prepare([GOOD]), uploaded_by="test")
    moment = store.batches().set_index("id").loc[batch.batch_id, "created_at"]
    store.revert_batch(batch.batch_id, uploaded_by="test")
    assert "T-0001" in set(store.incidents_asof(moment.to_pydatetime())["incident_id"])
    assert "T-0001" not in set(store.incidents()["incident_id"])


def test_saved_mapping_is_reused(store: Store) -> None:
    header = {"Ref": "incident_id", "When": "date", "Colour": ""}
    header |= {c: c for c in GOOD if c not in ("incident_id", "date")}
    save_mapping(store, from_choices("our sheet", header), saved_by="test")
    mapping = saved_mappings(store)["our sheet"]
    data = csv_bytes(
        [{**GOOD, "Ref": "S-1", "When": "02.01.2024", "Colour": "red"}], columns=list(header)
    )
    file = prepare(data, "ours.csv", TODAY, mapping=mapping)
    assert not file.errors, file.issues
    assert file.source_format == "mapped"
    assert file.valid[["incident_id", "date"]].astype(str).values.tolist() == [
        ["S-1", "2024-01-02"]
    ]
    save_mapping(store, from_choices("our sheet", {"Ref": "incident_id"}), saved_by="test")
    assert saved_mappings(store)["our sheet"].columns == {"ref": "incident_id"}


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "give the column mapping a name"),
        ("   ", "give the column mapping a name"),
        ("acled", "'acled' names a built-in format"),
        ("Incidents", "'Incidents' names a built-in format"),
        ("AUTO ", "'AUTO ' names a built-in format"),
        ("x" * 101, "at most 100 characters, not 101"),
    ],
)
def test_a_mapping_name_the_user_must_change_is_refused(
    store: Store, name: str, reason: str
) -> None:
    with pytest.raises(MappingRefusedError, match=re.escape(reason)):
        save_mapping(store, from_choices(name, {"Ref": "incident_id"}), saved_by="test")
    assert saved_mappings(store) == {}
    save_mapping(store, from_choices("x" * 100, {"Ref": "incident_id"}), saved_by="test")
    assert list(saved_mappings(store)) == ["x" * 100]


def test_template_uploads_clean_and_changes_nothing(store: Store) -> None:
    file = prepare(template_csv(TODAY).encode("utf-8"), "incidents-template.csv", TODAY)
    assert file.issues == ()
    assert classify(store, file)["change"].tolist() == ["unchanged"]


def test_a_batch_that_fails_midway_leaves_no_trace(store: Store) -> None:
    before = (store.incidents(), store.batches(), store.data_version())
    good = frame_records(_prepare([GOOD]).valid)[0]
    broken = {**good, "incident_id": "T-BROKEN", "location": None}  # NOT NULL in the schema
    meta = BatchMeta(filename="x.csv", sha256="0" * 64, uploaded_by="test")
    with pytest.raises(sa.exc.IntegrityError):
        store.apply_batch([good, broken], meta)
    pd.testing.assert_frame_equal(store.incidents(), before[0])
    pd.testing.assert_frame_equal(store.batches(), before[1])
    assert store.data_version() == before[2]


def test_migration_0002_upgrades_a_store_in_place(db_url: str) -> None:
    old = Database(db_url)
    old.migrate("0001")
    old.dispose()
    upgraded = open_store(db_url, today=TODAY)
    assert upgraded.batches()[["kind", "added", "removed"]].values.tolist() == [["seed", 8, 0]]
    upgraded.revert_batch(1, uploaded_by="test")
    assert upgraded.incidents().empty
    upgraded.dispose()
