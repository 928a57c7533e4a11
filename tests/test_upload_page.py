"""The Upload page in AppTest: report before storing, import choices, mapping, batches, revert."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.imports import saved_mappings
from dashboard.store import Store
from tests.helpers import GOOD, csv_bytes, row

PAGE = Path(__file__).resolve().parents[1] / "dashboard" / "app_pages" / "upload.py"


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh SQLite store for the page (the cached store of an earlier test is dropped)."""
    db_url = f"sqlite:///{tmp_path / 'page.sqlite3'}"
    monkeypatch.setenv("DASHBOARD_DB_URL", db_url)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield db_url
    st.cache_resource.clear()


@pytest.fixture
def page(url: str) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.run()
    assert not at.exception
    return at


def upload(at: AppTest, data: bytes, name: str = "upload.csv") -> None:
    at.file_uploader(key="upload_file").set_value((name, data, "text/csv"))
    at.run()
    assert not at.exception


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def keys(at: AppTest) -> set[str]:
    return {b.key for b in at.button}


def stored_ids(url: str) -> set[str]:
    return set(Store(url).incidents()["incident_id"])


def test_report_then_valid_only_import_then_revert(page: AppTest, url: str) -> None:
    before = stored_ids(url)
    upload(page, csv_bytes([GOOD, row(incident_id="T-2", date="01/02/2024")]))
    assert metrics(page) == {"Rows read": "2", "Valid": "1", "Invalid": "1", "Warnings": "0"}
    issues = page.dataframe[0].value
    assert issues[["line", "column", "value", "code"]].values.tolist() == [
        [3, "date", "'01/02/2024'", "ambiguous-date"]
    ]
    preview = page.dataframe[1].value
    assert preview[["incident_id", "change"]].values.tolist() == [["T-0001", "new"]]
    assert page.button(key="import").disabled
    assert stored_ids(url) == before

    page.checkbox(key="valid_only").check().run()
    page.button(key="import").click().run()
    assert not page.exception
    assert page.success[0].value.startswith("Stored as batch 2: 1 added, 0 updated")
    assert stored_ids(url) == before | {"T-0001"}
    newest = page.dataframe[-1].value.iloc[0]
    assert newest[["Batch", "File", "Who", "Added", "Rejected"]].tolist() == [
        2,
        "upload.csv",
        "analyst",
        1,
        1,
    ]
    # The same file now previews as unchanged: the page reads the store as it is.
    assert page.dataframe[1].value["change"].tolist() == ["unchanged"]

    page.selectbox(key="revert_choice").set_value(2).run()
    page.button(key="revert").click().run()
    assert not page.exception
    assert page.success[0].value.startswith("Batch 2 reverted by batch 3: 1 removed")
    assert stored_ids(url) == before
    assert 2 not in page.selectbox(key="revert_choice").options


def test_clean_file_imports_whole(page: AppTest, url: str) -> None:
    upload(page, csv_bytes([GOOD, row(incident_id="UA-KHA-20240102", killed="1")]))
    assert sorted(page.dataframe[0].value["change"]) == ["new", "update"]
    assert not page.button(key="import").disabled
    assert not page.checkbox
    page.button(key="import").click().run()
    assert page.success[0].value.startswith("Stored as batch 2: 1 added, 1 updated")
    assert "T-0001" in stored_ids(url)


def test_file_level_fault_offers_no_import(page: AppTest, url: str) -> None:
    before = stored_ids(url)
    upload(page, b"PK\x03\x04" + bytes(64), "sheet.csv")
    assert "not a CSV file" in page.error[0].value
    assert page.dataframe[0].value["code"].tolist() == ["not-csv"]
    assert "import" not in keys(page)
    assert stored_ids(url) == before


def test_column_mapping_is_applied_and_saved(page: AppTest, url: str) -> None:
    header = ["Ref", *(c for c in GOOD if c != "incident_id")]
    upload(page, csv_bytes([{**GOOD, "Ref": "S-1"}], columns=header))
    assert metrics(page)["Valid"] == "1"  # derived id: the Ref column is ignored
    next(box for box in page.selectbox if box.label == "Ref").set_value("incident_id")
    page.text_input(key="mapping_name").input("our sheet")
    next(b for b in page.button if b.label == "Apply mapping").click().run()
    assert not page.exception
    assert page.dataframe[0].value["incident_id"].tolist() == ["S-1"]
    assert saved_mappings(Store(url))["our sheet"].columns["ref"] == "incident_id"
    assert "our sheet" in page.selectbox(key="upload_mapping_choice").options


