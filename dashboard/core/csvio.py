"""Read incident CSV files as they really come: any common encoding, delimiter and header style.

:func:`parse_csv` turns bytes into a :class:`CsvFile`: rows of text cells, each tagged with the
physical line it starts on, enforcing the file limits; :func:`to_table` renames its columns
through a :class:`~dashboard.core.mapping.ColumnMapping` into the
:class:`~dashboard.core.validate.RawTable` validation checks. Faults become :class:`Issue` records
carried along; nothing here raises on bad input.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from charset_normalizer import from_bytes

from dashboard.core.errors import Code, Fault, Issue, Words, clip
from dashboard.core.i18n import N_
from dashboard.core.mapping import IDENTITY, IGNORE, ColumnMapping
from dashboard.core.schema import MAX_TEXT_LENGTH, REQUIRED
from dashboard.core.validate import RawTable

DELIMITERS = ",;\t"
#: Encodings charset detection chooses among when a file is not UTF-8.
CANDIDATE_ENCODINGS = ["cp1251", "cp1252", "koi8_u"]
#: Leading bytes of files analysts upload by mistake, and what they are.
_MAGIC = {
    b"PK\x03\x04": N_("a ZIP archive (an .xlsx workbook?)"),
    b"\xd0\xcf\x11\xe0": N_("an old Excel/Office document"),
    b"%PDF": N_("a PDF document"),
    b"\x89PNG": N_("a PNG image"),
    b"\xff\xd8\xff": N_("a JPEG image"),
    b"\x1f\x8b": N_("a gzip archive"),
}
_WORD = re.compile(r"[^\W\d_]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: The encoding named for a UTF-8 file with a few bytes that are not UTF-8 (each read as U+FFFD).
DAMAGED_UTF8 = "utf-8 (with invalid bytes)"
_REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class Limits:
    """What an upload may hold; beyond these the file is refused with a message saying which."""

    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 100_000
    max_cell: int = MAX_TEXT_LENGTH
    #: More columns than this is refused before anything is built per column (the Upload page
    #: draws one control per column: 10,000 of them took minutes).
    max_columns: int = 500


@dataclass(frozen=True)
class CsvFile:
    """A parsed file before any renaming: its header as written, rows, lines and faults."""

    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    issues: list[Issue]
    encoding: str = ""
    delimiter: str = ""
    #: The header's line (blank lines may come before it).
    header_line: int = 1
    #: Row faults (ragged rows) by line: those rows are rejected without cell checks.
    faults: dict[int, list[Issue]] = field(default_factory=dict)


def _plausibility(text: str) -> int:
    """How natural a decoding's non-ASCII words look (a tie-breaker for charset detection).

    Cyrillic words are all non-ASCII by nature; Latin words mostly ASCII with a few accents.
    Cyrillic misread as Latin-1 gives words of nothing but accented letters (``Õàðêîâ``), Latin
    misread as Cyrillic gives words mixing both scripts (``cafй``): those count against.
    """
    score = 0
    for word in _WORD.findall(text):
        foreign = [c for c in word if ord(c) > 127]
        if not foreign:
            continue
        cyrillic = sum(1 for c in foreign if "\u0400" <= c <= "\u04ff")
        natural_cyrillic = cyrillic == len(word)
        natural_latin = cyrillic == 0 and len(foreign) * 2 <= len(word)
        if natural_cyrillic or natural_latin:
            score += 1
        else:
            score -= 1
    return score


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-8 (BOM or not), UTF-16 with a BOM, else charset detection.

    Raises :class:`UnicodeError` when no candidate encoding fits.
    """
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    if (text := _mostly_utf8(data)) is not None:
        return text, DAMAGED_UTF8
    matches = list(from_bytes(data, cp_isolation=CANDIDATE_ENCODINGS))
    if not matches:
        raise UnicodeError("no text encoding fits")
    least_chaos = min(m.chaos for m in matches)
    close = [m for m in matches if m.chaos <= least_chaos + 0.1]
    best = max(close, key=lambda m: _plausibility(str(m)))
    return str(best), best.encoding


def _ragged(line: int, record: list[str], width: int, delimiter: str) -> Issue:
    """A row with more or fewer fields than the header has.

    A line break inside a field hints at a quote that never closes: it swallows the lines after
    it, up to the end of the file, into one field.
    """
    open_quote = any("\n" in cell or "\r" in cell for cell in record)
    fault = Fault(
        Code.RAGGED_ROW, "open-quote" if open_quote else "", fields=len(record), width=width
    )
    return Issue(line, "", clip(delimiter.join(record)), fault)


