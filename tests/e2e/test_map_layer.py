"""The incident layer's script in Chromium, on self-contained pages (no app): clusters in view,
server bins, uncertainty circles and the heat map, drawn from the payload."""

from __future__ import annotations

import numpy as np
import pandas as pd
from playwright.sync_api import Page

from dashboard.assets import inline_assets
from dashboard.core.mapassets import INLINE_PREFIX, AssetUrls
from dashboard.core.maps import (
    base_map,
    context_layer,
    data_layers,
    encode_payload,
    standalone_map,
)
from dashboard.core.records import incidents_frame

ASSETS = AssetUrls(INLINE_PREFIX)
#: What the markers layer draws now: cluster bubbles (their counts) and single incidents.
DRAWN = """() => {
    const layer = L.IncidentLayer.instances.find(l => l._map && l.options.kind === 'markers');
    const bubbles = [...document.querySelectorAll('.incident-cluster')].map(e => e.textContent);
    const points = layer._drawn.filter(l => l.options.incidentIndex !== undefined).length;
    return {bubbles, points, zoom: layer._map.getZoom()};
}"""


def incidents(n: int, precision: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(3)
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
        for i, (lat, lon) in enumerate(
            zip(rng.uniform(49.95, 50.05, n), rng.uniform(36.15, 36.35, n), strict=True)
        )
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