def test_mapping_form_shows_header_names_as_text(page: AppTest) -> None:
    image = "![b](http://127.0.0.1:9/x.png)"
    header = [image, "**bold** <i>", *(c for c in GOOD if c != "incident_id")]
    upload(page, csv_bytes([{**GOOD, image: "S-1"}], columns=header))
    labels = {box.label for box in page.selectbox if box.key and box.key.startswith("map_")}
    assert {
        "\\!\\[b\\]\\(http\\://127\\.0\\.0\\.1\\:9/x\\.png\\)",
        "\\*\\*bold\\*\\* \\<i\\>",
    } <= labels
    assert not [label for label in labels if "![" in label or "**" in label]


def test_a_file_wider_than_the_column_limit_is_refused_before_the_mapping_form(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_UPLOAD_MAX_COLUMNS", "25")
    page = AppTest.from_file(str(PAGE), default_timeout=60)
    page.run()
    columns = [*GOOD, *(f"extra {i}" for i in range(6))]
    upload(page, csv_bytes([GOOD], columns=columns))
    issues = page.dataframe[0].value
    assert issues[["line", "value", "code"]].values.tolist() == [
        [0, "'27 columns'", "too-many-columns"]
    ]
    assert not [s for s in page.selectbox if str(s.key).startswith("map_")]


@pytest.mark.parametrize("name", ["acled", "Incidents "])
def test_a_mapping_named_like_a_built_in_format_is_refused_with_a_message(
    page: AppTest, url: str, name: str
) -> None:
    header = ["Ref", *(c for c in GOOD if c != "incident_id")]
    upload(page, csv_bytes([{**GOOD, "Ref": "S-1"}], columns=header))
    next(box for box in page.selectbox if box.label == "Ref").set_value("incident_id")
    page.text_input(key="mapping_name").input(name)
    next(b for b in page.button if b.label == "Apply mapping").click().run()
    assert not page.exception
    [refusal] = [e.value for e in page.error]
    assert "names a built\\-in format" in refusal
    assert "choose another name" in refusal
    assert saved_mappings(Store(url)) == {}
    # Neither saved nor applied: the report is still the file's own.
    preview = next(d.value for d in page.dataframe if "change" in d.value.columns)
    assert preview["incident_id"].str.startswith("INC-").tolist() == [True]


def test_missing_columns_are_named_once_each_in_one_message(page: AppTest) -> None:
    columns = [c for c in GOOD if c not in ("latitude", "longitude")]
    upload(page, csv_bytes([GOOD, row(incident_id="T-2")], columns=columns))
    [message] = [e.value for e in page.error]
    assert message.count("required column") == 2
    assert "\\'latitude\\'" in message
    assert "\\'longitude\\'" in message
    assert "import" not in keys(page)


def test_the_prominent_message_shows_header_names_as_text(page: AppTest) -> None:
    image = "![b](http://127.0.0.1:9/x.png)"
    upload(page, csv_bytes([{**GOOD, image: GOOD["date"]}], columns=[image, *GOOD]))
    next(box for box in page.selectbox if box.label.startswith("\\!\\[b")).set_value("date")
    next(b for b in page.button if b.label == "Apply mapping").click().run()
    assert not page.exception
    [message] = [e.value for e in page.error]
    assert "already gives" in message
    assert "\\!\\[b\\]\\(http\\://127\\.0\\.0\\.1\\:9/x\\.png\\)" in message
    assert "![" not in message
    assert page.button(key="import").disabled


def test_a_stale_saved_mapping_is_reported_not_a_crash(page: AppTest, url: str) -> None:
    Store(url).save_mapping("old", {"columns": {"ref": "colour"}}, saved_by="t")
    page.run()
    assert not page.exception
    [message] = [e.value for e in page.error]
    assert "is not a canonical column" in message
    upload(page, csv_bytes([GOOD]))
    assert metrics(page)["Valid"] == "1"
