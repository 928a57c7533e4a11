"""The canonical format's checks: every fault named by line, column and code; nothing raises."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.core.cells import parse_date
from dashboard.core.csvio import read_incident_csv
from dashboard.core.schema import TEMPLATE_COLUMNS
from dashboard.core.validate import RawTable, derive_incident_id, validate
from tests.conftest import TODAY

HEADER = ",".join(TEMPLATE_COLUMNS)
GOOD = (
    "X-1,2024-01-02,07:30,Kharkiv,Shevchenkivskyi,50.017,36.217,2,KN-23,DPRK,confirmed,"
    "UN Panel,,impact,3,64,Reuters,https://example.org/a,2024-04-29,,"
)


def check(text: str):
    return validate(read_incident_csv(text.encode("utf-8")), TODAY)


def faults(text: str) -> list[tuple[int, str, str]]:
    return [(i.line, i.column, i.code) for i in check(text).issues]


def test_good_row_is_typed_and_valid() -> None:
    result = check(f"{HEADER}\n{GOOD}\n")
    assert result.ok
    row = result.valid.iloc[0]
    assert (row["incident_id"], row["killed"], row["injured"]) == ("X-1", 3, 64)
    assert row["date"].date() == date(2024, 1, 2)
    assert row["latitude"] == pytest.approx(50.017)
    assert int(row["line"]) == 2


def test_every_fault_in_a_row_is_reported() -> None:
    bad = "X-2,2024-13-40,25:00,,,91,36.2,7,,DPRK,rumoured,,,sunk,-1,lots,,javascript:alert(1),,,"
    assert faults(f"{HEADER}\n{bad}\n") == [
        (2, "date", "invalid-date"),
        (2, "time", "invalid-time"),
        (2, "location", "required"),
        (2, "latitude", "out-of-range"),
        (2, "geo_precision", "invalid-precision"),
        (2, "weapon", "required"),
        (2, "attribution_status", "invalid-status"),
        (2, "outcome", "invalid-choice"),
        (2, "killed", "out-of-range"),
        (2, "injured", "invalid-integer"),
        (2, "source_url", "invalid-url"),
    ]


def test_issue_quotes_the_value_and_reason() -> None:
    issue = check(f"{HEADER}\n{GOOD.replace('confirmed', 'rumoured')}\n").issues[0]
    assert issue.value == "rumoured"
    assert "must be one of" in issue.message
    assert "'rumoured'" in str(issue)


def test_missing_source_is_an_error() -> None:
    row = GOOD.replace("Reuters,https://example.org/a", ",")
    assert faults(f"{HEADER}\n{row}\n") == [(2, "source_url", "source-required")]


def test_duplicate_id_names_the_first_line() -> None:
    result = check(f"{HEADER}\n{GOOD}\n{GOOD}\n")
    assert [(i.line, i.column, i.code) for i in result.issues] == [
        (3, "incident_id", "duplicate-id")
    ]
    assert "line 2" in result.issues[0].message
    assert len(result.valid) == 1
    assert list(result.rejected["line"]) == [3]


def test_a_coordinate_outside_ukraine_or_swapped_is_a_warning_only() -> None:
    kyiv = check(f"{HEADER}\n{GOOD.replace('50.017,36.217', '50.45,30.52')}\n")
    assert kyiv.ok
    assert list(kyiv.issues) == []  # Kyiv, Poltava, Zaporizhzhia: Ukraine, nothing to say
    moscow = check(f"{HEADER}\n{GOOD.replace('50.017,36.217', '55.75,37.62')}\n")
    assert moscow.ok
    assert [(i.code, i.severity) for i in moscow.issues] == [("outside-ukraine", "warning")]
    swapped = check(f"{HEADER}\n{GOOD.replace('50.017,36.217', '36.217,50.017')}\n")
    assert swapped.ok
    [issue] = swapped.issues
    assert (issue.line, issue.column, issue.code, issue.severity) == (
        2,
        "latitude",
        "swapped-coordinates",
        "warning",
    )
    assert issue.message == (
        "latitude 36.217 and longitude 50.017 look swapped: the other way round they lie in Ukraine"
    )


def test_lines_count_quoted_newlines() -> None:
    multi = GOOD.replace("Kharkiv,Shev", '"Kharkiv\ncity centre",Shev')
    second = GOOD.replace("X-1", "X-2").replace("confirmed", "nope")
    assert faults(f"{HEADER}\n{multi}\n{second}\n") == [(4, "attribution_status", "invalid-status")]


def test_empty_id_is_derived_deterministically() -> None:
    result = check(f"{HEADER}\n{GOOD.replace('X-1', '')}\n")
    first = result.valid.iloc[0]["incident_id"]
    assert first.startswith("INC-")
    assert first == check(f"{HEADER}\n{GOOD.replace('X-1', '')}\n").valid.iloc[0]["incident_id"]
    assert first != derive_incident_id({"date": "2024-01-03", "location": "Kharkiv"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-02", date(2024, 1, 2)),
        ("02.01.2024", date(2024, 1, 2)),
        ("2 January 2024", date(2024, 1, 2)),
        ("25/01/2024", date(2024, 1, 25)),
        ("01/25/2024", date(2024, 1, 25)),
        ("03/03/2024", date(2024, 3, 3)),
    ],
)
def test_date_formats(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("01/02/2024", "ambiguous-date"),
        ("2027-01-01", "future-date"),
        ("yesterday", "invalid-date"),
    ],
)
def test_bad_dates(text: str, code: str) -> None:
    row = GOOD.replace("2024-01-02", text)
    assert faults(f"{HEADER}\n{row}\n") == [(2, "date", code)]


def test_decimal_comma_and_case_insensitive_headers() -> None:
    header = HEADER.replace("latitude", " Latitude ").replace("source_url", "Source URL")
    text = f"{header}\n{GOOD}\n".replace(",", ";").replace("50.017", "50,017")
    result = check(text)
    assert result.ok, result.issues
    assert result.valid.iloc[0]["latitude"] == pytest.approx(50.017)


def test_windows_1251_place_names_survive() -> None:
    text = f"{HEADER}\n{GOOD.replace('Kharkiv,', 'Харків,', 1)}\n"
    result = validate(read_incident_csv(text.encode("cp1251")), TODAY)
    assert result.ok
    assert result.valid.iloc[0]["location"] == "Харків"


@pytest.mark.parametrize(
    ("column", "value", "character"),
    [
        ("notes", "a\x00b", "U+0000 at character 2"),
        ("killed", "\x003", "U+0000 at character 1"),
        ("location", "Kharkiv\udcff", "U+DCFF at character 8"),
    ],
    ids=["nul-in-text", "nul-in-number", "lone-surrogate"],
)
def test_characters_no_store_can_keep_are_reported(column: str, value: str, character: str) -> None:
    """Lone surrogates cannot come out of decoding a file, but a mapping's constant could."""
    cells = dict(zip(TEMPLATE_COLUMNS, GOOD.split(","), strict=True)) | {column: value}
    result = validate(RawTable(list(cells), [list(cells.values())], [2]), TODAY)
    assert [(i.line, i.column, i.value, i.code) for i in result.issues] == [
        (2, column, value, "unstorable-character")
    ]
    assert character in result.issues[0].message
    assert result.valid.empty
    # The rejected row keeps the value, with a surrogate (no UTF-8 form) shown as U+FFFD.
    assert result.rejected[column].tolist() == [value.replace("\udcff", "\ufffd")]
