"""How an incident's values read in the views (table, record, upload preview), as plain text.

A date reads as far as its source gives it (:func:`dashboard.core.dates.date_text`), an unknown
count as "not reported" (:func:`dashboard.core.text.count_text`, never 0 nor "None"), an outcome
in words. The views escape this text for their own format.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from dashboard.core.dates import MONTH, date_text, date_texts
from dashboard.core.records import is_missing
from dashboard.core.schema import DECLARATIONS, OUTCOMES, PRECISIONS
from dashboard.core.text import count_text

#: The casualty columns: an empty cell is unknown, never 0.
COUNT_COLUMNS = ("killed", "injured")
#: Columns the record shows its own way: in its heading, as coordinates, as the source.
RECORD_OWN_WAY = frozenset(
    {
        "date",
        "date_precision",
        "location",
        "latitude",
        "longitude",
        "geo_precision",
        "source_title",
        "source_url",
    }
)


def outcome_text(value: object) -> str:
    """An outcome in words ("Debris of a downed missile fell (no direct strike)")."""
    return "" if is_missing(value) else OUTCOMES.get(str(value), str(value))


def shown_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (a few rows: a page, a preview) with its date and counts as the views show
    them: "September 2024" for a month, "not reported" for an unknown count."""
    out = frame.copy()
    if "date" in out and "date_precision" in frame:
        out["date"] = date_texts(frame["date"], frame["date_precision"])
    for column in COUNT_COLUMNS:
        if column in out:
            out[column] = pd.Series(
                [count_text(v) for v in frame[column].tolist()], index=frame.index, dtype=object
            )
    return out


def record_heading(row: Mapping[str, object]) -> str:
    """The record's heading: its date as far as known, and its place."""
    return f"{date_text(row['date'], row['date_precision'])} · {row['location']}"


def record_fields(row: Mapping[str, object]) -> list[tuple[str, str]]:
    """The record's lines, (label, text), in declared order: every field that has a value, the
    date's precision when only the month is known, the coordinates with their precision, and
    each count even when unknown ("not reported"). The source (a link) is the view's to add."""
    lines: list[tuple[str, str]] = []
    if row["date_precision"] == MONTH:
        lines.append(("Date", f"{date_text(row['date'], MONTH)} (the source gives no day)"))
    for declared in DECLARATIONS:
        name = declared.name
        value = row[name]
        if name == "latitude":
            precision = PRECISIONS.get(int(row["geo_precision"]), "")  # type: ignore[call-overload]
            coordinates = f"{float(row['latitude']):.4f}, {float(row['longitude']):.4f}"  # type: ignore[arg-type]
            lines.append(("Coordinates", f"{coordinates} (precision: {precision})"))
        elif name in RECORD_OWN_WAY:
            continue
        elif name in COUNT_COLUMNS:
            lines.append((declared.label, count_text(value)))
        elif name == "outcome":
            lines.append((declared.label, outcome_text(value)))
        elif isinstance(value, pd.Timestamp):
            lines.append((declared.label, value.date().isoformat()))
        elif not is_missing(value):
            lines.append((declared.label, str(value)))
    return lines
