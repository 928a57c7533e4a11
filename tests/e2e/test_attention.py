"""What the analyst clicks stays where they look, on a desk (1440x900) and a phone (390x844):
a real mouse click on a marker with the map partly below the window's edge selects it and the
page does not move; markers sharing a place spread apart at the deepest zoom, each reachable;
selecting a region-precision incident shows its whole uncertainty circle; a popup opened at the
oblast's zoom is never cut by the map's edge or its controls; a marker click opens the record in
view, Close brings the map back, and the marker opens it again; the first screen holds the
figures and the map, the table the casualties; a context incident opens from its marker, its
long place whole; and a new analyst's first five minutes need no scrolling. Screenshots of each
are kept in the test's tmp folder."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Frame, Locator, Page, expect

from dashboard.core.csvio import Limits
from dashboard.core.mapping import ACLED_COLUMNS
from dashboard.imports import commit, open_store, prepare
from tests.conftest import TODAY
from tests.e2e.conftest import (
    RunningApp,
    download_of,
    map_frame,
    map_still,
    run_of,
    start_app,
    stop_app,
    wait_idle,
    watch_runs,
)
from tests.e2e.test_map_story import LAYER, MARKER, RECTS, inside, overlaps, settled
from tests.helpers import csv_text
from tests.test_acled import ACLED_ROW

KHARKIV = "UA-KHA-20240102"
#: Two incidents at one coordinate (Kharkiv's centre); the second is region-precision (25 km).
SHARED = ("UA-KHA-20240106", "UA-KHA-20240207")
SIZES = {"desk": (1440, 900), "phone": (390, 844)}
#: The page's scrolling box (Streamlit scrolls its main section, not the window) and its offset.
SCROLLER = """() => {
    let el = document.querySelector("iframe[title*='st_folium']");
    while (el && !(el.scrollHeight > el.clientHeight + 1
                   && /(auto|scroll)/.test(getComputedStyle(el).overflowY))) {
        el = el.parentElement;
    }
    return el ? el.scrollTop : window.scrollY;
}"""
SCROLL_BY = """(dy) => {
    let el = document.querySelector("iframe[title*='st_folium']");
    while (el && !(el.scrollHeight > el.clientHeight + 1
                   && /(auto|scroll)/.test(getComputedStyle(el).overflowY))) {
        el = el.parentElement;
    }
    if (el) { el.scrollTop += dy; } else { window.scrollBy(0, dy); }
}"""


#: Each headline figure's label: its text, how wide it is drawn and how wide its text is, and
#: where its figure's top lies.
FIGURE_LABELS = """() => [...document.querySelectorAll("[data-testid='stMetricLabel']")].map(e => {
    const text = e.querySelector("[data-testid='stMarkdownContainer']");
    return {label: e.innerText, scroll: text.scrollWidth, client: text.clientWidth,
            top: Math.round(e.closest("[data-testid='stMetric']").getBoundingClientRect().top)};
})"""

#: The labels of the page's buttons and toggles drawn narrower than their text (cut short).
CUT_CONTROLS = """() => [...document.querySelectorAll(
    "[data-testid='stMain'] button [data-testid='stMarkdownContainer'],"
    + " [data-testid='stMain'] [data-testid='stWidgetLabel'] [data-testid='stMarkdownContainer']"
)].filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth).map(e => e.innerText)"""

#: Where an element's top lies in the page (not in the window, which scrolls).
TOP_IN_PAGE = """(selector) => document.querySelector(selector).getBoundingClientRect().top
    + document.querySelector("[data-testid='stMain']").scrollTop + window.scrollY"""

#: The incident table's headers the browser draws in full, without scrolling the table sideways.
VISIBLE_HEADERS = """() => {
    const grid = document.querySelector(".st-key-incident_table [data-testid='stDataFrame']");
    const right = grid.getBoundingClientRect().right;
    return [...grid.querySelectorAll("table[role='grid'] th")]
        .filter(th => th.getBoundingClientRect().right <= right + 1)
        .map(th => th.innerText.trim());
}"""


@pytest.fixture(params=sorted(SIZES))
def sized(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """A page at a desk's or a phone's size (a phone with touch and a mobile viewport)."""
    width, height = SIZES[request.param]
    phone = request.param == "phone"
    context = browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone
    )
    opened = watch_runs(context.new_page())
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.errors = errors  # type: ignore[attr-defined]
    yield opened
    context.close()


def shot(page: Page, tmp_path: Path, name: str) -> None:
    folder = tmp_path / "screenshots"
    folder.mkdir(exist_ok=True)
    size = page.viewport_size or {"width": 0}
    page.screenshot(path=str(folder / f"{name}-{size['width']}.png"))


def where(page: Page, frame: Frame, incident: str) -> dict[str, Any]:
    """Incident ``incident``'s marker as :data:`MARKER` finds it, placed in the page."""
    found: dict[str, Any] = frame.evaluate(MARKER, incident)
    box = page.locator("iframe[title*='st_folium']").bounding_box()
    assert box is not None
    return {**found, "x": box["x"] + found["x"], "y": box["y"] + found["y"]}


