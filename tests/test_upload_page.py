"""The Upload page in AppTest: report before storing, import choices, mapping, batches, revert."""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Dataframe

from dashboard.core.mapping import ACLED_COLUMNS
from dashboard.core.text import md_escape
from dashboard.imports import saved_mappings
from dashboard.store import Store
from tests.helpers import GOOD, csv_bytes, csv_text, row
from tests.test_acled import ACLED_ROW
from tests.test_xlsx import workbook

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


def tables(at: AppTest) -> list[Dataframe]:
    """The page's tables, without the mapping form's editor of fixed values."""
    return [d for d in at.dataframe if d.editing_mode == "read_only"]


def keys(at: AppTest) -> set[str]:
    return {b.key for b in at.button}


def stored_ids(url: str) -> set[str]:
    return set(Store(url).incidents()["incident_id"])


def test_report_then_valid_only_import_then_revert(page: AppTest, url: str) -> None:
    before = stored_ids(url)
    upload(page, csv_bytes([GOOD, row(incident_id="T-2", date="01/02/2024")]))
    assert metrics(page) == {"Rows read": "2", "Valid": "1", "Invalid": "1", "Warnings": "0"}
    issues = tables(page)[0].value
    assert issues[["line", "column", "value", "code"]].values.tolist() == [
        [3, "date", "'01/02/2024'", "ambiguous-date"]
    ]
    preview = tables(page)[1].value
    assert preview[["incident_id", "change"]].values.tolist() == [["T-0001", "new"]]
    assert page.button(key="import").disabled
    assert stored_ids(url) == before

    page.checkbox(key="valid_only").check().run()
    page.button(key="import").click().run()
    assert not page.exception
    assert page.success[0].value.startswith("Stored as batch 2: 1 added, 0 updated")
    assert stored_ids(url) == before | {"T-0001"}
    newest = tables(page)[-1].value.iloc[0]
    assert newest[["Batch", "File", "Who", "Added", "Rejected"]].tolist() == [
        2,
        "upload.csv",
        "analyst",
        1,
        1,
    ]
    # The same file now previews as unchanged: the page reads the store as it is.
    assert tables(page)[1].value["change"].tolist() == ["unchanged"]

    page.selectbox(key="revert_choice").set_value(2).run()
    page.button(key="revert").click().run()
    # Nothing happens before the analyst confirms what the page names.
    assert stored_ids(url) == before | {"T-0001"}
    [question] = [w.value for w in page.warning if w.value.startswith("Revert batch 2")]
    assert md_escape("upload.csv (import), stored") in question
    assert md_escape("by analyst; 1 added, 0 updated, 0 removed") in question
    page.button(key="revert_confirm").click().run()
    assert not page.exception
    assert page.success[0].value.startswith("Batch 2 reverted by batch 3: 1 removed")
    assert stored_ids(url) == before
    # Nothing is left to revert but the shipped data, which is offered only when asked.
    assert not [s for s in page.selectbox if s.key == "revert_choice"]


def test_clean_file_imports_whole(page: AppTest, url: str) -> None:
    upload(page, csv_bytes([GOOD, row(incident_id="UA-KHA-20240102", killed="1")]))
    assert sorted(tables(page)[0].value["change"]) == ["new", "update"]
    assert not page.button(key="import").disabled
    assert not [c for c in page.checkbox if c.key == "valid_only"]
    page.button(key="import").click().run()
    assert page.success[0].value.startswith("Stored as batch 2: 1 added, 1 updated")
    assert "T-0001" in stored_ids(url)


def test_file_level_fault_offers_no_import(page: AppTest, url: str) -> None:
    before = stored_ids(url)
    upload(page, b"PK\x03\x04" + bytes(64), "sheet.csv")
    assert "not a CSV file" in page.error[0].value
    assert tables(page)[0].value["code"].tolist() == ["not-csv"]
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
    assert tables(page)[0].value["incident_id"].tolist() == ["S-1"]
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
    issues = tables(page)[0].value
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
    preview = next(d.value for d in tables(page) if "change" in d.value.columns)
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


def test_the_same_file_again_warns_and_waits_for_the_analyst(page: AppTest, url: str) -> None:
    data = csv_bytes([GOOD])
    upload(page, data)
    page.button(key="import").click().run()
    assert page.success[0].value.startswith("Stored as batch 2: 1 added")
    # The file is still chosen after its import: the button is not live again, and stays off
    # while the file would store nothing (the rule the command line applies too).
    [warning] = [w.value for w in page.warning if "imported before" in w.value]
    assert md_escape("batch 2: upload.csv (import)") in warning
    assert page.button(key="import").disabled
    # No error is claimed of a file with none (Invalid 0): what waits is the analyst's word.
    assert not [w for w in page.warning if "has errors" in w.value]
    page.checkbox(key="import_again").check().run()
    assert page.button(key="import").disabled
    assert any("nothing to store" in w.value for w in page.warning)
    # Once the store differs from the file (its batch reverted), importing again is live.
    Store(url).revert_batch(2, uploaded_by="t")
    page.run()
    assert not page.button(key="import").disabled

    page.button(key="cancel_upload").click().run()
    assert not page.exception
    assert "import" not in keys(page)  # the picker is empty again
    assert page.file_uploader[0].key == "upload_file_1"


