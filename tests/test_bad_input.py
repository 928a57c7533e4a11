"""One test per class of bad input: the report names line, column and code; the store is unchanged.

Each runs on a real store, SQLite and PostgreSQL: the file is prepared and an all-or-nothing
import is attempted; it must be refused and leave incidents, batches and history as they were.
"""

from __future__ import annotations

import codecs

import pandas as pd
import pytest
import sqlalchemy as sa

from dashboard.core.csvio import Limits
from dashboard.core.errors import ImportRejectedError
from dashboard.core.report import Report
from dashboard.core.schema import DECLARATIONS
from dashboard.imports import commit, prepare
from dashboard.store import Store
from tests.conftest import TODAY
from tests.helpers import GOOD, KHARKIV, csv_bytes, csv_text, row

Snapshot = tuple[pd.DataFrame, pd.DataFrame, int]


def snapshot(store: Store) -> Snapshot:
    return store.incidents(), store.batches(), store.data_version()


def assert_unchanged(store: Store, before: Snapshot) -> None:
    incidents, batches, version = snapshot(store)
    pd.testing.assert_frame_equal(incidents, before[0])
    pd.testing.assert_frame_equal(batches, before[1])
    assert version == before[2]


def refused(store: Store, data: bytes, limits: Limits | None = None) -> Report:
    """Prepare ``data``, try to import it whole and valid-only, and check nothing changed."""
    before = snapshot(store)
    prepared = prepare(data, "bad.csv", TODAY, limits=limits or Limits())
    with pytest.raises(ImportRejectedError):
        commit(store, prepared, uploaded_by="test")
    if prepared.file_errors or prepared.valid.empty:
        with pytest.raises(ImportRejectedError):
            commit(store, prepared, uploaded_by="test", valid_only=True)
    assert_unchanged(store, before)
    return prepared


def faults(prepared: Report) -> list[tuple[int, str, str]]:
    return [(i.line, i.column, i.code) for i in prepared.issues if i.severity == "error"]


# -- the file as a whole --------------------------------------------------------------------------
FILE_CASES: dict[str, tuple[bytes, Limits, list[tuple[int, str, str]]]] = {
    "empty": (b"", Limits(), [(0, "", "empty-file")]),
    "blank-lines-only": (codecs.BOM_UTF8 + b"\r\n \r\n", Limits(), [(0, "", "empty-file")]),
    "header-only": (csv_bytes([]), Limits(), [(0, "", "header-only")]),
    "delimiters-only": (b",,,,\r\n,,\r\n\r\n", Limits(), [(0, "", "empty-file")]),
    "xlsx": (b"PK\x03\x04" + bytes(200), Limits(), [(0, "", "not-csv")]),
    "nul-bytes": (b"incident_id,date\n\x00\x01\x02\x00", Limits(), [(0, "", "not-csv")]),
    "control-characters": (bytes(range(1, 9)) * 20, Limits(), [(0, "", "not-csv")]),
    "over-size": (csv_bytes([GOOD]), Limits(max_bytes=100), [(0, "", "file-too-large")]),
    "over-row-limit": (
        csv_bytes([row(incident_id=f"T-{i}") for i in range(3)]),
        Limits(max_rows=2),
        [(0, "", "too-many-rows")],
    ),
}


@pytest.mark.parametrize("case", FILE_CASES)
def test_file_level_faults(store: Store, case: str) -> None:
    data, limits, expected = FILE_CASES[case]
    prepared = refused(store, data, limits)
    assert faults(prepared) == expected
    assert prepared.valid.empty


def test_header_faults(store: Store) -> None:
    columns = [c for c in GOOD if c != "weapon"] + ["Location"]
    prepared = refused(store, csv_bytes([GOOD], columns=columns))
    assert faults(prepared)[:2] == [
        (1, "location", "duplicate-column"),
        (1, "weapon", "missing-column"),
    ]
    assert faults(prepared)[2:] == [(2, "weapon", "required")]


def test_ragged_rows(store: Store) -> None:
    long_row = csv_text([row(incident_id="T-4")]).split("\r\n")[1] + ",extra"
    text = csv_text([GOOD]) + "T-3,2024-01-02\r\n" + long_row + "\r\n"
    prepared = refused(store, text.encode())
    assert faults(prepared) == [(3, "", "ragged-row"), (4, "", "ragged-row")]
    assert prepared.valid["incident_id"].tolist() == ["T-0001"]
    errors = prepared.rejected["error"].tolist()
    assert "row has 2 fields but the header has 21" in errors[0]
    assert "row has 22 fields but the header has 21" in errors[1]


