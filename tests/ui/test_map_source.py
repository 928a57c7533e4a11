"""What the monitor's map layers draw from, in a real Streamlit session (AppTest): the payload up
to AGGREGATE_ABOVE incidents; past it bins of the view, then the incidents around the view."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import settings
from dashboard.core.payload import Payload
from dashboard.store import Store
from dashboard.ui.mapview import current_bounds

#: The views asked for: everything (zoom 8), a corner with few incidents, a small move inside it.
VIEWS = [(50.0, 36.2, 8), (49.0, 37.5, 14), (49.001, 37.501, 14)]


def sources_page(views: list[tuple[float, float, int]], limit: int) -> None:
    import numpy as np
    import streamlit as st

    from dashboard.core.mapassets import AssetUrls
    from dashboard.core.records import incidents_frame
    from dashboard.ui import mapview

    rng = np.random.default_rng(4)
    if "frame" not in st.session_state:
        centres = [(50.0, 36.2)] * 50 + [(49.0, 37.5)] * 10
        st.session_state["frame"] = incidents_frame(
            {
                "incident_id": f"I{i}",
                "date": "2024-01-02",
                "location": "Village",
                "latitude": lat + float(rng.uniform(-0.01, 0.01)),
                "longitude": lon + float(rng.uniform(-0.01, 0.01)),
                "geo_precision": 1,
                "weapon": "KN-23",
                "attribution_status": "confirmed",
            }
            for i, (lat, lon) in enumerate(centres)
        )
    frame = st.session_state["frame"]
    default, mapview.AGGREGATE_ABOVE = mapview.AGGREGATE_ABOVE, limit
    try:
        assets = AssetUrls("/app/static/")
        sources = [mapview.layer_source(frame, assets, v) for v in views]
        st.session_state["sources"] = [source for source, _ in sources]
        st.session_state["rows"] = [p and (p.row("I50"), p.row("I0")) for _, p in sources]
        st.session_state["whole"] = mapview.layer_source(frame.iloc[:limit], assets, views[0])[0]
    finally:
        mapview.AGGREGATE_ABOVE = default


@pytest.fixture(autouse=True)
def own_store_and_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A store and a payload folder of the test's own (the payloads go to both)."""
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    monkeypatch.setenv("DASHBOARD_DB_URL", url)
    monkeypatch.setenv("DASHBOARD_PAYLOAD_DIR", str(tmp_path / "payload"))
    st.cache_resource.clear()
    return url


def test_past_the_limit_the_map_gets_bins_then_the_incidents_around_the_view(
    own_store_and_folder: str,
) -> None:
    at = AppTest.from_function(sources_page, args=(VIEWS, 10), default_timeout=30)
    at.run()
    assert not at.exception
    bins, corner, moved = at.session_state["sources"]
    assert set(bins) == {"bins"}
    assert sum(b[2] for b in bins["bins"]) == 60
    assert corner == moved  # a move inside the published area reuses its payload
    published = settings.payload_dir() / str(corner["url"]).rsplit("/", 1)[1]
    assert b'"n":10,' in published.read_bytes()[:200]
    # ... and not in an SQLite store (one machine's: its processes share the folder).
    store = Store(own_store_and_folder)
    assert store.shared_payload(published.name) is None
    store.dispose()
    assert set(at.session_state["whole"]) == {"url"}  # at the limit: every incident, by URL
    # The area's payload knows its own rows: I50 (in the corner) is in it, I0 is not.
    assert at.session_state["rows"][0] is None  # bins: no rows
    corner_row, outside = at.session_state["rows"][1]
    assert outside is None
    assert corner_row is not None
    assert 0 <= corner_row < 10