def test_the_shipped_data_is_offered_for_revert_only_when_asked(page: AppTest) -> None:
    assert not [s for s in page.selectbox if s.key == "revert_choice"]
    assert "No batch to revert" in page.caption[-1].value
    page.checkbox(key="revert_seed").check().run()
    [choice] = [s for s in page.selectbox if s.key == "revert_choice"]
    [offer] = choice.options
    assert offer.startswith("batch 1: incidents.csv (seed), stored ")
    assert offer.endswith("by shipped data; 8 added, 0 updated, 0 removed")
    page.button(key="revert").click().run()
    page.button(key="revert_cancel").click().run()
    assert not [w for w in page.warning if w.value.startswith("Revert batch 1")]


def test_a_saved_mapping_is_announced_and_selected(page: AppTest, url: str) -> None:
    header = ["Ref", *(c for c in GOOD if c != "incident_id")]
    upload(page, csv_bytes([{**GOOD, "Ref": "S-1"}], columns=header))
    next(box for box in page.selectbox if box.label == "Ref").set_value("incident_id")
    page.text_input(key="mapping_name").input("our *sheet*")
    next(b for b in page.button if b.label == "Apply mapping").click().run()
    assert not page.exception
    assert page.selectbox(key="upload_mapping_choice").value == "our *sheet*"
    assert page.success[0].value.startswith("Saved the column mapping “our \\*sheet\\*”")


def test_a_ukrainian_file_is_mapped_by_suggestion_with_samples_and_a_value_map(
    page: AppTest,
) -> None:
    header = ["Дата", "Місто", "Широта", "Довгота", "Зброя", "Статус", "Джерело", "Посилання"]
    cells = [
        "2024-01-02",
        "Харків",
        "49.99",
        "36.23",
        "KN-23",
        "Попередньо",
        "Звіт",
        "https://e.org",
    ]
    upload(page, csv_bytes([dict(zip(header, cells, strict=True))], columns=header))
    assert metrics(page)["Valid"] == "0"
    boxes = {s.label: s for s in page.selectbox if str(s.key).startswith("map_")}
    assert boxes["Дата"].value == "date"
    assert boxes["Статус"].value == "attribution_status"
    assert boxes["Дата"].format_func("date") == "date · required"
    assert any(c.value == "e.g. Харків" for c in page.caption)
    [status] = [s for s in page.selectbox if str(s.key).startswith("value_")]
    assert status.label == "попередньо"
    assert status.value == "preliminary"  # suggested from the Ukrainian word
    next(b for b in page.button if b.label == "Apply mapping").click().run()
    assert not page.exception
    assert metrics(page)["Valid"] == "1"
    preview = next(d.value for d in tables(page) if "change" in d.value.columns)
    assert preview["attribution_status"].tolist() == ["preliminary"]


def test_a_possible_duplicate_waits_for_the_analysts_choice(page: AppTest, url: str) -> None:
    # The shipped 2024-01-02 strike, typed again with no id, another spelling, 400 m away.
    again = row(
        incident_id="",
        location="Харків",
        latitude="50.0135",
        longitude="36.2170",
        weapon="hwasong-11 series (KN-23/KN-24)",
    )
    before = stored_ids(url)
    upload(page, csv_bytes([again, row(incident_id="T-2")]))
    [warning] = [w.value for w in page.warning if "possible duplicates" in w.value]
    assert warning.startswith("1 new row looks like a stored incident")
    flagged = next(d.value for d in tables(page) if "duplicate_of" in d.value.columns)
    assert flagged[["line", "duplicate_of"]].values.tolist() == [[2, "UA-KHA-20240102"]]
    assert page.button(key="import").disabled

    page.radio(key="duplicate_choice").set_value("update").run()
    assert not page.button(key="import").disabled
    preview = next(d.value for d in tables(page) if "change" in d.value.columns)
    assert preview[["incident_id", "change"]].values.tolist() == [
        ["UA-KHA-20240102", "update"],
        ["T-2", "new"],
    ]
    page.button(key="import").click().run()
    assert page.success[0].value.startswith("Stored as batch 2: 1 added, 1 updated")
    assert stored_ids(url) == before | {"T-2"}
    stored = Store(url).incidents().set_index("incident_id")
    assert stored.loc["UA-KHA-20240102", "location"] == "Харків"


