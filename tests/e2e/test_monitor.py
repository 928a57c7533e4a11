"""The monitoring view in Chromium with no internet: the map draws, its popup holds the facts, rows
select. (A record carrying HTML and script is text on this map, as everywhere:
tests/e2e/test_upload_payload.py.)"""

from __future__ import annotations

from urllib.parse import urlparse

from playwright.sync_api import Frame, Page

from dashboard.core.schema import PRECISION_RADIUS_M
from dashboard.core.view import circle_zoom
from tests.e2e.conftest import (
    RunningApp,
    map_frame,
    select_first_row,
    settled_map,
    wait_idle,
)

# Counts the incidents held by the incident layer(s) on the map, clustered or not.
COUNT_MARKERS = """() => !window.L || !L.IncidentLayer ? 0 : L.IncidentLayer.instances
    .filter(l => l._map && l.options.kind === 'markers')
    .reduce((n, l) => n + l.size(), 0)"""

# Opens the popup of one incident (the layer centres the map on it at full zoom, where every
# incident is its own marker) and returns what its popup and tooltip show, once the popup holds
# the details fetched on opening it.
OPEN_POPUP = """(id) => {
    const layer = L.IncidentLayer.instances.find(l => l._map && l.options.kind === 'markers');
    return layer.openIncident(id).then(marker => {
        const popup = document.querySelector('.leaflet-popup-content');
        const tooltip = marker.getTooltip()._content(marker);
        return {popup: popup.innerText, tooltip: tooltip.textContent};
    });
}"""


def open_view(page: Page, app: RunningApp) -> Frame:
    page.goto(app.url)
    frame = settled_map(page)
    frame.wait_for_function(f"({COUNT_MARKERS})() > 0", timeout=30_000)
    return frame


MAP_CENTRE = """() => {
    let centre = null;
    (window.feature_group || []).forEach(g => {
        if (g._map) { const c = g._map.getCenter(); centre = [c.lat, c.lng, g._map.getZoom()]; }
    });
    return centre;
}"""


def test_the_monitor_offline_map_popup_and_a_selected_row(page: Page, app: RunningApp) -> None:
    """One analyst's visit: the map draws the shipped incidents with nothing fetched from
    elsewhere but tiles, the Kharkiv popup carries the facts, and selecting a row opens its
    record and centres the map on it."""
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    frame = open_view(page, app)
    assert frame.evaluate(COUNT_MARKERS) == 8
    assert frame.locator(".leaflet-control-scale").count() == 1
    assert frame.locator(".leaflet-control-zoom-fullscreen").count() == 1
    assert frame.locator(".incident-legend").inner_text().startswith("Attribution")
    foreign = {
        urlparse(u).hostname for u in requests if urlparse(u).hostname not in ("127.0.0.1", None)
    }
    assert foreign <= {"tile.openstreetmap.org"}, foreign  # tiles only: every script is local

    shown = frame.evaluate(OPEN_POPUP, "UA-KHA-20240102")
    assert "2024-01-02 · Kharkiv (Shevchenkivskyi)" in shown["popup"]
    assert "Hwasong-11 series (KN-23/KN-24)" in shown["popup"]
    assert "3 killed, 64 injured" in shown["popup"]
    assert "Confirmed by an independent monitor" in shown["popup"]
    assert shown["tooltip"] == "2024-01-02 · Hwasong-11 series (KN-23/KN-24) · confirmed"

    page.get_by_placeholder("place, weapon, source, note…").fill("Shevchenkivskyi")
    page.keyboard.press("Enter")
    wait_idle(page)
    select_first_row(page)
    text = page.locator(".st-key-incident_record").inner_text()
    assert "2024-01-02 · Kharkiv" in text
    assert "UN Panel of Experts (report to the 1718 Committee, 2024-04-25;" in text
    frame = map_frame(page)
    # Zoomed to show its 5 km uncertainty circle whole.
    zoom = circle_zoom(50.017, PRECISION_RADIUS_M[2])
    frame.wait_for_function(f"({MAP_CENTRE})()[2] === {zoom}", timeout=15_000)
    lat, lon, _ = frame.evaluate(MAP_CENTRE)
    assert (round(lat, 3), round(lon, 3)) == (50.017, 36.217)
    assert not page.errors  # type: ignore[attr-defined]
