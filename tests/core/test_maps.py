"""What the map carries: local assets only, every incident once in a compact payload, data
strings never as HTML."""

from __future__ import annotations

import json
import os
import re
import shutil
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.assets import STATIC_DIR, ensure_static_assets, publish_payload, served_urls
from dashboard.core.geometry import view_bins, view_bounds, within
from dashboard.core.i18n import use
from dashboard.core.mapassets import (
    CSS,
    JS,
    MAP_BUNDLE,
    MAP_CSS,
    MAP_JS,
    AssetUrls,
    bundle,
)
from dashboard.core.maps import (
    HEAT_GRADIENT,
    base_map,
    data_layers,
    layer_name,
    map_labels,
    standalone_map,
)
from dashboard.core.payload import DETAIL_BLOCK, DETAIL_FIELDS, encode_payload, parse_pick
from dashboard.core.records import incidents_frame
from dashboard.core.schema import PRECISION_RADIUS_M, STATUS_COLOURS

PAYLOAD = '<img src=x onerror=alert(1)>"></script><script>alert(2)</script>`${x}`\\'
ASSETS = served_urls("")
TYPES = {"int32": "<i4", "uint16": "<u2", "uint8": "<u1"}


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


def decode(data: bytes) -> tuple[dict[str, object], dict[str, np.ndarray]]:
    """The payload read back as incidents.js reads it: header, then 4-byte aligned arrays."""
    length = int.from_bytes(data[:4], "little")
    header = json.loads(data[4 : 4 + length])
    offset, arrays = 4 + length, {}
    assert offset % 4 == 0
    for name, kind in header["arrays"]:
        values = np.frombuffer(data, dtype=TYPES[kind], count=header["n"], offset=offset)
        arrays[name] = values
        offset += values.nbytes + (-values.nbytes % 4)
    assert offset == len(data)
    return header, arrays


@pytest.mark.parametrize(
    ("assets", "scripts"),
    [(ASSETS, [MAP_BUNDLE]), (AssetUrls("/app/static/"), [JS[r] for r in MAP_JS])],
    ids=["served", "file by file"],
)
def test_base_map_loads_only_its_assets_each_once_in_order(
    assets: AssetUrls, scripts: list[str]
) -> None:
    page = base_map(assets, tiles=None).get_root().render()
    assert re.findall(r'<script src="([^"]+)"', page) == [assets.prefix + p for p in scripts]
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert sorted(styles) == sorted(assets.prefix + CSS[r] for r in MAP_CSS)


def test_the_bundle_holds_the_map_scripts_in_order_apart() -> None:
    files = {
        JS[role]: f"/* {role} */ (function () {{}})()\n//# sourceMappingURL={role}.map"
        for role in MAP_JS
    }
    text = bundle(files.__getitem__)
    assert [text.index(f"/* {role} */") for role in MAP_JS] == sorted(
        text.index(f"/* {role} */") for role in MAP_JS
    )
    assert text.count("})()\n\n;\n") == len(MAP_JS)  # no file's "(" can call the one before
    assert "sourceMappingURL" not in text


def test_the_served_bundle_follows_its_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    static = tmp_path / "static"
    shutil.copytree(STATIC_DIR, static, ignore=shutil.ignore_patterns("payload", "bundle.js"))
    monkeypatch.setenv("DASHBOARD_PAYLOAD_DIR", str(tmp_path / "state" / "payload"))
    ensure_static_assets(static)
    assert (tmp_path / "state" / "payload").is_dir()  # this instance's, made at install
    read = partial(_read_text, static)
    assert (static / MAP_BUNDLE).read_text(encoding="utf-8") == bundle(read)
    incidents = static / JS["incidents"]
    incidents.write_text(incidents.read_text(encoding="utf-8") + "\n// edited\n", "utf-8")
    ensure_static_assets(static)  # the next start
    assert "// edited" in (static / MAP_BUNDLE).read_text(encoding="utf-8")