def map_top(page: Page) -> float:
    box = page.locator("iframe[title*='st_folium']").bounding_box()
    assert box is not None
    return float(box["y"])


def test_a_real_click_on_a_marker_below_the_fold_selects_it_and_the_page_stays(
    offline_app: RunningApp, sized: Page, tmp_path: Path
) -> None:
    page = sized
    frame = settled(page, offline_app.url + "/?lat=50.017&lon=36.217&zoom=13")
    height = (page.viewport_size or {"height": 0})["height"]
    spot = where(page, frame, KHARKIV)
    # Bring the marker 120 px above the window's bottom edge: the map's frame (560 px high, the
    # marker in its middle) then ends below the edge, as it does on a desk at first.
    page.evaluate(SCROLL_BY, spot["y"] - (height - 120))  # a scroll with no animation
    spot = where(page, frame, KHARKIV)
    box = page.locator("iframe[title*='st_folium']").bounding_box()
    assert box is not None
    assert spot["y"] < height < box["y"] + box["height"], (spot, box)
    scrolled, top = page.evaluate(SCROLLER), map_top(page)
    page.mouse.move(spot["x"], spot["y"])
    page.mouse.down()
    # The press focuses the map; the page must not scroll to show the map's frame whole.
    frame.wait_for_function("() => document.activeElement.classList.contains('leaflet-container')")
    assert page.evaluate(SCROLLER) == scrolled
    assert map_top(page) == top
    page.mouse.up()
    expect(page).to_have_url(re.compile(rf"[?&]incident={KHARKIV}(&|$)"), timeout=30_000)
    wait_idle(page)
    shot(page, tmp_path, "marker-click")
    assert page.errors == []  # type: ignore[attr-defined]


