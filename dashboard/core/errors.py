"""Every error and issue type of the dashboard, in one place.

Validation never raises: checks return :class:`Issue` records (errors are data), each with a code
from the catalogue :class:`Code`. Exceptions are for what stops an operation as a whole: a
rejected file, an unreachable store, a refused request, bad usage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

Severity = Literal["error", "warning"]
#: Longest offending value quoted in a report.
QUOTE_LIMIT = 200


def clip(value: str) -> str:
    """A value short enough to quote in a report (a 5 MB cell is cut, and says so)."""
    return value if len(value) <= QUOTE_LIMIT else value[:QUOTE_LIMIT] + "…"


class Code(StrEnum):
    """The catalogue of issue codes: each member is its code, with a severity and a meaning.

    A member compares equal to its string (``Code.REQUIRED == "required"``), so reports, exports
    and tests read codes as text. The README lists this catalogue (a test keeps them equal).
    """

    severity: Severity
    description: str

    def __new__(cls, code: str, severity: Severity, description: str) -> Code:
        """A member whose value is ``code``; severity and description ride along."""
        member = str.__new__(cls, code)
        member._value_ = code
        member.severity = severity
        member.description = description
        return member

    # The file as a whole (line 0): nothing of it is stored.
    FILE_TOO_LARGE = "file-too-large", "error", "the file is larger than the byte limit"
    NOT_CSV = (
        "not-csv",
        "error",
        "the file is not a CSV nor an .xlsx workbook (.xls, PDF, archive…)",
    )
    UNREADABLE_WORKBOOK = "unreadable-workbook", "error", "the .xlsx workbook cannot be read"
    UNKNOWN_SHEET = "unknown-sheet", "error", "the workbook has no sheet of the name asked for"
    NOT_TEXT = "not-text", "error", "the file is not text in any known encoding"
    EMPTY_FILE = "empty-file", "error", "the file holds nothing but delimiters and blank lines"
    HEADER_ONLY = "header-only", "error", "the file has a header but no data rows"
    TOO_MANY_ROWS = "too-many-rows", "error", "the file has more data rows than the row limit"
    TOO_MANY_COLUMNS = "too-many-columns", "error", "the header has more columns than the limit"
    MALFORMED_CSV = "malformed-csv", "error", "the CSV cannot be read past this line"
    # The header: nothing of the file is stored either.
    MISSING_COLUMN = "missing-column", "error", "a required column is not in the header"
    DUPLICATE_COLUMN = (
        "duplicate-column",
        "error",
        "two file columns give the same template column",
    )
    UNKNOWN_COLUMN = "unknown-column", "warning", "a column not in the template; it is ignored"
    INVALID_UTF8 = (
        "invalid-utf8",
        "error",
        "bytes that are not UTF-8 in a file otherwise UTF-8 (the header, or one row)",
    )
    # One row: that row is rejected (or, for a warning, stored as it is).
    RAGGED_ROW = "ragged-row", "error", "the row has more or fewer fields than the header"
    REQUIRED = "required", "error", "a required value is empty"
    SOURCE_REQUIRED = "source-required", "error", "neither source_url nor source_title is given"
    TOO_LONG = "too-long", "error", "the cell is longer than the cell limit or the column holds"
    UNSTORABLE_CHARACTER = (
        "unstorable-character",
        "error",
        "the cell holds a character no store can keep (NUL, a lone surrogate)",
    )
    INVALID_DATE = "invalid-date", "error", "not a date in a recognised format"
    AMBIGUOUS_DATE = (
        "ambiguous-date",
        "error",
        "a slash date that reads as day/month and as month/day",
    )
    FUTURE_DATE = "future-date", "error", "the date is after today"
    INVALID_TIME = "invalid-time", "error", "not a 24-hour time HH:MM"
    INVALID_NUMBER = "invalid-number", "error", "not a decimal number"
    INVALID_INTEGER = "invalid-integer", "error", "not a whole number"
    OUT_OF_RANGE = (
        "out-of-range",
        "error",
        "a number outside what the column allows (coordinates, counts)",
    )
    INVALID_PRECISION = "invalid-precision", "error", "geo_precision is not 1, 2 or 3"
    INVALID_STATUS = "invalid-status", "error", "attribution_status is not one of the five"
    INVALID_URL = "invalid-url", "error", "source_url is not an http(s) address with a host"
    DUPLICATE_ID = (
        "duplicate-id",
        "error",
        "the id (incident_id, examination_id) is used by an earlier row",
    )
    INVALID_CHOICE = "invalid-choice", "error", "not one of the values the column allows"
    UNKNOWN_REFERENCE = (
        "unknown-reference",
        "error",
        "an incident_id or examination_id that is neither stored nor in the file",
    )
    PLACE_REQUIRED = (
        "place-required",
        "error",
        "an examination names neither an incident nor the place of its own recovered missile",
    )
    YEARS_REVERSED = "years-reversed", "error", "manufacture years from after to"
    UPDATES_STORED = (
        "updates-stored",
        "warning",
        "the row's id is live in the store: it replaces that stored row (an update)",
    )
    SHARE_OVER_100 = (
        "share-over-100",
        "error",
        "one examination's component shares add up past 100%",
    )
    OUTSIDE_KHARKIV = (
        "outside-kharkiv",
        "warning",
        "the coordinates lie outside Kharkiv oblast (swapped or mistyped?)",
    )


#: Each code's member by its string.
_CODES: dict[str, Code] = {member.value: member for member in Code}


@dataclass(frozen=True, slots=True, init=False)
class Issue:
    """One fault found in an input file: ``Issue(line, column, value, code, message)``.

    ``line`` is the 1-based physical line where the record starts in the file (the header is
    line 1), or 0 for faults of the file as a whole; ``column`` is the canonical column name, or
    "" when the fault is not about one column. ``code`` is a :class:`Code` (a code's string is
    accepted and looked up, so a code missing from the catalogue fails at once); the severity is
    the code's.
    """

    line: int
    column: str
    value: str
    code: Code
    message: str

    def __init__(
        self,
        line: int,
        column: str,
        value: str,
        code: Code | str,
        message: str,
        severity: Severity | None = None,
    ) -> None:
        """An issue; ``severity``, when a caller states it, must be the catalogue's."""
        catalogued = _CODES.get(code)
        if catalogued is None:
            raise ValueError(f"unknown issue code {code!r}: add it to the catalogue (Code)")
        if severity is not None and severity != catalogued.severity:
            raise ValueError(f"{catalogued} has severity {catalogued.severity!r}, not {severity!r}")
        object.__setattr__(self, "line", line)
        object.__setattr__(self, "column", column)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "code", catalogued)
        object.__setattr__(self, "message", message)

    @property
    def severity(self) -> Severity:
        """ "error" rejects the row (or the file); "warning" is reported and stored anyway."""
        return self.code.severity

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message} (value {self.value!r}) [{self.code}]"


class DashboardError(Exception):
    """Base class of the dashboard's own exceptions."""


class ImportRejectedError(DashboardError):
    """A file was rejected: nothing was stored. ``reason`` says why, ``issues`` every fault."""

    def __init__(self, reason: str, issues: Sequence[Issue]) -> None:
        self.reason = reason
        self.issues = list(issues)
        super().__init__(f"file rejected: {reason}; nothing was stored")


class StoreUnavailableError(DashboardError):
    """The database could not be reached or opened."""


class RevertRefusedError(DashboardError):
    """A batch cannot be reverted (unknown, already reverted, changed nothing, or overtaken)."""


class ConfigError(DashboardError):
    """A setting from the environment has a value the dashboard cannot use."""


class MappingRefusedError(DashboardError):
    """A column mapping cannot be saved or used as given: its name is empty, too long or a
    built-in format's, or it names a column the template does not have."""
