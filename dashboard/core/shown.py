"""How an incident's values read in the views (table, record, upload preview), as plain text.

A date reads as far as its source gives it (:func:`dashboard.core.dates.date_text`), an unknown
count as "not reported" (:func:`dashboard.core.text.count_text`, never 0 nor "None"), an outcome
in words. The views escape this text for their own format.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from dashboard.core import i18n, places
from dashboard.core.dates import MONTH, date_text, date_texts
from dashboard.core.i18n import N_, _
from dashboard.core.records import is_missing
from dashboard.core.schema import DECLARATIONS, DECLARED, OUTCOMES, PRECISIONS
from dashboard.core.text import NOT_REPORTED

#: What an empty text cell reads in a table (never "None").
EMPTY = "—"
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


#: The attribution statuses' names as the views show them (the stored value is the code).
STATUS_NAMES: dict[str, str] = {
    "confirmed": N_("confirmed"),
    "claimed": N_("claimed"),
    "preliminary": N_("preliminary"),
    "disputed": N_("disputed"),
    "unverified": N_("unverified"),
}


#: The outcomes' short names as the table and the map's tooltip show them.
OUTCOME_NAMES: dict[str, str] = {
    "impact": N_("impact"),
    "debris": N_("debris"),
    "shot down": N_("shot down"),
}


def status_name(value: object) -> str:
    """An attribution status's name in the language in force ("підтверджено"); an unknown
    value as written."""
    name = STATUS_NAMES.get(str(value))
    return str(value) if name is None else _(name)


def outcome_text(value: object) -> str:
    """An outcome in words ("Debris of a downed missile fell (no direct strike)")."""
    if is_missing(value):
        return ""
    words = OUTCOMES.get(str(value))
    return str(value) if words is None else _(words)


def count_text(value: object) -> str:
    """A casualty count as the views show it, in the language in force: the number ("1 234"),
    or "not reported" when unknown (never 0)."""
    return _(NOT_REPORTED) if is_missing(value) else i18n.number(int(value))  # type: ignore[call-overload]


def _counts_text(values: list[object]) -> list[str]:
    """:func:`count_text` of each value, "not reported" translated once."""
    unknown = _(NOT_REPORTED)
    return [unknown if is_missing(v) else i18n.number(int(v)) for v in values]  # type: ignore[call-overload]


def _renamed(values: pd.Series, names: Mapping[str, str]) -> pd.Series:
    """``values`` with each code ``names`` knows replaced by its name (others as they are);
    ``values`` itself, its type kept, where every name is its code (English)."""
    if all(code == name for code, name in names.items()):
        return values
    shown = values.astype(object)
    known = shown.isin(list(names)).to_numpy(dtype=bool)
    return shown.where(~known, shown.map(names)) if known.any() else shown


def shown_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (a few rows: a page, a preview) with its date and counts as the views show
    them: "September 2024" for a month, "not reported" for an unknown count."""
    out = frame.copy()
    if "date" in out and "date_precision" in frame:
        out["date"] = date_texts(frame["date"], frame["date_precision"])
    for column in COUNT_COLUMNS:
        if column in out:
            out[column] = pd.Series(
                _counts_text(frame[column].tolist()), index=frame.index, dtype=object
            )
    for column in ("district", "location"):
        if column in out:
            out[column] = places.names(out[column])
    if "attribution_status" in out:
        names = {code: status_name(code) for code in STATUS_NAMES}
        out["attribution_status"] = _renamed(out["attribution_status"], names)
    if "outcome" in out:
        words = {code: _(name) for code, name in OUTCOME_NAMES.items()}
        out["outcome"] = _renamed(out["outcome"], words)
    # An empty text reads "—" (a table would show "None"); a link stays empty, not a link to "—".
    for column in out.columns:
        declared = DECLARED.get(column)
        if declared is None or declared.is_link or declared.kind != "text":
            continue
        missing = out[column].isna().to_numpy(dtype=bool)
        if missing.any():
            out[column] = out[column].astype(object).where(~missing, EMPTY)
    return out


def record_heading(row: Mapping[str, object]) -> str:
    """The record's heading: its date as far as known, and its place."""
    return f"{date_text(row['date'], row['date_precision'])} · {places.name(row['location'])}"


def record_fields(row: Mapping[str, object]) -> list[tuple[str, str]]:
    """The record's lines, (label, text), in declared order: every field that has a value, the
    date's precision when only the month is known, the coordinates with their precision, and
    each count even when unknown ("not reported"). The source (a link) is the view's to add."""
    lines: list[tuple[str, str]] = []
    if row["date_precision"] == MONTH:
        lines.append(
            (
                _("Date"),
                _("{month} (the source gives no day)").format(month=date_text(row["date"], MONTH)),
            )
        )
    for declared in DECLARATIONS:
        name = declared.name
        value = row[name]
        if name == "latitude":
            precision = PRECISIONS.get(int(row["geo_precision"]), "")  # type: ignore[call-overload]
            coordinates = f"{float(row['latitude']):.4f}, {float(row['longitude']):.4f}"  # type: ignore[arg-type]
            lines.append(
                (
                    _("Coordinates"),
                    _("{coordinates} (precision: {precision})").format(
                        coordinates=coordinates, precision=_(precision) if precision else ""
                    ),
                )
            )
            continue
        label = _(declared.label)
        if name in RECORD_OWN_WAY:
            continue
        if name in COUNT_COLUMNS:
            lines.append((label, count_text(value)))
        elif name == "outcome":
            lines.append((label, outcome_text(value)))
        elif name == "district" and not is_missing(value):
            lines.append((label, places.name(value)))
        elif name == "attribution_status":
            lines.append((label, status_name(value)))
        elif isinstance(value, pd.Timestamp):
            lines.append((label, date_text(value, "day")))
        elif not is_missing(value):
            lines.append((label, str(value)))
    return lines
