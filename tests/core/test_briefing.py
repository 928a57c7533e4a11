"""The briefing: one self-contained, escaped HTML file of the view."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from dashboard import DATA_DIR
from dashboard.assets import inline_assets, read_asset
from dashboard.core import briefing, maps
from dashboard.core.evidence import Evidence, annotate
from dashboard.core.figures import headline
from dashboard.core.filters import Filters
from dashboard.core.i18n import use
from dashboard.core.mandate import load_events, status
from dashboard.core.mapassets import INLINE_PREFIX
from dashboard.core.records import incidents_frame
from dashboard.core.view import View
from dashboard.imports import SHIPPED_INCIDENTS, open_store, prepare
from tests.conftest import TODAY

PAYLOAD = "</script><script>alert('x')</script><img src=x onerror=alert(1)>"


def shipped() -> pd.DataFrame:
    return prepare(SHIPPED_INCIDENTS.read_bytes(), "incidents.csv", TODAY).valid


def hostile(frame: pd.DataFrame) -> pd.DataFrame:
    """The shipped incidents with markup in every text a briefing shows."""
    rows = frame.to_dict("records")
    rows[0] = {
        **rows[0],
        "location": PAYLOAD,
        "weapon": PAYLOAD,
        "attributed_by": PAYLOAD,
        "source_title": PAYLOAD,
        "source_url": "javascript:alert(1)",
        "incident_id": "X<b>1",
    }
    return incidents_frame(rows)


def make(
    frame: pd.DataFrame,
    state: View | None = None,
    link: str = "",
    evidence: Evidence | None = None,
) -> str:
    events = load_events(DATA_DIR / "mandate_events.csv")
    mandate = status(events, TODAY)
    brief = briefing.Briefing(
        incidents=frame,
        figures=headline(frame, mandate),
        mandate=mandate,
        events=events,
        state=state or View(),
        link=link or "http://dash.example/base/?incident=X&v=1",
        generated_at=datetime(2026, 11, 26, 9, 30, tzinfo=UTC),
        map_view=(49.9925, 36.2311, 11),
        evidence=evidence or Evidence.empty(),
    )
    return briefing.render(brief, asset_text=read_asset)


def test_briefing_holds_the_view() -> None:
    state = View(Filters(date_from=date(2024, 1, 1), statuses=("confirmed",), q="Kharkiv"))
    frame = shipped()
    page = make(frame, state)
    assert "Briefing generated 2026-11-26T09:30:00Z" in page
    assert "data live" in page
    assert "<li>From: 2024-01-01</li>" in page
    assert "<li>Attribution status: confirmed</li>" in page
    assert "<li>Search: Kharkiv</li>" in page
    assert 'href="http://dash.example/base/?incident=X&amp;v=1"' in page
    assert page.count("<tr>") >= len(frame) + 1
    for incident_id in frame["incident_id"]:
        assert html.escape(incident_id) in page
    assert "Expired 2024-04-30" in page
    assert "Resolution 1718 adopted 15-0" in page


def test_asof_is_stated() -> None:
    state = View(asof=datetime(2026, 10, 1, tzinfo=UTC))
    assert "data as of 2026-10-01T00:00:00Z" in make(shipped(), state)


def test_every_data_string_is_escaped() -> None:
    page = make(hostile(shipped()), View(Filters(q=PAYLOAD)), link="javascript:alert(2)")
    outer, _, srcdoc = page.partition('srcdoc="')
    srcdoc, _, rest = srcdoc.partition('"')
    outside = outer + rest
    assert "<img src=x" not in outside
    assert "<script>alert" not in outside
    assert not [h for h in re.findall(r'href="([^"]*)"', outside) if "javascript" in h]
    assert html.escape(PAYLOAD) in outside
    inner = html.unescape(srcdoc)  # the map document, as the iframe parses it
    assert "<img src=x" not in inner
    assert "<script>alert" not in inner
    assert "\\u003c/script\\u003e" in inner


def test_briefing_is_self_contained() -> None:
    page = make(shipped())
    inner = html.unescape(page.partition('srcdoc="')[2].partition('"')[0])
    for document in (page, inner):
        assert not re.search(r"<script[^>]+src=", document)
        assert not re.search(r"<link[^>]+href=", document)
        assert INLINE_PREFIX not in document
    assert "L.IncidentLayer" in inner
    assert "Supercluster" in inner
    assert "jQuery" in inner
    assert "Control.FullScreen" in inner


def test_read_asset_inlines_css_images_as_data() -> None:
    css = read_asset("vendor/leaflet-fullscreen/Control.FullScreen.css")
    assert "url(data:image/svg+xml;base64," in css
    assert "icon-fullscreen.svg" not in css


@pytest.mark.parametrize("bad", ["../pyproject.toml", "vendor/leaflet/missing.js"])
def test_read_asset_stays_in_the_static_folder(bad: str) -> None:
    with pytest.raises(FileNotFoundError):
        read_asset(bad)


def test_inline_assets_escapes_closing_tags(tmp_path: Path) -> None:
    (tmp_path / "x.js").write_text("var s = '</script><!--';")
    out = inline_assets(f'<script src="{INLINE_PREFIX}x.js"></script>', tmp_path)
    assert out == "<script>var s = '<\\/script><\\!--';</script>"


def test_the_briefing_shows_the_evidence_offline(tmp_path: Path) -> None:
    """Every source and the parts summary are text sections: no server, no script needed."""
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}", today=TODAY)
    frame = annotate(store.incidents(), store.evidence())
    page = make(frame, evidence=store.evidence())
    store.dispose()
    section = page[page.index('<div id="evidence">') : page.index("<h2>UN Panel")]
    assert "<script" not in section
    text = html.unescape(re.sub(r"<[^>]+>", " ", section))
    for fact in (
        "components from 26 companies",
        "United States",
        "75.5",
        "the other 9.5% among China, Netherlands, Singapore, Switzerland, Taiwan",
        "Traco Power",
        "UNSCR 1874 (2009) paras 9-10",
        "CAR published late January 2024",
    ):
        assert fact in text
    assert make(frame).count("No incident in view has a debris examination") == 1


def test_the_briefing_map_rings_the_selected_incident() -> None:
    frame = shipped()
    chosen = str(frame["incident_id"].iloc[2])
    ringed = re.findall(r'"selected":\s*(\d+)', html.unescape(make(frame, View(incident=chosen))))
    assert ringed
    assert set(ringed) == {"2"}
    assert '"selected"' not in html.unescape(make(frame))


def test_a_large_view_lists_its_newest_incidents_and_maps_counts_by_area(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past LISTED_MAX incidents the briefing lists the newest (the view's first rows) and says
    so; past AGGREGATE_ABOVE its map carries counts in bins, not the incidents (here both limits
    lowered to fit the shipped eight)."""
    frame = shipped()
    small = make(frame)
    assert 'id="listed"' not in small
    assert 'id="binned"' not in small
    monkeypatch.setattr(briefing, "LISTED_MAX", 3)
    monkeypatch.setattr(briefing, "AGGREGATE_ABOVE", 5)
    monkeypatch.setattr(maps, "AGGREGATE_ABOVE", 5)
    page = make(frame)
    listed = page.partition('<div id="incidents">')[2].partition("</div>")[0]
    assert listed.count("<tr>") == 3 + 1  # the header's row, then three incidents
    for incident_id in frame["incident_id"].iloc[:3]:
        assert html.escape(incident_id) in listed
    assert html.escape(frame["incident_id"].iloc[3]) not in listed
    assert "The 3 newest of the 8 incidents in view are listed here" in page
    assert "With more than 5 incidents in view, the map counts them by area" in page
    inner = html.unescape(page.partition('srcdoc="')[2].partition('"')[0])
    assert '"bins"' in inner
    assert 'L.incidentLayer({"inline"' not in inner
    assert "Incidents (8)" in page  # the figures count every one
    assert "The selected incident follows them." not in page
    # A selected incident older than the newest listed follows them.
    chosen = str(frame["incident_id"].iloc[5])
    page = make(frame, View(incident=chosen))
    listed = page.partition('<div id="incidents">')[2].partition("</div>")[0]
    assert listed.count("<tr>") == 4 + 1
    assert html.escape(chosen) in listed.rpartition("<tr>")[2]
    assert "The selected incident follows them." in page


