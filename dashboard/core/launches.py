"""The Ukrainian Air Force's reported launches of "Iskander-M/KN-23", month by month: context for
the incidents, never incidents.

Reads the "Massive Missile Attacks on Ukraine" dataset (Petro Ivaniuk's compilation of the Air
Force's daily reports: one row per reported attack wave, ``time_start, model, launched,
destroyed, …``). Only rows whose ``model`` is exactly ``Iskander-M/KN-23`` or ``KN-23`` count: the
Air Force does not tell the Russian Iskander-M from the North Korean KN-23, so the series is an
upper bound of neither. Rows naming these together with other weapons ("X-47 Kinzhal and
Iskander-M/KN-23") give one figure for all of them and are left out, and counted.

A selected row with no ``launched`` or ``destroyed`` figure is not a zero: the month's sum is then
a floor, and the month says how many of its reports gave no figure. Pure: bytes in, a report out.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Final

import pandas as pd

from dashboard.core.cells import CellError
from dashboard.core.csvio import Limits, parse_csv
from dashboard.core.errors import Code, Fault, Issue, clip
from dashboard.core.i18n import N_, _, ngettext, number

#: The ``model`` values counted (exactly as the dataset writes them).
MODELS: Final[tuple[str, ...]] = ("Iskander-M/KN-23", "KN-23")
#: The columns the importer reads (any others in the file are ignored).
REQUIRED: Final[tuple[str, ...]] = ("time_start", "model", "launched", "destroyed")
#: Where the shipped series comes from, and the caveat shown beside it everywhere.
DATASET: Final = N_(
    "Massive Missile Attacks on Ukraine (compiled by Petro Ivaniuk from the Ukrainian Air "
    "Force's daily reports)"
)
CAVEAT: Final = N_(
    'The Air Force reports "Iskander-M/KN-23" as one: it does not tell the Russian Iskander-M '
    "from the North Korean KN-23, so this is not a count of DPRK missiles, and not incidents."
)
#: The dataset's address, and the date of the copy the shipped series was derived from.
DATASET_URL: Final = "https://www.kaggle.com/datasets/piterfm/massive-missile-attacks-on-ukraine"
SNAPSHOT: Final = "2026-02"
#: The monthly series' columns: the month, reports counted, and for launched and destroyed the
#: sum of the figures given and how many reports gave none (a sum with any is a floor).
MONTHLY_COLUMNS: Final[tuple[str, ...]] = (
    "month",
    "reports",
    "launched",
    "launched_missing",
    "destroyed",
    "destroyed_missing",
)
_TIME: Final = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_COUNT: Final = re.compile(r"^\d{1,9}(?:\.0*)?$")


@dataclass(frozen=True)
class LaunchReport:
    """What a file gave: the monthly series, every fault, and what was read, counted, left out."""

    filename: str
    sha256: str
    monthly: pd.DataFrame
    issues: list[Issue]
    rows_read: int
    rows_counted: int
    #: Rows naming KN-23 with other weapons: one figure for several, so not counted.
    rows_combined: int
    #: Rows of other weapons (ignored).
    rows_other: int = field(default=0)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def ok(self) -> bool:
        """Whether the series may be stored: no error, and at least one row counted."""
        return not self.errors and self.rows_counted > 0

    def refusal(self) -> str | None:
        """Why the file may not be stored (None: it may)."""
        if self.errors:
            n = len(self.errors)
            return ngettext("{file}: {n} error", "{file}: {n} errors", n).format(
                file=self.filename, n=number(n)
            )
        if self.rows_counted == 0:
            first, second = map(repr, MODELS)
            return _("{file}: no row has model {first} or {second}").format(
                file=self.filename, first=first, second=second
            )
        return None

    def summary(self) -> str:
        """One line for the page and the CLI: what was read, counted and left out."""
        return _(
            "{file}: {read} rows read, {counted} counted ({first} or {second}) in {months} months,"
            " {combined}"
            " left out (KN-23 reported together with other weapons), {other} of other weapons"
            " ignored"
        ).format(
            file=self.filename,
            read=number(self.rows_read),
            counted=number(self.rows_counted),
            first=MODELS[0],
            second=MODELS[1],
            months=number(len(self.monthly)),
            combined=number(self.rows_combined),
            other=number(self.rows_other),
        )


def _day(text: str) -> date:
    """The day of a ``time_start`` (``YYYY-MM-DD``, maybe with a time)."""
    match = _TIME.match(text)
    if match is None:
        raise CellError(Fault(Code.INVALID_DATE, "time"))
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        raise CellError(Fault(Code.INVALID_DATE, "time")) from None


def _count(text: str) -> int | None:
    """A whole number of missiles (the dataset writes ``3.0``); empty is None, not 0."""
    if not text:
        return None
    if not _COUNT.match(text):
        raise CellError(Fault(Code.INVALID_INTEGER, "missiles"))
    return int(float(text))


def read_launches(data: bytes, filename: str, limits: Limits | None = None) -> LaunchReport:
    """Read and check the dataset's CSV, and sum the counted rows by month (nothing stored).

    Every fault names its line, column and value: a missing column, a time that is not a
    date, a count that is not a whole number, more destroyed than launched.
    """
    parsed = parse_csv(data, limits or Limits(max_bytes=50 * 1024 * 1024))
    issues: list[Issue] = list(parsed.issues)
    index = {name.strip(): i for i, name in enumerate(parsed.header)}
    for missing in (c for c in REQUIRED if c not in index):
        issues.append(
            Issue(
                parsed.header_line,
                missing,
                "",
                Fault(Code.MISSING_COLUMN, "launches", column=repr(missing)),
            )
        )
    rows: list[tuple[date, int | None, int | None]] = []
    combined = other = 0
    if not any(i.code == Code.MISSING_COLUMN for i in issues):
        for values, line in zip(parsed.rows, parsed.lines, strict=True):
            if line in parsed.faults:
                issues.extend(parsed.faults[line])
                continue
            cell = {c: values[index[c]].strip() for c in REQUIRED}
            if cell["model"] not in MODELS:
                if "KN-23" in cell["model"]:
                    combined += 1
                else:
                    other += 1
                continue
            row = _check_row(cell, line, issues)
            if row is not None:
                rows.append(row)
    return LaunchReport(
        filename=filename,
        sha256=hashlib.sha256(data).hexdigest(),
        monthly=aggregate_monthly(rows),
        issues=issues,
        rows_read=len(parsed.rows),
        rows_counted=len(rows),
        rows_combined=combined,
        rows_other=other,
    )


def _check_row(
    cell: dict[str, str], line: int, issues: list[Issue]
) -> tuple[date, int | None, int | None] | None:
    """One counted row's day, launched and destroyed; None (and its issues) when it is bad."""
    found: list[Issue] = []
    day: date | None = None
    counts: dict[str, int | None] = {}
    try:
        day = _day(cell["time_start"])
    except CellError as bad:
        found.append(Issue(line, "time_start", clip(cell["time_start"]), bad.fault))
    for column in ("launched", "destroyed"):
        try:
            counts[column] = _count(cell[column])
        except CellError as bad:
            found.append(Issue(line, column, clip(cell[column]), bad.fault))
    launched, destroyed = counts.get("launched"), counts.get("destroyed")
    if launched is not None and destroyed is not None and destroyed > launched:
        found.append(
            Issue(
                line,
                "destroyed",
                clip(cell["destroyed"]),
                Fault(Code.OUT_OF_RANGE, "destroyed", destroyed=destroyed, launched=launched),
            )
        )
    issues.extend(found)
    if found or day is None:
        return None
    return day, launched, destroyed


