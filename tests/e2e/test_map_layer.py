"""The incident layer's script in Chromium, on self-contained pages (no app): clusters in view,
server bins, uncertainty circles and the heat map, drawn from the payload."""

from __future__ import annotations

import numpy as np
import pandas as pd
from playwright.sync_api import Page

from dashboard.assets import inline_assets
from dashboard.core.mapassets import INLINE_PREFIX, AssetUrls
from dashboard.core.maps import base_map, context_layer, data_layers, standalone_map
from dashboard.core.payload import encode_payload
from dashboard.core.records import incidents_frame

ASSETS = AssetUrls(INLINE_PREFIX)
#: What the markers layer draws now: cluster bubbles (their counts) and single incidents.
DRAWN = """() => {
    const layer = L.IncidentLayer.instances.find(l => l._map && l.options.kind === 'markers');
    const bubbles = [...document.querySelectorAll('.incident-cluster')].map(e => e.textContent);
    const points = layer._drawn.filter(l => l.options.incidentIndex !== undefined).length;
    return {bubbles, points, zoom: layer._map.getZoom()};
}"""


def incidents(n: int, precision: int = 1, spread: float = 1.0) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    lat = 50.0 + rng.uniform(-0.05, 0.05, n) * spread
    lon = 36.25 + rng.uniform(-0.1, 0.1, n) * spread
    return incidents_frame(
        {
            "incident_id": f"I{i}",
            "date": "2024-01-02",
            "location": "Village",
            "latitude": float(lat),
            "longitude": float(lon),
            "geo_precision": precision,
            "weapon": "KN-23",
            "attribution_status": "confirmed",
        }
        for i, (lat, lon) in enumerate(zip(lat, lon, strict=True))
    )


