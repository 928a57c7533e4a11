"""``?lang=uk`` in AppTest: every word the Monitor and Upload pages draw is Ukrainian.

Each element of the page is walked (titles, captions, markdown, metrics, widgets' labels, help,
placeholders and options, buttons, expanders, tabs, table headers, chart titles, notices) and
its text checked against the catalogue's English and a list of common English words, the
data's own values (places, titles, notes of the shipped files) set aside. The map draws its
labels in the browser: ``tests/e2e/test_ukrainian.py`` reads those.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from tests.english import english_in
from tests.helpers import GOOD, csv_bytes, row, whole_page

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "dashboard" / "app.py")
#: Proto fields that are no reader's words: ids, kinds, icons, formats, addresses, the values
#: typed into inputs, and the map's script (its labels are read in the browser).
NOT_WORDS = frozenset(
    {
        "id",
        "type",
        "tag",
        "icon",
        "format",
        "url",
        "deferred_file_id",
        "default",
        "value",
        "raw_value",
        "raw_values",
        "form_id",
        "selection_default",
        "column_order",
        "json_args",
        "component_name",
        "name",
        "theme",
        "selection_mode",
        "min",
        "max",
        "arrow_data",
        "data",
        "accept_file",
        "types",
    }
)


def _strings(message: Message, field: str = "") -> Iterator[tuple[str, str]]:
    for descriptor, value in message.ListFields():
        if descriptor.name in NOT_WORDS:
            continue
        values = value if isinstance(value, Iterator | list) or _repeated(value) else [value]
        for item in values:
            if isinstance(item, Message):
                yield from _strings(item, descriptor.name)
            elif isinstance(item, str):
                yield descriptor.name, item


def _repeated(value: object) -> bool:
    return hasattr(value, "__len__") and not isinstance(value, str | bytes | Message)


def _titles(spec: object) -> Iterator[str]:
    """A Vega-Lite spec's titles (axes, legends, tooltips): not its data or field names."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "title" and isinstance(value, str):
                yield value
            elif key not in {"datasets", "data", "config"}:
                yield from _titles(value)
    elif isinstance(spec, list):
        for item in spec:
            yield from _titles(item)


def _nodes(node: object) -> Iterator[object]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def shown_texts(at: AppTest) -> Iterator[str]:
    """Every text the page shows a reader, element by element (sidebar included)."""
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        for field, text in _strings(proto):
            if field == "spec":
                yield from _titles(json.loads(text))
            elif field == "columns":  # a table's headers: the configured labels, ...
                config = json.loads(text)
                yield from (c["label"] for c in config.values() if "label" in c)
                frame = getattr(node, "value", None)
                if frame is not None:  # ... and the names of the columns without one
                    yield from (
                        str(c)
                        for c in frame.columns
                        if not config.get(str(c), {}).get("hidden")
                        and "label" not in config.get(str(c), {})
                        and (not proto.column_order or str(c) in proto.column_order)
                    )
            elif not text.lstrip().startswith("<style>"):  # a style sheet is never shown
                yield text


def assert_ukrainian(at: AppTest, uploaded: tuple[str, ...] = ()) -> None:
    assert not at.exception
    texts = list(shown_texts(at))
    assert len(texts) > 20  # the walk reaches the page's elements
    english = {text[:120]: found for text in texts if (found := english_in(text, uploaded))}
    assert english == {}


@pytest.fixture
def store_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    monkeypatch.setenv("DASHBOARD_DB_URL", url)
    monkeypatch.setenv("DASHBOARD_TILES", "none")
    st.cache_resource.clear()
    st.cache_data.clear()
    yield url
    st.cache_resource.clear()
    st.cache_data.clear()


def opened(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for name, value in {"lang": "uk", **params}.items():
        at.query_params[name] = value
    return whole_page(at)


def test_the_checks_find_english() -> None:
    assert {"Incidents in view", "in", "view"} <= set(english_in("Incidents in view"))
    assert english_in("Показати все") == []
    assert english_in("Шевченківський · Kharkiv, industrial zone") == []  # a place, as written


@pytest.mark.usefixtures("store_url")
def test_the_monitor_shows_no_english_label() -> None:
    at = opened()
    assert_ukrainian(at)
    assert at.metric[0].label == "Інциденти у вибірці"  # noqa: RUF001
    protos = [getattr(node, "proto", None) for node in _nodes(at._tree)]
    charts = [json.loads(p.spec) for p in protos if p is not None and hasattr(p, "spec")]
    assert len(charts) >= 2
    for chart in charts:  # months and numbers as Vega formats them: in Ukrainian
        assert chart["config"]["locale"]["time"]["shortMonths"][0] == "січ."
        assert chart["config"]["locale"]["number"]["decimal"] == ","


@pytest.mark.usefixtures("store_url")
def test_the_monitor_with_a_record_and_the_context_series_shows_no_english_label() -> None:
    at = opened(incident="UA-KHA-20240102")
    at.toggle(key="show_launches").set_value(True).run()
    assert_ukrainian(at)
    assert any(m.value.startswith("#### 2 січня 2024") for m in at.markdown)


@pytest.mark.usefixtures("store_url")
def test_an_empty_view_says_so_in_ukrainian() -> None:
    at = opened(q="нічого такого")
    assert_ukrainian(at)
    assert at.warning or at.info


@pytest.mark.usefixtures("store_url")
def test_the_upload_page_and_its_report_show_no_english_label() -> None:
    at = opened()
    at.switch_page("app_pages/upload.py").run()
    assert_ukrainian(at)
    rows = [GOOD, row(incident_id="T-2", latitude="north")]
    at.file_uploader(key="upload_file").set_value(("bad.csv", csv_bytes(rows), "text/csv")).run()
    cells = sorted({v for r in rows for v in r.values() if len(v) > 1}, key=len, reverse=True)
    assert_ukrainian(at, tuple(cells))
    assert at.metric  # the report is drawn