def test_markers_sharing_a_place_spread_apart_and_each_can_be_selected(
    offline_app: RunningApp, sized: Page, tmp_path: Path
) -> None:
    page = sized
    frame = settled(page, offline_app.url + "/?lat=49.9925&lon=36.2311&zoom=16")
    page.locator("iframe[title*='st_folium']").scroll_into_view_if_needed()
    bubble = frame.locator(".incident-cluster", has_text=re.compile(r"^2$"))
    bubble.click()
    frame.wait_for_function(f"() => ({LAYER})._map.getZoom() === ({LAYER})._map.getMaxZoom()")
    # The map reports its new zoom, and the run that follows may move the page under the map:
    # measure where the markers are once it has finished.
    expect(page).to_have_url(re.compile(r"[?&]zoom=18(&|$)"), timeout=30_000)
    wait_idle(page)
    frame.wait_for_function(
        f"() => ({LAYER})._drawn.filter(l => l.options.spreadLeg).length === 2", timeout=30_000
    )
    map_still(frame)
    spots = [where(page, frame, incident) for incident in SHARED]
    assert all(s["point"] for s in spots)
    # Each marker stands apart from the other (and from the place they share), as drawn.
    drawn = frame.evaluate(
        f"""() => ({LAYER})._drawn.filter(l => l.options.incidentIndex !== undefined)
            .map(l => {{ const p = l._map.latLngToContainerPoint(l.getLatLng());
                        return [l.options.incidentIndex, p.x, p.y]; }})"""
    )
    rows = {row: (x, y) for row, x, y in drawn}
    a, b = (rows[s["row"]] for s in spots)
    assert abs(a[0] - b[0]) + abs(a[1] - b[1]) > 30, drawn
    shot(page, tmp_path, "spread")
    box = page.locator("iframe[title*='st_folium']").bounding_box()
    assert box is not None
    second = spots[1]["row"]
    x, y = rows[second]
    page.mouse.click(box["x"] + x, box["y"] + y)
    expect(page).to_have_url(re.compile(rf"[?&]incident={SHARED[1]}(&|$)"), timeout=30_000)
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_region_precision_incident_shows_its_whole_circle(
    offline_app: RunningApp, sized: Page, tmp_path: Path
) -> None:
    page = sized
    frame = settled(page, offline_app.url + f"/?incident={SHARED[1]}")
    frame.wait_for_function(
        f"() => ({LAYER})._map && L.IncidentLayer.instances.some(l => l._drawn.some("
        "c => c.options.circleIndex !== undefined && c.getBounds))",
        timeout=30_000,
    )
    fits = frame.evaluate(
        """() => {
        const circles = L.IncidentLayer.instances.filter(l => l.options.kind === 'circles');
        const ring = circles.flatMap(l => l._drawn)
            .find(c => c.options.circleIndex !== undefined && c.options.weight === 2);
        const map = ring._map, b = ring.getBounds(), size = map.getSize();
        const sw = map.latLngToContainerPoint(b.getSouthWest());
        const ne = map.latLngToContainerPoint(b.getNorthEast());
        return {zoom: map.getZoom(), width: ne.x - sw.x, height: sw.y - ne.y,
                map: [size.x, size.y], inside: map.getBounds().contains(b)};
    }"""
    )
    assert fits["zoom"] < 13, fits
    # The circle is whole in the map on a desk; a phone's narrow map shows most of it.
    shot(page, tmp_path, "region-circle")
    assert fits["height"] <= fits["map"][1], fits
    assert fits["width"] <= max(fits["map"][0], 520) * 1.05, fits


def test_a_popup_at_the_oblast_zoom_is_never_cut(
    offline_app: RunningApp, sized: Page, tmp_path: Path
) -> None:
    page = sized
    frame = settled(page, offline_app.url + "/?lat=50.017&lon=36.217&zoom=11")
    page.locator("iframe[title*='st_folium']").scroll_into_view_if_needed()
    frame.evaluate(
        f"""async (id) => {{
        const layer = {LAYER};
        const row = (await layer.incidentIds()).indexOf(id);
        layer._map.setView(layer._data.latLng(row), 11, {{animate: false}});
    }}""",
        KHARKIV,
    )
    map_still(frame)
    wait_idle(page)
    frame = map_frame(page)
    spot = where(page, frame, KHARKIV)
    page.mouse.click(spot["x"], spot["y"])
    expect(page).to_have_url(re.compile(rf"[?&]incident={KHARKIV}(&|$)"), timeout=30_000)
    wait_idle(page)
    frame = map_frame(page)
    frame.wait_for_function("() => document.querySelector('.incident-popup b')", timeout=30_000)
    map_still(frame)  # the popup has panned the map clear of the edges and controls
    rects = frame.evaluate(RECTS)
    shot(page, tmp_path, "popup")
    (popup,) = rects["popup"]
    assert inside(popup, rects["map"]), rects
    (title,) = rects["title"]
    assert not any(overlaps(title, c) for c in rects["controls"]), rects
    for layers in rects["layers"]:
        assert not overlaps(popup, layers), rects


