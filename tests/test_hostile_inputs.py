"""Hostile text through every field and every output: it is stored as text and shown as text.

Template syntax, markup and script, spreadsheet formulas (leading, and after a line break), bidi
and control characters, Markdown: each goes into every free-text column of one row, is imported
through the real path into SQLite and PostgreSQL, and comes back out of the page (AppTest), the
map, the briefing, the CSV and GeoJSON exports and the command line unchanged as text and inert
as code. Values a store cannot hold (NUL, numbers beyond its range) are refused with a report
instead, and the refusal's own outputs (report, rejected rows) stay inert.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import PACKAGE_DIR
from dashboard.__main__ import main
from dashboard.assets import served_urls
from dashboard.core import export
from dashboard.core.evidence import read_evidence
from dashboard.core.maps import standalone_map
from dashboard.core.text import md_escape
from dashboard.imports import commit, open_store, prepare
from dashboard.store import BatchMeta, Store
from tests.conftest import TODAY
from tests.core.test_briefing import make
from tests.helpers import GOOD, csv_bytes, csv_text, row, whole_page

#: Free-text columns: every one carries the payload.
#: Every free-text column but ``weapon_origin``, which stays "DPRK" so the rows are counted and
#: shown (a row whose origin names no DPRK weapon is context: map only). Hostile text in it
#: reaches the map's payload in tests/core/test_template_injection.py.
FREE_TEXT = (
    "location",
    "district",
    "weapon",
    "attributed_by",
    "launch_origin",
    "source_title",
    "sanctions_provisions",
    "notes",
)
#: Text any analyst might legitimately have in a cell, that is code somewhere else.
PAYLOADS = {
    "template": "Kharkiv {{ 7*7 }} {% if true %}yes{% endif %} {# note",
    "markup": "<img src=x onerror=alert(1)></script><script>alert(2)</script>",
    "formula": '=HYPERLINK("http://evil.example/","click")',
    "formula-after-cr": "see report\r=2+3",
    "formula-after-lf": "see report\n@SUM(1+1)",
    "bidi": "Kharkiv \u202etxt.exe",
    "markdown": "![b](http://127.0.0.1:9/x.png) [x](javascript:alert(1)) **b** $x$ :red[r]",
}
IDS = {name: f"H-{name}" for name in PAYLOADS}


def hostile_rows() -> list[dict[str, str]]:
    return [
        row(incident_id=IDS[name], **dict.fromkeys(FREE_TEXT, payload))
        for name, payload in PAYLOADS.items()
    ]


@pytest.fixture
def hostile_store(db_url: str) -> Store:
    """A store of each kind holding the shipped incidents and one hostile row per payload."""
    store = open_store(db_url, today=TODAY)
    prepared = prepare(csv_bytes(hostile_rows()), "hostile.csv", TODAY)
    assert [(i.line, i.column, i.code) for i in prepared.errors] == []
    commit(store, prepared, uploaded_by="analyst")
    return store


def stored(store: Store) -> pd.DataFrame:
    frame = store.incidents()
    return frame[frame["incident_id"].isin(IDS.values())].set_index("incident_id")


class _Tags(HTMLParser):
    """The element structure of a document: the tag names in order, and srcdoc documents."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.srcdocs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.srcdocs += [value or "" for name, value in attrs if name == "srcdoc"]


def structure(document: str) -> Counter[str]:
    """How many elements of each kind ``document`` has, srcdoc documents included."""
    parser = _Tags()
    parser.feed(document)
    counts = Counter(parser.tags)
    for inner in parser.srcdocs:
        counts.update({f"srcdoc:{k}": v for k, v in structure(inner).items()})
    return counts


def benign(frame: pd.DataFrame) -> pd.DataFrame:
    """The same rows with every free-text cell replaced by plain words."""
    out = frame.copy()
    for column in FREE_TEXT:
        text = out[column].astype("string")  # the store reads some text as categoricals
        out[column] = text.where(text.isna(), "plain words")
    return out


def test_every_payload_is_stored_exactly(hostile_store: Store) -> None:
    frame = stored(hostile_store)
    for name, payload in PAYLOADS.items():
        for column in FREE_TEXT:
            assert frame.loc[IDS[name], column] == payload, (name, column)


def test_the_briefing_has_the_structure_of_a_plain_one(hostile_store: Store) -> None:
    frame = hostile_store.incidents()
    page = make(frame)
    assert structure(page) == structure(make(benign(frame)))
    text = html.unescape(page)
    for payload in PAYLOADS.values():
        assert payload in text
    assert "Kharkiv 49" not in text
    assert "yes" not in re.findall(r"\b\w+\b", text.replace(PAYLOADS["template"], ""))


