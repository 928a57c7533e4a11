"""Every error and issue type of the dashboard, in one place.

Validation never raises: checks return :class:`Issue` records (errors are data), each with a code
from the catalogue :class:`Code`. Exceptions are for what stops an operation as a whole: a
rejected file, an unreachable store, a refused request, bad usage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from dashboard.core.i18n import N_, _, number

Severity = Literal["error", "warning"]
#: Longest offending value quoted in a report.
QUOTE_LIMIT = 200


def clip(value: str) -> str:
    """A value short enough to quote in a report (a 5 MB cell is cut, and says so)."""
    return value if len(value) <= QUOTE_LIMIT else value[:QUOTE_LIMIT] + "…"


class Code(StrEnum):
    """The catalogue of issue codes: each member is its code, with a severity, a meaning and the
    words of its message.

    ``description`` says what the code means (the issues table shows it translated);
    ``template`` is the message (marked for the catalogue, with named placeholders filled from
    the issue's values); ``variants`` the other messages of the same fault, by name (a URL with
    spaces and one with no host are both ``invalid-url``). Every issue message is written here
    and nowhere else. A member compares equal to its string (``Code.REQUIRED == "required"``), so
    reports, exports and tests read codes as text. The README lists this catalogue (a test keeps
    them equal).
    """

    severity: Severity
    description: str
    template: str
    variants: Mapping[str, str]

    def __new__(
        cls,
        code: str,
        severity: Severity,
        description: str,
        template: str,
        variants: Mapping[str, str] | None = None,
    ) -> Code:
        """A member whose value is ``code``; the rest rides along."""
        member = str.__new__(cls, code)
        member._value_ = code
        member.severity = severity
        member.description = description
        member.template = template
        member.variants = variants or {}
        return member

    # The file as a whole (line 0): nothing of it is stored.
    FILE_TOO_LARGE = (
        "file-too-large",
        "error",
        N_("the file is larger than the byte limit"),
        N_("the file is larger than the limit of {limit} bytes"),
        {"unpacked": N_("the workbook unpacks to {size} bytes; the limit is {limit}")},
    )
    NOT_CSV = (
        "not-csv",
        "error",
        N_("the file is not a CSV nor an .xlsx workbook (.xls, PDF, archive…)"),
        N_("not a CSV file: it looks like {kind}"),
        {"control": N_("not a CSV file: it is full of control characters")},
    )
    UNREADABLE_WORKBOOK = (
        "unreadable-workbook",
        "error",
        N_("the .xlsx workbook cannot be read"),
        N_("the workbook cannot be read: {error}"),
    )
    UNKNOWN_SHEET = (
        "unknown-sheet",
        "error",
        N_("the workbook has no sheet of the name asked for"),
        N_("the workbook has no sheet {sheet}: {names}"),
    )
    NOT_TEXT = (
        "not-text",
        "error",
        N_("the file is not text in any known encoding"),
        N_("not a CSV file: it is not text in any known encoding"),
    )
    EMPTY_FILE = (
        "empty-file",
        "error",
        N_("the file holds nothing but delimiters and blank lines"),
        N_("the file is empty"),
        {
            "blank": N_("the file holds no values, only delimiters and blank lines"),
            "sheet": N_("the sheet is empty"),
        },
    )
    HEADER_ONLY = (
        "header-only",
        "error",
        N_("the file has a header but no data rows"),
        N_("the file has a header but no data rows"),
    )
    TOO_MANY_ROWS = (
        "too-many-rows",
        "error",
        N_("the file has more data rows than the row limit"),
        N_("the file has more than {limit} rows (the limit)"),
    )
    TOO_MANY_COLUMNS = (
        "too-many-columns",
        "error",
        N_("the header has more columns than the limit"),
        N_("the header has {columns} columns; the limit is {limit}"),
    )
    MALFORMED_CSV = (
        "malformed-csv",
        "error",
        N_("the CSV cannot be read past this line"),
        N_("the CSV cannot be read here: {error}"),
    )
    # The header: nothing of the file is stored either.
    MISSING_COLUMN = (
        "missing-column",
        "error",
        N_("a required column is not in the header"),
        N_("required column {column} is missing from the header"),
        {
            "mapped": N_(
                "required column {column} is missing from the header: add it or map a column"
            ),
            "launches": N_("the dataset's column {column} is not in the header"),
        },
    )
    DUPLICATE_COLUMN = (
        "duplicate-column",
        "error",
        N_("two file columns give the same template column"),
        N_("column {first} already gives {column}"),
    )
    UNKNOWN_COLUMN = (
        "unknown-column",
        "warning",
        N_("a column not in the template; it is ignored"),
        N_("column is not in the template; ignored"),
    )
    INVALID_UTF8 = (
        "invalid-utf8",
        "error",
        N_("bytes that are not UTF-8 in a file otherwise UTF-8 (the header, or one row)"),
        N_(
            "column {column} holds bytes that are not UTF-8 (shown as U+FFFD) in a file that is"
            " otherwise UTF-8: correct them, or save the file again as UTF-8"
        ),
        {
            "header": N_(
                "header cell {cell} holds bytes that are not UTF-8 (shown as U+FFFD) in a file"
                " that is otherwise UTF-8: correct them, or save the file again as UTF-8"
            )
        },
    )
    # One row: that row is rejected (or, for a warning, stored as it is).
    RAGGED_ROW = (
        "ragged-row",
        "error",
        N_("the row has more or fewer fields than the header"),
        N_("row has {fields} fields but the header has {width}"),
        {
            "open-quote": N_(
                "row has {fields} fields but the header has {width}; a field runs over several"
                " lines: does a quote on this line never close?"
            ),
            "sheet": N_("row has values in {fields} columns but the header has {width}"),
        },
    )
    REQUIRED = "required", "error", N_("a required value is empty"), N_("required value is missing")
    SOURCE_REQUIRED = (
        "source-required",
        "error",
        N_("neither source_url nor source_title is given"),
        N_("a source is required: give source_url or source_title"),
    )
    TOO_LONG = (
        "too-long",
        "error",
        N_("the cell is longer than the cell limit or the column holds"),
        N_("cell is {length} characters; the limit is {limit}"),
        {"column": N_("value is {length} characters; {column} holds at most {limit}")},
    )
    UNSTORABLE_CHARACTER = (
        "unstorable-character",
        "error",
        N_("the cell holds a character no store can keep (NUL, a lone surrogate)"),
        N_(
            "cell holds {character} at character {position}, which the store cannot keep: remove it"
        ),
    )
    INVALID_DATE = (
        "invalid-date",
        "error",
        N_("not a date in a recognised format"),
        N_("not a date: use YYYY-MM-DD, DD.MM.YYYY or '2 January 2024'"),
        {
            "month": N_("not a month: use YYYY-MM or 'September 2024'"),
            "day-or-month": N_(
                "not a date: use YYYY-MM-DD, DD.MM.YYYY or '2 January 2024', or a month: YYYY-MM"
            ),
            "as-of": N_("not a day (YYYY-MM-DD) nor a month (YYYY-MM)"),
            "calendar": N_("not a calendar date ({error})"),
            "time": N_("not a date and time: use YYYY-MM-DD or YYYY-MM-DD HH:MM"),
        },
    )
    AMBIGUOUS_DATE = (
        "ambiguous-date",
        "error",
        N_("a slash date that reads as day/month and as month/day"),
        N_("slash date is ambiguous (day/month or month/day?): write it as YYYY-MM-DD"),
    )
    FUTURE_DATE = (
        "future-date",
        "error",
        N_("the date is after today"),
        N_("date is after today ({today})"),
    )
    INVALID_TIME = (
        "invalid-time",
        "error",
        N_("not a 24-hour time HH:MM"),
        N_("not a time: use HH:MM (24-hour)"),
    )
    INVALID_NUMBER = (
        "invalid-number",
        "error",
        N_("not a decimal number"),
        N_("not a decimal number"),
    )
    INVALID_INTEGER = (
        "invalid-integer",
        "error",
        N_("not a whole number"),
        N_("not a whole number"),
        {"missiles": N_("not a whole number of missiles (≥ 0)")},
    )
    OUT_OF_RANGE = (
        "out-of-range",
        "error",
        N_("a number outside what the column allows (coordinates, counts)"),
        N_("must be between {low} and {high}"),
        {
            "count": N_("must be a whole number from 0 to {high}"),
            "destroyed": N_("more destroyed ({destroyed}) than launched ({launched})"),
        },
    )
    INVALID_PRECISION = (
        "invalid-precision",
        "error",
        N_("geo_precision is not 1, 2 or 3"),
        N_("must be 1, 2 or 3 (ACLED geo_precision)"),
    )
    INVALID_STATUS = (
        "invalid-status",
        "error",
        N_("attribution_status is not one of the five"),
        N_("must be one of: {choices}"),
    )
    INVALID_URL = (
        "invalid-url",
        "error",
        N_("source_url is not an http(s) address with a host"),
        N_("{column} must be an http(s) address with a host"),
        {
            "space": N_("{column} must not hold spaces or control characters"),
            "format": N_(
                "{column} holds {character}, a bidirectional or invisible format character that"
                " makes the address read as another: remove it"
            ),
            "malformed": N_("{column} is not a valid address ({error})"),
            "host": N_("{column} has a host that is neither a name nor an IP address"),
        },
    )
    DUPLICATE_ID = (
        "duplicate-id",
        "error",
        N_("the id (incident_id, examination_id) is used by an earlier row"),
        N_("{column} already used on line {first}"),
    )
    INVALID_CHOICE = (
        "invalid-choice",
        "error",
        N_("not one of the values the column allows"),
        N_("must be one of: {choices}"),
    )
    UNKNOWN_REFERENCE = (
        "unknown-reference",
        "error",
        N_("an incident_id or examination_id that is neither stored nor in the file"),
        N_("no stored incident has this incident_id"),
        {"examination": N_("no stored examination, nor any in this file, has this examination_id")},
    )
    PLACE_REQUIRED = (
        "place-required",
        "error",
        N_("an examination names neither an incident nor the place of its own recovered missile"),
        N_("give the incident_id the debris comes from, or the place of the recovered missile"),
    )
    YEARS_REVERSED = (
        "years-reversed",
        "error",
        N_("manufacture years from after to"),
        N_("made_to ({high}) is before made_from ({low})"),
    )
    UPDATES_STORED = (
        "updates-stored",
        "warning",
        N_("the row's id is live in the store: it replaces that stored row (an update)"),
        N_("updates the stored source: {changes}"),
        {
            "examinations": N_("updates the stored examination: {changes}"),
            "component_origins": N_("updates the stored component origin: {changes}"),
        },
    )
    SHARE_OVER_100 = (
        "share-over-100",
        "error",
        N_("one examination's component shares add up past 100%"),
        N_(
            "shares of examination {examination} add up to {total}% with this row (the stored"
            " ones included): at most 100%"
        ),
    )
    OUTSIDE_UKRAINE = (
        "outside-ukraine",
        "warning",
        N_("the coordinates lie outside Ukraine (mistyped?)"),
        N_("coordinate is outside Ukraine: check it is not mistyped"),
    )
    SWAPPED_COORDINATES = (
        "swapped-coordinates",
        "warning",
        N_("latitude and longitude look swapped: the other way round they lie in Ukraine"),
        N_(
            "latitude {latitude} and longitude {longitude} look swapped: the other way round "
            "they lie in Ukraine"
        ),
    )

    def message(self, variant: str = "") -> str:
        """The template of ``variant`` (the code's own for ""), as written (untranslated)."""
        return self.variants[variant] if variant else self.template


#: Each code's member by its string.
_CODES: dict[str, Code] = {member.value: member for member in Code}


def _code(code: Code | str) -> Code:
    """The catalogue's member for ``code``; a code missing from the catalogue fails at once."""
    catalogued = _CODES.get(code)
    if catalogued is None:
        raise ValueError(f"unknown issue code {code!r}: add it to the catalogue (Code)")
    return catalogued


class Words(str):
    """A placeholder's value that is itself words of the catalogue (marked with ``N_``, such as
    what a binary file looks like): translated when the message is shown."""

    __slots__ = ()


def _shown(value: object) -> str:
    """A placeholder's value in the language in force: words translated, a count or figure in
    the locale's form (``1,234``, ``1 234``), other text as it is (a year or an id is text)."""
    if isinstance(value, Words):
        return _(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number(value)
    return str(value)


@dataclass(frozen=True, slots=True, init=False)
class Fault:
    """A fault of one cell or row before it has a place: its code, which of the code's messages
    (``variant``, "" for the code's own) and the values that message names."""

    code: Code
    variant: str
    values: tuple[tuple[str, object], ...]

    def __init__(self, code: Code | str, variant: str = "", /, **values: object) -> None:
        """A fault; an unknown code or variant fails at once."""
        catalogued = _code(code)
        if variant and variant not in catalogued.variants:
            raise ValueError(f"{catalogued} has no message {variant!r}")
        object.__setattr__(self, "code", catalogued)
        object.__setattr__(self, "variant", variant)
        object.__setattr__(self, "values", tuple(values.items()))

    @property
    def message(self) -> str:
        """The message in the language in force, its placeholders filled."""
        return _(self.code.message(self.variant)).format(
            **{name: _shown(value) for name, value in self.values}
        )


@dataclass(frozen=True, slots=True, init=False)
class Issue:
    """One fault found in an input file: ``Issue(line, column, value, fault)``.

    ``line`` is the 1-based physical line where the record starts in the file (the header is
    line 1), or 0 for faults of the file as a whole; ``column`` is the canonical column name, or
    "" when the fault is not about one column. ``fault`` (or a bare code, for a message with no
    values) says what is wrong; the code's severity is the issue's. The message is rendered from
    the code and values when it is read, in the reader's language: a report built once reads in
    whichever language it is shown in.
    """

    line: int
    column: str
    value: str
    fault: Fault

    def __init__(
        self,
        line: int,
        column: str,
        value: str,
        fault: Fault | Code | str,
        severity: Severity | None = None,
    ) -> None:
        """An issue; ``severity``, when a caller states it, must be the catalogue's."""
        if not isinstance(fault, Fault):
            fault = Fault(fault)
        if severity is not None and severity != fault.code.severity:
            raise ValueError(f"{fault.code} has severity {fault.code.severity!r}, not {severity!r}")
        object.__setattr__(self, "line", line)
        object.__setattr__(self, "column", column)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "fault", fault)

    @property
    def code(self) -> Code:
        """The issue's code."""
        return self.fault.code

    @property
    def message(self) -> str:
        """Why, in words, in the language in force."""
        return self.fault.message

    @property
    def severity(self) -> Severity:
        """ "error" rejects the row (or the file); "warning" is reported and stored anyway."""
        return self.code.severity

    def __str__(self) -> str:
        where = _("line {line}").format(line=self.line) if self.line else _("file")
        if self.column:
            where = _("{where}, column {column}").format(where=where, column=self.column)
        return _("{where}: {message} (value {value}) [{code}]").format(
            where=where, message=self.message, value=repr(self.value), code=self.code.value
        )


class DashboardError(Exception):
    """Base class of the dashboard's own exceptions."""


class ImportRejectedError(DashboardError):
    """A file was rejected: nothing was stored. ``reason`` says why, ``issues`` every fault."""

    def __init__(self, reason: str, issues: Sequence[Issue]) -> None:
        self.reason = reason
        self.issues = list(issues)
        super().__init__(_("file rejected: {reason}; nothing was stored").format(reason=reason))


class StoreUnavailableError(DashboardError):
    """The database could not be reached or opened."""


class RevertRefusedError(DashboardError):
    """A batch cannot be reverted (unknown, already reverted, changed nothing, or overtaken)."""


class ReviewRefusedError(DashboardError):
    """A proposal cannot be made, approved, rejected or withdrawn as asked (the message says
    why: no reason given, one's own change, not a reviewer, no longer pending, conflicting)."""


class ConfigError(DashboardError):
    """A setting from the environment has a value the dashboard cannot use."""


class MappingRefusedError(DashboardError):
    """A column mapping cannot be saved or used as given: its name is empty, too long or a
    built-in format's, or it names a column the template does not have."""