def test_cell_over_size_limit(store: Store) -> None:
    prepared = refused(store, csv_bytes([row(notes="x" * 301)]), Limits(max_cell=300))
    assert faults(prepared) == [(2, "notes", "too-long")]
    issue = prepared.errors[0]
    assert len(issue.value) == 201
    assert "301 characters; the limit is 300" in issue.message


# -- one cell ------------------------------------------------------------------------------------
CELL_CASES: dict[str, tuple[dict[str, str], list[tuple[int, str, str]]]] = {
    "required-missing": ({"location": " "}, [(2, "location", "required")]),
    "not-a-number": ({"latitude": "49.9.9"}, [(2, "latitude", "invalid-number")]),
    "latitude-out-of-range": ({"latitude": "91"}, [(2, "latitude", "out-of-range")]),
    "longitude-out-of-range": ({"longitude": "-181"}, [(2, "longitude", "out-of-range")]),
    "negative-count": ({"killed": "-1"}, [(2, "killed", "out-of-range")]),
    "not-a-whole-number": ({"injured": "2.5"}, [(2, "injured", "invalid-integer")]),
    "not-a-date": ({"date": "yesterday"}, [(2, "date", "invalid-date")]),
    "ambiguous-slash-date": ({"date": "01/02/2024"}, [(2, "date", "ambiguous-date")]),
    "future-date": ({"date": "2026-11-27"}, [(2, "date", "future-date")]),
    "bad-time": ({"time": "25:00"}, [(2, "time", "invalid-time")]),
    "bad-status": ({"attribution_status": "rumour"}, [(2, "attribution_status", "invalid-status")]),
    "bad-precision": ({"geo_precision": "4"}, [(2, "geo_precision", "invalid-precision")]),
    "javascript-url": ({"source_url": "javascript:alert(1)"}, [(2, "source_url", "invalid-url")]),
    "no-source": (
        {"source_url": "", "source_title": ""},
        [(2, "source_url", "source-required")],
    ),
}


@pytest.mark.parametrize("case", CELL_CASES)
def test_cell_faults(store: Store, case: str) -> None:
    changes, expected = CELL_CASES[case]
    prepared = refused(store, csv_bytes([row(**changes)]))
    assert faults(prepared) == expected
    issue = prepared.errors[0]
    assert issue.value == row(**changes)[issue.column]
    assert repr(issue.value) in str(issue)


def test_duplicate_ids_in_a_file(store: Store) -> None:
    prepared = refused(store, csv_bytes([GOOD, row(location="Kyiv")]))
    assert faults(prepared) == [(3, "incident_id", "duplicate-id")]
    assert "line 2" in prepared.errors[0].message


def test_valid_only_stores_the_rest_and_lists_the_rejected(store: Store) -> None:
    data = csv_bytes([GOOD, row(incident_id="T-2", date="31.02.2024")])
    prepared = refused(store, data)
    summary = commit(store, prepared, uploaded_by="test", valid_only=True)
    assert (summary.added, summary.updated) == (1, 0)
    assert "T-0001" in set(store.incidents()["incident_id"])
    rejected = prepared.rejected
    assert rejected[["line", "incident_id"]].values.tolist() == [[3, "T-2"]]
    assert rejected["error"].iloc[0].startswith("line 3, column date: not a date")
    assert store.batches().iloc[0][["rows_read", "added", "rejected"]].tolist() == [2, 1, 1]


# -- values the store cannot hold -----------------------------------------------------------------
def utf16(changes: dict[str, str]) -> bytes:
    """The good row, changed, as a UTF-16 file (the one encoding in which a NUL is text)."""
    return csv_text([row(**changes)]).encode("utf-16")


