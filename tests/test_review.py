"""Corrections and review on a real store (SQLite and PostgreSQL): proposals, approval by another
analyst, rejection, conflicts, retracts, previews and the history with who, why and the
reviewer; and two approvers at once on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from dashboard import review
from dashboard.core.errors import ImportRejectedError, ReviewRefusedError
from dashboard.core.review import FieldChange, Mode, Reviewers, record_fields
from dashboard.imports import open_store, prepare
from dashboard.store import Store
from tests.conftest import TODAY
from tests.helpers import GOOD, csv_bytes

INCIDENT = "UA-KHA-20240106"
ANYONE = Reviewers()


def fields(store: Store, incident_id: str = INCIDENT, **changed: str) -> dict[str, str]:
    return {**record_fields(store.records([incident_id])[incident_id]), **changed}


def propose_edit(
    store: Store, author: str = "olena", reason: str = "OHCHR update", **changed: str
) -> int:
    outcome = review.submit(
        store,
        review.edit_change(INCIDENT, fields(store, **changed)),
        author=author,
        reason=reason,
        today=TODAY,
        mode=Mode.REQUIRED,
    )
    assert outcome.batch is None
    assert outcome.proposal_id is not None
    return outcome.proposal_id


def killed(store: Store, incident_id: str = INCIDENT) -> object:
    return store.records([incident_id])[incident_id]["killed"]


def test_edit_waits_for_another_analyst_then_lands_with_who_why_and_reviewer(store: Store) -> None:
    version = store.data_version()
    pid = propose_edit(store, killed="4")
    assert killed(store) is None
    assert store.data_version() == version
    (pending,) = review.proposals(store)
    assert (pending.id, pending.kind, pending.author, pending.reason) == (
        pid,
        "edit",
        "olena",
        "OHCHR update",
    )
    assert review.pending_count(store) == 1
    assert review.diff(store, pending, TODAY).fields == {INCIDENT: [FieldChange("killed", "", "4")]}

    with pytest.raises(ReviewRefusedError, match="own change"):
        review.approve(store, pid, reviewer="Olena", today=TODAY, reviewers=ANYONE)
    with pytest.raises(ReviewRefusedError, match="not a reviewer"):
        review.approve(
            store, pid, reviewer="taras", today=TODAY, reviewers=Reviewers(frozenset({"maria"}))
        )
    assert killed(store) is None

    summary = review.approve(store, pid, reviewer="maria", today=TODAY, reviewers=ANYONE)
    assert (summary.added, summary.updated) == (0, 1)
    assert killed(store) == 4
    done = review.proposal(store, pid)
    assert (done.status, done.reviewer, done.batch_id) == ("approved", "maria", summary.batch_id)
    assert review.pending_count(store) == 0
    last = review.history(store, INCIDENT)[-1]
    assert (last.batch_id, last.kind, last.by, last.reason, last.reviewed_by, last.proposal_id) == (
        summary.batch_id,
        "edit",
        "olena",
        "OHCHR update",
        "maria",
        pid,
    )
    assert last.fields == [FieldChange("killed", "", "4")]
    with pytest.raises(ReviewRefusedError, match="not pending"):
        review.approve(store, pid, reviewer="maria", today=TODAY, reviewers=ANYONE)


def test_a_rejected_proposal_changes_nothing(store: Store) -> None:
    version = store.data_version()
    pid = propose_edit(store, killed="9")
    with pytest.raises(ReviewRefusedError, match="reason"):
        review.reject(store, pid, reviewer="maria", reason=" ", reviewers=ANYONE)
    review.reject(store, pid, reviewer="maria", reason="no source for 9", reviewers=ANYONE)
    rejected = review.proposal(store, pid)
    assert (rejected.status, rejected.review_reason) == ("rejected", "no source for 9")
    assert killed(store) is None
    assert store.data_version() == version
    with pytest.raises(ReviewRefusedError, match="not pending"):
        review.approve(store, pid, reviewer="maria", today=TODAY, reviewers=ANYONE)


def test_a_second_proposal_on_the_same_incident_conflicts_until_refreshed(store: Store) -> None:
    first = propose_edit(store, author="olena", killed="4")
    second = propose_edit(store, author="taras", reason="district named", district="Kyivskyi")
    review.approve(store, first, reviewer="maria", today=TODAY, reviewers=ANYONE)
    stale = review.proposal(store, second)
    assert review.conflicts(store, stale) == [INCIDENT]
    with pytest.raises(ReviewRefusedError, match="conflicting"):
        review.approve(store, second, reviewer="maria", today=TODAY, reviewers=ANYONE)
    assert killed(store) == 4  # never silently overwritten

    fresh = review.refresh(store, second, author="taras", today=TODAY)
    assert review.proposal(store, second).status == "withdrawn"
    assert review.diff(store, review.proposal(store, fresh), TODAY).fields == {
        INCIDENT: [FieldChange("district", "", "Kyivskyi")]
    }
    review.approve(store, fresh, reviewer="maria", today=TODAY, reviewers=ANYONE)
    record = store.records([INCIDENT])[INCIDENT]
    assert (record["killed"], record["district"]) == (4, "Kyivskyi")


def test_an_approved_edit_reverts_and_asof_before_it_shows_the_old_figure(store: Store) -> None:
    before = datetime.now(UTC)
    pid = propose_edit(store, killed="4")
    summary = review.approve(
        store, pid, reviewer="maria", today=TODAY, reviewers=ANYONE, now=before + timedelta(hours=1)
    )
    assert killed(store) == 4
    asof = store.incidents_asof(before).set_index("incident_id")
    assert asof.loc[INCIDENT, "killed"] is not None
    assert asof.loc[INCIDENT, "killed"] is not asof
    assert str(asof.loc[INCIDENT, "killed"]) == "<NA>"
    undone = review.revert(store, summary.batch_id, by="maria", reason="approved in error")
    assert killed(store) is None
    last = review.history(store, INCIDENT)[-1]
    assert (last.batch_id, last.kind, last.by, last.reason) == (
        undone.batch_id,
        "revert",
        "maria",
        "approved in error",
    )


def test_a_bad_value_is_refused_with_the_upload_s_own_messages(store: Store) -> None:
    change = review.edit_change(INCIDENT, fields(store, latitude="north", killed="-1"))
    with pytest.raises(ImportRejectedError) as refused:
        review.submit(store, change, author="olena", reason="x", today=TODAY, mode=Mode.REQUIRED)
    upload = prepare(change.data, "any.csv", TODAY)
    assert [(i.line, i.column, i.code) for i in refused.value.issues] == [
        (i.line, i.column, i.code) for i in upload.issues
    ]
    assert {i.column for i in refused.value.issues} >= {"latitude", "killed"}
    assert review.pending_count(store) == 0


def test_review_off_applies_at_once_and_records_the_reason(store: Store) -> None:
    outcome = review.submit(
        store,
        review.edit_change(INCIDENT, fields(store, killed="2")),
        author="olena",
        reason="typo",
        today=TODAY,
        mode=Mode.OFF,
    )
    assert outcome.proposal_id is None
    assert outcome.batch is not None
    assert killed(store) == 2
    last = review.history(store, INCIDENT)[-1]
    assert (last.by, last.reason, last.reviewed_by) == ("olena", "typo", None)
    with pytest.raises(ReviewRefusedError, match="reason"):
        review.submit(
            store,
            review.edit_change(INCIDENT, fields(store, killed="3")),
            author="olena",
            reason="",
            today=TODAY,
            mode=Mode.OFF,
        )


def test_an_edit_that_changes_nothing_is_refused(store: Store) -> None:
    with pytest.raises(ImportRejectedError, match="nothing to store"):
        review.submit(
            store,
            review.edit_change(INCIDENT, fields(store)),
            author="olena",
            reason="x",
            today=TODAY,
            mode=Mode.REQUIRED,
        )


def test_retract_leaves_live_data_keeps_history_and_asof_and_reverts(store: Store) -> None:
    cited = "UA-KHA-20240102"
    sources = len(store.evidence().sources)
    own = (store.evidence().sources["incident_id"] == cited).sum()
    assert own > 0
    moment = datetime.now(UTC)
    outcome = review.submit(
        store,
        review.retract_change([cited]),
        author="olena",
        reason="attribution withdrawn",
        today=TODAY,
        mode=Mode.REQUIRED,
    )
    assert outcome.proposal_id is not None
    retract = review.proposal(store, outcome.proposal_id)
    assert cited not in set(review.preview(store, retract, TODAY)["incident_id"])
    assert review.diff(store, retract, TODAY).fields[cited][0] == FieldChange(
        "incident_id", cited, ""
    )
    summary = review.approve(
        store,
        outcome.proposal_id,
        reviewer="maria",
        today=TODAY,
        reviewers=ANYONE,
        now=moment + timedelta(hours=1),
    )
    assert cited not in set(store.incidents()["incident_id"])
    assert len(store.evidence().sources) == sources - own
    assert cited in set(store.incidents_asof(moment)["incident_id"])
    last = review.history(store, cited)[-1]
    assert (last.kind, last.after, last.reason, last.reviewed_by) == (
        "retract",
        None,
        "attribution withdrawn",
        "maria",
    )
    assert {e.change for e in last.evidence} == {"removed"}
    assert len([e for e in last.evidence if e.evidence == "sources"]) == own
    with pytest.raises(ImportRejectedError, match="no stored incident"):
        review.submit(store, review.edit_change(cited, GOOD), author="o", reason="x", today=TODAY)
    review.revert(store, summary.batch_id, by="maria", reason="retracted in error")
    assert cited in set(store.incidents()["incident_id"])
    assert len(store.evidence().sources) == sources


def test_new_incident_and_added_source_go_through_the_importer(store: Store) -> None:
    new = review.submit(
        store,
        review.new_incident_change({**GOOD, "incident_id": "T-NEW"}),
        author="olena",
        reason="new report",
        today=TODAY,
        mode=Mode.REQUIRED,
    )
    assert new.proposal_id is not None
    p = review.proposal(store, new.proposal_id)
    assert "T-NEW" in set(review.preview(store, p, TODAY)["incident_id"])
    assert "T-NEW" not in set(store.incidents()["incident_id"])  # the preview wrote nothing
    review.approve(store, p.id, reviewer="maria", today=TODAY, reviewers=ANYONE)
    with pytest.raises(ImportRejectedError, match="stored already"):
        review.submit(
            store,
            review.new_incident_change({**GOOD, "incident_id": "T-NEW"}),
            author="olena",
            reason="again",
            today=TODAY,
        )
    source = {
        "incident_id": "T-NEW",
        "title": "A report",
        "url": "https://example.org/r",
        "publisher": "Example",
        "published": "2024-01-03",
        "says": "attribution",
        "grade": "M",
    }
    added = review.submit(
        store,
        review.evidence_change("sources", source),
        author="taras",
        reason="second source",
        today=TODAY,
        mode=Mode.OFF,
    )
    assert added.batch is not None
    assert added.batch.added == 1
    assert (store.evidence().sources["incident_id"] == "T-NEW").sum() == 1
    added_entry = review.history(store, "T-NEW")[-1]
    assert (added_entry.kind, added_entry.by, added_entry.reason, added_entry.changed_record) == (
        "add-source",
        "taras",
        "second source",
        False,
    )
    assert added_entry.evidence == (review.EvidenceChange("sources", "A report", "added"),)
    with pytest.raises(ImportRejectedError) as bad:
        review.submit(
            store,
            review.evidence_change("sources", {**source, "incident_id": "NOPE"}),
            author="taras",
            reason="x",
            today=TODAY,
            mode=Mode.OFF,
        )
    assert [i.column for i in bad.value.issues] == ["incident_id"]


def test_a_file_proposal_applies_as_its_import_with_duplicates_decided(store: Store) -> None:
    data = csv_bytes([{**GOOD, "incident_id": "T-FILE"}])
    outcome = review.submit(
        store,
        review.file_change(data, "f.csv"),
        author="olena",
        reason="weekly file",
        today=TODAY,
        mode=Mode.REQUIRED,
    )
    assert outcome.proposal_id is not None
    summary = review.approve(
        store, outcome.proposal_id, reviewer="maria", today=TODAY, reviewers=ANYONE
    )
    assert summary.added == 1
    batch = store.batches().iloc[0]
    assert (batch["kind"], batch["reason"], batch["reviewed_by"], batch["proposal_id"]) == (
        "import",
        "weekly file",
        "maria",
        outcome.proposal_id,
    )
    again = review.check(store, review.file_change(data, "f.csv"), TODAY)
    assert again.refusal is not None
    assert "nothing to store" in again.refusal
    assert again.warnings
    assert "imported before" in again.warnings[0]
    # A row with no id near a stored incident of the same day and weapon: decide first.
    twin = csv_bytes([{**GOOD, "incident_id": "", "latitude": "50.018"}])
    checked = review.check(store, review.file_change(twin, "twin.csv"), TODAY)
    assert checked.refusal is not None
    assert "duplicate" in checked.refusal
    updated = review.check(
        store, review.file_change(twin, "twin.csv", on_duplicate="update"), TODAY
    )
    assert updated.refusal is None
    assert updated.touched == ("T-FILE",)


def test_withdraw_is_the_author_s(store: Store) -> None:
    pid = propose_edit(store, killed="4")
    with pytest.raises(ReviewRefusedError, match="only the author"):
        review.withdraw(store, pid, author="maria")
    review.withdraw(store, pid, author="olena")
    assert review.proposal(store, pid).status == "withdrawn"


def test_an_approval_decided_meanwhile_is_refused_as_decided(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Maria reads the pending proposal; Ivan approves it before her check reads the data, which
    then holds the change already: she is told it was decided, not that her file changes
    nothing (two approvers at once, in the order that made the test below fail once)."""
    pid = propose_edit(store, killed="4")
    real_check = review.check

    def check_after_ivan(*args: object) -> review.Checked:
        monkeypatch.setattr(review, "check", real_check)
        review.approve(store, pid, reviewer="ivan", today=TODAY, reviewers=ANYONE)
        return real_check(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(review, "check", check_after_ivan)
    with pytest.raises(ReviewRefusedError, match=r"is not pending \(it is approved\)"):
        review.approve(store, pid, reviewer="maria", today=TODAY, reviewers=ANYONE)
    assert store.batches()["proposal_id"].notna().sum() == 1


@pytest.mark.postgres
def test_two_approvers_at_once_on_postgresql_cannot_both_apply(pg_url: str) -> None:
    """Two reviewers approve the same proposal, and two proposals on one incident, at the same
    moment, each in its own thread and connection: one applies, the other is refused."""
    setup = open_store(pg_url, today=TODAY)
    same = propose_edit(setup, author="olena", killed="4")
    other = propose_edit(setup, author="taras", reason="other figure", killed="5")
    rivals = [(same, "maria"), (same, "ivan"), (other, "petro")]
    barrier = threading.Barrier(len(rivals))
    results: dict[int, object] = {}

    def approve(n: int, pid: int, reviewer: str) -> None:
        own = Store(pg_url)
        barrier.wait(timeout=30)
        try:
            results[n] = review.approve(own, pid, reviewer=reviewer, today=TODAY, reviewers=ANYONE)
        except ReviewRefusedError as exc:
            results[n] = exc
        finally:
            own.dispose()

    threads = [
        threading.Thread(target=approve, args=(n, pid, who)) for n, (pid, who) in enumerate(rivals)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    applied = [r for r in results.values() if not isinstance(r, Exception)]
    assert len(results) == 3
    assert len(applied) == 1
    statuses = {p.id: p.status for p in review.proposals(setup, None)}
    assert sorted(statuses.values()) == ["approved", "pending"]
    assert setup.batches()["proposal_id"].notna().sum() == 1
    winner = next(p for p in review.proposals(setup, "approved"))
    assert killed(setup) == (4 if winner.id == same else 5)
    setup.dispose()


def test_a_file_s_diff_lists_the_first_incidents_field_by_field(store: Store) -> None:
    rows = [{**GOOD, "incident_id": f"T-{n}"} for n in range(3)]
    outcome = review.submit(
        store,
        review.file_change(csv_bytes(rows), "three.csv"),
        author="olena",
        reason="three",
        today=TODAY,
        mode=Mode.REQUIRED,
    )
    assert outcome.proposal_id is not None
    shown = review.diff(store, review.proposal(store, outcome.proposal_id), TODAY, limit=2)
    assert list(shown.fields) == ["T-0", "T-1"]
    assert FieldChange("incident_id", "", "T-0") in shown.fields["T-0"]
    assert "3 new · 0 update an existing incident · 0 unchanged" in shown.summary