def test_the_briefing_shows_what_officials_have_counted_apart_and_escaped() -> None:
    from dataclasses import replace

    from dashboard.core.aggregates import load_aggregates
    from dashboard.imports import AGGREGATES

    counts = load_aggregates(AGGREGATES, TODAY)
    hostile_counts = counts.assign(who=[PAYLOAD, *counts["who"][1:]])
    events = load_events(DATA_DIR / "mandate_events.csv")
    mandate = status(events, TODAY)
    frame = shipped()
    brief = briefing.Briefing(
        incidents=frame,
        figures=headline(frame, mandate),
        mandate=mandate,
        events=events,
        state=View(),
        link="http://dash.example/",
        generated_at=datetime(2026, 11, 26, 9, 30, tzinfo=UTC),
        map_view=(49.9925, 36.2311, 11),
        counts=counts,
    )
    page = briefing.render(brief, asset_text=read_asset)
    section = page[page.index('<div id="official-counts">') : page.index("<h2>Evidence")]
    text = html.unescape(re.sub(r"<[^>]+>", " ", section))
    assert "≥ 24 launched 2023-12-30 to 2024-02-07, Prosecutor General Kostin" in text
    assert "December 2024" in text
    assert "2024-12-01" not in text
    assert "not incidents" in text
    assert 'href="https://kyivindependent.com/reuters-half-of-north-korean-missiles-' in section
    hostile_page = briefing.render(replace(brief, counts=hostile_counts), asset_text=read_asset)
    assert (
        "<script>alert"
        not in hostile_page.split('<div id="official-counts">')[1].split("<h2>Evidence")[0]
    )