def aggregate_monthly(rows: list[tuple[date, int | None, int | None]]) -> pd.DataFrame:
    """Sum (day, launched, destroyed) rows by calendar month, oldest first; a month's
    ``*_missing`` counts its reports without that figure."""
    frame = pd.DataFrame(rows, columns=["day", "launched", "destroyed"])
    if frame.empty:
        return empty_monthly()
    frame["month"] = [d.replace(day=1) for d in frame["day"]]
    grouped = frame.groupby("month", sort=True)
    monthly = pd.DataFrame(
        {
            "reports": grouped.size(),
            "launched": grouped["launched"].sum(min_count=1),
            "launched_missing": grouped["launched"].apply(lambda s: int(s.isna().sum())),
            "destroyed": grouped["destroyed"].sum(min_count=1),
            "destroyed_missing": grouped["destroyed"].apply(lambda s: int(s.isna().sum())),
        }
    ).reset_index()
    return typed_monthly(monthly)


def empty_monthly() -> pd.DataFrame:
    """A monthly series with no month."""
    return typed_monthly(pd.DataFrame({c: [] for c in MONTHLY_COLUMNS}))


def typed_monthly(frame: pd.DataFrame) -> pd.DataFrame:
    """The series' columns typed: ``month`` as ``datetime64`` (first day), counts as ``Int64``."""
    out = frame[list(MONTHLY_COLUMNS)].copy()
    out["month"] = pd.to_datetime(out["month"]).astype("datetime64[s]")
    for column in MONTHLY_COLUMNS[1:]:
        out[column] = pd.Series(
            [None if _blank(v) else int(v) for v in out[column]], index=out.index, dtype="Int64"
        )
    return out.reset_index(drop=True)


def _blank(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def monthly_csv(monthly: pd.DataFrame, *, source: str, source_url: str, snapshot: str) -> str:
    """The series as the shipped CSV (``month`` as ``YYYY-MM``), each row naming its source, the
    source's address and the snapshot's date (a month where that is all it gives)."""
    out = monthly.copy()
    out["month"] = out["month"].dt.strftime("%Y-%m")
    out["source"] = source
    out["source_url"] = source_url
    out["snapshot"] = snapshot
    return out.to_csv(index=False, lineterminator="\n")


def read_monthly_csv(text: str) -> pd.DataFrame:
    """The shipped series back (see :func:`monthly_csv`), typed; its source columns dropped."""
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    frame = frame.replace("", None)
    frame["month"] = frame["month"] + "-01"
    return typed_monthly(frame)