def test_a_bundle_that_cannot_be_written_leaves_the_scripts_one_by_one(tmp_path: Path) -> None:
    static = tmp_path / "static"
    shutil.copytree(STATIC_DIR, static, ignore=shutil.ignore_patterns("payload", "bundle.js"))
    assert ensure_static_assets(static)
    incidents = static / JS["incidents"]
    incidents.write_text(incidents.read_text(encoding="utf-8") + "\n// edited\n", "utf-8")
    # The bundle's temporary file is in the way (as read-only code would refuse it).
    (static / MAP_BUNDLE).with_suffix(f".{os.getpid()}.part").mkdir()
    assert not ensure_static_assets(static)
    assert "// edited" not in (static / MAP_BUNDLE).read_text(encoding="utf-8")
    page = base_map(served_urls("", bundled=False), tiles=None).get_root().render()
    assert MAP_BUNDLE not in page
    assert JS["incidents"] in page


def _read_text(folder: Path, relative: str) -> str:
    return (folder / relative).read_text(encoding="utf-8")


def test_base_path_prefixes_asset_urls() -> None:
    urls = served_urls("/monitor/")
    assert urls.js("leaflet")[1] == "/monitor/app/static/vendor/leaflet/leaflet.js"
    assert urls.payload("x.bin") == "/monitor/app/static/payload/x.bin"


def test_tiles_are_optional() -> None:
    assert "tile.openstreetmap.org" in base_map(ASSETS).get_root().render()
    assert "L.tileLayer" not in base_map(ASSETS, tiles=None).get_root().render()


def test_payload_carries_every_incident_in_frame_order() -> None:
    incidents = frame(
        {"incident_id": "A", "killed": 3, "geo_precision": 2},
        {"incident_id": "B", "latitude": 49.912345, "longitude": 36.123456, "date": "2024-03-01"},
        {"incident_id": "C", "weapon": None, "attribution_status": "claimed", "injured": 4},
    )
    payload = encode_payload(incidents)
    header, arrays = decode(payload.data)
    assert header["n"] == 3
    assert list(arrays["lat"]) == [5_000_000, 4_991_234, 5_000_000]
    assert list(arrays["lon"]) == [3_620_000, 3_612_346, 3_620_000]
    dates = [header["dates"]["en"][c - 1] for c in arrays["date"]]
    assert dates == ["2024-01-02", "2024-03-01", "2024-01-02"]
    # One payload serves every language: the dates as each writes them, in the same order.
    assert [header["dates"]["uk"][c - 1] for c in arrays["date"]] == [
        "2 січня 2024",
        "1 березня 2024",
        "2 січня 2024",
    ]
    statuses = [header["statuses"][c - 1] for c in arrays["status"]]
    assert statuses == ["confirmed", "confirmed", "claimed"]
    assert [header["weapons"][c - 1] if c else None for c in arrays["weapon"]] == [
        "KN-23",
        "KN-23",
        None,
    ]
    assert list(arrays["precision"]) == [2, 1, 1]
    assert header["style"]["colours"] == STATUS_COLOURS  # sent once, not on every map move
    assert header["style"]["radii"]["2"] == PRECISION_RADIUS_M[2]
    (block,) = payload.details
    rows = [dict(zip(DETAIL_FIELDS, row, strict=True)) for row in json.loads(block)]
    assert [(r["incident_id"], r["killed"], r["injured"]) for r in rows] == [
        ("A", 3, None),
        ("B", None, None),
        ("C", None, 4),
    ]
    assert rows[0]["source_url"] == "https://example.org/"


def test_payload_files_are_named_by_their_content() -> None:
    incidents = frame(*({"incident_id": f"I{i}"} for i in range(DETAIL_BLOCK * 2 + 5)))
    payload = encode_payload(incidents)
    header, _ = decode(payload.data)
    assert len(payload.details) == 3
    names = list(payload.files())
    assert names[0] == payload.name
    assert names[1:] == header["details"]
    assert encode_payload(incidents).name == payload.name
    assert encode_payload(incidents.iloc[1:]).name != payload.name


def test_payload_costs_under_fourteen_bytes_per_incident() -> None:
    rng = np.random.default_rng(1)
    n = 10_000
    incidents = frame({}).sample(n, replace=True, random_state=1).reset_index(drop=True)
    incidents["latitude"] = rng.uniform(49, 51, n)
    incidents["longitude"] = rng.uniform(35, 38, n)
    assert len(encode_payload(incidents).data) / n < 14