#: Each hostile value, the file carrying it, and the report entry it must give on every back end:
#: (line, column, value, code, a phrase of the reason). Before validation knew the store's limits,
#: each of these crashed (DataError on PostgreSQL; OverflowError or ValueError on both).
STORE_LIMIT_CASES: dict[str, tuple[bytes, tuple[int, str, str, str, str]]] = {
    "id-over-varchar-200": (
        csv_bytes([row(incident_id="I" * 201)]),
        (
            2,
            "incident_id",
            "I" * 200 + "…",
            "too-long",
            "201 characters; incident_id holds at most 200",
        ),
    ),
    "killed-over-integer": (
        csv_bytes([row(killed="3000000000")]),
        (2, "killed", "3000000000", "out-of-range", "from 0 to 2,147,483,647"),
    ),
    "injured-over-int64": (
        csv_bytes([row(injured="99999999999999999999")]),
        (2, "injured", "99999999999999999999", "out-of-range", "from 0 to 2,147,483,647"),
    ),
    "killed-over-int-digit-limit": (
        csv_bytes([row(killed="9" * 4301)]),
        (2, "killed", "9" * 200 + "…", "out-of-range", "from 0 to 2,147,483,647"),
    ),
    "precision-over-int-digit-limit": (
        csv_bytes([row(geo_precision="1" * 4301)]),
        (2, "geo_precision", "1" * 200 + "…", "out-of-range", "from 0 to 32,767"),
    ),
    "nul-in-notes": (
        utf16({"notes": "before\x00after"}),
        (2, "notes", "before\x00after", "unstorable-character", "U+0000 at character 7"),
    ),
    "nul-in-id": (
        utf16({"incident_id": "T\x00-1"}),
        (2, "incident_id", "T\x00-1", "unstorable-character", "U+0000 at character 2"),
    ),
    "url-unclosed-ipv6": (
        csv_bytes([row(source_url="http://[::1")]),
        (2, "source_url", "http://[::1", "invalid-url", "not a valid address"),
    ),
    "url-port-out-of-range": (
        csv_bytes([row(source_url="http://example.org:99999/")]),
        (2, "source_url", "http://example.org:99999/", "invalid-url", "not a valid address"),
    ),
    "url-without-host": (
        csv_bytes([row(source_url="http://:80/report")]),
        (2, "source_url", "http://:80/report", "invalid-url", "with a host"),
    ),
    "url-with-line-break": (
        csv_bytes([row(source_url="https://exa\nmple.org/")]),
        (2, "source_url", "https://exa\nmple.org/", "invalid-url", "control characters"),
    ),
}


@pytest.mark.parametrize("case", STORE_LIMIT_CASES)
def test_values_the_store_cannot_hold_are_reported(store: Store, case: str) -> None:
    data, (line, column, value, code, reason) = STORE_LIMIT_CASES[case]
    prepared = refused(store, data)
    assert [(i.line, i.column, i.value, i.code) for i in prepared.errors] == [
        (line, column, value, code)
    ]
    assert reason in prepared.errors[0].message
    assert prepared.valid.empty


def test_values_at_the_store_limits_are_stored(store: Store) -> None:
    at_limits = row(incident_id="I" * 200, killed="2147483647", injured="0" * 4400 + "7")
    prepared = prepare(csv_bytes([at_limits]), "limits.csv", TODAY, limits=Limits())
    assert not prepared.errors, prepared.issues
    commit(store, prepared, uploaded_by="test")
    stored = store.records(["I" * 200])["I" * 200]
    assert (stored["killed"], stored["injured"]) == (2147483647, 7)


def test_declarations_match_the_store_table(store: Store) -> None:
    """The limits validation enforces are the types the migrated table really has."""
    engine = sa.create_engine(store.url)
    reflected = {c["name"]: c["type"] for c in sa.inspect(engine).get_columns("incidents")}
    engine.dispose()
    for declared in DECLARATIONS:
        sql_type = reflected[declared.name]
        if declared.kind == "text":
            assert isinstance(sql_type, sa.String), declared.name
            assert sql_type.length == declared.length, declared.name
        elif declared.kind == "integer":
            assert type(sql_type).__name__.upper() == declared.sql_type, declared.name
        else:
            kind = {"float": sa.Float, "date": sa.Date}[declared.kind]
            assert isinstance(sql_type, kind), declared.name


# -- hostile text ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "bad", [b"\xff", b"\xed\xa0\x80", b"\xd0"], ids=["invalid-byte", "lone-surrogate", "cut-char"]
)
def test_bytes_that_are_not_utf8_in_a_utf8_file_are_reported(store: Store, bad: bytes) -> None:
    """One stray byte used to send the whole file to charset detection: every Cyrillic name
    was stored as mojibake, without a word in the report."""
    rows = [row(incident_id="T-1", location=KHARKIV), row(incident_id="T-2", notes="MARK")]
    data = csv_bytes(rows).replace(b"MARK", b"x" + bad + b"y")
    prepared = refused(store, data)
    shown = "x" + bad.decode("utf-8", errors="replace") + "y"
    assert [(i.line, i.value, i.code) for i in prepared.errors] == [(3, shown, "invalid-utf8")]
    assert "column 'notes' holds bytes that are not UTF-8" in prepared.errors[0].message
    commit(store, prepared, uploaded_by="test", valid_only=True)
    assert store.records(["T-1"])["T-1"]["location"] == KHARKIV


def test_a_header_that_is_not_utf8_refuses_the_file(store: Store) -> None:
    data = csv_bytes([row(location=KHARKIV)]).replace(b"notes", b"no\xfftes", 1)
    prepared = refused(store, data)
    assert [(i.line, i.value, i.code) for i in prepared.file_errors] == [
        (1, "no\ufffdtes", "invalid-utf8")
    ]
    assert "header cell 21" in prepared.file_errors[0].message