def test_a_marker_click_opens_the_record_in_view_and_close_returns_the_map(
    offline_app: RunningApp, sized: Page, tmp_path: Path
) -> None:
    page = sized
    height = (page.viewport_size or {"height": 0})["height"]
    frame = settled(page, offline_app.url + "/?lat=50.017&lon=36.217&zoom=13")
    before = frame.evaluate(
        f"() => {{ const m = ({LAYER})._map; return [m.getCenter(), m.getZoom()]; }}"
    )
    spot = where(page, frame, KHARKIV)
    assert 0 < spot["y"] < height  # the map is on the first screen, its marker in sight
    page.mouse.click(spot["x"], spot["y"])
    expect(page).to_have_url(re.compile(rf"[?&]incident={KHARKIV}(&|$)"), timeout=30_000)
    wait_idle(page)
    heading = page.locator(".st-key-incident_record h4").first
    expect(heading).to_contain_text("2024-01-02 · Kharkiv", timeout=30_000)
    box = heading.bounding_box()
    assert box is not None
    # Where the analyst looks, no scrolling: beside the map on a desk, over the page's foot on
    # a phone, the map still in sight above it.
    assert box["y"] >= 0, box
    assert box["y"] + box["height"] <= height, box
    if (page.viewport_size or {"width": 0})["width"] <= 640:  # the map's top above the sheet
        assert map_top(page) < box["y"], box
    shot(page, tmp_path, "record-open")
    page.locator(".st-key-close_record").get_by_role("button", name="Close").click()
    expect(page).not_to_have_url(re.compile(r"incident="), timeout=30_000)
    wait_idle(page)
    expect(page.locator(".st-key-incident_record")).to_have_count(0)
    # The map is back at the zoom and place it was clicked on (give or take the pan that kept
    # the marker's popup clear of the controls), not at the selection's own view.
    frame = map_frame(page)
    frame.wait_for_function(
        f"""([lat, lng, zoom]) => {{ const m = ({LAYER})._map;
            const p = m.latLngToContainerPoint([lat, lng]), size = m.getSize();
            return m.getZoom() === zoom && p.x >= 0 && p.x <= size.x
                && p.y >= 0 && p.y <= size.y; }}""",
        arg=[before[0]["lat"], before[0]["lng"], before[1]],
        timeout=30_000,
    )
    shot(page, tmp_path, "record-closed")
    # The same marker opens the record again, its popup still open from the first click (once
    # the run that the map's report of its move back causes has finished).
    map_still(frame)
    wait_idle(page)
    page.evaluate(SCROLL_BY, where(page, frame, KHARKIV)["y"] - height / 2)
    spot = where(page, frame, KHARKIV)
    page.mouse.click(spot["x"], spot["y"])
    expect(page).to_have_url(re.compile(rf"[?&]incident={KHARKIV}(&|$)"), timeout=30_000)
    assert page.errors == []  # type: ignore[attr-defined]


def test_the_first_screen_shows_the_figures_and_the_map_and_the_table_the_casualties(
    offline_app: RunningApp, sized: Page, tmp_path: Path
) -> None:
    """The figures whole (no label cut short, in one row on a desk, two at most on a phone)
    and a third of the map on the first screen; no control's label cut; the table's first
    columns hold killed and injured; on a desk an expander opening in one column leaves the
    other where it was."""
    page = sized
    size = page.viewport_size or {"width": 0, "height": 0}
    phone = size["width"] <= 640
    settled(page, offline_app.url)
    figures = page.locator(".st-key-headline_figures").bounding_box()
    assert figures is not None
    assert figures["y"] + figures["height"] <= size["height"], figures
    labels = page.evaluate(FIGURE_LABELS)
    assert [label["label"] for label in labels] == [
        "Incidents in view",
        "Confirmed",
        "Killed · injured",
        "UN Panel of Experts",
        "Since expiry",
    ]
    assert [label["label"] for label in labels if label["scroll"] > label["client"]] == []
    assert len({label["top"] for label in labels}) <= (2 if phone else 1)
    assert page.evaluate(CUT_CONTROLS) == []  # nor a button's or a toggle's label
    # At least a third of the map's 560 px on the first screen.
    assert map_top(page) <= size["height"] - 560 / 3, map_top(page)
    shot(page, tmp_path, "first-screen")
    grid = page.locator(".st-key-incident_table [data-testid='stDataFrameResizable']")
    grid.scroll_into_view_if_needed()
    headers = page.locator(".st-key-incident_table table[role='grid'] thead th")
    expect(headers.first).to_be_attached(timeout=30_000)
    shown = page.evaluate(VISIBLE_HEADERS)
    assert "Killed" in shown, shown
    assert "Injured" in shown, shown
    shot(page, tmp_path, "table")
    if not phone:
        table_top = page.evaluate(TOP_IN_PAGE, ".st-key-incident_table")
        page.get_by_text("Mandate timeline, with sources").click()
        wait_idle(page)
        assert page.evaluate(TOP_IN_PAGE, ".st-key-incident_table") == table_top


