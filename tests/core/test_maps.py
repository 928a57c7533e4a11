"""What the map carries: local assets only, every incident once, data strings never as HTML."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from dashboard.assets import served_urls
from dashboard.core.mapassets import CSS, JS
from dashboard.core.maps import (
    ROW_FIELDS,
    base_map,
    data_layers,
    heat_layer,
    marker_rows,
    standalone_map,
    uncertainty_layer,
)
from dashboard.core.records import incidents_frame

PAYLOAD = '<img src=x onerror=alert(1)>"></script><script>alert(2)</script>`${x}`\\'
ASSETS = served_urls("")


def frame(*rows: dict[str, object]) -> pd.DataFrame:
    base = {
        "incident_id": "A",
        "date": "2024-01-02",
        "location": "Kharkiv",
        "latitude": 50.0,
        "longitude": 36.2,
        "geo_precision": 1,
        "weapon": "KN-23",
        "attribution_status": "confirmed",
        "source_url": "https://example.org/",
    }
    return incidents_frame([{**base, **row} for row in rows])


def test_base_map_loads_only_served_assets() -> None:
    page = base_map(ASSETS, tiles=None).get_root().render()
    sources = re.findall(r'<script src="([^"]+)"', page) + re.findall(
        r'<link rel="stylesheet" href="([^"]+)"', page
    )
    assert sorted(sources) == sorted(ASSETS.prefix + p for p in (*JS.values(), *CSS.values()))


def test_base_path_prefixes_asset_urls() -> None:
    assert (
        served_urls("/monitor/").js("leaflet")[1] == "/monitor/app/static/vendor/leaflet/leaflet.js"
    )


def test_tiles_are_optional() -> None:
    assert "tile.openstreetmap.org" in base_map(ASSETS).get_root().render()
    assert "L.tileLayer" not in base_map(ASSETS, tiles=None).get_root().render()


def test_marker_rows_carry_every_incident_in_field_order() -> None:
    rows = marker_rows(
        frame({"incident_id": "A", "killed": 3}, {"incident_id": "B", "latitude": 49.9})
    )
    assert len(rows) == 2
    first = dict(zip(ROW_FIELDS, rows[0], strict=True))
    assert (first["incident_id"], first["date"], first["killed"], first["injured"]) == (
        "A",
        "2024-01-02",
        3,
        None,
    )
    assert dict(zip(ROW_FIELDS, rows[1], strict=True))["latitude"] == 49.9


def test_payload_reaches_the_page_only_as_json_escaped_text() -> None:
    evil = frame(
        {"location": PAYLOAD, "weapon": PAYLOAD, "source_title": PAYLOAD, "attributed_by": PAYLOAD}
    )
    page = standalone_map(evil, ASSETS, tiles=None).get_root().render()
    assert "<img" not in page
    assert "<script>alert" not in page
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in page
    # Popups and tooltips are built with textContent; the only innerHTML is the static legend.
    assert "bindPopup(function" in page
    assert page.count("innerHTML") == 1


def test_uncertainty_circles_only_for_approximate_places() -> None:
    incidents = frame(
        {"incident_id": "exact", "geo_precision": 1},
        {"incident_id": "district", "geo_precision": 2},
        {"incident_id": "region", "geo_precision": 3},
    )
    (circles,) = uncertainty_layer(incidents)._children.values()
    assert [row[2] for row in circles.data] == [5000, 25000]


def test_heat_layer_has_one_point_per_incident() -> None:
    incidents = frame({"incident_id": "A"}, {"incident_id": "B"}, {"incident_id": "C"})
    heat = heat_layer(incidents, ASSETS)
    (child,) = heat._children.values()
    assert len(child.data) == 3


def test_layers_by_name() -> None:
    incidents = frame({})
    assert [g.layer_name for g in data_layers(incidents, ASSETS)] == [
        "Location uncertainty",
        "Incidents",
    ]
    assert [g.layer_name for g in data_layers(incidents, ASSETS, "heat")] == ["Heat map"]
    with pytest.raises(ValueError, match="layer must be"):
        data_layers(incidents, ASSETS, "satellite")