def _mostly_utf8(data: bytes) -> str | None:
    """The text of a UTF-8 file damaged in a few places (bad bytes as U+FFFD), else None.

    One stray byte must not send a UTF-8 file to charset detection: read as a single-byte
    encoding, every Cyrillic name in it would turn to mojibake (``п╔п╟я─п╨я√п╡``) and be stored
    without a word. A single-byte file has few valid UTF-8 sequences and many invalid ones.
    """
    text = data.decode("utf-8-sig", errors="replace")
    invalid = text.count(_REPLACEMENT) - data.count(_REPLACEMENT.encode())
    valid = sum(1 for c in text if c > "\x7f" and c != _REPLACEMENT)
    return text if 0 < invalid <= valid else None


def _damaged_cell(record: list[str]) -> int | None:
    """The index of the first cell holding a byte that was not UTF-8, or None."""
    return next((i for i, cell in enumerate(record) if _REPLACEMENT in cell), None)


def _invalid_utf8(line: int, fault: Fault, cell: str) -> Issue:
    """A cell of a damaged UTF-8 file (see :func:`_mostly_utf8`) that holds a bad byte."""
    return Issue(line, "", clip(cell), fault)


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab, judged from the first lines."""
    sample = "\n".join(text[:65536].splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = text.split("\n", 1)[0]
        return max(DELIMITERS, key=header.count)


def _refused(fault: Fault, value: str = "") -> CsvFile:
    """A file refused as a whole: no header, no rows, one issue (line 0, no column)."""
    return CsvFile([], [], [], [Issue(0, "", value, fault)])


def _too_wide(columns: int, limit: int) -> CsvFile:
    """A file refused for its width, before anything is built per column."""
    fault = Fault(Code.TOO_MANY_COLUMNS, columns=columns, limit=limit)
    return _refused(fault, f"{columns} columns")


def _binary_kind(data: bytes) -> str | None:
    """What a non-text file looks like, or None when it may be text."""
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            return kind
    if b"\x00" in data and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return N_("binary data (it contains NUL bytes)")
    return None


#: Line breaks ``str.splitlines`` knows besides CR, LF and CRLF; a CSV file breaks at none of them.
_OTHER_BREAKS = ("\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def csv_lines(text: str) -> Iterable[str]:
    """``text``'s lines as ``csv.reader`` reads a file opened with ``newline=""``: split after
    each CR, LF and CRLF, which stay. Text holding none of the other breaks ``str.splitlines``
    knows is split by it, exactly there; other text goes through ``io.StringIO``, which holds it
    at four bytes a character once read (1.2 GB for a file of 300 MB, where the lines take 0.35)."""
    if any(other in text for other in _OTHER_BREAKS):
        return io.StringIO(text, newline="")
    return text.splitlines(keepends=True)


def parse_csv(data: bytes, limits: Limits | None = None) -> CsvFile:
    """Parse bytes into rows of text cells, refusing what is not a CSV within ``limits``."""
    limits = limits or Limits()
    if len(data) > limits.max_bytes:
        # An upload is read no further than one byte past the limit: its whole size is unknown.
        fault = Fault(Code.FILE_TOO_LARGE, limit=limits.max_bytes)
        return _refused(fault, f"over {limits.max_bytes} bytes")
    if kind := _binary_kind(data):
        return _refused(Fault(Code.NOT_CSV, kind=Words(kind)))
    try:
        text, encoding = decode(data)
    except UnicodeError:
        return _refused(Fault(Code.NOT_TEXT))
    if len(_CONTROL.findall(text[:65536])) > 8:
        return _refused(Fault(Code.NOT_CSV, "control"))
    if not text.strip():
        return _refused(Fault(Code.EMPTY_FILE))
    delimiter = sniff_delimiter(text)
    damaged = encoding == DAMAGED_UTF8
    # Process-wide, but only ever raised: any cell of a file within the byte limit must parse
    # (the cell limit is checked, and reported, by validation).
    csv.field_size_limit(max(limits.max_bytes, csv.field_size_limit()))
    reader = csv.reader(csv_lines(text), delimiter=delimiter)
    issues: list[Issue] = []
    rows: list[list[str]] = []
    lines: list[int] = []
    faults: dict[int, list[Issue]] = {}
    header: list[str] = []
    header_line = start = 1
    # The row loop runs once per row of files of a million rows: its names are local, and a row
    # with any text is found by ``any(map(str.strip, ...))``, which stops at the first cell.
    strip, append_row, append_line = str.strip, rows.append, lines.append
    try:
        for record in reader:
            if not header:
                if len(record) > limits.max_columns:
                    return _too_wide(len(record), limits.max_columns)
                if any(map(strip, record)):
                    header, header_line = record, start
                    if damaged and (i := _damaged_cell(record)) is not None:
                        issues.append(
                            _invalid_utf8(
                                start, Fault(Code.INVALID_UTF8, "header", cell=i + 1), record[i]
                            )
                        )
                start = reader.line_num + 1
                continue
            if any(map(strip, record)):
                if len(rows) == limits.max_rows:
                    fault = Fault(Code.TOO_MANY_ROWS, limit=limits.max_rows)
                    issues.append(Issue(0, "", "", fault))
                    return CsvFile(header, [], [], issues, encoding, delimiter, header_line)
                if len(record) != len(header):
                    faults[start] = [_ragged(start, record, len(header), delimiter)]
                    record = (record + [""] * len(header))[: len(header)]
                elif damaged and (i := _damaged_cell(record)) is not None:
                    bad = Fault(Code.INVALID_UTF8, column=repr(clip(header[i])))
                    faults[start] = [_invalid_utf8(start, bad, record[i])]
                append_row(record)
                append_line(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        issues.append(Issue(start, "", "", Fault(Code.MALFORMED_CSV, error=str(exc))))
        return CsvFile(header, [], [], issues, encoding, delimiter, header_line)
    if not header:
        return _refused(Fault(Code.EMPTY_FILE, "blank"))
    if not rows:
        issues.append(Issue(0, "", "", Code.HEADER_ONLY))
    return CsvFile(header, rows, lines, issues, encoding, delimiter, header_line, faults)


def header_targets(
    parsed: CsvFile,
    target: Callable[[str], str | None],
    required: Iterable[str],
    mapped: bool = False,
) -> tuple[list[str], dict[str, str], list[Issue]]:
    """Each file column's target ("" when ignored), the file column giving each target, and the
    header's issues: unknown columns (``target`` gives None), a target given twice, and each
    ``required`` target no column gives (``mapped``: its message says a column may be mapped)."""
    variant = "mapped" if mapped else ""
    issues: list[Issue] = []
    targets: list[str] = []
    seen: dict[str, str] = {}
    for raw in parsed.header:
        name = target(raw)
        if name is None:
            issues.append(
                Issue(
                    parsed.header_line,
                    clip(raw.strip()),
                    clip(raw),
                    Code.UNKNOWN_COLUMN,
                )
            )
            name = IGNORE
        elif name and name in seen:
            issues.append(
                Issue(
                    parsed.header_line,
                    name,
                    clip(raw),
                    Fault(Code.DUPLICATE_COLUMN, first=repr(clip(seen[name])), column=repr(name)),
                )
            )
            name = IGNORE
        elif name:
            seen[name] = raw
        targets.append(name)
    if parsed.header:
        issues += [
            Issue(
                parsed.header_line,
                column,
                "",
                Fault(Code.MISSING_COLUMN, variant, column=repr(column)),
            )
            for column in required
            if column not in seen
        ]
    return targets, seen, issues


def to_table(parsed: CsvFile, mapping: ColumnMapping = IDENTITY) -> RawTable:
    """Rename the file's columns to canonical ones; unknown columns are reported and ignored.

    The table carries the file's issues and those of its header, the rows' faults by line.
    """
    targets, seen, header_issues = header_targets(
        parsed,
        mapping.target,
        [c for c in REQUIRED if c not in mapping.constants],
        mapped=True,
    )
    issues = [*parsed.issues, *header_issues]
    constants = {c: v for c, v in mapping.constants.items() if c not in seen}
    keep = [i for i, t in enumerate(targets) if t]
    extra = list(constants.values())
    names = [targets[i] for i in keep] + list(constants)
    recoded = [j for j, name in enumerate(names) if name in mapping.values]
    if keep == list(range(len(parsed.header))) and not extra and not recoded:
        rows = parsed.rows  # every column kept as read, in order: the rows as read
    else:
        rows = [[row[i] for i in keep] + extra for row in parsed.rows]
    for j in recoded:
        name = names[j]
        for cells in rows:
            cells[j] = mapping.recode(name, cells[j])
    return RawTable(names, rows, parsed.lines, parsed.faults, issues)


def read_incident_csv(
    data: bytes, mapping: ColumnMapping = IDENTITY, limits: Limits | None = None
) -> RawTable:
    """Parse bytes into canonical-named text rows (see :func:`parse_csv`, :func:`to_table`)."""
    return to_table(parse_csv(data, limits), mapping)
