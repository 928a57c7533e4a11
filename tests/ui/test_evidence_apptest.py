"""The evidence in the monitor (AppTest, real store): records, the parts panel, hostile text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.core.evidence import evidence_frame
from dashboard.imports import open_store
from dashboard.store import BatchMeta
from dashboard.ui.evidence import source_line
from tests.conftest import TODAY
from tests.helpers import whole_page

PAGE = Path(__file__).resolve().parents[2] / "dashboard" / "app_pages" / "monitor.py"


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    monkeypatch.setenv("DASHBOARD_DB_URL", url)
    open_store(url, today=TODAY).dispose()
    return url


def page(incident: str | None = None) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    if incident:
        at.query_params["incident"] = incident
    whole_page(at)
    assert not at.exception
    return at


def text(at: AppTest) -> str:
    shown = [m.value for m in at.markdown] + [i.value for i in at.info]
    shown += [d.value.to_csv() for d in at.dataframe]
    return "\n".join(shown)


def test_the_kharkiv_record_shows_car_s_breakdown_and_every_source(url: str) -> None:
    shown = text(page("UA-KHA-20240102"))
    assert "##### Sources (6)" in shown
    assert "Conflict Armament Research \\(CAR\\)" in shown
    for share in ("United States,75.5", "Germany,11.9", "Japan,3.1"):
        assert share in shown
    assert (
        "among China, Netherlands, Singapore, Switzerland, Taiwan: the source gives no share"
        in (shown.replace("\\", ""))
    )
    assert "[Reuters" in shown  # the one source with an http(s) address is a link


def test_the_poltava_record_shows_nako_s_named_makers(url: str) -> None:
    shown = text(page("UA-POL-202409"))
    for maker in ("Analog Devices", "Broadcom", "Traco Power", "NXP", "XP Power"):
        assert maker in shown
    assert "Outcome:** Shot down\\: intercepted, no damage reported" in shown
    assert "#### September 2024 ·" in shown  # dated by its month only: no invented day
    assert "Killed:** not reported" in shown


def test_the_parts_panel_summarises_both_examinations(url: str) -> None:
    shown = text(page()).replace("\\", "")
    assert "Where the parts came from" in [h.value for h in page().subheader]
    assert "Examined missiles:** 2 (3 examinations)" in shown
    assert "components from 26 companies (Conflict Armament Research (CAR)" in shown
    assert "XP Power" in shown
    assert "UNSCR 1718 (2006) para 8" in shown


def test_hostile_evidence_text_is_shown_as_text(url: str) -> None:
    store = open_store(url, today=TODAY)
    hostile = "<img src=x onerror=alert(1)> {{ 7*7 }} [x](javascript:alert(1))"
    store.add_evidence(
        {
            "sources": evidence_frame(
                "sources",
                [
                    {
                        "incident_id": "UA-KHA-20240102",
                        "title": hostile,
                        "url": "javascript:alert(1)",
                        "publisher": hostile,
                        "says": "other",
                        "grade": "L",
                    }
                ],
            )
        },
        BatchMeta("hostile.csv", "0" * 64, "t"),
    )
    store.dispose()
    shown = text(page("UA-KHA-20240102"))
    assert not re.search(r"(?<!\\)<img", shown)  # every < escaped: text, not markup
    assert "](javascript" not in shown
    assert "\\<img src\\=x onerror\\=alert\\(1\\)\\> \\{\\{ 7\\*7 \\}\\}" in shown


def test_a_source_is_a_link_only_for_http() -> None:
    line = source_line(
        {
            "title": "T",
            "url": "javascript:alert(1)",
            "publisher": None,
            "published": None,
            "says": "forensic",
            "grade": "M",
        }
    )
    assert line == "- T · forensic\\: what the debris shows · grade M"
    linked = source_line(
        {
            "title": "T",
            "url": "https://example.org/a",
            "publisher": "P",
            "published": None,
            "says": None,
            "grade": None,
        }
    )
    assert linked == "- [T](https://example.org/a) · P · grade not given"
