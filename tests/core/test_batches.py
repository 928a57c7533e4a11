"""Planning what a batch does, without a database: applying records and reverting a batch."""

from __future__ import annotations

import pytest

from dashboard.core.batches import Change, LoggedChange, change_kinds, plan_revert
from dashboard.core.errors import RevertRefusedError
from dashboard.core.records import Record, incidents_frame
from tests.helpers import GOOD


def rec(incident_id: str, killed: int | None = None) -> Record:
    """A small stand-in record: planning compares records whole, whatever their columns."""
    return {"incident_id": incident_id, "killed": killed}


def full(incident_id: str, **changes: object) -> dict[str, object]:
    """A whole record (every column typed), as the store compares them."""
    typed = {
        "latitude": 50.017,
        "longitude": 36.217,
        "geo_precision": 2,
        "killed": 3,
        "injured": 64,
    }
    return {**GOOD, **typed, "launch_origin": None, "incident_id": incident_id, **changes}


def test_each_row_is_new_an_update_or_unchanged_column_by_column() -> None:
    stored = incidents_frame([full("A"), full("B"), full("D", notes=None)])
    new = incidents_frame(
        [full("C"), full("B", killed=4), full("A"), full("D", notes=None), full("E", notes=None)]
    )
    assert change_kinds(new, stored).tolist() == ["new", "update", "unchanged", "unchanged", "new"]


@pytest.mark.parametrize(
    "change",
    [{"notes": None}, {"killed": None}, {"latitude": 50.0170001}, {"date": "2024-01-03"}],
    ids=["text-emptied", "count-emptied", "float", "date"],
)
def test_any_column_that_differs_makes_an_update(change: dict[str, object]) -> None:
    stored = incidents_frame([full("A", notes="n")])
    assert change_kinds(incidents_frame([full("A", notes="n") | change]), stored).tolist() == [
        "update"
    ]


def test_nothing_stored_makes_every_row_new() -> None:
    new = incidents_frame([full("A"), full("B")])
    assert change_kinds(new, incidents_frame([])).tolist() == ["new", "new"]


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
        (True, None, [], "batch 4 changed nothing: nothing to revert"),
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
        "batch 4 cannot be reverted: 7 incidents it changed were changed again since "
        "(I-0, I-1, I-2, I-3, I-4) by batches 8, 9; revert the later batches first"
    )