#: A place as long as sources write them, with a word longer than the record is wide.
LONG_PLACE = (
    "Kamianska-Iziumska-Hromada-Starostynskyi-Okruh-Selyshche, Izium district, Kharkiv oblast"
)


@pytest.fixture(scope="module")
def context_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The shipped data and one ACLED row (context: not DPRK-origin) at Izium, alone there."""
    tmp = tmp_path_factory.mktemp("context")
    url = f"sqlite:///{tmp / 'e2e.sqlite3'}"
    store = open_store(url, today=TODAY)
    row = {
        **ACLED_ROW,
        **{"latitude": "49.2100", "longitude": "37.2500", "admin2": "Iziumskyi"},
        "location": LONG_PLACE,
    }
    data = csv_text([row], columns=ACLED_COLUMNS).encode("utf-8")
    commit(store, prepare(data, "acled.csv", TODAY, limits=Limits()), uploaded_by="test")
    store.dispose()
    running = start_app(tmp, env={"DASHBOARD_TILES": "none", "DASHBOARD_DB_URL": url})
    yield running
    stop_app(running)


def test_a_context_incident_opens_from_its_marker(
    context_app: RunningApp, sized: Page, tmp_path: Path
) -> None:
    page = sized
    frame = settled(page, context_app.url + "/?context=1&lat=49.21&lon=37.25&zoom=12")
    muted = "L.IncidentLayer.instances.find(l => l._map && l.options.muted)"
    frame.wait_for_function(f"() => ({muted}) && ({muted})._drawn.length > 0", timeout=30_000)
    spot: dict[str, float] = frame.evaluate(
        f"""() => {{ const layer = {muted}, map = layer._map;
            const p = map.latLngToContainerPoint(layer._data.latLng(0));
            return {{x: p.x, y: p.y}}; }}"""
    )
    box = page.locator("iframe[title*='st_folium']").bounding_box()
    assert box is not None
    height = (page.viewport_size or {"height": 0})["height"]
    x, y = box["x"] + spot["x"], box["y"] + spot["y"]
    assert 0 < y < height
    page.mouse.click(x, y)
    expect(page).to_have_url(re.compile(r"[?&]incident=UKR12345(&|$)"), timeout=30_000)
    wait_idle(page)
    expect(page.locator(".st-key-incident_panel")).to_contain_text(
        "Context incident (not DPRK-origin)", timeout=30_000
    )
    record = page.locator(".st-key-incident_record")
    expect(record).to_contain_text("UKR12345")
    # A long place is whole in the record, wrapped at its width, never cut.
    expect(record).to_contain_text(LONG_PLACE)
    assert record.evaluate("r => r.scrollWidth <= r.clientWidth"), "the record overflows"
    # Counted nowhere: the figures still count the 8 DPRK-origin incidents.
    expect(page.locator(".st-key-headline_figures")).to_contain_text("8")
    shot(page, tmp_path, "context-record")


def in_window(page: Page, locator: Locator) -> bool:
    """Whether ``locator`` is drawn inside the window as it is now (no scrolling needed)."""
    locator.wait_for(timeout=30_000)
    box = locator.bounding_box()
    size = page.viewport_size or {"width": 0, "height": 0}
    return (
        box is not None
        and 0 <= box["x"] < size["width"]
        and box["y"] >= 0
        and box["y"] + min(box["height"], 40) <= size["height"]
    )


def open_sidebar(page: Page) -> None:
    """Open the sidebar if it is closed (a phone's closes after each change)."""
    opener = page.locator("[data-testid='stExpandSidebarButton']")
    if opener.is_visible():
        opener.click()
    expect(page.locator("[data-testid='stSidebar']")).to_have_attribute("data-collapsed", "false")


def close_sidebar(page: Page) -> None:
    """Close the sidebar if it is open."""
    closer = page.locator("[data-testid='stSidebarCollapseButton'] button")
    if closer.is_visible():
        closer.click()
    expect(page.locator("[data-testid='stSidebar']")).to_have_attribute("data-collapsed", "true")


def search_for(page: Page, text: str) -> None:
    """Type ``text`` into the sidebar's search (opening the sidebar on a phone) and press Enter."""
    open_sidebar(page)
    box = page.get_by_placeholder("place, weapon, source, note…")
    box.fill(text)
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"[?&]q={re.escape(text)}(&|$)"), timeout=30_000)
    wait_idle(page)