def test_an_excel_workbook_gets_the_same_report_and_a_sheet_choice(page: AppTest) -> None:
    rows = [GOOD, row(incident_id="T-2", date="01/02/2024")]
    page.file_uploader(key="upload_file").set_value(
        ("sheet.xlsx", workbook(rows, sheets=2), "application/vnd.ms-excel")
    ).run()
    assert not page.exception
    assert metrics(page) == {"Rows read": "2", "Valid": "1", "Invalid": "1", "Warnings": "0"}
    [sheet] = [s for s in page.selectbox if s.label == "Sheet"]
    assert sheet.options == ["Incidents", "Sheet 2"]
    sheet.set_value("Sheet 2").run()
    assert metrics(page)["Rows read"] == "0"


EXAMINATION_HEADER = (
    "examination_id,examiner,published,incident_id,place,event_date,components,companies,"
    "made_from,made_to,assembled_after,findings,source_title,source_url,grade"
)


def test_an_examinations_file_with_errors_is_refused_and_stores_nothing(
    page: AppTest, url: str
) -> None:
    page.radio(key="upload_holds").set_value("examinations").run()
    assert not page.exception
    data = "\r\n".join(
        [
            EXAMINATION_HEADER,
            "EX-1,CAR,2024-03-01,UA-KHA-20240102,,,-5,,2021,2023,,debris,A report,,H",
            "EX-2,CAR,2024-03-01,NO-SUCH-INCIDENT,,,10,,2021,2023,,debris,A report,,H",
        ]
    ).encode("utf-8")
    before = Store(url).evidence().examinations["examination_id"].tolist()
    page.file_uploader(key="upload_examinations").set_value(("ex.csv", data, "text/csv")).run()
    assert not page.exception
    issues = tables(page)[0].value
    assert issues[["line", "column", "code"]].values.tolist() == [
        [2, "components", "out-of-range"],
        [3, "incident_id", "unknown-reference"],
    ]
    assert "import_evidence" not in keys(page)  # no valid row: nothing to import
    assert Store(url).evidence().examinations["examination_id"].tolist() == before


def test_an_examinations_file_imports_as_a_batch_and_reverts(page: AppTest, url: str) -> None:
    page.radio(key="upload_holds").set_value("examinations").run()
    data = "\r\n".join(
        [EXAMINATION_HEADER, "EX-1,CAR,2024-03-01,UA-KHA-20240106,,,12,3,2021,2023,,debris,R,,M"]
    ).encode("utf-8")
    page.file_uploader(key="upload_examinations").set_value(("ex.csv", data, "text/csv")).run()
    assert metrics(page) == {"Rows read": "1", "Valid": "1", "Invalid": "0", "Warnings": "0"}
    page.button(key="import_evidence").click().run()
    assert not page.exception
    assert page.success[0].value.startswith(
        "Stored as batch 2: 1 examinations rows added, 0 updated"
    )
    assert "EX-1" in set(Store(url).evidence().examinations["examination_id"])

    page.selectbox(key="revert_choice").set_value(2).run()
    page.button(key="revert").click().run()
    page.button(key="revert_confirm").click().run()
    assert not page.exception
    assert page.success[0].value.startswith("Batch 2 reverted by batch 3: 1 removed")
    assert "EX-1" not in set(Store(url).evidence().examinations["examination_id"])


def test_a_revert_that_would_orphan_evidence_is_refused_on_the_page_naming_the_later_batch(
    page: AppTest, url: str
) -> None:
    page.radio(key="upload_holds").set_value("examinations").run()
    data = "\r\n".join(
        [EXAMINATION_HEADER, "EX-1,CAR,2024-03-01,UA-KHA-20240106,,,12,3,2021,2023,,debris,R,,M"]
    ).encode("utf-8")
    page.file_uploader(key="upload_examinations").set_value(("ex.csv", data, "text/csv")).run()
    page.button(key="import_evidence").click().run()
    page.radio(key="upload_holds").set_value("component_origins").run()
    origins = b"examination_id,country,share\r\nEX-1,Japan,10\r\n"
    page.file_uploader(key="upload_component_origins").set_value(
        ("origins.csv", origins, "text/csv")
    ).run()
    page.button(key="import_evidence").click().run()
    assert not page.exception

    page.selectbox(key="revert_choice").set_value(2).run()
    page.button(key="revert").click().run()
    page.button(key="revert_confirm").click().run()
    assert not page.exception
    [refusal] = [e.value for e in page.error]
    assert refusal.startswith(md_escape("batch 2 cannot be reverted"))
    assert md_escape("batch 3 (origins.csv, stored ") in refusal
    assert md_escape("component origins naming examination_id EX-1") in refusal
    assert "EX-1" in set(Store(url).evidence().examinations["examination_id"])


