"""History steps described in words for the incident record."""

from __future__ import annotations

from dashboard.core.records import field_changes


def test_added_removed_and_changed_fields() -> None:
    before = {"incident_id": "A", "killed": None, "notes": "first", "weapon": "KN-23"}
    after = {**before, "killed": 9, "notes": "<b>revised</b>"}
    assert field_changes(None, after) == "added"
    assert field_changes(before, None) == "removed"
    assert field_changes(before, after) == "killed: None → 9; notes: 'first' → '<b>revised</b>'"
