"""Excel workbooks (.xlsx) read into the same rows of text a CSV gives, with the same limits.

openpyxl reads the sheet (read-only, cached values: a formula counts as the value Excel last
showed, never as a formula), with defusedxml guarding its XML parsing. Cells become text as a
CSV export would write them: whole numbers without ``.0``, dates as ``YYYY-MM-DD`` (or
``YYYY-MM`` where the cell shows only the month), times as ``HH:MM``. Lines in the report are
the sheet's row numbers.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, Final

from dashboard.core.csvio import CsvFile, Limits, parse_csv
from dashboard.core.errors import Code, Fault, Issue, clip

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

#: The decompressed workbook may be this many times the upload limit (xlsx is a ZIP archive:
#: a small file could otherwise unpack to gigabytes).
MAX_EXPANSION: Final = 20
#: What a workbook's report gives as its encoding.
WORKBOOK: Final = "xlsx"


def is_workbook(data: bytes) -> bool:
    """True for an Office Open XML workbook (a ZIP archive holding ``xl/workbook.xml``)."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _open(data: bytes) -> Workbook:
    """The workbook in ``data``, read-only, formulas as their cached values. openpyxl is imported
    here, not with this module: reading a CSV never needs it (0.1 s of every command's start)."""
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(data), read_only=True, data_only=True)


def sheet_names(data: bytes) -> list[str]:
    """The workbook's sheets, in order (empty when it cannot be read)."""
    try:
        book = _open(data)
    except Exception:  # whatever openpyxl raises: read_workbook reports the damage
        return []
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def cell_text(value: object) -> str:
    """A cell's value as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="minutes")
    return str(value)


#: What a number format shows besides its codes: quoted text, [colour] or [locale], escapes.
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


def month_only(number_format: str) -> bool:
    """Whether a date cell's number format shows the month and year but no day (as Excel
    formats ``2024-09`` typed into a cell: ``mmm-yy``), so that it is read as a month."""
    codes = _FORMAT_LITERALS.sub("", number_format.lower())
    return "y" in codes and "m" in codes and not any(c in codes for c in "dhs")


def _values(cells: Iterable[Any]) -> tuple[object, ...]:
    """A row's values; a date whose cell shows only its month becomes that month's text
    (``2024-09``): a day Excel added on its own is not the source's."""
    return tuple(
        f"{c.value.year:04d}-{c.value.month:02d}"
        if isinstance(c.value, date) and month_only(c.number_format or "")
        else c.value
        for c in cells
    )


def _refused(fault: Fault, value: str = "") -> CsvFile:
    """A workbook refused as a whole: no header, no rows, one issue (line 0, no column)."""
    return CsvFile([], [], [], [Issue(0, "", value, fault)], WORKBOOK)


def read_workbook(data: bytes, limits: Limits | None = None, sheet: str | None = None) -> CsvFile:
    """One sheet (the first unless ``sheet`` names one) as a header and rows of text."""
    limits = limits or Limits()
    if len(data) > limits.max_bytes:
        # An upload is read no further than one byte past the limit: its whole size is unknown.
        fault = Fault(Code.FILE_TOO_LARGE, limit=limits.max_bytes)
        return _refused(fault, f"over {limits.max_bytes} bytes")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > limits.max_bytes * MAX_EXPANSION:
            fault = Fault(
                Code.FILE_TOO_LARGE,
                "unpacked",
                size=unpacked,
                limit=limits.max_bytes * MAX_EXPANSION,
            )
            return _refused(fault, f"{unpacked} bytes unpacked")
        book = _open(data)
    except Exception as exc:  # openpyxl raises many kinds: a damaged workbook is the file's fault
        return _refused(Fault(Code.UNREADABLE_WORKBOOK, error=str(exc)))
    try:
        if sheet is not None and sheet not in book.sheetnames:
            names = ", ".join(repr(n) for n in book.sheetnames)
            return _refused(Fault(Code.UNKNOWN_SHEET, sheet=repr(sheet), names=names))
        worksheet = book[sheet] if sheet is not None else book.worksheets[0]
        worksheet.reset_dimensions()  # read every row, whatever size the file claims
        return _rows((_values(row) for row in worksheet.iter_rows()), limits)
    finally:
        book.close()


def _rows(records: Iterable[tuple[object, ...]], limits: Limits) -> CsvFile:
    header: list[str] = []
    header_line = 0
    rows: list[list[str]] = []
    lines: list[int] = []
    faults: dict[int, list[Issue]] = {}
    issues: list[Issue] = []
    for line, record in enumerate(records, start=1):
        cells = [clip_cell(cell_text(v), limits) for v in record]
        while cells and not cells[-1].strip():
            cells.pop()
        if not any(c.strip() for c in cells):
            continue
        if not header:
            if len(cells) > limits.max_columns:
                fault = Fault(Code.TOO_MANY_COLUMNS, columns=len(cells), limit=limits.max_columns)
                return _refused(fault, f"{len(cells)} columns")
            header, header_line = cells, line
            continue
        if len(rows) == limits.max_rows:
            issues.append(Issue(0, "", "", Fault(Code.TOO_MANY_ROWS, limit=limits.max_rows)))
            return CsvFile(header, [], [], issues, WORKBOOK, "", header_line)
        if len(cells) > len(header):
            faults[line] = [
                Issue(
                    line,
                    "",
                    clip(" | ".join(cells)),
                    Fault(Code.RAGGED_ROW, "sheet", fields=len(cells), width=len(header)),
                )
            ]
        rows.append((cells + [""] * len(header))[: len(header)])
        lines.append(line)
    if not header:
        return _refused(Fault(Code.EMPTY_FILE, "sheet"))
    if not rows:
        issues.append(Issue(0, "", "", Code.HEADER_ONLY))
    return CsvFile(header, rows, lines, issues, WORKBOOK, "", header_line, faults)


def clip_cell(text: str, limits: Limits) -> str:
    """A cell cut just past the cell limit: validation still reports it as too long."""
    return text if len(text) <= limits.max_cell + 1 else text[: limits.max_cell + 1]


def parse_upload(data: bytes, limits: Limits | None = None, sheet: str | None = None) -> CsvFile:
    """A CSV or an .xlsx workbook (recognised by its content) as a header and rows of text."""
    if is_workbook(data):
        return read_workbook(data, limits, sheet)
    return parse_csv(data, limits)
