"""Review rules without a store: who may approve, stale bases, reasons, field diffs, refusals."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core.errors import ReviewRefusedError
from dashboard.core.records import frame_records
from dashboard.core.review import (
    REASON_LIMIT,
    FieldChange,
    Reviewers,
    approval_refusal,
    check_reason,
    field_changes,
    may_review,
    record_fields,
    same_file_note,
    stale,
    store_refusal,
    summarise,
)
from dashboard.core.schema import TEMPLATE_COLUMNS
from dashboard.imports import prepare
from tests.conftest import TODAY
from tests.helpers import GOOD, csv_bytes


def test_reviewers_by_name_any_case_or_by_group_claim() -> None:
    listed = Reviewers(names=frozenset({"Olena@example.org"}))
    assert may_review("olena@EXAMPLE.org", listed)
    assert not may_review("taras@example.org", listed)
    group = Reviewers(group="reviewers", claim="roles")
    assert may_review("taras@example.org", group, {"roles": ["analysts", "reviewers"]})
    assert may_review("taras@example.org", group, {"roles": "reviewers"})
    assert not may_review("taras@example.org", group, {"groups": ["reviewers"]})
    assert not may_review("taras@example.org", group, None)


def test_nobody_configured_means_any_named_analyst_reviews() -> None:
    assert may_review("anyone", Reviewers())
    assert not may_review("  ", Reviewers())


def test_own_change_not_a_reviewer_not_pending_and_stale_are_refused() -> None:
    def refusal(**kw: object) -> str | None:
        args: dict[str, object] = {
            "status": "pending",
            "author": "A",
            "reviewer": "B",
            "may_review": True,
            "stale_ids": (),
        }
        return approval_refusal(7, **{**args, **kw})  # type: ignore[arg-type]

    assert refusal() is None
    assert "own change" in (refusal(reviewer=" a ") or "")
    assert "not a reviewer" in (refusal(may_review=False) or "")
    assert "not pending (it is approved)" in (refusal(status="approved") or "")
    assert "incident X-1 changed" in (refusal(stale_ids=["X-1"]) or "")
    assert "name who reviews" in (refusal(reviewer="") or "")


def test_stale_names_incidents_whose_last_history_row_moved() -> None:
    assert stale({"A": 4, "B": 0, "C": 9}, {"A": 4, "B": 12, "C": 10}) == ["B", "C"]
    assert stale({"A": 4}, {"A": 4}) == []


def test_reason_required_stripped_and_limited() -> None:
    assert check_reason("  killed corrected per OHCHR  ") == "killed corrected per OHCHR"
    assert check_reason("", required=False) is None
    with pytest.raises(ReviewRefusedError, match="give a short reason"):
        check_reason("   ")
    with pytest.raises(ReviewRefusedError, match=f"at most {REASON_LIMIT} characters, not 301"):
        check_reason("x" * 301)


def _record() -> dict[str, object]:
    """The good row, read and typed as an upload reads it, as a stored record."""
    (record,) = frame_records(prepare(csv_bytes([GOOD]), "a.csv", TODAY).valid)
    return dict(record)


def test_record_fields_write_values_as_a_file_does() -> None:
    fields = record_fields(_record())  # type: ignore[arg-type]
    assert list(fields) == list(TEMPLATE_COLUMNS)
    assert fields == {c: GOOD[c] for c in TEMPLATE_COLUMNS}


def test_field_changes_old_to_new_and_not_reported_as_empty() -> None:
    before = _record()
    after = {**before, "killed": None, "notes": "revised"}
    assert field_changes(before, after) == [  # type: ignore[arg-type]
        FieldChange("killed", "3", ""),
        FieldChange("notes", GOOD["notes"], "revised"),
    ]
    removed = field_changes(before, None)  # type: ignore[arg-type]
    assert (removed[0].field, removed[0].old, removed[0].new) == ("incident_id", "T-0001", "")


def test_store_refusal_file_duplicates_and_nothing_to_store() -> None:
    report = prepare(csv_bytes([GOOD]), "a.csv", TODAY)
    rows = report.valid.assign(change=["update"])
    none = pd.DataFrame()
    assert (
        store_refusal(report, valid_only=False, preview=rows, near=none, on_duplicate=None) is None
    )
    near = pd.DataFrame({"line": [2]})
    assert "may duplicate a stored incident" in (
        store_refusal(report, valid_only=False, preview=rows, near=near, on_duplicate=None) or ""
    )
    assert (
        store_refusal(report, valid_only=False, preview=rows, near=near, on_duplicate="add") is None
    )
    same = rows.assign(change=["unchanged"])
    assert "nothing to store" in (
        store_refusal(report, valid_only=False, preview=same, near=none, on_duplicate=None) or ""
    )
    bad = prepare(csv_bytes([{**GOOD, "latitude": "north"}]), "b.csv", TODAY)
    assert store_refusal(bad, valid_only=False, preview=None, near=none, on_duplicate=None) == (
        bad.refusal()
    )


def test_same_file_note_names_the_earlier_batches_oldest_first() -> None:
    assert same_file_note(pd.DataFrame({"id": []})) is None
    note = same_file_note(pd.DataFrame({"id": [5, 2]}))
    assert note is not None
    assert "as batches 2, 5" in note


def test_settings_read_the_review_mode_and_reviewers(monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard import settings
    from dashboard.core.errors import ConfigError
    from dashboard.core.review import Mode

    monkeypatch.delenv("DASHBOARD_REVIEW", raising=False)
    assert settings.review_mode() is Mode.OFF
    monkeypatch.setenv("DASHBOARD_REVIEW", " Required ")
    assert settings.review_mode() is Mode.REQUIRED
    monkeypatch.setenv("DASHBOARD_REVIEW", "maybe")
    with pytest.raises(ConfigError, match="off or required, not 'maybe'"):
        settings.review_mode()
    monkeypatch.setenv("DASHBOARD_REVIEWERS", " maria@example.org, ivan ,, ")
    monkeypatch.setenv("DASHBOARD_REVIEWER_GROUP", "reviewers")
    monkeypatch.delenv("DASHBOARD_REVIEWER_GROUP_CLAIM", raising=False)
    assert settings.reviewers() == Reviewers(
        frozenset({"maria@example.org", "ivan"}), "reviewers", "groups"
    )


def test_summarise_counts_rows_and_says_why_not() -> None:
    report = prepare(csv_bytes([GOOD, {**GOOD, "incident_id": "T-2"}]), "a.csv", TODAY)
    preview = report.valid.assign(change=["new", "update"])
    lines = summarise(report, preview, ["a note"], "nothing to store")
    assert lines[: len(report.summary())] == report.summary()
    assert lines[-3:] == [
        "1 new · 1 update an existing incident · 0 unchanged",
        "a note",
        "cannot be stored now: nothing to store",
    ]
    assert summarise(None, None, [], None) == []
