"""What officials have counted: dated aggregate statements, kept apart from the incidents.

An aggregate is one statement by one source on one day (or in one month): "at least 24 KN-23/24
used in 12 attacks" (Prosecutor General, 2024-02-16). It is the scale an analyst quotes, never an
incident and never added to the incident counts. Each column is declared once as a
:class:`~dashboard.core.schema.Column` (the evidence tables' style) and checked by the same cell
parsers and checks; the shipped table is ``data/aggregates.csv``, read at start (read-only).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from datetime import date
from pathlib import Path
from typing import Final

import pandas as pd

from dashboard.core.cells import CellError, NotFuture, WebAddress
from dashboard.core.csvio import Limits, header_targets, parse_csv
from dashboard.core.dates import DAY, MONTH, date_text
from dashboard.core.errors import Code, Fault, Issue
from dashboard.core.evidence import GRADE
from dashboard.core.i18n import N_, _, number
from dashboard.core.records import is_missing
from dashboard.core.schema import INTEGER, Column, normalise_header
from dashboard.core.validate import RawTable, ValidationResult, check_columns

_AS_OF: Final = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def parse_as_of(text: str) -> str:
    """A day (``YYYY-MM-DD``) or, where the source gives no day, a month (``YYYY-MM``): kept as
    written, so a month stays a month."""
    match = _AS_OF.match(text)
    if match is None:
        raise CellError(Fault(Code.INVALID_DATE, "as-of"))
    year, month, day = match.groups()
    try:
        date(int(year), int(month), int(day or 1))
    except ValueError as bad:
        raise CellError(Fault(Code.INVALID_DATE, "calendar", error=str(bad))) from None
    return text


def first_day(as_of: str) -> date:
    """The first day of an ``as_of`` (the day itself, or the month's first)."""
    return date.fromisoformat(as_of if len(as_of) == 10 else f"{as_of}-01")


class AsOfNotFuture:
    """An ``as_of`` that has begun: its first day no later than today."""

    def __call__(self, value: str, today: date, /) -> Fault | None:
        """``future-date`` when the day, or the month's first day, is after ``today``."""
        return NotFuture()(first_day(value), today)


#: One aggregate statement, column by column.
AGGREGATE_COLUMNS: Final[tuple[Column, ...]] = (
    Column(
        "as_of",
        "text",
        N_("As of"),
        N_("`YYYY-MM-DD`, or `YYYY-MM` where the source gives only the month"),
        required=True,
        length=10,
        parser=parse_as_of,
        checks=(AsOfNotFuture(),),
    ),
    Column(
        "who", "text", N_("Who"), N_("who made the statement (office, and to whom)"), required=True
    ),
    Column(
        "what", "text", N_("What"), N_("the statement, with the source's own hedges"), required=True
    ),
    Column("period", "text", N_("Period"), N_("the span the count covers, as the source gives it")),
    Column(
        "launched_at_least",
        "integer",
        N_("Launched, at least"),
        N_('a count the source gives as a floor ("at least 24")'),
        int_range=INTEGER,
    ),
    Column(
        "launched_about",
        "integer",
        N_("Launched, about"),
        N_('a count the source gives as approximate ("about 50")'),
        int_range=INTEGER,
    ),
    Column(
        "killed",
        "integer",
        N_("Killed"),
        N_("killed, where the source gives a figure"),
        int_range=INTEGER,
    ),
    Column(
        "injured",
        "integer",
        N_("Injured"),
        N_("injured, where the source gives a figure"),
        int_range=INTEGER,
    ),
    Column("source_title", "text", N_("Source"), N_("the source's title"), required=True),
    Column(
        "source_url",
        "text",
        N_("Source link"),
        N_("the source's https address"),
        required=True,
        checks=(WebAddress("source_url"),),
    ),
    Column(
        "published",
        "date",
        N_("Published"),
        N_("the source's date"),
        required=True,
        checks=(NotFuture(),),
    ),
    GRADE,
)
COLUMNS: Final[tuple[str, ...]] = tuple(c.name for c in AGGREGATE_COLUMNS)


def validate_aggregates(data: bytes, today: date, limits: Limits | None = None) -> ValidationResult:
    """Read and check an aggregates file: every fault with line, column, value and reason."""
    limits = limits or Limits()
    parsed = parse_csv(data, limits)
    known = set(COLUMNS)
    targets, _, header_issues = header_targets(
        parsed,
        lambda raw: name if (name := normalise_header(raw)) in known else None,
        [c.name for c in AGGREGATE_COLUMNS if c.required],
    )
    keep = [i for i, t in enumerate(targets) if t]
    table = RawTable(
        [targets[i] for i in keep],
        [[row[i] for i in keep] for row in parsed.rows],
        parsed.lines,
        parsed.faults,
    )
    found = check_columns(table, AGGREGATE_COLUMNS, today, max_cell=limits.max_cell)
    bad = set(found.faults.rows())
    valid = [found.row(p) for p in range(len(parsed.rows)) if p not in bad]
    issues: list[Issue] = [*parsed.issues, *header_issues, *found.faults.in_order()]
    frame = pd.DataFrame(valid, columns=list(COLUMNS))
    for column in AGGREGATE_COLUMNS:
        if column.kind == "integer":
            frame[column.name] = frame[column.name].astype("Int64")
    return ValidationResult(valid=frame, issues=issues, rows_read=len(parsed.rows))


def load_aggregates(path: Path, today: date) -> pd.DataFrame:
    """The shipped aggregates, oldest first; a fault in the shipped file is an error at start."""
    result = validate_aggregates(path.read_bytes(), today)
    if not result.ok:
        raise ValueError(f"{path}: " + "; ".join(str(i) for i in result.errors))
    frame = result.valid
    frame.insert(0, "day", [first_day(str(a)) for a in frame["as_of"]])
    return frame.sort_values("day", kind="stable").reset_index(drop=True)


def as_of_text(as_of: str) -> str:
    """A day or a month as every view shows a date (:func:`dashboard.core.dates.date_text`):
    ``2024-02-16``, ``December 2024``; never a made-up day."""
    return date_text(first_day(as_of), DAY if len(as_of) == 10 else MONTH)


def label(row: Mapping[Hashable, object]) -> str:
    """The count in a few words, with its source: ``≥ 24 launched 2023-12-30 to 2024-02-07,
    Prosecutor General Kostin`` (``≈`` where the source says "about")."""
    who = str(row["who"]).split(" (")[0].split(",")[0]
    if not is_missing(row["launched_at_least"]):
        figure = int(row["launched_at_least"])  # type: ignore[call-overload]
        count = _("≥ {n} launched").format(n=number(figure))
    elif not is_missing(row["launched_about"]):
        figure = int(row["launched_about"])  # type: ignore[call-overload]
        count = _("≈ {n} launched").format(n=number(figure))
    else:
        return f"{row['what']}, {who}"
    period = "" if is_missing(row["period"]) else f" {row['period']}"
    return f"{count}{period}, {who}"


def points(frame: pd.DataFrame) -> pd.DataFrame:
    """The aggregates as dated points for a chart: day (the first day of ``as_of``), as_of in
    words, count (the figure launched, either kind), label, source and grade."""
    count = frame["launched_at_least"].fillna(frame["launched_about"])
    return pd.DataFrame(
        {
            "day": pd.to_datetime(frame["day"]),
            "as_of": [as_of_text(str(a)) for a in frame["as_of"]],
            "count": count.astype("Int64"),
            "label": [label(r) for r in frame.to_dict("records")],
            "source": frame["source_title"].astype(str),
            "grade": frame["grade"].astype(str),
        }
    )
