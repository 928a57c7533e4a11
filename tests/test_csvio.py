"""Reading files as they come: encodings, BOM, delimiters, quoted newlines, decimal commas."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import date

import pytest

from dashboard import settings
from dashboard.core.csvio import Limits, decode, parse_csv
from dashboard.core.errors import ConfigError
from dashboard.core.report import Report
from dashboard.imports import prepare
from tests.conftest import TODAY
from tests.helpers import GOOD, KHARKIV, SHEVCHENKIVSKYI, csv_text, row


def _prepare(data: bytes) -> Report:
    return prepare(data, "t.csv", TODAY, limits=Limits())


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("cp1251", b""),
        ("utf-16", b""),
    ],
    ids=["utf-8", "utf-8-bom", "windows-1251", "utf-16"],
)
def test_encodings_keep_cyrillic_names(encoding: str, prefix: bytes) -> None:
    text = csv_text([row(location=KHARKIV, district=SHEVCHENKIVSKYI, notes="")], delimiter=";")
    prepared = _prepare(prefix + text.encode(encoding))
    assert not prepared.errors, prepared.issues
    assert prepared.valid["location"].tolist() == [KHARKIV]
    assert prepared.valid["district"].tolist() == [SHEVCHENKIVSKYI]


def test_short_windows_1251_file_is_not_read_as_latin_1() -> None:
    text = f"location;latitude\n{KHARKIV};49,99\n"
    assert decode(text.encode("cp1251")) == (text, "cp1251")


def test_western_text_stays_western() -> None:
    text = "id,notes\n1,café près de la gare élevée\n"
    assert decode(text.encode("cp1252")) == (text, "cp1252")


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_delimiters_are_sniffed(delimiter: str) -> None:
    parsed = parse_csv(csv_text([GOOD, row(incident_id="T-2")], delimiter=delimiter).encode())
    assert parsed.delimiter == delimiter
    assert len(parsed.rows) == 2


def test_decimal_comma_in_coordinates() -> None:
    data = csv_text([row(latitude="49,9925", longitude="36,2311")], delimiter=";").encode()
    prepared = _prepare(data)
    assert not prepared.errors, prepared.issues
    assert prepared.valid[["latitude", "longitude"]].iloc[0].tolist() == [49.9925, 36.2311]


def test_quoted_newlines_keep_line_numbers() -> None:
    rows = [row(notes="first line\nsecond line"), row(incident_id="T-2", latitude="x")]
    prepared = _prepare(csv_text(rows).encode())
    assert prepared.valid["notes"].tolist() == ["first line\nsecond line"]
    # The first record spans lines 2-3, so the second starts on line 4.
    assert [(i.line, i.column, i.code) for i in prepared.issues] == [
        (4, "latitude", "invalid-number")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "a,b\n1,2\n3,4\n",
        "a,b\r\n1,2\r\n3,4",  # Windows, no break at the end
        "a,b\r1,2\r3,4\r",  # classic Mac
        'a,b\r\n"x\ry",2\n"p\r\nq",3\r4,5\n',  # mixed, and breaks inside quoted cells
        "a,b\n1\u2028x,2\n3,4\x85y\n",  # breaks str.splitlines knows, a CSV reader does not
        'a,b\n"1\u2029x",2\n3,"4\x0cy"\n',
    ],
)
def test_lines_are_split_as_a_file_opened_with_newline_empty(text: str) -> None:
    """The reader's rows and each row's first line are those of ``csv.reader`` over
    ``io.StringIO(text, newline="")``, whichever way the text is split into lines."""
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    expected_rows, expected_lines, start = [], [], reader.line_num + 1
    for record in reader:
        expected_rows.append(record)
        expected_lines.append(start)
        start = reader.line_num + 1
    parsed = parse_csv(text.encode())
    assert (parsed.rows, parsed.lines) == (expected_rows, expected_lines)


def test_header_names_are_matched_loosely() -> None:
    header = [f" {c.replace('_', ' ').upper()} " for c in GOOD]
    text = csv_text([dict(zip(header, GOOD.values(), strict=True))], columns=header)
    prepared = _prepare(text.encode())
    assert not prepared.errors, prepared.issues
    assert prepared.valid["incident_id"].tolist() == ["T-0001"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-02", date(2024, 1, 2)),
        ("02.01.2024", date(2024, 1, 2)),
        ("2 January 2024", date(2024, 1, 2)),
        ("13/01/2024", date(2024, 1, 13)),
    ],
)
def test_date_forms(text: str, expected: date) -> None:
    prepared = _prepare(csv_text([row(date=text)]).encode())
    assert not prepared.errors, prepared.issues
    assert prepared.valid["date"].iloc[0].date() == expected


def test_unknown_columns_are_a_warning() -> None:
    prepared = _prepare(csv_text([{**GOOD, "colour": "red"}], columns=[*GOOD, "colour"]).encode())
    assert not prepared.errors
    assert [(i.line, i.column, i.code, i.severity) for i in prepared.issues] == [
        (1, "colour", "unknown-column", "warning")
    ]


def test_far_coordinate_is_a_warning_not_an_error() -> None:
    prepared = _prepare(csv_text([row(latitude="55.75", longitude="37.62")]).encode())
    assert not prepared.errors
    assert [(i.line, i.column, i.code, i.severity) for i in prepared.issues] == [
        (2, "latitude", "outside-ukraine", "warning")
    ]


def test_blank_lines_before_the_header_shift_its_line() -> None:
    text = "\r\n\r\n" + csv_text([GOOD], columns=[c for c in GOOD if c != "weapon"])
    prepared = _prepare(text.encode())
    assert prepared.header_line == 3
    assert [(i.line, i.column, i.code) for i in prepared.file_errors] == [
        (3, "weapon", "missing-column")
    ]
    assert [(i.line, i.column, i.code) for i in prepared.issues] == [
        (3, "weapon", "missing-column"),
        (4, "weapon", "required"),
    ]


def wide_file(columns: int) -> bytes:
    """The template's columns, then unknown ones up to ``columns``, and one good row."""
    extra = columns - len(GOOD)
    header = [*GOOD, *(f"extra {i}" for i in range(extra))]
    return (",".join(header) + "\r\n" + ",".join([*GOOD.values(), *[""] * extra]) + "\r\n").encode()


