"""Incident records: the declared types of a record read from a typed frame."""

from __future__ import annotations

from datetime import date
from typing import get_type_hints

import pandas as pd

from dashboard.core.records import IncidentRecord, frame_records, incidents_frame, one_chunk


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


def test_one_chunk_puts_each_text_column_in_one_piece_and_changes_nothing_else() -> None:
    halves = [
        pd.DataFrame({"text": pd.Series(list(part), dtype="string"), "n": [1, 2]})
        for part in ("ab", "cd")
    ]
    together = pd.concat(halves, ignore_index=True)
    assert together["text"].array.__arrow_array__().num_chunks == 2
    whole = one_chunk(together)
    assert whole["text"].array.__arrow_array__().num_chunks == 1
    pd.testing.assert_frame_equal(whole, together)
    assert one_chunk(whole) is whole  # nothing left to join: the same frame
