"""The map and the page tell one story, in Chromium with no internet: a marker click selects its
incident (record, table row, URL), the selection is ringed on the map (a link's too), examined
incidents carry their mark and popups their source count, the map fits a filtered Kyiv view,
popups and tooltips stay inside the map, the heat map has its own legend, and a phone's map
folds its controls."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, Frame, Page, expect

from dashboard.core.evidence import annotate
from dashboard.imports import open_store
from tests.conftest import TODAY
from tests.e2e.conftest import (
    RunningApp,
    map_frame,
    map_still,
    settled_map,
    wait_idle,
    watch_runs,
)

KHARKIV = "UA-KHA-20240102"  # examined by CAR; several sources
KYIV = "UA-KYI-20240102"  # the only incident in the Solomianskyi district
#: The counted incidents' markers layer on the map now.
LAYER = (
    "L.IncidentLayer.instances.find(l => l._map && l.options.kind === 'markers'"
    " && !l.options.muted)"
)
#: Where incident ``id``'s marker is in the map's frame, its payload row and what is drawn for
#: it: the marker, the examined mark, the selection ring.
MARKER = f"""async (id) => {{
    const layer = {LAYER};
    const row = (await layer.incidentIds()).indexOf(id);
    const map = layer._map;
    const latlng = layer._data.latLng(row);
    const p = map.latLngToContainerPoint(latlng);
    const box = map.getContainer().getBoundingClientRect();
    const drawn = layer._drawn;
    return {{
        row, x: box.left + p.x, y: box.top + p.y,
        inView: map.getBounds().contains(latlng),
        point: drawn.some(l => l.options.incidentIndex === row),
        mark: drawn.some(l => l.options.examinedIndex === row),
        ringed: drawn.some(l => l.options.selectedRing
            && l.getLatLng().equals(latlng)),
        selected: layer.options.selected,
    }};
}}"""
#: The page rectangles of the map, its open popup and tooltip and its controls.
RECTS = """() => {
    const rect = el => { const r = el.getBoundingClientRect();
        return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
    const all = sel => [...document.querySelectorAll(sel)].map(rect);
    return {
        map: rect(document.querySelector('.leaflet-container')),
        popup: all('.leaflet-popup'), tooltip: all('.leaflet-tooltip'),
        title: all('.incident-popup h4'), layers: all('.leaflet-control-layers'),
        legend: all('.incident-legend'),
        controls: all('.leaflet-control').filter(r => r.right > r.left),
    };
}"""


def settled(page: Page, url: str) -> Frame:
    """Open ``url`` and wait until the map has drawn its incidents and reported its view."""
    page.goto(url)
    wait_idle(page)
    frame = settled_map(page)
    frame.wait_for_function(
        "() => window.L && L.IncidentLayer && L.IncidentLayer.instances.some(l => l._data)"
    )
    return frame


def marker(page: Page, frame: Frame, incident: str) -> dict[str, Any]:
    """What :data:`MARKER` finds, with the marker's place in the page (not the frame)."""
    found: dict[str, Any] = frame.evaluate(MARKER, incident)
    box = page.locator("iframe[title*='st_folium']").bounding_box()
    assert box is not None
    return {**found, "x": box["x"] + found["x"], "y": box["y"] + found["y"]}


def inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        inner["left"] >= outer["left"]
        and inner["top"] >= outer["top"]
        and inner["right"] <= outer["right"]
        and inner["bottom"] <= outer["bottom"]
    )


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


def test_a_marker_click_selects_its_incident_everywhere(
    offline_app: RunningApp, page: Page
) -> None:
    """An examined incident's marker carries its mark; a click selects it (record, table row,
    URL, a ring that stays through a pan) and its popup counts its sources."""
    store = open_store(offline_app.db_url, today=TODAY)
    try:
        annotated = annotate(store.incidents(), store.evidence()).set_index("incident_id")
    finally:
        store.dispose()
    assert annotated.loc[KHARKIV, "examined"]
    sources = int(annotated.loc[KHARKIV, "source_count"])
    assert sources > 1
    frame = settled(page, offline_app.url + "/?lat=50.017&lon=36.217&zoom=13")
    before = marker(page, frame, KHARKIV)
    assert before["point"]
    assert not before["ringed"]
    assert before["mark"]
    mark = frame.locator(".leaflet-marker-icon.incident-examined").first.bounding_box()
    assert mark is not None
    # The mark sits at the marker's upper right, visibly (boxes are in the page's pixels).
    dx = mark["x"] + mark["width"] / 2 - before["x"]
    dy = mark["y"] + mark["height"] / 2 - before["y"]
    assert 0 < dx < 16, dx
    assert -16 < dy < 0, dy
    # An incident no one examined has none.
    assert not annotated.loc["UA-KHA-20240106", "examined"]
    assert not frame.evaluate(MARKER, "UA-KHA-20240106")["mark"]
    page.mouse.click(before["x"], before["y"])
    expect(page).to_have_url(re.compile(rf"[?&]incident={KHARKIV}(&|$)"), timeout=20_000)
    wait_idle(page)
    record = page.locator(".st-key-incident_record")
    expect(record).to_contain_text("2024-01-02 · Kharkiv", timeout=20_000)
    selected = page.locator(".st-key-incident_table [role='row'][aria-selected='true']")
    expect(selected).to_have_count(1)
    # The grid puts only the cells in its viewport in the page: the lead columns (date, place,
    # status, killed), not the district further right. The day and place name this incident.
    expect(selected.locator("td")).to_contain_text(["2024-01-02", "Kharkiv", "3", "confirmed"])
    frame = map_frame(page)
    frame.wait_for_function(f"() => ({LAYER}) && ({LAYER}).options.selected === {before['row']}")
    frame.wait_for_function(f"() => ({LAYER})._drawn.some(l => l.options.selectedRing)")
    after = marker(page, frame, KHARKIV)
    assert after["ringed"]
    assert after["point"]
    assert after["inView"]
    # Its popup counts its sources and says its debris was examined, as the legend explains.
    page.mouse.click(after["x"], after["y"])
    popup = frame.locator(".incident-popup")
    expect(popup).to_contain_text(f"Sources: {sources}")
    expect(popup).to_contain_text("Debris: examined")
    expect(frame.locator(".incident-legend")).to_contain_text("Debris examined")
    # The ring stays through a pan.
    frame.evaluate(f"() => ({LAYER})._map.panBy([40, 30], {{animate: false}})")
    assert marker(page, frame, KHARKIV)["ringed"]
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_cluster_click_selects_nothing(offline_app: RunningApp, page: Page) -> None:
    frame = settled(page, offline_app.url)
    # The markers' legend, not the heat map's (see the next test).
    expect(frame.locator(".legend-status")).to_be_visible()
    expect(frame.locator(".legend-heat")).to_be_hidden()
    bubble = frame.locator(".incident-cluster").first
    zoom = frame.evaluate(f"() => ({LAYER})._map.getZoom()")
    bubble.click()
    frame.wait_for_function(f"() => ({LAYER})._map.getZoom() > {zoom}")
    map_still(frame)
    # The map reports its new view (and would report a selection with it): its run has written
    # the zoom into the address.
    zoomed = frame.evaluate(f"() => ({LAYER})._map.getZoom()")
    expect(page).to_have_url(re.compile(rf"[?&]zoom={zoomed}(&|$)"), timeout=20_000)
    wait_idle(page)
    assert "incident=" not in page.url
    assert page.locator(".st-key-incident_record").count() == 0