def test_the_briefing_speaks_ukrainian() -> None:
    with use("uk"):
        page = make(shipped(), View(Filters(q="Харків")))
    assert '<html lang="uk">' in page
    assert "<h1>Удари ракетами з КНДР по Україні — і хто досі стежить</h1>" in page  # noqa: RUF001
    assert "Довідку створено 2026-11-26T09:30:00Z · дані поточні" in page
    for heading in (
        "Застосовані фільтри",
        "Карта",
        f"Інциденти ({len(shipped())})",
        "Що нарахували посадовці",
        "Докази",
        "Група експертів ООН (Комітет 1718)",  # noqa: RUF001
    ):
        assert f"<h2>{heading}</h2>" in page
    assert "<li>Пошук: Харків</li>" in page
    assert "<li>Від: будь-які</li>" in page
    assert "Жоден інцидент у вибірці не має експертизи уламків." in page  # noqa: RUF001
    for english in ("Filters used", "What officials have counted", "Incidents in view", "Grade"):
        assert english not in page.split("<iframe")[0] + page.split("</iframe>")[1]


def test_the_filters_are_named_in_the_briefings_language() -> None:
    """Status, weapon class, district and layer as the page names them, not as links code them."""
    chosen = Filters(
        statuses=("disputed",),
        weapons=("Hwasong-11A (KN-23)",),
        districts=("Slobidskyi", "(no district)"),
    )
    with use("uk"):
        lines = dict(briefing.filter_lines(View(filters=chosen, layer="heat")))
    assert lines["Статус атрибуції"] == "оскаржено"
    assert lines["Зброя"] == "Хвасон-11А (KN-23)"  # noqa: RUF001
    assert lines["Район"] == "Слобідський, (район не вказано)"
    assert lines["Шар карти"] == "теплова"
