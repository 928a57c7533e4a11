"""Incidents as typed pandas frames and as plain JSON-ready records, and the way between them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Final, TypedDict, cast

import pandas as pd

from dashboard.core.schema import COLUMNS, DATE_COLUMNS, DECLARED, FLOAT_COLUMNS, INT_COLUMNS


class IncidentRecord(TypedDict):
    """One stored incident as plain JSON values, keys in template order (dates as ISO text).

    Written out to match :data:`dashboard.core.schema.DECLARATIONS` (each column's
    ``record_type``); tests/core/test_schema.py fails if the two drift apart.
    """

    incident_id: str
    date: str
    date_precision: str
    time: str | None
    location: str
    district: str | None
    latitude: float
    longitude: float
    geo_precision: int
    weapon: str
    weapon_origin: str | None
    attribution_status: str
    attributed_by: str | None
    launch_origin: str | None
    outcome: str
    killed: int | None
    injured: int | None
    source_title: str | None
    source_url: str | None
    source_date: str | None
    sanctions_provisions: str | None
    notes: str | None


#: The name the store and the import path use for an incident record.
Record = IncidentRecord


#: Text columns holding few distinct values (statuses, weapons, places, attributors), stored as
#: pandas categoricals when read from the store: a fraction of the memory, and filters, counts
#: and search work on the distinct values instead of every row.
CATEGORY_COLUMNS: Final[tuple[str, ...]] = (
    "date_precision",
    "location",
    "district",
    "weapon",
    "weapon_origin",
    "attribution_status",
    "attributed_by",
    "launch_origin",
    "outcome",
    "sanctions_provisions",
)


def incidents_frame(rows: Iterable[dict[str, object]]) -> pd.DataFrame:
    """Typed DataFrame of canonical incidents (nullable ints, dates as ``datetime64``)."""
    return typed_frame(pd.DataFrame(list(rows), columns=list(COLUMNS)))


def typed_frame(
    columns: Mapping[str, Sequence[object]] | pd.DataFrame, *, categories: bool = False
) -> pd.DataFrame:
    """The canonical columns typed, column by column (no per-row Python).

    ``columns`` maps each canonical column to its values: dates as ``date`` values or ISO text,
    numbers with None (SQL NULL) for missing. A column with a default takes it where a value is
    missing (a record logged before the column existed, which a revert or ``asof`` reads back).
    With ``categories``, the :data:`CATEGORY_COLUMNS` become categoricals (the store's reads).
    """
    typed: dict[str, pd.Series] = {}
    for column in COLUMNS:
        values = pd.Series(columns[column], dtype=object)
        default = DECLARED[column].default
        if default is not None and values.isna().any():
            values = values.where(values.notna(), default)
        if column in DATE_COLUMNS:
            typed[column] = pd.to_datetime(values, errors="raise").astype("datetime64[s]")
        elif column in FLOAT_COLUMNS:
            typed[column] = values.astype("float64")
        elif column in INT_COLUMNS:
            typed[column] = values.astype("Int64")
        else:
            typed[column] = values.astype("string")
    frame = pd.DataFrame(typed)
    return categorised(frame) if categories else frame


def categorised(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its :data:`CATEGORY_COLUMNS` as categoricals (categories in text order)."""
    return frame.assign(**{c: frame[c].astype("category") for c in CATEGORY_COLUMNS})


def one_chunk(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each Arrow-backed text column in one piece. A read is put together from
    chunks of rows (and a snapshot from Arrow's record batches), and every selection of rows
    then walks each piece: at 1,000,000 incidents in 16 pieces, taking the rows a search found
    cost 40 ms instead of 24. The text is copied once, here."""
    pieces = {}
    for column in frame.columns:
        values = frame[column].array
        if isinstance(values, pd.arrays.ArrowStringArray):
            arrow = values.__arrow_array__()
            if arrow.num_chunks > 1:
                whole = type(values)(arrow.combine_chunks())
                pieces[column] = pd.Series(whole, index=frame.index, dtype=frame[column].dtype)
    return frame.assign(**pieces) if pieces else frame


def is_missing(value: object) -> bool:
    """None, pandas' NA/NaT, or a float NaN."""
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and value != value)
    )


def to_record(row: dict[str, object]) -> IncidentRecord:
    """A canonical incident as plain JSON values (dates as ISO text, missing as None)."""
    record: dict[str, object] = {}
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
    return cast("IncidentRecord", record)


def frame_records(frame: pd.DataFrame) -> list[IncidentRecord]:
    """Records of a typed incidents frame (see :func:`incidents_frame`)."""
    rows = cast("list[dict[str, object]]", frame[list(COLUMNS)].to_dict("records"))
    return [to_record(row) for row in rows]