def test_the_map_has_the_structure_of_a_plain_one(hostile_store: Store) -> None:
    frame = hostile_store.incidents()
    assets = served_urls("")
    page = standalone_map(frame, assets, tiles=None).get_root().render()
    plain = standalone_map(benign(frame), assets, tiles=None).get_root().render()
    assert structure(page) == structure(plain)
    strings = {
        json.loads(s)
        for s in re.findall(r'"(?:[^"\\\n]|\\.)*"', page)
        if not re.search(r"[\x00-\x1f]", s)
    }
    for payload in PAYLOADS.values():
        assert payload in strings
    assert "Kharkiv 49" not in page


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_the_csv_export_keeps_each_cell_whole_and_inert(hostile_store: Store) -> None:
    records = _cells(export.to_csv(stored(hostile_store).reset_index()))
    header, body = records[0], records[1:]
    assert len(body) == len(PAYLOADS)
    for record in body:
        assert len(record) == len(header)
        cells = dict(zip(header, record, strict=True))
        payload = PAYLOADS[cells["incident_id"].removeprefix("H-")]
        for column in FREE_TEXT:
            assert cells[column] in (payload, "'" + payload)
            # A spreadsheet splits a cell only where the CSV does; no cell may start a formula.
            assert not cells[column].startswith(export.FORMULA_STARTS)


def test_the_geojson_export_keeps_the_text(hostile_store: Store) -> None:
    features = json.loads(export.to_geojson(stored(hostile_store).reset_index()))["features"]
    for feature in features:
        payload = PAYLOADS[feature["id"].removeprefix("H-")]
        for column in FREE_TEXT:
            assert feature["properties"][column] in (payload, "'" + payload)


