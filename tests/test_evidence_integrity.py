"""Evidence across batches (SQLite and PostgreSQL): an id live in the store is an update, shares
add up over the store, and a revert never leaves evidence pointing at nothing."""

from __future__ import annotations

import pytest

from dashboard.core.errors import Code, RevertRefusedError
from dashboard.core.evidence import Kind
from dashboard.core.report import Report
from dashboard.imports import commit, commit_evidence, prepare, prepare_evidence, revert
from dashboard.store import BatchSummary, Store
from tests.conftest import TODAY
from tests.helpers import GOOD, csv_bytes

CAR = "CAR-KHA-20240220"
EXAM = (
    "examination_id,examiner,incident_id,findings,source_title,grade\n"
    "{id},CAR,{incident},moved,A report,H\n"
)


def checked(store: Store, kind: Kind, text: str) -> Report:
    return prepare_evidence(store, text.encode(), f"{kind}.csv", kind, TODAY)


def stored(store: Store, kind: Kind, text: str) -> BatchSummary:
    return commit_evidence(store, checked(store, kind, text), uploaded_by="t")


def test_a_live_examination_id_is_an_update_and_its_revert_brings_the_old_one_back(
    store: Store,
) -> None:
    report = checked(store, "examinations", EXAM.format(id=CAR, incident="UA-POL-202409"))
    updates = [i for i in report.issues if i.code == Code.UPDATES_STORED]
    assert [(i.line, i.column, i.value) for i in updates] == [(2, "examination_id", CAR)]
    assert "incident_id 'UA-KHA-20240102' → 'UA-POL-202409'" in updates[0].message
    summary = commit_evidence(store, report, uploaded_by="t")
    assert (summary.added, summary.updated) == (0, 1)
    exams = store.evidence().examinations
    assert list(exams.loc[exams["examination_id"] == CAR, "incident_id"]) == ["UA-POL-202409"]
    # Its component origins follow it: CAR's breakdown is now under Poltava only.
    assert CAR not in set(store.evidence_for(["UA-KHA-20240102"]).origins["examination_id"])
    before = store.evidence(summary.batch_id - 1).examinations
    assert list(before.loc[before["examination_id"] == CAR, "incident_id"]) == ["UA-KHA-20240102"]

    undone = revert(store, summary.batch_id, uploaded_by="t")
    assert (undone.added, undone.removed) == (1, 1)
    exams = store.evidence().examinations
    assert list(exams.loc[exams["examination_id"] == CAR, "incident_id"]) == ["UA-KHA-20240102"]
    at_update = store.evidence(summary.batch_id).examinations
    assert list(at_update.loc[at_update["examination_id"] == CAR, "incident_id"]) == [
        "UA-POL-202409"
    ]
    # The seed can be reverted again as a whole: its examination is live once more.
    assert store.evidence().examinations["examination_id"].tolist().count(CAR) == 1


def test_the_same_evidence_again_changes_nothing_and_a_source_is_updated_in_place(
    store: Store,
) -> None:
    exam = EXAM.format(id="E-NEW", incident="UA-POL-202409")
    assert stored(store, "examinations", exam).added == 1
    again = stored(store, "examinations", exam)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)
    source = "incident_id,title,says,grade,publisher\nUA-POL-202409,Note,other,L,{}\n"
    stored(store, "sources", source.format("A"))
    report = checked(store, "sources", source.format("B"))
    assert [i.code for i in report.issues] == [Code.UPDATES_STORED]
    assert "publisher 'A' → 'B'" in report.issues[0].message
    commit_evidence(store, report, uploaded_by="t")
    notes = store.evidence().sources.query("title == 'Note'")
    assert notes["publisher"].tolist() == ["B"]


def test_shares_add_up_over_the_store_and_a_stored_country_is_an_update(store: Store) -> None:
    # Stored: United States 75.5, Germany 11.9, Japan 3.1 (90.5%).
    over = checked(store, "component_origins", f"examination_id,country,share\n{CAR},France,71\n")
    assert [(i.line, i.column, i.code) for i in over.errors] == [(2, "share", "share-over-100")]
    assert "161.5%" in over.errors[0].message
    update = checked(
        store, "component_origins", f"examination_id,country,share\n{CAR},United States,80\n"
    )
    assert update.importable()
    assert [i.code for i in update.issues] == [Code.UPDATES_STORED]
    commit_evidence(store, update, uploaded_by="t")
    shares = store.evidence().origins.query("examination_id == @CAR").dropna(subset=["share"])
    assert dict(zip(shares["country"], shares["share"], strict=True)) == {
        "United States": 80.0,
        "Germany": 11.9,
        "Japan": 3.1,
    }


def add_incident(store: Store) -> BatchSummary:
    report = prepare(csv_bytes([GOOD]), "in.csv", TODAY)
    return commit(store, report, uploaded_by="t")


def test_a_revert_that_would_orphan_evidence_is_refused_naming_the_later_batches(
    store: Store,
) -> None:
    incident = add_incident(store)
    source = stored(store, "sources", "incident_id,title,says,grade\nT-0001,Note,other,L\n")
    exam = stored(store, "examinations", EXAM.format(id="E-T", incident="T-0001"))
    origin = stored(store, "component_origins", "examination_id,country\nE-T,Japan\n")
    with pytest.raises(RevertRefusedError) as refused:
        revert(store, incident.batch_id, uploaded_by="t")
    message = str(refused.value)
    assert f"batch {incident.batch_id} cannot be reverted" in message
    assert f"batch {exam.batch_id} (examinations.csv" in message
    assert f"batch {source.batch_id} (sources.csv" in message
    assert "by t" in message
    assert message.index(f"batch {exam.batch_id} (") < message.index(f"batch {source.batch_id} (")
    with pytest.raises(RevertRefusedError, match=f"batch {origin.batch_id} \\(component_origins"):
        revert(store, exam.batch_id, uploaded_by="t")
    assert "T-0001" in set(store.incidents()["incident_id"])  # nothing changed
    for later in (origin, exam, source):
        revert(store, later.batch_id, uploaded_by="t")
    assert revert(store, incident.batch_id, uploaded_by="t").removed == 1
    assert "T-0001" not in set(store.incidents()["incident_id"])


def test_reverting_an_update_that_was_overtaken_is_refused(store: Store) -> None:
    first = stored(store, "examinations", EXAM.format(id=CAR, incident="UA-POL-202409"))
    second = stored(store, "examinations", EXAM.format(id=CAR, incident="UA-KHA-20240102"))
    with pytest.raises(RevertRefusedError, match=f"replaced since by batch {second.batch_id}"):
        revert(store, first.batch_id, uploaded_by="t")
    revert(store, second.batch_id, uploaded_by="t")
    revert(store, first.batch_id, uploaded_by="t")
    exams = store.evidence().examinations
    assert exams.loc[exams["examination_id"] == CAR, "incident_id"].tolist() == ["UA-KHA-20240102"]


def test_a_revert_never_puts_back_evidence_of_a_removed_incident(store: Store) -> None:
    incident = add_incident(store)
    moved = stored(store, "examinations", EXAM.format(id=CAR, incident="T-0001"))
    back = stored(store, "examinations", EXAM.format(id=CAR, incident="UA-KHA-20240102"))
    revert(store, incident.batch_id, uploaded_by="t")  # nothing live names T-0001 any more
    with pytest.raises(RevertRefusedError, match="T-0001"):
        revert(store, back.batch_id, uploaded_by="t")
    assert moved.batch_id < back.batch_id
