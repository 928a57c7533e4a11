"""Exports of incidents in the canonical format, safe to open in a spreadsheet (every text cell
through :func:`dashboard.core.text.neutralise`). The columns are the template's names, the file
format an upload reads back: they are not translated."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Final

import pandas as pd

from dashboard.core.dates import iso_text, iso_texts
from dashboard.core.records import frame_records
from dashboard.core.schema import DATE_COLUMNS, TEMPLATE_COLUMNS, TEXT_COLUMNS

# The CSV cell's escaping lives with the other output kinds'; named here too, where exports are.
from dashboard.core.text import FORMULA_STARTS as FORMULA_STARTS
from dashboard.core.text import neutralise as neutralise

#: Rows written at a time by the streaming writers (:func:`csv_chunks`, :func:`geojson_chunks`):
#: about 10 MB of CSV, so a large view is never held as text whole, nor copied whole.
CHUNK_ROWS: Final = 10_000

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
            out[column] = neutralised(out[column])
    return out


def neutralised(values: pd.Series) -> pd.Series:
    """``values`` (text) with :func:`neutralise` applied to each, without a Python call per cell:
    a categorical's categories are neutralised once, other text is tested at once and only the
    cells that start a formula are changed. Missing cells stay missing."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = list(values.cat.categories)
        renamed = [neutralise(c) for c in categories]
        if renamed == categories:
            return values
        if len(set(renamed)) == len(renamed):  # "=x" and "'=x" both present would merge
            return values.cat.rename_categories(renamed)
        values = values.astype(object)
    texts = values.astype("string")
    risky = texts.str.startswith(FORMULA_STARTS).fillna(False).to_numpy(dtype=bool)
    if not risky.any():
        return values
    out = values.astype(object)
    out[risky] = "'" + texts[risky].astype(object)
    return out


def csv_chunks(frame: pd.DataFrame, rows: int = CHUNK_ROWS) -> Iterator[str]:
    """:func:`to_csv`'s text in pieces of ``rows`` rows (the header with the first; an empty
    frame gives the header alone): a large view streams without being written, or its sheet
    copied, whole."""
    for start in range(0, max(len(frame), 1), rows):
        chunk = _sheet(frame.iloc[start : start + rows])
        yield chunk.to_csv(index=False, header=start == 0, lineterminator="\r\n")


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


def features(frame: pd.DataFrame) -> Iterator[dict[str, object]]:
    """Each incident as a GeoJSON Feature (the template's fields as properties, the date to its
    precision as a CSV export writes it, an unknown count null, text neutralised like a CSV
    cell: GeoJSON is often converted to a sheet)."""
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
        yield {
            "type": "Feature",
            "id": row["incident_id"],
            "geometry": {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]},
            "properties": properties,
        }


def to_geojson(frame: pd.DataFrame) -> str:
    """The incidents as a GeoJSON FeatureCollection of :func:`features`."""
    return json.dumps(
        {"type": "FeatureCollection", "features": list(features(frame))},
        ensure_ascii=False,
        indent=1,
    )


def geojson_chunks(frame: pd.DataFrame, rows: int = CHUNK_ROWS) -> Iterator[str]:
    """:func:`to_geojson`'s collection (compact, one feature a line) in pieces of ``rows``
    incidents, so a large view streams without being held as text whole."""
    yield '{"type": "FeatureCollection", "features": ['
    for start in range(0, len(frame), rows):
        lines = (
            json.dumps(f, ensure_ascii=False) for f in features(frame.iloc[start : start + rows])
        )
        yield ("\n" if start == 0 else ",\n") + ",\n".join(lines)
    yield "\n]}\n"


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