def test_the_launches_section_reports_refuses_then_stores(page: AppTest, url: str) -> None:
    from tests.test_store_launches import BAD, GOOD

    page.radio(key="upload_holds").set_value("launches").run()
    assert not page.exception
    assert any("does not tell the Russian Iskander-M" in c.value for c in page.caption)
    before = Store(url).launches()
    page.file_uploader(key="upload_launches").set_value(("bad.csv", BAD, "text/csv")).run()
    assert not page.exception
    issues = tables(page)[0].value
    assert issues[["line", "column", "value", "code"]].values.tolist() == [
        [2, "destroyed", "5", "out-of-range"]
    ]
    assert page.button(key="import_launches").disabled
    assert page.warning[0].value.startswith("The file cannot be stored: bad")
    pd.testing.assert_frame_equal(Store(url).launches(), before)
    page.file_uploader(key="upload_launches").set_value(("good.csv", GOOD, "text/csv")).run()
    page.button(key="import_launches").click().run()
    assert not page.exception
    assert page.success[0].value == "Stored 2 months of launches in place of the stored series."
    stored = Store(url).launches_import()
    assert stored is not None
    assert (stored.filename, stored.months, stored.imported_by) == ("good.csv", 2, "analyst")


def test_the_report_speaks_ukrainian_when_the_link_asks(url: str) -> None:
    importlib.import_module("dashboard.ui.lang")  # the page's language resolver, as app.py has it
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.query_params["lang"] = "uk"
    at.run()
    assert not at.exception
    assert at.title[0].value == "Завантаження інцидентів і доказів"  # noqa: RUF001
    upload(at, csv_bytes([GOOD, row(incident_id="T-2", date="01/02/2024")]))
    assert metrics(at) == {
        "Прочитано рядків": "2",
        "Коректні": "1",
        "Некоректні": "1",
        "Попередження": "0",
    }
    headings = [h.value for h in at.subheader]
    assert headings[:2] == ["Звіт", "Коректні рядки, як їх буде збережено"]
    assert "Попередні завантаження" in headings
    assert at.button(key="import").label == "Імпортувати"
    assert at.checkbox(key="valid_only").label == (
        "Імпортувати лише коректні рядки (1), а відхилені (1) пропустити"  # noqa: RUF001
    )
    downloads = [b.proto.label for b in at.get("download_button")]
    assert "Завантажити 1 проблему (CSV)" in downloads
    assert "Завантажити 1 відхилений рядок (CSV зі стовпцем помилки)" in downloads


def test_with_review_required_an_upload_becomes_a_proposal_with_its_reason(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard import review

    monkeypatch.setenv("DASHBOARD_REVIEW", "required")
    page = AppTest.from_file(str(PAGE), default_timeout=60)
    page.run()
    before = stored_ids(url)
    upload(page, csv_bytes([GOOD]))
    assert page.button(key="import").label == "Propose"
    page.button(key="import").click().run()
    assert not page.exception
    assert "give a short reason" in page.get("status")[0].proto.label  # nothing proposed yet
    assert review.pending_count(Store(url)) == 0
    page.text_input(key="import_reason").input("weekly file").run()
    page.button(key="import").click().run()
    assert page.success[0].value.startswith("Proposed as proposal 1")
    (proposal,) = review.proposals(Store(url))
    assert (proposal.kind, proposal.reason, proposal.change.filename) == (
        "file-import",
        "weekly file",
        "upload.csv",
    )
    assert stored_ids(url) == before


def test_an_acled_export_says_its_rows_are_context_before_and_after_import(
    page: AppTest, url: str
) -> None:
    upload(page, csv_text([ACLED_ROW], columns=ACLED_COLUMNS).encode("utf-8"), "acled.csv")
    note = (
        "1 valid row is context (not DPRK-origin): stored, it is counted in no DPRK figure and "
        "shows on the map only with “Show context incidents”."
    )
    assert note in "\n".join(t.value for t in page.text)  # the report's summary
    page.button(key="import").click().run()
    [stored] = [s.value for s in page.success]
    assert stored.startswith("Stored as batch 2: 1 added")
    assert stored.endswith(note)
    assert "The monitor shows them now" not in stored
    # Past uploads: a batch that reverts none reads "—", never "None".
    batches = next(t.value for t in page.dataframe if "Reverts batch" in t.value.columns)
    assert batches["Reverts batch"].tolist() == ["—", "—"]


def test_the_report_shortens_the_sha256_and_keeps_it_whole_on_hover(page: AppTest) -> None:
    data = csv_bytes([GOOD])
    upload(page, data)
    digest = hashlib.sha256(data).hexdigest()
    [summary] = [t for t in page.text if t.value.startswith("file: upload.csv")]
    assert f"(sha256 {digest[:12]}…)" in summary.value
    assert digest not in summary.value
    assert summary.help == f"SHA-256: {digest}"