def show(page: Page, document: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_content(inline_assets(document))
    page.wait_for_function(
        "() => window.L && L.IncidentLayer && L.IncidentLayer.instances.length"
        " && L.IncidentLayer.instances.every(l => l._data)"
    )
    assert errors == []


def test_clusters_hold_every_incident_in_view_in_a_neutral_colour(page: Page) -> None:
    show(page, standalone_map(incidents(3000), ASSETS, tiles=None).get_root().render())
    drawn = page.evaluate(DRAWN)
    assert drawn["bubbles"]
    assert sum(int(b) for b in drawn["bubbles"]) + drawn["points"] == 3000
    border = page.locator(".incident-cluster").first.evaluate(
        "e => getComputedStyle(e).borderColor"
    )
    assert border == "rgb(55, 71, 79)"  # none of the attribution colours
    page.locator(".incident-cluster").first.click()
    page.wait_for_function(f"({DRAWN})().zoom > {drawn['zoom']}")


def test_server_bins_draw_as_bubbles_and_heat(page: Page) -> None:
    bins = [[50.0, 36.2, 1234], [50.05, 36.3, 5]]
    for layer in ("markers", "heat"):
        fmap = base_map(ASSETS, tiles=None)
        for group in data_layers({"bins": bins}, layer):
            group.add_to(fmap)
        show(page, fmap.get_root().render())
        if layer == "markers":
            assert sorted(page.evaluate(DRAWN)["bubbles"]) == ["1234", "5"]
        else:
            assert page.locator("canvas.leaflet-heatmap-layer").count() == 1


def test_uncertainty_circles_only_for_approximate_places(page: Page) -> None:
    circles = """() => L.IncidentLayer.instances.find(l => l.options.kind === 'circles')
        ._drawn.map(c => c.getRadius())"""
    show(page, standalone_map(incidents(20, precision=2), ASSETS, tiles=None).get_root().render())
    assert page.evaluate(circles) == [5000] * 20
    show(page, standalone_map(incidents(20, precision=1), ASSETS, tiles=None).get_root().render())
    assert page.evaluate(circles) == []


CIRCLES = """() => L.IncidentLayer.instances.find(l => l.options.kind === 'circles')
    ._drawn.map(c => [c.options.circleIndex, c.options.weight])"""


def selected_map(frame: pd.DataFrame, selected: int | None) -> str:
    fmap = base_map(ASSETS, tiles=None)
    for group in data_layers(encode_payload(frame).inline_source(), "markers", selected):
        group.add_to(fmap)
    return str(fmap.get_root().render())


def test_a_busy_map_draws_only_the_selected_uncertainty_circle(page: Page) -> None:
    # 25 km circles at zoom 11 are wider than the map: two would cover it twice over.
    busy = incidents(40, precision=3)
    show(page, selected_map(busy, selected=None))
    assert page.evaluate(CIRCLES) == []
    show(page, selected_map(busy, selected=5))
    assert page.evaluate(CIRCLES) == [[5, 2]]  # the selected one, drawn stronger
    # Zoomed out, the same circles leave most of the map clear: all are drawn, faint.
    page.evaluate(
        "() => L.IncidentLayer.instances[0]._map.setView([50, 36.25], 6, {animate: false})"
    )
    drawn = page.evaluate(CIRCLES)
    assert sorted(i for i, _ in drawn) == list(range(40))
    assert {w for i, w in drawn if i != 5} == {1}


def test_the_selected_incident_is_ringed_even_inside_a_cluster(page: Page) -> None:
    show(page, selected_map(incidents(300), selected=17))
    ringed = page.evaluate(
        """() => {
        const layer = L.IncidentLayer.instances.find(l => l.options.kind === 'markers');
        const ring = layer._drawn.filter(l => l.options.selectedRing);
        return {
            rings: ring.length,
            at: ring.every(l => l.getLatLng().equals(layer._data.latLng(17))),
            point: layer._drawn.some(l => l.options.incidentIndex === 17),
            bubbles: layer._drawn.filter(l => l.options.icon).length,
        };
    }"""
    )
    assert ringed == {"rings": 2, "at": True, "point": True, "bubbles": ringed["bubbles"]}
    assert ringed["bubbles"] > 0  # the others are clustered


def test_a_marker_click_reports_only_its_row_and_payload(page: Page) -> None:
    """What st_folium reads from the click (its tooltip text) is the row and the payload file
    name: a served payload's, never a data string; a cluster reports none, a context marker its
    own (a context incident opens too)."""
    fmap = base_map(ASSETS, tiles=None)
    url = "http://dashboard.test/app/static/payload/" + "ab" * 16 + ".bin"
    for group in data_layers({"url": url}, "markers"):
        group.add_to(fmap)
    context_layer({"url": url}).add_to(fmap)
    served = encode_payload(incidents(3)).data
    page.route(url, lambda route: route.fulfill(body=served))
    show(page, fmap.get_root().render())
    reported = page.evaluate(
        """() => {
        const seen = [];
        const layers = L.IncidentLayer.instances.filter(l => l.options.kind === 'markers');
        layers.forEach(l => l.on('click', e => seen.push(
            e.sourceTarget.getTooltip().getContent())));
        const map = layers[0]._map;
        map.setView([50, 36.25], 5, {animate: false});  // one cluster of all three
        layers.forEach(l => l._drawn.forEach(d => d.fire('click', {latlng: d.getLatLng()})));
        map.setView(layers[0]._data.latLng(1), 18, {animate: false});
        layers.forEach(l => l._drawn.filter(d => d.options.incidentIndex === 1)
            .forEach(d => d.fire('click', {latlng: d.getLatLng()})));
        return seen;
    }"""
    )
    assert reported == ["1@" + "ab" * 16 + ".bin"] * 2  # the counted marker's, the context one's


def test_an_examined_incident_carries_its_mark(page: Page) -> None:
    three = incidents(3, spread=5).assign(
        examined=[False, True, False], source_count=pd.array([1, 4, 0], dtype="Int64")
    )
    show(page, selected_map(three, selected=None))
    marks = page.evaluate(
        """() => L.IncidentLayer.instances.find(l => l.options.kind === 'markers')._drawn
        .filter(l => l.options.examinedIndex !== undefined).map(l => l.options.examinedIndex)"""
    )
    assert marks == [1]
    assert page.locator(".leaflet-marker-icon.incident-examined").count() == 1


def test_a_tooltip_near_the_edge_opens_towards_the_map(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 600})
    show(page, selected_map(incidents(3, spread=5), selected=None))
    rects = page.evaluate(
        """() => {
        const layer = L.IncidentLayer.instances.find(l => l.options.kind === 'markers');
        const map = layer._map, size = map.getSize(), out = [];
        for (const [x, y] of [[size.x - 12, size.y / 2], [12, size.y / 2], [size.x / 2, 12]]) {
            map.setView(layer._data.latLng(0), 14, {animate: false});
            map.panBy(map.latLngToContainerPoint(layer._data.latLng(0)).subtract([x, y]),
                      {animate: false});
            const m = layer._drawn.find(l => l.options.incidentIndex === 0);
            m.openTooltip();
            const r = m.getTooltip().getElement().getBoundingClientRect();
            out.push([r.left, r.top, r.right, r.bottom, m.getTooltip().options.direction]);
            m.closeTooltip();
        }
        return {out, width: size.x, height: size.y};
    }"""
    )
    for left, top, right, bottom, _ in rects["out"]:
        assert min(left, top) >= 0, rects
        assert right <= rects["width"], rects
        assert bottom <= rects["height"], rects


