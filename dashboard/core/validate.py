"""Check raw incident rows against the canonical format, collecting every fault (never raising).

Input is text as read from a file (:class:`RawTable`); output is the typed rows that passed and
one :class:`Issue` per fault, naming the file line, the column, the value and the reason.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlparse

import pandas as pd

from dashboard.core.errors import Issue, clip
from dashboard.core.records import incidents_frame
from dashboard.core.schema import (
    COLUMNS,
    DECLARED,
    DEFAULT_PRECISION,
    INT_COLUMNS,
    KHARKIV_OBLAST_BOX,
    MAX_TEXT_LENGTH,
    PRECISIONS,
    REQUIRED,
    STATUSES,
    TEXT_COLUMNS,
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


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_SLASH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
#: Characters no store can keep: NUL (PostgreSQL text refuses it) and lone UTF-16 surrogates
#: (they have no UTF-8 form, so neither driver can send them).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
#: Whitespace or control characters, which urlparse drops or keeps silently inside an address.
_URL_SPACE = re.compile(r"[\s\x00-\x1f\x7f]")


class _BadCellError(ValueError):
    """A cell that cannot be converted: ``code`` and ``reason`` become an :class:`Issue`."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def parse_date(text: str, today: date) -> date:
    """Read ISO ``2024-01-02``, ``02.01.2024`` (day first) or ACLED's ``2 January 2024``.

    A slash date such as ``01/02/2024`` is refused unless one part exceeds 12: the two common
    conventions disagree on it, and guessing would file the incident under the wrong month.
    """
    text = text.strip()
    try:
        if _ISO_DATE.match(text):
            parsed = date.fromisoformat(text)
        elif m := _DOTTED_DATE.match(text):
            parsed = date(int(m[3]), int(m[2]), int(m[1]))
        elif m := _SLASH_DATE.match(text):
            first, second, year = int(m[1]), int(m[2]), int(m[3])
            if first <= 12 and second <= 12 and first != second:
                raise _BadCellError(
                    "ambiguous-date",
                    "slash date is ambiguous (day/month or month/day?): write it as YYYY-MM-DD",
                )
            day, month = (first, second) if first > 12 or first == second else (second, first)
            parsed = date(year, month, day)
        else:
            parsed = datetime.strptime(" ".join(text.split()), "%d %B %Y").date()
    except _BadCellError:
        raise
    except ValueError:
        raise _BadCellError(
            "invalid-date", "not a date: use YYYY-MM-DD, DD.MM.YYYY or '2 January 2024'"
        ) from None
    if parsed > today:
        raise _BadCellError("future-date", f"date is after today ({today.isoformat()})")
    return parsed


def parse_float(text: str) -> float:
    """A decimal number; a decimal comma (``49,99``) is accepted."""
    text = text.strip()
    if not _NUMBER.match(text):
        raise _BadCellError("invalid-number", "not a decimal number")
    return float(text.replace(",", "."))


def parse_count(text: str, highest: int) -> int:
    """A whole number from 0 to ``highest`` (the column's SQL maximum).

    Digits are counted before converting, so a 5,000-digit cell is out of range rather than an
    error from ``int()`` (which refuses over 4,300 digits) or from the store.
    """
    text = text.strip()
    if not _INTEGER.match(text):
        raise _BadCellError("invalid-integer", "not a whole number")
    digits = text.lstrip("+-").lstrip("0") or "0"
    value = int(digits) if len(digits) <= len(str(highest)) else highest + 1
    if (text.startswith("-") and value) or value > highest:
        raise _BadCellError("out-of-range", f"must be a whole number from 0 to {highest:,}")
    return value


def check_url(text: str) -> str:
    """An http(s) address with a host; anything urlparse refuses is reported, never raised."""
    if _URL_SPACE.search(text):
        raise _BadCellError("invalid-url", "source_url must not hold spaces or control characters")
    try:
        parsed = urlparse(text)
        host, _ = parsed.hostname, parsed.port  # both raise ValueError on a malformed netloc
    except ValueError as exc:
        raise _BadCellError("invalid-url", f"source_url is not a valid address ({exc})") from None
    if parsed.scheme.lower() not in ("http", "https") or not host:
        raise _BadCellError("invalid-url", "source_url must be an http(s) address with a host")
    return text