@pytest.fixture
def page_store(hostile_store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    """The hostile store as the app's store (caches of earlier tests dropped)."""
    monkeypatch.setenv("DASHBOARD_DB_URL", hostile_store.url)
    st.cache_resource.clear()
    st.cache_data.clear()
    return hostile_store


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_the_monitor_shows_the_record_as_text(page_store: Store, name: str) -> None:
    at = AppTest.from_file(str(PACKAGE_DIR / "app.py"), default_timeout=60)
    at.query_params["incident"] = IDS[name]
    whole_page(at)
    assert not at.exception
    assert not at.warning  # the link's incident was found
    markdown = "\n".join(m.value for m in at.markdown)
    assert md_escape(PAYLOADS[name]) in markdown
    (table,) = [d.value for d in at.dataframe if "incident_id" in d.value.columns]
    shown = table.set_index("incident_id").loc[IDS[name]]
    assert shown["location"] == PAYLOADS[name]


def test_the_upload_report_and_preview_show_the_text(page_store: Store) -> None:
    at = AppTest.from_file(str(PACKAGE_DIR / "app_pages" / "upload.py"), default_timeout=60)
    at.run()
    data = csv_bytes(hostile_rows())
    at.file_uploader(key="upload_file").set_value(("hostile.csv", data, "text/csv"))
    at.run()
    assert not at.exception
    (preview,) = [d.value for d in at.dataframe if "change" in d.value.columns]
    assert set(preview["change"]) == {"unchanged"}
    assert set(preview["location"]) == set(PAYLOADS.values())


#: Markdown that would fetch, link or format if a page rendered it from the data.
MARKUP = "![b](http://127.0.0.1:9/x.png)"


def rendered_markdown(at: AppTest) -> list[str]:
    """The source of every element Streamlit renders as Markdown (text, notices, captions)."""
    kinds = (at.markdown, at.caption, at.error, at.warning, at.info, at.success)
    return [str(element.value) for kind in kinds for element in kind]


def test_no_page_renders_markdown_from_a_file(page_store: Store) -> None:
    """A file whose name, header and cells carry Markdown, with a row the store refuses: the
    report, preview, notices and batch list show it only escaped."""
    at = AppTest.from_file(str(PACKAGE_DIR / "app_pages" / "upload.py"), default_timeout=60)
    at.run()
    good = row(incident_id="H-md", location=MARKUP, notes=MARKUP)
    bad = row(incident_id="H-md-bad", location=MARKUP, latitude=MARKUP, killed=MARKUP)
    header = [*GOOD, MARKUP]
    data = csv_text([good, bad], columns=header).encode("utf-8")
    at.file_uploader(key="upload_file").set_value((f"{MARKUP}.csv", data, "text/csv"))
    at.run()
    assert not at.exception
    shown = rendered_markdown(at)
    assert shown  # the report says something
    assert not [text for text in shown if MARKUP in text]


def test_the_command_line_prints_no_control_characters(
    page_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "\x1b[2Jevil\u202e.csv"
    path.write_bytes(csv_bytes([row(incident_id="H-cli", location="\x1b]0;title\x07Kharkiv")]))
    main(["import", str(path)])
    main(["batches"])
    printed = capsys.readouterr()
    for stream in (printed.out, printed.err):
        assert "\x1b" not in stream
        assert "\u202e" not in stream
        assert "\x07" not in stream


#: Values no store can keep: refused with a report naming line, column and reason.
UNSTORABLE = {
    "location": "Kharkiv\x00",
    "killed": "99999999999999999999",
    "injured": "3000000000",
    "incident_id": "X" * 300,
    "source_url": "http://[::1",
}


@pytest.mark.parametrize(("column", "value"), list(UNSTORABLE.items()))
def test_unstorable_values_are_refused_with_a_report(db_url: str, column: str, value: str) -> None:
    store = open_store(db_url, today=TODAY)
    before = store.incidents()
    bad = row(**{"incident_id": "T-0002", column: value})
    # UTF-16, where a NUL inside a cell is text (in a UTF-8 file it means a binary file).
    data = csv_text([GOOD, bad]).encode("utf-16")
    prepared = prepare(data, "bad.csv", TODAY)
    assert [(i.line, i.column) for i in prepared.errors] == [(3, column)]
    summary = commit(store, prepared, uploaded_by="analyst", valid_only=True)
    assert summary.added == 1
    after = store.incidents()
    assert set(after["incident_id"]) == set(before["incident_id"]) | {GOOD["incident_id"]}
    rejected = _cells(export.rejected_csv(prepared.rejected))
    assert all(not cell.startswith(export.FORMULA_STARTS) for cell in rejected[1])


def test_a_refused_revert_names_incidents_as_text(page_store: Store) -> None:
    """The refusal quotes the ids of the incidents changed since; an id is data."""
    marked = f"H-{MARKUP}"
    first = commit(
        page_store,
        prepare(csv_bytes([row(incident_id=marked)]), "a.csv", TODAY),
        uploaded_by="analyst",
    )
    commit(
        page_store,
        prepare(csv_bytes([row(incident_id=marked, killed="9")]), "b.csv", TODAY),
        uploaded_by="analyst",
    )
    at = AppTest.from_file(str(PACKAGE_DIR / "app_pages" / "upload.py"), default_timeout=60)
    at.run()
    at.selectbox(key="revert_choice").set_value(first.batch_id).run()
    at.button(key="revert").click().run()
    at.button(key="revert_confirm").click().run()
    assert not at.exception
    (refusal,) = at.error
    assert "cannot be reverted" in refusal.value
    assert md_escape(marked) in refusal.value
    assert not [text for text in rendered_markdown(at) if MARKUP in text]


def _evidence_csv(kind: str, rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def test_hostile_evidence_is_stored_exactly_and_briefed_as_text(hostile_store: Store) -> None:
    """Every payload in every evidence text, through the evidence reader and the store, reaches
    the briefing with the structure of plain words."""
    incident_ids, _ = hostile_store.known_ids()
    frames = {}
    for kind, rows in (
        (
            "examinations",
            [
                {
                    "examination_id": f"E-{n}",
                    "examiner": p,
                    "incident_id": IDS[n],
                    "findings": p,
                    "source_title": p,
                    "grade": "L",
                }
                for n, p in PAYLOADS.items()
            ],
        ),
        (
            "component_origins",
            [
                {"examination_id": f"E-{n}", "country": p, "manufacturer": p}
                for n, p in PAYLOADS.items()
            ],
        ),
        (
            "sources",
            [
                {"incident_id": IDS[n], "title": p, "publisher": p, "says": "other", "grade": "L"}
                for n, p in PAYLOADS.items()
            ],
        ),
    ):
        result = read_evidence(
            _evidence_csv(kind, rows),
            kind,  # type: ignore[arg-type]
            TODAY,
            incident_ids=incident_ids,
            examination_ids={f"E-{n}" for n in PAYLOADS},
        )
        assert [(i.line, i.column, i.code) for i in result.errors] == []
        frames[kind] = result.valid
    hostile_store.add_evidence(frames, BatchMeta("hostile-evidence", "0" * 64, "analyst"))  # type: ignore[arg-type]
    evidence = hostile_store.evidence()
    assert set(PAYLOADS.values()) <= set(evidence.origins["manufacturer"])
    frame = hostile_store.incidents()
    page = make(frame, evidence=evidence)
    section = page[page.index('<div id="evidence">') : page.index("<h2>UN Panel")]
    tags = set(structure(section))
    assert tags <= {
        "div",
        "h3",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "a",
        "ul",
        "li",
        "p",
        "b",
    }
    text = html.unescape(section)
    for payload in PAYLOADS.values():
        assert payload in text
