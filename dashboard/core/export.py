"""Exports of incidents in the canonical format, safe to open in a spreadsheet."""

from __future__ import annotations

import pandas as pd

from dashboard.core.schema import COLUMNS, TEXT_COLUMNS

#: A text cell starting with one of these is read as a formula by spreadsheets (CWE-1236).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix ``'`` to a text cell a spreadsheet would run as a formula; leave others alone."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(frame: pd.DataFrame) -> str:
    """The incidents as canonical CSV (UTF-8 text, ISO dates), formula cells neutralised."""
    out = frame[list(COLUMNS)].copy()
    for column in ("date", "source_date"):
        out[column] = out[column].dt.strftime("%Y-%m-%d")
    for column in TEXT_COLUMNS:
        out[column] = out[column].astype(object).map(neutralise)
    return out.to_csv(index=False, lineterminator="\n")