def derive_incident_id(row: dict[str, object]) -> str:
    """A stable id for a row that has none: the same facts always give the same id."""
    key = "|".join(str(row.get(c) or "") for c in ("date", "location", "latitude", "longitude"))
    key += "|" + str(row.get("weapon") or "")
    return "INC-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12].upper()


def _check_row(
    cells: dict[str, str], line: int, today: date, max_cell: int = MAX_TEXT_LENGTH
) -> tuple[dict[str, object], list[Issue]]:
    issues: list[Issue] = []
    out: dict[str, object] = {}

    def fail(column: str, code: str, reason: str, severity: str = "error") -> None:
        issues.append(Issue(line, column, clip(cells.get(column, "")), code, reason, severity))  # type: ignore[arg-type]

    for column in COLUMNS:
        value = cells.get(column, "")
        if len(value) > max_cell:
            issues.append(
                Issue(
                    line,
                    column,
                    clip(value),
                    "too-long",
                    f"cell is {len(value):,} characters; the limit is {max_cell:,}",
                )
            )
            out[column] = None
            continue
        if unstorable := _UNSTORABLE.search(value):
            fail(
                column,
                "unstorable-character",
                f"cell holds U+{ord(unstorable[0]):04X} at character {unstorable.start() + 1:,}, "
                "which the store cannot keep: remove it",
            )
            out[column] = None
            continue
        text = value.strip()
        length = DECLARED[column].length
        if length is not None and len(text) > length:
            fail(
                column,
                "too-long",
                f"value is {len(text):,} characters; {column} holds at most {length:,}",
            )
            out[column] = None
            continue
        if not text:
            if column in REQUIRED:
                fail(column, "required", "required value is missing")
            out[column] = None
            continue
        try:
            out[column] = _convert(column, text, today)
        except _BadCellError as bad:
            fail(column, bad.code, bad.reason)
            out[column] = None

    if not cells.get("source_url", "").strip() and not cells.get("source_title", "").strip():
        fail(
            "source_url", "source-required", "a source is required: give source_url or source_title"
        )
    if out["geo_precision"] is None and not any(i.column == "geo_precision" for i in issues):
        out["geo_precision"] = DEFAULT_PRECISION
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
    if not out["incident_id"] and not any(i.severity == "error" for i in issues):
        out["incident_id"] = derive_incident_id(out)
    return out, issues


def _convert(column: str, text: str, today: date) -> object:
    if column == "date":
        return parse_date(text, today)
    if column == "source_date":
        return parse_date(text, today)
    if column == "latitude" or column == "longitude":
        value = parse_float(text)
        limit = 90 if column == "latitude" else 180
        if not math.isfinite(value) or abs(value) > limit:
            raise _BadCellError("out-of-range", f"must be between -{limit} and {limit}")
        return value
    if column in INT_COLUMNS:
        bounds = DECLARED[column].int_range
        assert bounds is not None, column
        value = parse_count(text, bounds[1])
        if column == "geo_precision" and value not in PRECISIONS:
            raise _BadCellError("invalid-precision", "must be 1, 2 or 3 (ACLED geo_precision)")
        return value
    if column == "attribution_status":
        status = text.lower()
        if status not in STATUSES:
            raise _BadCellError("invalid-status", "must be one of: " + ", ".join(STATUSES))
        return status
    if column == "time":
        if not _TIME.match(text):
            raise _BadCellError("invalid-time", "not a time: use HH:MM (24-hour)")
        return text
    if column == "source_url":
        return check_url(text)
    assert column in TEXT_COLUMNS, column
    return text


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
        incident_id = row["incident_id"]
        if isinstance(incident_id, str):
            if incident_id in first_line_of:
                row_issues.append(
                    Issue(
                        line,
                        "incident_id",
                        incident_id,
                        "duplicate-id",
                        f"incident_id already used on line {first_line_of[incident_id]}",
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
