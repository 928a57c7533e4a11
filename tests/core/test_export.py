"""Exports neutralise spreadsheet formulas in text cells and leave numbers alone."""

from __future__ import annotations

import csv
import io
import json

from dashboard.core.export import neutralise, to_csv, to_geojson
from dashboard.core.records import incidents_frame

ROW = {
    "incident_id": '=HYPERLINK("http://evil")',
    "date": "2024-01-02",
    "location": "+cmd|' /C calc'!A0",
    "latitude": -49.5,
    "longitude": 36.2,
    "geo_precision": 2,
    "weapon": "@SUM(1)",
    "attribution_status": "claimed",
    "killed": 0,
    "notes": "\tTabbed",
    "attributed_by": "-2+3",
    "source_title": "plain",
}


def test_neutralise() -> None:
    assert [neutralise(v) for v in ("=1", "+1", "-1", "@x", "\tx", "\rx", "ok", 5, -3.0)] == [
        "'=1",
        "'+1",
        "'-1",
        "'@x",
        "'\tx",
        "'\rx",
        "ok",
        5,
        -3.0,
    ]


def test_csv_export_neutralises_text_not_numbers() -> None:
    (row,) = csv.DictReader(io.StringIO(to_csv(incidents_frame([ROW]))))
    assert row["incident_id"] == '\'=HYPERLINK("http://evil")'
    assert row["location"].startswith("'+")
    assert row["weapon"] == "'@SUM(1)"
    assert row["notes"] == "'\tTabbed"
    assert row["attributed_by"] == "'-2+3"
    assert row["source_title"] == "plain"
    assert (row["latitude"], row["killed"], row["date"]) == ("-49.5", "0", "2024-01-02")


def test_geojson_export() -> None:
    collection = json.loads(to_geojson(incidents_frame([ROW])))
    (feature,) = collection["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [36.2, -49.5]}
    assert feature["properties"]["weapon"] == "'@SUM(1)"
    assert feature["properties"]["killed"] == 0