def clicks_page(reports: list[object]) -> None:
    import streamlit as st

    from dashboard.core.mapassets import AssetUrls
    from dashboard.core.records import incidents_frame
    from dashboard.ui import mapview

    def frame(ids: list[str]) -> object:
        return incidents_frame(
            {
                "incident_id": i,
                "date": "2024-01-02",
                "location": "Village",
                "latitude": 50.0,
                "longitude": 36.2,
                "geo_precision": 1,
                "weapon": "KN-23",
                "attribution_status": "confirmed",
            }
            for i in ids
        )

    assets = AssetUrls("/app/static/")
    counted = mapview.published(frame(["A", "B", "C"]), assets)
    context = mapview.published(frame(["X", "Y"]), assets, "context")
    st.session_state["names"] = (counted.name, context.name)
    picked = []
    for report in reports:
        if callable(report):
            report = report(counted.name, context.name)
        picked.append(mapview.clicked_incident(report, "clicks"))
    st.session_state["picked"] = picked


def click(count: int, text: str) -> dict[str, object]:
    return {"last_object_clicked_count": count, "last_object_clicked_tooltip": text}


def test_a_click_selects_the_incident_of_its_row_once_and_nothing_forged() -> None:
    reports = [
        {"center": {"lat": 50, "lng": 36}},  # a map report with no click yet
        lambda counted, _: click(1, f"1@{counted}"),
        lambda counted, _: click(1, f"1@{counted}"),  # the same report again, on a rerun
        lambda counted, _: click(2, f"7@{counted}"),  # a row past the payload
        lambda _, context: click(3, f"0@{context}"),  # a context incident opens too
        lambda counted, _: click(4, f"<img src=x>@{counted}"),
        lambda counted, _: click(5, "2@" + "f" * 32 + ".bin"),  # a payload not published
        lambda counted, _: click(6, f"2@{counted}"),
    ]
    at = AppTest.from_function(clicks_page, args=(reports,), default_timeout=30)
    at.run()
    assert not at.exception
    assert at.session_state["picked"] == [None, "B", None, None, "X", None, None, "C"]


def test_a_frame_s_payload_is_encoded_once_per_process_and_again_once_pruned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dashboard.core.mapassets import AssetUrls
    from dashboard.core.records import incidents_frame
    from dashboard.ui import mapview

    encoded: list[int] = []
    encode = mapview.encode_payload

    def counting(frame: pd.DataFrame) -> Payload:
        encoded.append(len(frame))
        return encode(frame)

    monkeypatch.setattr(mapview, "encode_payload", counting)
    frame = incidents_frame(
        {
            "incident_id": f"P{i}",
            "date": "2024-01-02",
            "location": "Village",
            "latitude": 49.9 + i / 1000,
            "longitude": 36.2,
            "geo_precision": 1,
            "weapon": "KN-23",
            "attribution_status": "confirmed",
        }
        for i in range(3)
    )
    assets = AssetUrls("/app/static/")
    first = mapview._publish_once(frame, assets, False)
    assert mapview._publish_once(frame, assets, False) is first  # another session, a filter
    assert encoded == [3]
    assert mapview._publish_once(frame.copy(), assets, False).url == first.url  # same bytes
    assert encoded == [3, 3]
    (settings.payload_dir() / first.name).unlink()  # pruned by other payloads: published again
    assert mapview._publish_once(frame, assets, False).url == first.url
    assert (settings.payload_dir() / first.name).exists()
    assert encoded == [3, 3, 3]


def test_the_area_on_the_map_follows_the_view_it_shows_now() -> None:
    report = {
        "center": {"lat": 50.0, "lng": 36.2},
        "zoom": 11,
        "bounds": {
            "_southWest": {"lat": 49.8, "lng": 35.9},
            "_northEast": {"lat": 50.2, "lng": 36.5},
        },
    }
    assert current_bounds(report, (50.0, 36.2, 11)) == (49.8, 35.9, 50.2, 36.5)
    # A search sent the map to Kyiv: the report is of the area it left, so the area is the new
    # view's (Kyiv in it, Kharkiv not), until the map reports it.
    kyiv = current_bounds(report, (50.45, 30.52, 13))
    assert kyiv[0] < 50.45 < kyiv[2]
    assert kyiv[1] < 30.52 < kyiv[3]
    assert not kyiv[1] < 36.2 < kyiv[3]
    assert current_bounds(report, (50.0, 36.2, 12)) != (49.8, 35.9, 50.2, 36.5)
    south, west, north, east = current_bounds(None, (50.0, 36.2, 11))  # no report yet
    assert south < 50.0 < north
    assert west < 36.2 < east
