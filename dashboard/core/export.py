"""Exports of incidents in the canonical format, safe to open in a spreadsheet (every text cell
through :func:`dashboard.core.text.neutralise`). The columns are the template's names, the file
format an upload reads back: they are not translated."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import pandas as pd

from dashboard.core.dates import iso_text, iso_texts
from dashboard.core.records import frame_records
from dashboard.core.schema import DATE_COLUMNS, TEMPLATE_COLUMNS, TEXT_COLUMNS

# The CSV cell's escaping lives with the other output kinds'; named here too, where exports are.
from dashboard.core.text import FORMULA_STARTS as FORMULA_STARTS
from dashboard.core.text import neutralise as neutralise

#: Evidence columns an incidents frame may carry (:func:`dashboard.core.evidence.annotate`):
#: exported after the canonical ones when present.
EVIDENCE_COLUMNS = ("source_count", "examined")


def _csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as RFC 4180 CSV: CRLF row ends, and every field holding CR or LF quoted.

    The csv module quotes a field holding any character of the line terminator; with ``\\n``
    alone a bare CR went out unquoted, and a spreadsheet split the row there, so a cell's text
    after the CR started a new (live) row.
    """
    return frame.to_csv(index=False, lineterminator="\r\n")


def to_csv(frame: pd.DataFrame) -> str:
    """The incidents as canonical CSV (UTF-8 text, ISO dates), formula cells neutralised.

    Columns come in template order (:data:`~dashboard.core.schema.TEMPLATE_COLUMNS`), so an
    export uploads again unchanged: a month-precision date is written ``2024-09``, which gives
    its precision back, and an unknown count is an empty cell, never 0. The evidence columns,
    when the frame has them, come last (an upload ignores them, with a warning).
    """
    return _csv_text(_sheet(frame))


def _sheet(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns a CSV export holds, dates as ISO text (the incident's date to its precision)
    and text cells neutralised."""
    out = frame[[*TEMPLATE_COLUMNS, *(c for c in EVIDENCE_COLUMNS if c in frame)]].copy()
    for column in DATE_COLUMNS:
        out[column] = out[column].dt.strftime("%Y-%m-%d")
    out["date"] = iso_texts(frame["date"], frame["date_precision"])
    for column in TEXT_COLUMNS:
        if column in out:
            out[column] = out[column].astype(object).map(neutralise)
    return out


def fields_csv(columns: Sequence[str], rows: Sequence[Mapping[str, str]]) -> bytes:
    """Rows of typed fields (column -> text, missing ones empty) as a UTF-8 CSV an upload reads:
    what an in-app change hands the importer. Cells are written as typed, quoted where CSV
    needs it, never neutralised: the file goes to the importer, which stores cells as they are
    (a ``'`` added here would become part of the value), not to a spreadsheet."""
    frame = pd.DataFrame([[row.get(c, "") for c in columns] for row in rows], columns=list(columns))
    return _csv_text(frame.astype(object)).encode("utf-8")


def to_excel_csv(frame: pd.DataFrame) -> bytes:
    """The incidents as a CSV that Excel opens into columns on a Ukrainian or European locale:
    UTF-8 with a byte-order mark (or Excel guesses a legacy code page), semicolons between
    fields and decimal commas (those locales' list and decimal separators), ISO dates. The
    columns and cells are :func:`to_csv`'s, and the upload reads the file back unchanged."""
    text = _sheet(frame).to_csv(index=False, sep=";", decimal=",", lineterminator="\r\n")
    return ("\ufeff" + text).encode("utf-8")


def to_geojson(frame: pd.DataFrame) -> str:
    """The incidents as a GeoJSON FeatureCollection (the template's fields as properties, the
    date to its precision as a CSV export writes it; an unknown count is null).

    Text properties are neutralised like CSV cells: GeoJSON is often converted to a sheet.
    """
    features = []
    evidence = {c: frame[c].astype(object).tolist() for c in EVIDENCE_COLUMNS if c in frame}
    for n, row in enumerate(frame_records(frame)):
        written = {**row, "date": iso_text(row["date"], row["date_precision"])}
        properties: dict[str, object] = {
            k: neutralise(written[k])
            for k in TEMPLATE_COLUMNS
            if k not in ("latitude", "longitude")
        }
        for column, values in evidence.items():
            properties[column] = None if values[n] is pd.NA else values[n]
        features.append(
            {
                "type": "Feature",
                "id": row["incident_id"],
                "geometry": {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]},
                "properties": properties,
            }
        )
    return json.dumps(
        {"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1
    )


def rejected_csv(rejected: pd.DataFrame) -> str:
    """Rejected rows as CSV with their file ``line`` and an ``error`` column, ready to fix.

    Every text cell, and the header, is neutralised like an export's: the file is meant to be
    opened in a sheet.
    """
    out = rejected.copy()
    for column in out.columns:
        if column != "line":
            out[column] = out[column].astype(object).map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return _csv_text(out)
