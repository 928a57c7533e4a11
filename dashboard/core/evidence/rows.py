"""Evidence rows as the store and the views hold them: a kind's typed frame, its plain rows,
and what names one row (its identity, in a file and in the store)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from dashboard.core.evidence.schema import DECLARED, Kind, columns
from dashboard.core.records import is_missing


def identity(kind: Kind, row: Mapping[str, object]) -> object:
    """What names one row of a kind, in a file and in the store: an examination's id; an
    origin's examination, country and maker; a source's incident, title and link. None when a
    part of it is missing. A row whose identity is live in the store updates that row."""
    if kind == "examinations":
        return row.get("examination_id")
    if kind == "component_origins":
        if row.get("examination_id") is None or row.get("country") is None:
            return None
        return (row["examination_id"], row["country"], row.get("manufacturer"))
    if row.get("incident_id") is None or row.get("title") is None:
        return None
    return (row["incident_id"], row["title"], row.get("url"))


def evidence_frame(kind: Kind, rows: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """Typed frame of one evidence kind (nullable ints and floats, dates as ``datetime64``)."""
    declared = DECLARED[kind]
    frame = pd.DataFrame(list(rows), columns=[c.name for c in declared])
    for column in declared:
        series = frame[column.name]
        if column.kind == "date":
            frame[column.name] = pd.to_datetime(series, errors="raise").astype("datetime64[s]")
        elif column.kind == "integer":
            frame[column.name] = series.astype("Int64")
        elif column.kind == "float":
            frame[column.name] = series.astype("Float64")
        else:
            frame[column.name] = series.astype("string")
    return frame


def db_rows(kind: Kind, frame: pd.DataFrame) -> list[dict[str, object]]:
    """A typed frame's rows as plain values for the store (dates as :class:`date`, NA as None)."""
    out: list[dict[str, object]] = []
    for record in frame[columns(kind)].to_dict("records"):
        row: dict[str, object] = {}
        for column in DECLARED[kind]:
            value = record[column.name]
            if is_missing(value):
                row[column.name] = None
            elif column.kind == "date":
                row[column.name] = pd.Timestamp(value).date()
            elif column.kind == "integer":
                row[column.name] = int(value)
            elif column.kind == "float":
                row[column.name] = float(value)
            else:
                row[column.name] = str(value)
        out.append(row)
    return out
