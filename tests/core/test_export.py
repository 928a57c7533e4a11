"""Exports neutralise spreadsheet formulas in text cells and leave numbers alone."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest

from dashboard.core.export import (
    csv_chunks,
    geojson_chunks,
    neutralise,
    neutralised,
    rejected_csv,
    to_csv,
    to_excel_csv,
    to_geojson,
)
from dashboard.core.records import incidents_frame
from dashboard.core.schema import TEMPLATE_COLUMNS
from dashboard.imports import prepare
from tests.conftest import TODAY
from tests.helpers import GOOD, csv_bytes

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


#: Cells that break a row where a spreadsheet splits lines: a bare CR, LF, CRLF, and each of them
#: followed by a formula (the text after the break must never start a live cell).
BREAKS = {
    "location": "see report\r=2+3",
    "notes": 'first\n=HYPERLINK("http://evil")',
    "source_title": "a\r\n+1",
    "attributed_by": "tail\r",
}


def _parsed(text: str) -> list[list[str]]:
    """Records as Python's csv module reads the bytes a spreadsheet would open."""
    return list(csv.reader(io.StringIO(text, newline="")))


def _assert_inert(text: str, width: int) -> list[list[str]]:
    records = _parsed(text)
    assert {len(record) for record in records} == {width}
    assert not [c for record in records for c in record if c.startswith(("=", "+", "@"))]
    return records


def test_csv_quotes_every_field_with_a_line_break() -> None:
    text = to_csv(incidents_frame([{**ROW, **BREAKS}]))
    header, row = _assert_inert(text, len(TEMPLATE_COLUMNS))
    cells = dict(zip(header, row, strict=True))
    assert {k: cells[k] for k in BREAKS} == BREAKS
    assert text.endswith("\r\n")


def test_rejected_csv_quotes_line_breaks_and_neutralises_headers() -> None:
    rejected = pd.DataFrame(
        [{"line": 3, "=cmd": "x", "location": "see report\r=2+3", "error": "bad\n@SUM(1)"}]
    )
    header, row = _assert_inert(rejected_csv(rejected), 4)
    assert header == ["line", "'=cmd", "location", "error"]
    assert row == ["3", "x", "see report\r=2+3", "bad\n@SUM(1)"]


def test_excel_csv_opens_in_columns_on_a_european_locale_and_reads_back() -> None:
    stored = prepare(csv_bytes([GOOD]), "in.csv", TODAY).valid.drop(columns="line")
    data = to_excel_csv(stored)
    assert data.startswith(b"\xef\xbb\xbf")
    header, first = data.decode("utf-8-sig").split("\r\n")[:2]
    assert header.split(";") == list(TEMPLATE_COLUMNS)
    assert ";50,017;36,217;" in first  # decimal commas, between semicolons
    again = prepare(data, "excel.csv", TODAY)
    assert not again.issues
    assert again.valid.drop(columns="line").equals(stored)
    hostile = to_excel_csv(incidents_frame([ROW])).decode("utf-8-sig")
    assert ";'@SUM(1);" in hostile


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(["=a", "b", None, "+1", "-x", "@y", "\tz", "\rq", "'=a", ""], dtype="string"),
        pd.Series(["=a", "b", None, "+1"], dtype="string[pyarrow]"),
        pd.Series(["=a", "b", None, "'=a"], dtype="category"),  # would merge two categories
        pd.Series(["=a", "b", None], dtype="category"),
        pd.Series(["a", "b", None], dtype="category"),
        pd.Series(["=a", "b", None], dtype=object),
        pd.Series(["a", "b"], dtype="string"),
    ],
)
def test_a_column_is_neutralised_as_each_cell_would_be(values: pd.Series) -> None:
    def cells(column: pd.Series) -> list[object]:
        return [None if pd.isna(v) else v for v in column.astype(object)]

    assert cells(neutralised(values)) == cells(values.astype(object).map(neutralise))


def test_the_csv_streams_in_pieces_that_join_to_the_export() -> None:
    frame = incidents_frame([{**ROW, "incident_id": f"ID-{n}"} for n in range(7)])
    pieces = list(csv_chunks(frame, rows=3))
    assert len(pieces) == 3
    assert "".join(pieces) == to_csv(frame)
    assert list(csv_chunks(frame.iloc[0:0])) == [to_csv(frame.iloc[0:0])]
    collection = json.loads("".join(geojson_chunks(frame, rows=3)))
    assert collection == json.loads(to_geojson(frame))