def test_the_map_fits_a_filtered_kyiv_view(offline_app: RunningApp, page: Page) -> None:
    frame = settled(page, offline_app.url + "/?district=Solomianskyi")
    kyiv = marker(page, frame, KYIV)
    assert kyiv["inView"]
    assert frame.evaluate(f"() => ({LAYER}).size()") == 1
    assert "The 1 incident in view is on the map." in page.inner_text("body")


def test_popups_and_tooltips_stay_inside_the_map(offline_app: RunningApp, page: Page) -> None:
    # Selected already (by the link), so that the click below only opens the popup (no new
    # view); the map rings the selection from the start.
    frame = settled(page, offline_app.url + f"/?incident={KHARKIV}")
    frame.wait_for_function(f"() => ({LAYER})._drawn.some(l => l.options.selectedRing)")
    shown = marker(page, frame, KHARKIV)
    assert shown["ringed"]
    assert shown["inView"]
    assert shown["selected"] == shown["row"]
    # Move the marker just below the layer control (top right), where its popup, opening
    # upwards, would reach under the control, and its tooltip past the map's right edge.
    frame.evaluate(
        f"""async (id) => {{
        const layer = {LAYER};
        const map = layer._map;
        const row = (await layer.incidentIds()).indexOf(id);
        const p = map.latLngToContainerPoint(layer._data.latLng(row));
        const box = map.getContainer().getBoundingClientRect();
        const control = document.querySelector('.leaflet-control-layers')
            .getBoundingClientRect();
        const size = map.getSize();
        map.panBy([p.x - (size.x - 30), p.y - (control.bottom - box.top + 25)],
                  {{animate: false}});
    }}""",
        KHARKIV,
    )
    map_still(frame)
    spot = marker(page, frame, KHARKIV)
    page.mouse.move(spot["x"], spot["y"])
    frame.wait_for_selector(".leaflet-tooltip")
    rects = frame.evaluate(RECTS)
    (tooltip,) = rects["tooltip"]
    assert inside(tooltip, rects["map"]), rects
    page.mouse.click(spot["x"], spot["y"])
    frame.wait_for_function("() => document.querySelector('.incident-popup b')")
    map_still(frame)  # the popup has panned the map clear of the edges and controls
    rects = frame.evaluate(RECTS)
    (popup,) = rects["popup"]
    assert inside(popup, rects["map"]), rects
    (layers,) = rects["layers"]
    assert not overlaps(popup, layers), rects
    (legend,) = rects["legend"]  # hidden while the popup would lie under it
    assert not overlaps(popup, legend), rects
    (title,) = rects["title"]
    assert not any(overlaps(title, c) for c in rects["controls"]), rects


def test_the_heat_map_has_its_own_legend(offline_app: RunningApp, page: Page) -> None:
    frame = settled(page, offline_app.url + "/?layer=heat")
    expect(frame.locator(".legend-heat")).to_be_visible()
    expect(frame.locator(".legend-heat")).to_contain_text("incidents per area")
    expect(frame.locator(".legend-status")).to_be_hidden()


def test_a_phone_folds_the_layer_control_and_the_legend(
    offline_app: RunningApp, browser: Browser
) -> None:
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = watch_runs(phone.new_page())
        frame = settled(page, offline_app.url)
        assert frame.locator(".leaflet-control-layers").count() == 1
        assert frame.locator(".leaflet-control-layers-expanded").count() == 0
        body = frame.locator(".incident-legend-body")
        expect(body).to_be_hidden()
        frame.locator(".incident-legend-toggle").click()
        expect(body).to_be_visible()
    finally:
        phone.close()
