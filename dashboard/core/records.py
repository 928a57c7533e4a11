"""Incidents as typed pandas frames and as plain JSON-ready records, and the way between them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

import pandas as pd

from dashboard.core.schema import COLUMNS, DATE_COLUMNS, FLOAT_COLUMNS, INT_COLUMNS, TEXT_COLUMNS

Record = dict[str, object]


def incidents_frame(rows: Iterable[dict[str, object]]) -> pd.DataFrame:
    """Typed DataFrame of canonical incidents (nullable ints, dates as ``datetime64``)."""
    frame = pd.DataFrame(list(rows), columns=list(COLUMNS))
    for column in DATE_COLUMNS:
        frame[column] = pd.to_datetime(frame[column], errors="raise").astype("datetime64[s]")
    for column in FLOAT_COLUMNS:
        frame[column] = frame[column].astype("float64")
    for column in INT_COLUMNS:
        frame[column] = frame[column].astype("Int64")
    for column in TEXT_COLUMNS:
        frame[column] = frame[column].astype("string")
    return frame


def is_missing(value: object) -> bool:
    """None, pandas' NA/NaT, or a float NaN."""
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and value != value)
    )


def to_record(row: dict[str, object]) -> Record:
    """A canonical incident as plain JSON values (dates as ISO text, missing as None)."""
    record: Record = {}
    for column in COLUMNS:
        value = row.get(column)
        if is_missing(value):
            record[column] = None
        elif column in DATE_COLUMNS:
            record[column] = pd.Timestamp(value).date().isoformat()  # type: ignore[arg-type]
        elif column in INT_COLUMNS:
            record[column] = int(value)  # type: ignore[call-overload]
        elif column in FLOAT_COLUMNS:
            record[column] = float(value)  # type: ignore[arg-type]
        else:
            record[column] = str(value)
    return record


def frame_records(frame: pd.DataFrame) -> list[Record]:
    """Records of a typed incidents frame (see :func:`incidents_frame`)."""
    rows = cast("list[dict[str, object]]", frame[list(COLUMNS)].to_dict("records"))
    return [to_record(row) for row in rows]


def change_kind(before: Record | None, after: Record) -> str:
    """What storing ``after`` does to the stored ``before``: "new", "update" or "unchanged"."""
    if before is None:
        return "new"
    return "unchanged" if before == after else "update"


def field_changes(before: Record | None, after: Record | None) -> str:
    """One history step in words: "added", "removed", or the fields that changed, old → new."""
    if before is None:
        return "added"
    if after is None:
        return "removed"
    return "; ".join(
        f"{column}: {before.get(column)!r} → {after.get(column)!r}"
        for column in COLUMNS
        if before.get(column) != after.get(column)
    )