def test_a_new_analysts_first_five_minutes_need_no_scrolling(
    offline_app: RunningApp, sized: Page, tmp_path: Path
) -> None:
    """Open, click a marker, read its record and sources, search, filter to nothing (a month
    typed into "From", applied on Enter), open the briefing: each time, what the click brought
    is in the window, unscrolled (the briefing button is under the map: the page stays put
    while it downloads)."""
    page = sized
    frame = settled(page, offline_app.url + "/?lat=50.017&lon=36.217&zoom=13")
    spot = where(page, frame, KHARKIV)
    page.mouse.click(spot["x"], spot["y"])
    record = page.locator(".st-key-incident_record")
    expect(record.locator("h4").first).to_contain_text("2024-01-02 · Kharkiv", timeout=30_000)
    assert in_window(page, record.locator("h4").first)
    # Its sources are in the record: a link, whole, in the record's own box.
    source = record.locator("a[href^='https://']").first
    expect(source).to_be_visible()
    shot(page, tmp_path, "journey-record")
    # A search says where it matched, by the search box.
    search_for(page, "Kyiv")
    # On a desk under the search box; on a phone, whose sidebar closes once the search is sent,
    # under the figures.
    phone = (page.viewport_size or {"width": 0})["width"] <= 640
    where_found = ".st-key-search_found" if phone else "[data-testid='stSidebar']"
    found = page.locator(f"{where_found} [data-testid='stCaptionContainer']", has_text="Found in")
    shot(page, tmp_path, "journey-search")
    assert in_window(page, found)
    # A month typed into "From" applies on Enter; leaving nothing, the page says so where the
    # figures were.
    open_sidebar(page)
    since = page.locator(".st-key-from input")
    since.fill("2025-06")
    since.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]from=2025-06-01(&|$)"), timeout=30_000)
    wait_idle(page)
    if phone:  # the sidebar may still cover the page: close it
        close_sidebar(page)
    empty = page.locator(".st-key-empty_view")
    expect(empty).to_be_visible(timeout=30_000)
    assert in_window(page, empty)
    shot(page, tmp_path, "journey-nothing")
    # Back to every incident, and the briefing: found under the map, it downloads, and the page
    # stays where it was.
    open_sidebar(page)
    run_of(page, lambda: page.locator(".st-key-clear_all button:visible").first.click())
    if phone:  # a phone's sidebar covers the page
        close_sidebar(page)
    map_still(map_frame(page))  # the map has moved back to every incident and reported it
    wait_idle(page)
    briefing = page.get_by_role("button", name="Download briefing")
    briefing.scroll_into_view_if_needed()
    before = briefing.bounding_box()
    download = download_of(page, briefing)  # the server writes it on the click
    assert in_window(page, briefing)
    assert briefing.bounding_box() == before
    assert download.suggested_filename.startswith("briefing-")
    assert page.errors == []  # type: ignore[attr-defined]
