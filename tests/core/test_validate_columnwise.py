"""Column-wise validation gives what reading the declarations cell by cell gives.

The reference below is the row-by-row reading validation used before it ran column by column: each
declared column's parser and checks on each cell, then the rules across columns. For generated
tables of awkward cells (other scripts' digits, unusual spellings, values at and over every
limit, characters no store keeps, repeated ids), both must give the same issues, in the same
order, the same typed valid rows and the same rejected rows.
"""

from __future__ import annotations

from datetime import date
from unittest.mock import patch

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from dashboard.core.cells import CellError, date_precision
from dashboard.core.errors import Code, Fault, Issue, clip
from dashboard.core.records import incidents_frame
from dashboard.core.schema import DECLARATIONS, KEY, TEMPLATE_COLUMNS, UKRAINE_BOX
from dashboard.core.validate import (
    _SURROGATE,
    _UNSTORABLE,
    RawTable,
    _mostly_distinct,
    derive_incident_id,
    validate,
)
from tests.conftest import TODAY

MAX_CELL = 40


def _reference_row(
    cells: dict[str, str], line: int, today: date, max_cell: int
) -> tuple[dict[str, object], list[Issue]]:
    issues: list[Issue] = []
    out: dict[str, object] = {}
    cells = {**cells, "date_precision": date_precision(cells.get("date", ""))}

    def fail(column: str, fault: Fault) -> None:
        issues.append(Issue(line, column, clip(cells.get(column, "")), fault))

    for c in DECLARATIONS:
        value = cells.get(c.name, "")
        out[c.name] = None
        if len(value) > max_cell:
            fail(c.name, Fault(Code.TOO_LONG, length=len(value), limit=max_cell))
            continue
        if bad := _UNSTORABLE.search(value):
            fail(
                c.name,
                Fault(
                    Code.UNSTORABLE_CHARACTER,
                    character=f"U+{ord(bad[0]):04X}",
                    position=bad.start() + 1,
                ),
            )
            continue
        text = value.strip()
        if c.length is not None and len(text) > c.length:
            fail(
                c.name,
                Fault(Code.TOO_LONG, "column", length=len(text), column=c.name, limit=c.length),
            )
            continue
        if not text:
            if c.required:
                fail(c.name, Fault(Code.REQUIRED))
            out[c.name] = c.default
            continue
        try:
            parsed: object = c.parse(text)
        except CellError as error:
            fail(c.name, error.fault)
            continue
        for check in c.checks:
            if fault := check(parsed, today):
                fail(c.name, fault)
                parsed = None
                break
        out[c.name] = parsed
    if not cells.get("source_url", "").strip() and not cells.get("source_title", "").strip():
        fail("source_url", Fault(Code.SOURCE_REQUIRED))
    lat, lon = out["latitude"], out["longitude"]
    (south, west), (north, east) = UKRAINE_BOX
    known = isinstance(lat, float) and isinstance(lon, float)
    if known and not (south <= lat <= north and west <= lon <= east):  # type: ignore[operator]
        if south <= lon <= north and west <= lat <= east:  # type: ignore[operator]
            fail("latitude", Fault(Code.SWAPPED_COORDINATES, latitude=lat, longitude=lon))
        else:
            fail("latitude", Fault(Code.OUTSIDE_UKRAINE))
    if not out[KEY] and not any(i.severity == "error" for i in issues):
        out[KEY] = derive_incident_id(out)
    return out, issues


def _reference(table: RawTable, today: date, max_cell: int) -> tuple[list[Issue], pd.DataFrame]:
    issues: list[Issue] = []
    valid: list[dict[str, object]] = []
    lines: list[int] = []
    first_line_of: dict[str, int] = {}
    for cells_list, line in zip(table.rows, table.lines, strict=True):
        cells = dict(zip(table.columns, cells_list, strict=True))
        row, found = _reference_row(cells, line, today, max_cell)
        incident_id = row[KEY]
        if isinstance(incident_id, str):
            if incident_id in first_line_of:
                found.append(
                    Issue(
                        line,
                        KEY,
                        incident_id,
                        Fault(Code.DUPLICATE_ID, column=KEY, first=str(first_line_of[incident_id])),
                    )
                )
            else:
                first_line_of[incident_id] = line
        issues += found
        if not any(i.severity == "error" for i in found):
            valid.append(row)
            lines.append(line)
    frame = incidents_frame(valid)
    frame.insert(0, "line", pd.Series(lines, dtype="Int64", index=frame.index))
    return issues, frame


