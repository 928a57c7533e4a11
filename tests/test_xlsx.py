"""Excel workbooks: read through openpyxl into the same report as their CSV twin."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from dashboard.__main__ import main
from dashboard.core.csvio import Limits
from dashboard.core.schema import TEMPLATE_COLUMNS
from dashboard.core.sheets import cell_text, is_workbook, read_workbook
from dashboard.imports import prepare
from dashboard.store import Store
from tests.conftest import TODAY
from tests.helpers import GOOD, csv_bytes, row

#: Cells as Excel holds them: numbers as numbers, the dates as dates.
NUMBERS = {"latitude", "longitude", "geo_precision", "killed", "injured"}


def typed(cells: dict[str, str]) -> list[object]:
    out: list[object] = []
    for column in TEMPLATE_COLUMNS:
        value = cells.get(column, "")
        if value and column in NUMBERS:
            out.append(float(value) if "." in value else int(value))
        elif value and column in ("date", "source_date") and value[:4].isdigit():
            out.append(datetime.fromisoformat(value))
        else:
            out.append(value or None)
    return out


def workbook(rows: list[dict[str, str]], *, sheets: int = 1, blank_line: bool = False) -> bytes:
    book = Workbook()
    book.active.title = "Incidents"
    for n in range(1, sheets):
        book.create_sheet(f"Sheet {n + 1}").append(["nothing", "here"])
    sheet = book["Incidents"]
    sheet.append(list(TEMPLATE_COLUMNS))
    if blank_line:
        sheet.append([])
    for cells in rows:
        sheet.append(typed(cells))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


ROWS = [GOOD, row(incident_id="T-2", date="01/02/2024"), row(incident_id="T-3", killed="-1")]


def test_a_workbook_reports_like_its_csv_twin() -> None:
    sheet = prepare(workbook(ROWS), "twin.xlsx", TODAY, limits=Limits())
    text = prepare(csv_bytes(ROWS), "twin.csv", TODAY, limits=Limits())
    assert sheet.counts == text.counts
    assert [(i.line, i.column, i.value, i.code) for i in sheet.issues] == [
        (i.line, i.column, i.value, i.code) for i in text.issues
    ]
    assert sheet.valid.drop(columns="line").equals(text.valid.drop(columns="line"))
    assert sheet.summary()[1] == "read as incidents, from an .xlsx workbook"


def test_lines_are_the_sheets_row_numbers() -> None:
    report = prepare(workbook(ROWS, blank_line=True), "gap.xlsx", TODAY, limits=Limits())
    assert [(i.line, i.code) for i in report.issues] == [
        (4, "ambiguous-date"),
        (5, "out-of-range"),
    ]


def test_a_chosen_sheet_and_an_unknown_one() -> None:
    data = workbook([GOOD], sheets=2)
    other = prepare(data, "two.xlsx", TODAY, limits=Limits(), sheet="Sheet 2")
    assert other.header == ("nothing", "here")
    assert "header-only" in {i.code for i in other.issues}
    missing = prepare(data, "two.xlsx", TODAY, limits=Limits(), sheet="Nope")
    [issue] = missing.issues
    assert issue.code == "unknown-sheet"
    assert "'Incidents', 'Sheet 2'" in issue.message


def test_a_formula_is_never_read_as_a_formula() -> None:
    book = Workbook()
    book.active.append(list(TEMPLATE_COLUMNS))
    book.active.append(typed(row(weapon="x")))
    book.active["I2"] = '=HYPERLINK("http://127.0.0.1:9/","KN-23")'  # the weapon cell
    out = io.BytesIO()
    book.save(out)
    report = prepare(out.getvalue(), "formula.xlsx", TODAY, limits=Limits())
    # A workbook saved by a program that never computed it holds no value for the formula.
    assert [(i.column, i.code) for i in report.issues] == [("weapon", "required")]


def test_damaged_and_oversized_workbooks_are_refused() -> None:
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not a workbook")
    assert is_workbook(damaged.getvalue())
    [issue] = read_workbook(damaged.getvalue()).issues
    assert issue.code == "unreadable-workbook"

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "")
        archive.writestr("xl/worksheets/sheet1.xml", " " * 3_000_000)
    [issue] = read_workbook(bomb.getvalue(), Limits(max_bytes=100_000)).issues
    assert issue.code == "file-too-large"
    assert "unpacks to 3,000,000 bytes" in issue.message


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (3.0, "3"),
        (50.017, "50.017"),
        (datetime(2024, 1, 2), "2024-01-02"),
        (datetime(2024, 1, 2, 7, 30), "2024-01-02 07:30"),
        (True, "true"),
        ("Харків", "Харків"),
    ],
)
def test_cells_read_as_a_csv_export_writes_them(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_the_cli_imports_a_workbooks_sheet(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_DB_URL", db_url)
    path = tmp_path / "in.xlsx"
    path.write_bytes(workbook([GOOD], sheets=2))
    assert main(["import", str(path), "--sheet", "Sheet 2"]) == 1
    assert main(["import", str(path), "--sheet", "Incidents"]) == 0
    assert "T-0001" in set(Store(db_url).incidents()["incident_id"])