@pytest.mark.parametrize("columns", [10_000, 1_000_000], ids=["10k", "1M"])
def test_wide_files_are_refused_at_the_header(columns: int) -> None:
    prepared = _prepare(wide_file(columns))
    assert [(i.line, i.column, i.value, i.code) for i in prepared.issues] == [
        (0, "", f"{columns} columns", "too-many-columns")
    ]
    assert f"the header has {columns:,} columns; the limit is 500" in prepared.issues[0].message
    # Refused before anything per column: no header for the mapping form, no per-column issue.
    assert prepared.header == ()
    assert prepared.rows_read == 0


def test_a_line_of_delimiters_before_the_header_counts_too() -> None:
    prepared = _prepare(b"," * 600 + b"\r\n" + csv_text([GOOD]).encode())
    assert [(i.line, i.code) for i in prepared.issues] == [(0, "too-many-columns")]


def test_the_column_limit_is_a_limit() -> None:
    at_limit = prepare(wide_file(30), "t.csv", TODAY, limits=Limits(max_columns=30))
    assert not at_limit.errors, at_limit.issues
    over = prepare(wide_file(31), "t.csv", TODAY, limits=Limits(max_columns=30))
    assert [i.code for i in over.errors] == ["too-many-columns"]
    assert "the header has 31 columns; the limit is 30" in over.errors[0].message


def test_the_column_limit_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_UPLOAD_MAX_COLUMNS", "25")
    assert settings.upload_limits() == Limits(max_columns=25)
    monkeypatch.setenv("DASHBOARD_UPLOAD_MAX_COLUMNS", "many")
    with pytest.raises(ConfigError, match="DASHBOARD_UPLOAD_MAX_COLUMNS"):
        settings.upload_limits()


def test_a_huge_header_name_is_quoted_short() -> None:
    name = "x" * 1_000_000
    prepared = _prepare(csv_text([{**GOOD, name: ""}], columns=[*GOOD, name]).encode())
    assert not prepared.errors
    [issue] = prepared.issues
    assert (issue.line, issue.code) == (1, "unknown-column")
    assert issue.value == issue.column == "x" * 200 + "…"


def test_a_quote_that_never_closes_is_named() -> None:
    after = csv_text([row(incident_id="T-3")]).split("\r\n", 1)[1]
    text = csv_text([GOOD]) + 'T-2,"2024-01-02,Kharkiv\r\n' + after
    prepared = _prepare(text.encode())
    assert [(i.line, i.code) for i in prepared.errors] == [(3, "ragged-row")]
    assert "does a quote on this line never close?" in prepared.errors[0].message
    # The rest of the file went into the open field, as the quoted value shows.
    assert prepared.errors[0].value.startswith("T-2,2024-01-02,Kharkiv\r\nT-3,")
    assert prepared.valid["incident_id"].tolist() == ["T-0001"]


def test_trusted_proxies_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DASHBOARD_TRUSTED_PROXIES", raising=False)
    assert settings.trusted_proxies() == ()
    monkeypatch.setenv("DASHBOARD_TRUSTED_PROXIES", "10.0.0.5, 10.1.0.0/16")
    assert [str(n) for n in settings.trusted_proxies()] == ["10.0.0.5/32", "10.1.0.0/16"]
    monkeypatch.setenv("DASHBOARD_TRUSTED_PROXIES", "10.0.0.5, nginx")
    with pytest.raises(ConfigError, match=r"DASHBOARD_TRUSTED_PROXIES .*'nginx' is not an IP"):
        settings.trusted_proxies()