def test_payload_strings_reach_the_page_only_as_json_escaped_text() -> None:
    evil = frame(
        {"location": PAYLOAD, "weapon": PAYLOAD, "source_title": PAYLOAD, "attributed_by": PAYLOAD}
    )
    page = standalone_map(evil, ASSETS, tiles=None).get_root().render()
    assert "<img" not in page
    assert "<script>alert" not in page
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in page
    # In the served payload the strings are JSON, read by JSON.parse and shown with textContent.
    header, _ = decode(encode_payload(evil).data)
    assert header["weapons"] == [PAYLOAD]
    # The only innerHTML is the legend's, of the schema's text (the legend control in the
    # layer's script); every data string is built with textContent.
    assert "innerHTML" not in page
    script = (Path(__file__).parents[2] / "dashboard/static" / JS["incidents"]).read_text()
    assert script.count("innerHTML") == 1
    assert ".innerHTML = this.options.html;" in script
    assert "insertAdjacentHTML" not in script


def test_payload_carries_the_evidence_marks_when_the_frame_has_them() -> None:
    incidents = frame(*({"incident_id": f"I{i}"} for i in range(3)))
    _, arrays = decode(encode_payload(incidents).data)
    assert "examined" not in arrays
    assert "sources" not in arrays
    annotated = incidents.assign(
        examined=[True, False, False], source_count=pd.array([4, 0, 300], dtype="Int64")
    )
    _, arrays = decode(encode_payload(annotated).data)
    assert list(arrays["examined"]) == [1, 0, 0]
    assert list(arrays["sources"]) == [4, 0, 255]  # 255 reads "255 or more"


def test_evidence_marks_cost_two_bytes_per_incident() -> None:
    n = 10_000
    incidents = frame({}).sample(n, replace=True, random_state=1).reset_index(drop=True)
    annotated = incidents.assign(examined=False, source_count=1)
    extra = len(encode_payload(annotated).data) - len(encode_payload(incidents).data)
    assert extra <= 2 * n + 64  # two uint8 arrays, and their names in the header


def test_a_click_reports_only_a_row_and_a_payload_file() -> None:
    name = "0123456789abcdef0123456789abcdef.bin"
    assert parse_pick(f"12@{name}") == (12, name)
    for junk in (None, 12, "", "12", f"-1@{name}", f"12@{name}x", f"1@../{name}", "<b>1</b>@x"):
        assert parse_pick(junk) is None


def test_the_selection_reaches_the_layers_as_a_number() -> None:
    source = {"url": "/app/static/payload/x.bin"}
    for group in data_layers(source, "markers", selected=7) + data_layers(source, "heat", 7):
        layer = next(iter(group._children.values()))
        assert json.loads(layer.options)["selected"] == 7
    unselected = next(iter(data_layers(source)[1]._children.values()))
    assert "selected" not in json.loads(unselected.options)


def test_the_legend_explains_marks_circles_and_the_heat_scale() -> None:
    page = base_map(ASSETS, tiles=None).get_root().render()
    legend = json.loads(re.search(r"incidentLegend\(\{html: (\".*?[^\\]\"), toggle:", page)[1])
    assert "Debris examined" in legend
    assert "Selected incident" in legend
    assert 'class="legend-heat"' in legend
    assert "incidents per area" in legend
    assert all(colour in legend for colour in HEAT_GRADIENT.values())


def test_layers_by_name() -> None:
    source = {"url": "/app/static/payload/x.bin"}
    assert [g.layer_name for g in data_layers(source)] == ["Location uncertainty", "Incidents"]
    assert [g.layer_name for g in data_layers(source, "heat")] == ["Heat map"]
    kinds = [next(iter(g._children.values())).kind for g in data_layers(source)]
    assert kinds == ["circles", "markers"]
    layer = next(iter(data_layers(source)[0]._children.values()))
    assert len(layer.source) + len(layer.options) < 250  # re-sent on every map move
    with pytest.raises(ValueError, match="layer must be"):
        data_layers(source, "satellite")


def test_served_layers_carry_only_the_payload_url() -> None:
    incidents = frame(*({"incident_id": f"I{i}", "location": "Village"} for i in range(50)))
    url = ASSETS.payload(encode_payload(incidents).name)
    fmap = base_map(ASSETS, tiles=None)
    for group in data_layers({"url": url}):
        group.add_to(fmap)
    page = fmap.get_root().render()
    assert json.dumps(url) in page
    assert "Village" not in page


