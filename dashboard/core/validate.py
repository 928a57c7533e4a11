"""Check raw incident rows against the canonical format, collecting every fault (never raising).

Input is text as read from a file (:class:`RawTable`); output is the typed rows that passed and
one :class:`Issue` per fault, naming the file line, the column, the value and the reason.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from dashboard.core.cells import CellError
from dashboard.core.errors import Issue, clip
from dashboard.core.records import incidents_frame
from dashboard.core.schema import (
    DECLARATIONS,
    KEY,
    KHARKIV_OBLAST_BOX,
    MAX_TEXT_LENGTH,
)


@dataclass(frozen=True)
class RawTable:
    """Rows of text cells under canonical column names; ``lines[i]`` is row i's line in the file."""

    columns: list[str]
    rows: list[list[str]]
    lines: list[int]
    #: Faults found while reading, by line: such a row is rejected with them, its cells unchecked.
    faults: dict[int, list[Issue]] = field(default_factory=dict)
    #: Faults of the file as a whole and of its header, found while reading (rows are checked by
    #: :func:`validate`, which leaves these to the report).
    issues: list[Issue] = field(default_factory=list)


@dataclass
class ValidationResult:
    """What a file holds: the typed valid rows, every issue, and the raw rows that failed."""

    valid: pd.DataFrame
    issues: list[Issue]
    rows_read: int
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def ok(self) -> bool:
        """True when the whole file can be imported (warnings allowed)."""
        return not self.errors


#: Characters no store can keep: NUL (PostgreSQL text refuses it) and lone UTF-16 surrogates
#: (they have no UTF-8 form, so neither driver can send them).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


#: Each declared column's name, SQL length, required flag, default, parser and checks, unpacked
#: once: the row loop below runs for every cell of a file.
_PLAN = tuple((c.name, c.length, c.required, c.default, c.parse, c.checks) for c in DECLARATIONS)


def derive_incident_id(row: dict[str, object]) -> str:
    """A stable id for a row that has none: the same facts always give the same id."""
    key = "|".join(str(row.get(c) or "") for c in ("date", "location", "latitude", "longitude"))
    key += "|" + str(row.get("weapon") or "")
    return "INC-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12].upper()


def _check_row(
    cells: dict[str, str], line: int, today: date, max_cell: int = MAX_TEXT_LENGTH
) -> tuple[dict[str, object], list[Issue]]:
    """One row's typed values and issues: each declared column's parser and checks, then the
    rules across columns (a source, coordinates near Kharkiv, a derived incident_id)."""
    issues: list[Issue] = []
    out: dict[str, object] = {}

    def fail(column: str, code: str, reason: str, severity: str = "error") -> None:
        issues.append(Issue(line, column, clip(cells.get(column, "")), code, reason, severity))  # type: ignore[arg-type]

    # One search of the whole row: cells with a character no store can keep are rare.
    unstorable_row = _UNSTORABLE.search("".join(cells.values())) is not None
    for column, length, required, default, parse, checks in _PLAN:
        value = cells.get(column, "")
        if len(value) > max_cell:
            fail(
                column, "too-long", f"cell is {len(value):,} characters; the limit is {max_cell:,}"
            )
            out[column] = None
            continue
        if unstorable_row and (unstorable := _UNSTORABLE.search(value)):
            fail(
                column,
                "unstorable-character",
                f"cell holds U+{ord(unstorable[0]):04X} at character {unstorable.start() + 1:,}, "
                "which the store cannot keep: remove it",
            )
            out[column] = None
            continue
        text = value.strip()
        if length is not None and len(text) > length:
            fail(
                column,
                "too-long",
                f"value is {len(text):,} characters; {column} holds at most {length:,}",
            )
            out[column] = None
            continue
        if not text:
            if required:
                fail(column, "required", "required value is missing")
            out[column] = default
            continue
        try:
            parsed = parse(text)
        except CellError as bad:
            fail(column, bad.code, bad.reason)
            out[column] = None
            continue
        for check in checks:
            if fault := check(parsed, today):
                fail(column, *fault)
                parsed = None
                break
        out[column] = parsed

    if not cells.get("source_url", "").strip() and not cells.get("source_title", "").strip():
        fail(
            "source_url", "source-required", "a source is required: give source_url or source_title"
        )
    lat, lon = out["latitude"], out["longitude"]
    if isinstance(lat, float) and isinstance(lon, float):
        (south, west), (north, east) = KHARKIV_OBLAST_BOX
        if not (south <= lat <= north and west <= lon <= east):
            fail(
                "latitude",
                "outside-kharkiv",
                "coordinate is outside Kharkiv oblast: check it is not swapped or mistyped",
                "warning",
            )
    if not out[KEY] and not any(i.severity == "error" for i in issues):
        out[KEY] = derive_incident_id(out)
    return out, issues


def _printable(cells: dict[str, str]) -> dict[str, str]:
    """Cells for the rejected-rows table: a lone surrogate (no UTF-8 form, so neither pandas'
    Arrow strings nor a CSV download can hold it) becomes U+FFFD; its issue quotes it escaped."""
    return {c: _SURROGATE.sub("\ufffd", v) for c, v in cells.items()}


def validate(table: RawTable, today: date, *, max_cell: int = MAX_TEXT_LENGTH) -> ValidationResult:
    """Check every row, collecting all faults; duplicates of an incident_id are errors."""
    index = {c: i for i, c in enumerate(table.columns)}
    issues: list[Issue] = []
    valid: list[dict[str, object]] = []
    valid_lines: list[int] = []
    rejected_rows: list[dict[str, object]] = []
    first_line_of: dict[str, int] = {}

    for cells_list, line in zip(table.rows, table.lines, strict=True):
        cells = {c: cells_list[i] if i < len(cells_list) else "" for c, i in index.items()}
        if line in table.faults:
            row_issues = list(table.faults[line])
            reasons = "; ".join(map(str, row_issues))
            rejected_rows.append({"line": line, **_printable(cells), "error": reasons})
            issues.extend(row_issues)
            continue
        row, row_issues = _check_row(cells, line, today, max_cell)
        incident_id = row[KEY]
        if isinstance(incident_id, str):
            if incident_id in first_line_of:
                row_issues.append(
                    Issue(
                        line,
                        KEY,
                        incident_id,
                        "duplicate-id",
                        f"{KEY} already used on line {first_line_of[incident_id]}",
                    )
                )
            else:
                first_line_of[incident_id] = line
        issues.extend(row_issues)
        if any(i.severity == "error" for i in row_issues):
            reasons = "; ".join(str(i) for i in row_issues if i.severity == "error")
            rejected_rows.append({"line": line, **_printable(cells), "error": reasons})
        else:
            valid.append(row)
            valid_lines.append(line)

    frame = incidents_frame(valid)
    frame.insert(0, "line", pd.Series(valid_lines, dtype="Int64", index=frame.index))
    return ValidationResult(
        valid=frame,
        issues=issues,
        rows_read=len(table.rows),
        rejected=pd.DataFrame(rejected_rows, columns=["line", *index, "error"]),
    )
