"""Planning what a batch does, without a database: applying records and reverting a batch."""

from __future__ import annotations

import pytest

from dashboard.core.batches import Change, LoggedChange, plan_apply, plan_revert
from dashboard.core.errors import RevertRefusedError
from dashboard.core.records import Record


def rec(incident_id: str, killed: int | None = None) -> Record:
    """A small stand-in record: planning compares records whole, whatever their columns."""
    return {"incident_id": incident_id, "killed": killed}


def test_apply_plans_new_and_changed_records_and_counts_the_equal_ones() -> None:
    stored = {"A": rec("A", 1), "B": rec("B", 2)}
    plan = plan_apply([rec("A", 1), rec("B", 3), rec("C")], stored)
    assert plan.changes == (Change("B", rec("B", 2), rec("B", 3)), Change("C", None, rec("C")))
    assert (plan.added, plan.updated, plan.unchanged, plan.removed) == (1, 1, 1, 0)


def test_apply_of_what_is_stored_plans_nothing() -> None:
    plan = plan_apply([rec("A", 1)], {"A": rec("A", 1)})
    assert (plan.changes, plan.added, plan.updated, plan.unchanged) == ((), 0, 0, 1)


def _latest(batch_id: int, *changes: Change) -> dict[str, LoggedChange]:
    return {c.incident_id: LoggedChange(batch_id, c) for c in changes}


def test_revert_plans_the_inverse_of_each_step() -> None:
    own = [
        Change("NEW", None, rec("NEW")),
        Change("UPD", rec("UPD", 1), rec("UPD", 2)),
        Change("GONE", rec("GONE"), None),
    ]
    plan = plan_revert(4, known=True, reverted_by=None, own=own, latest=_latest(4, *own))
    assert plan.changes == (
        Change("NEW", rec("NEW"), None),
        Change("UPD", rec("UPD", 2), rec("UPD", 1)),
        Change("GONE", None, rec("GONE")),
    )
    assert (plan.added, plan.updated, plan.removed, plan.unchanged) == (1, 1, 1, 0)


def test_revert_is_allowed_once_the_later_batch_was_itself_reverted() -> None:
    own = [Change("A", rec("A", 1), rec("A", 2))]
    # Batch 5 changed A to 3, batch 6 reverted batch 5: A is back as batch 4 left it.
    latest = _latest(6, Change("A", rec("A", 3), rec("A", 2)))
    plan = plan_revert(4, known=True, reverted_by=None, own=own, latest=latest)
    assert plan.changes == (Change("A", rec("A", 2), rec("A", 1)),)


@pytest.mark.parametrize(
    ("known", "reverted_by", "own", "message"),
    [
        (False, None, [], "there is no batch 4"),
        (True, 7, [Change("A", None, rec("A"))], "batch 4 was already reverted by batch 7"),
        (True, None, [], "batch 4 changed no incident: nothing to revert"),
    ],
)
def test_revert_refusals(
    known: bool, reverted_by: int | None, own: list[Change], message: str
) -> None:
    with pytest.raises(RevertRefusedError) as refused:
        plan_revert(4, known=known, reverted_by=reverted_by, own=own, latest=_latest(4, *own))
    assert str(refused.value) == message


def test_revert_refuses_when_later_batches_changed_its_incidents_and_names_them() -> None:
    own = [Change(f"I-{n}", None, rec(f"I-{n}")) for n in range(7)]
    latest = {
        **_latest(4, *own),
        **_latest(9, *(Change(f"I-{n}", rec(f"I-{n}"), rec(f"I-{n}", 1)) for n in range(6))),
        **_latest(8, Change("I-6", rec("I-6"), None)),
    }
    with pytest.raises(RevertRefusedError) as refused:
        plan_revert(4, known=True, reverted_by=None, own=own, latest=latest)
    assert str(refused.value) == (
        "batch 4 cannot be reverted: 7 incident(s) it changed were changed again since "
        "(I-0, I-1, I-2, I-3, I-4) by batches 8, 9; revert the later batches first"
    )