def test_publish_writes_each_file_once_and_keeps_within_budget(tmp_path: Path) -> None:
    first = encode_payload(frame({"incident_id": "A"}))
    second = encode_payload(frame({"incident_id": "B"}))
    assert publish_payload(first, tmp_path) == first.name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(first.files())
    assert (tmp_path / first.name).read_bytes() == first.data
    old = (tmp_path / first.name).stat().st_mtime - 60
    for name in first.files():
        os.utime(tmp_path / name, (old, old))
    budget = sum(len(b) for b in second.files().values())
    publish_payload(second, tmp_path, budget=budget)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(second.files())


def test_view_bounds_centre_on_the_view_and_halve_with_each_zoom() -> None:
    south, west, north, east = view_bounds((50.0, 36.0, 11))
    assert (south + north) / 2 == pytest.approx(50.0)
    assert (west + east) / 2 == pytest.approx(36.0)
    wider = view_bounds((50.0, 36.0, 10))
    assert wider[3] - wider[1] == pytest.approx(2 * (east - west))
    assert (north - south) < (east - west)  # a degree of latitude is longer than one of longitude


def test_view_bins_count_only_what_is_in_view() -> None:
    bounds = (49.0, 35.0, 51.0, 37.0)
    lat = np.array([50.0, 50.0001, 50.0002, 49.5, 52.0])
    lon = np.array([36.0, 36.0001, 36.0002, 35.5, 36.0])  # the last is outside
    bins = view_bins(lat, lon, bounds, zoom=11)
    assert sorted(b[2] for b in bins) == [1, 3]
    big = next(b for b in bins if b[2] == 3)
    assert big[:2] == [pytest.approx(50.0001), pytest.approx(36.0001)]
    assert sum(b[2] for b in view_bins(lat, lon, bounds, zoom=1)) == 4


def test_view_bins_refine_as_the_map_zooms_in() -> None:
    rng = np.random.default_rng(2)
    lat, lon = rng.uniform(49.5, 50.5, 20_000), rng.uniform(35.5, 36.5, 20_000)
    counts = [len(view_bins(lat, lon, (49.5, 35.5, 50.5, 36.5), zoom)) for zoom in (8, 10, 12)]
    assert counts[0] < counts[1] < counts[2]
    assert within(lat, lon, view_bounds((50.0, 36.0, 12))).sum() < len(lat)


def test_the_maps_words_come_from_the_page_in_its_language() -> None:
    """incidents.js writes no word of its own: the markers' options carry them, translated, and
    the legend and the layer names follow the language."""
    source = {"url": "/app/static/payload/x.bin"}
    english = json.loads(next(iter(data_layers(source)[1]._children.values())).options)["labels"]
    assert english == map_labels()
    assert (english["notReported"], english["statuses"]["confirmed"]) == (
        "not reported",
        "confirmed",
    )
    assert english["outcomeWords"]["debris"] == "Debris of a downed missile fell (no direct strike)"
    with use("uk"):
        markers = data_layers(source)[1]
        words = json.loads(next(iter(markers._children.values())).options)["labels"]
        page = base_map(ASSETS, tiles=None).get_root().render()
        assert markers.layer_name == "Інциденти"
        assert layer_name("heat") == "теплова"
    assert words["lang"] == "uk"
    assert (words["notReported"], words["weapon"], words["casualties"]) == (
        "не повідомлено",
        "Зброя",
        "Жертви",
    )
    assert words["statuses"]["confirmed"] == "підтверджено"
    assert (words["outcomes"]["shot down"], words["killed"]) == ("збито", "загиблі: {n}")
    assert set(words) == set(english)  # every word the script reads, in both languages
    legend = json.loads(re.search(r"incidentLegend\(\{html: (\".*?[^\\]\"), toggle:", page)[1])
    assert "Вибраний інцидент" in legend
    assert "підтверджено" in legend
    assert '"Легенда"' in page


def test_the_script_holds_no_english_label() -> None:
    """The words incidents.js used to write itself now come from the page's labels."""
    script = (STATIC_DIR / "map" / "incidents.js").read_text(encoding="utf-8")
    for word in ("'not reported'", "'Weapon'", "'Casualties'", "'Legend'", "'255 or more'"):
        assert word not in script
