"""History steps described in words for the incident record."""

from __future__ import annotations

from datetime import date
from typing import get_type_hints

from dashboard.core.records import IncidentRecord, field_changes, frame_records, incidents_frame


def test_added_removed_and_changed_fields() -> None:
    before = {"incident_id": "A", "killed": None, "notes": "first", "weapon": "KN-23"}
    after = {**before, "killed": 9, "notes": "<b>revised</b>"}
    assert field_changes(None, after) == "added"
    assert field_changes(before, None) == "removed"
    assert field_changes(before, after) == "killed: None → 9; notes: 'first' → '<b>revised</b>'"


def test_records_hold_the_declared_types() -> None:
    """A record from a typed frame has every declared key, each value of its declared type."""
    frame = incidents_frame(
        [
            {
                "incident_id": "A",
                "date": date(2024, 1, 2),
                "location": "Kharkiv",
                "latitude": 50.0,
                "longitude": 36.2,
                "geo_precision": 2,
                "weapon": "KN-23",
                "attribution_status": "confirmed",
                "outcome": "impact",
                "killed": 3,
                "source_url": "https://example.org/a",
            }
        ]
    )
    (record,) = frame_records(frame)
    hints = get_type_hints(IncidentRecord)
    assert list(record) == list(hints)
    for name, value in record.items():
        assert isinstance(value, hints[name]), (name, value)
    assert (record["date"], record["killed"], record["injured"]) == ("2024-01-02", 3, None)