def test_a_layer_switched_off_draws_nothing_and_comes_back(page: Page) -> None:
    show(page, standalone_map(incidents(300), ASSETS, tiles=None).get_root().render())
    off = page.evaluate(
        """() => {
        const layer = L.IncidentLayer.instances.find(l => l.options.kind === 'markers');
        const map = layer._map;
        let group = null;
        map.eachLayer(v => {
            if (v instanceof L.FeatureGroup && v.hasLayer(layer)) { group = v; }
        });
        map.removeLayer(group);
        const off = {
            drawn: layer._drawn.length,
            listed: L.IncidentLayer.instances.includes(layer),
            bubbles: document.querySelectorAll('.incident-cluster').length,
        };
        window.__group = group;
        window.__map = map;
        return off;
    }"""
    )
    assert off == {"drawn": 0, "listed": False, "bubbles": 0}
    page.evaluate("() => window.__group.addTo(window.__map)")
    page.wait_for_function("() => document.querySelectorAll('.incident-cluster').length > 0")


def test_the_context_layer_draws_faint_and_grey_beside_the_counted_one(page: Page) -> None:
    fmap = base_map(ASSETS, tiles=None)
    counted = incidents(3)
    for group in data_layers(encode_payload(counted).inline_source(), "markers"):
        group.add_to(fmap)
    context_layer(encode_payload(incidents(200)).inline_source()).add_to(fmap)
    show(page, fmap.get_root().render())
    drawn = page.evaluate(
        """() => L.IncidentLayer.instances.filter(l => l.options.kind === 'markers').map(l => ({
            muted: l.options.muted,
            fills: [...new Set(l._drawn.filter(d => d.options.incidentIndex !== undefined)
                .map(d => d.options.fillColor))],
            bubbles: l._drawn.filter(d => d.options.icon)
                .map(d => d.options.icon.options.className),
        }))"""
    )
    counted_layer, context = sorted(drawn, key=lambda d: d["muted"])
    assert counted_layer["fills"] == ["#b2182b"]  # confirmed, the status colour
    assert context["muted"] is True
    assert context["fills"] in ([], ["#d9d9d9"])  # grey whatever the status, where unclustered
    assert context["bubbles"]
    assert set(context["bubbles"]) == {"incident-cluster context-cluster"}
    border = page.locator(".context-cluster").first.evaluate("e => getComputedStyle(e).borderStyle")
    assert border == "dashed"
    # Context is drawn under the counted incidents: its panes lie below Leaflet's own.
    depth = page.evaluate(
        """() => [...document.querySelectorAll('.context-cluster')].map(e => Number(
            getComputedStyle(e.parentElement).zIndex)).concat(
            [Number(getComputedStyle(document.querySelector('.leaflet-marker-pane')).zIndex)])"""
    )
    assert max(depth[:-1]) < depth[-1], depth


def test_a_popup_says_the_month_the_outcome_and_unknown_casualties(page: Page) -> None:
    """The popup and tooltip show the date as the server wrote it ("September 2024", never the
    stored first day), the outcome, and "not reported" for an unknown count; the marker of an
    interception is an empty ring."""
    three = incidents(3, spread=5).assign(
        incident_id=["DAY", "MONTH", "DEBRIS"],
        date=pd.to_datetime(["2024-08-11", "2024-09-01", "2024-08-20"]).astype("datetime64[s]"),
        date_precision=["day", "month", "day"],
        outcome=["impact", "shot down", "debris"],
        killed=pd.array([2, None, 1], dtype="Int64"),
    )
    show(page, selected_map(three, selected=None))
    shown = page.evaluate(
        """() => {
        const layer = L.IncidentLayer.instances.find(l => l.options.kind === 'markers');
        return layer.openIncident('MONTH').then(m => ({
            popup: m.getPopup().getElement().innerText,
            tooltip: m.getTooltip().getElement().innerText,
            fill: m.options.fillColor,
        }));
    }"""
    )
    assert shown["tooltip"] == "September 2024 · KN-23 · confirmed · shot down"
    assert shown["popup"].startswith("September 2024 · Village")
    assert "2024-09-01" not in shown["popup"]
    assert "Outcome: Shot down: intercepted, no damage reported" in shown["popup"]
    assert "Casualties: not reported" in shown["popup"]
    assert shown["fill"] == "#ffffff"
