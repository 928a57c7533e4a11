"""Read incident CSV files as they really come: any common encoding, delimiter and header style.

Returns a :class:`RawTable` of text cells under canonical column names, each row tagged with the
physical line it starts on, plus file-level :class:`Issue` records. Never raises on bad input.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from charset_normalizer import from_bytes

from dashboard.core.errors import Issue
from dashboard.core.schema import COLUMNS, normalise_header
from dashboard.core.validate import RawTable

DELIMITERS = ",;\t"


@dataclass(frozen=True)
class ReadResult:
    table: RawTable
    issues: list[Issue]
    encoding: str
    delimiter: str


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-8 (with or without BOM) first, else charset detection."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=["cp1251", "cp1252", "utf_16", "koi8_u"]).best()
    if best is None:
        raise UnicodeError("no text encoding fits")
    return str(best), best.encoding


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab, judged from the first lines."""
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = text.split("\n", 1)[0]
        return max(DELIMITERS, key=header.count)


def read_incident_csv(data: bytes) -> ReadResult:
    """Parse bytes into canonical-named text rows; unknown columns are reported and ignored."""
    try:
        text, encoding = decode(data)
    except UnicodeError:
        issue = Issue(0, "", "", "not-text", "the file is not text in any known encoding")
        return ReadResult(RawTable([], [], []), [issue], "", "")
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    issues: list[Issue] = []
    try:
        header = next(reader)
    except StopIteration:
        issue = Issue(0, "", "", "empty-file", "the file is empty")
        return ReadResult(RawTable([], [], []), [issue], encoding, delimiter)
    names = [normalise_header(h) for h in header]
    for raw, name in zip(header, names, strict=True):
        if name not in COLUMNS:
            issues.append(
                Issue(
                    1,
                    name,
                    raw,
                    "unknown-column",
                    "column is not in the template; ignored",
                    "warning",
                )
            )
    columns = [n if n in COLUMNS else "" for n in names]
    rows: list[list[str]] = []
    lines: list[int] = []
    start = reader.line_num + 1
    for record in reader:
        if any(cell.strip() for cell in record):
            cells = [record[i] if i < len(record) else "" for i, c in enumerate(columns) if c]
            rows.append(cells)
            lines.append(start)
        start = reader.line_num + 1
    table = RawTable([c for c in columns if c], rows, lines)
    return ReadResult(table, issues, encoding, delimiter)