AWKWARD: dict[str, list[str]] = {
    "incident_id": ["X-1", "X-2", " X-1 ", "", "x" * 201],
    "date": ["2024-01-02", "02.01.2024", "2 January 2024", "01/02/2024", "25/01/2024",
             "03/03/2024", "2024-13-40", "2024-02-30", "2099-01-01", "0001-01-01", " 2024-01-02 ",
             "\u0662\u0660\u0662\u0664-01-02", "2024-1-2", "2024-09", "09.2024", "September 2024",
             "Sept 2024", "2024-13", "13.2024", "2099-12", " 2024-09 "],
    "time": ["07:30", "7:30", "24:00", "07:30:15", "\u0660\u0667:\u0663\u0660", "7h30"],
    "latitude": ["50.017", "50,017", "-0", "91", "-90", "nan", "1e3", ".5", "5.", "+49.9",
                 "\u0664\u0669.5", "49.99999999999999999", "inf"],
    "longitude": ["36.217", "36,2", "180", "180.0001", "-180", "", "36.2.1"],
    "geo_precision": ["1", "2", "3", "4", "-0", "+2", "007", "99999", "\u0662", "2.0", ""],
    "attribution_status": ["confirmed", "Confirmed", "rumoured", " claimed ", "x" * 21, ""],
    "killed": ["0", "3", "-1", "+5", "2147483647", "2147483648", "9" * 20, "\u0663", "1.5", ""],
    "injured": ["0", "-0", "00", "12", ""],
    "source_url": ["https://example.org/a", "HTTP://A.B", "ftp://x", "http://[::1", "http://a b",
                   "http://host:99999", "http://host:80/x", "http://user@host/x", "http://.",
                   "https://a..b/", "http://-/", "http://h/\u00e9", "", "https://example.org/a?q=1#f"],
    "source_title": ["A report", "", " "],
    "source_date": ["2024-04-29", "", "2099-12-31", "yesterday"],
    "location": ["Kharkiv", "", " ", "a\x00b", "x\ud800y"],
}  # fmt: skip
free_text = st.text(max_size=8)


def _cell(column: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(AWKWARD.get(column, ["", "text", " x "])), free_text)


#: Tables of 1 to 8 rows of awkward cells, in every template column.
TABLES = st.lists(st.tuples(*(_cell(c) for c in TEMPLATE_COLUMNS)), min_size=1, max_size=8)


@given(TABLES, st.permutations(TEMPLATE_COLUMNS))
def test_column_wise_validation_gives_the_cell_by_cell_result(
    rows: list[tuple[str, ...]], order: list[str]
) -> None:
    _assert_reference_result(rows, order)


@given(TABLES, st.permutations(TEMPLATE_COLUMNS))
def test_reading_each_cell_of_a_column_without_repeats_gives_the_same_result(
    rows: list[tuple[str, ...]], order: list[str]
) -> None:
    """A column that hardly repeats (ids, addresses: found in a large file's first cells) is
    read cell by cell instead of by its distinct values: the same issues and rows."""
    with patch("dashboard.core.validate._mostly_distinct", return_value=True):
        _assert_reference_result(rows, order)


def test_only_a_large_column_of_mostly_different_values_is_read_cell_by_cell() -> None:
    ids = np.array([f"BENCH-{i}" for i in range(3000)], dtype=object)
    assert _mostly_distinct(ids)
    assert not _mostly_distinct(ids[:999])  # a small file: its distinct values are found
    assert not _mostly_distinct(np.array(["confirmed", "claimed"] * 1500, dtype=object))


def _assert_reference_result(rows: list[tuple[str, ...]], order: list[str]) -> None:
    positions = [TEMPLATE_COLUMNS.index(c) for c in order]
    table = RawTable(
        list(order),
        [[row[i] for i in positions] for row in rows],
        [2 + 2 * i for i in range(len(rows))],
    )
    issues, valid = _reference(table, TODAY, MAX_CELL)
    result = validate(table, TODAY, max_cell=MAX_CELL)
    assert result.issues == issues
    pd.testing.assert_frame_equal(result.valid, valid)
    rejected_lines = sorted({i.line for i in issues if i.severity == "error"})
    assert result.rejected["line"].tolist() == rejected_lines
    for _, rejected in result.rejected.iterrows():
        cells = table.rows[table.lines.index(rejected["line"])]
        shown = [_SURROGATE.sub("\ufffd", c) for c in cells]
        assert rejected[list(order)].tolist() == shown
