"""Links and briefings in a real browser: a copied link reproduces the view in a new session,
and the briefing draws its map from disk with the network off."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
from playwright.sync_api import Browser, Frame, Page, expect

from dashboard.core.schema import PRECISION_RADIUS_M
from dashboard.core.view import circle_zoom, fitted_view
from dashboard.imports import SHIPPED_INCIDENTS
from tests.e2e.conftest import (
    RunningApp,
    download_of,
    holds_rows,
    map_frame,
    map_still,
    run_of,
    select_first_row,
    start_app,
    stop_app,
    wait_idle,
    watch_runs,
)
from tests.e2e.conftest import settled_map as watched_map

#: The incidents the map holds (clustered or not, read from its incident layer), its centre and
#: zoom, read from Leaflet.
MAP_STATE = """async () => {
  const map = Object.values(window).find(v => v instanceof L.Map);
  const ids = new Set();
  const layers = (L.IncidentLayer ? L.IncidentLayer.instances : [])
    .filter(l => l._map === map && l.options.kind === 'markers');
  for (const layer of layers) { (await layer.incidentIds()).forEach(id => ids.add(id)); }
  const c = map.getCenter();
  return {ids: [...ids].sort(), lat: c.lat, lon: c.lng, zoom: map.getZoom()};
}"""
LINK = (
    "/?from=2024-01-01&status=preliminary&status=confirmed&district=Solomianskyi"
    "&district=Shevchenkivskyi&district=Slobidskyi&incident=UA-KYI-20240102&v=1"
)
IN_VIEW = ["UA-KHA-20240102", "UA-KHA-20240207", "UA-KYI-20240102"]
#: The zoom a selected UA-KYI-20240102 takes: its 5 km uncertainty circle whole.
KYIV_ZOOM = circle_zoom(50.43, PRECISION_RADIUS_M[2])


def selected_zoom(incident: str) -> int:
    """The zoom the map takes for a selected shipped incident (its uncertainty circle whole)."""
    shipped = pd.read_csv(SHIPPED_INCIDENTS).set_index("incident_id")
    row = shipped.loc[incident]
    return circle_zoom(float(row["latitude"]), PRECISION_RADIUS_M[int(row["geo_precision"])])


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def settled_map(page: Page) -> tuple[Frame, dict[str, Any]]:
    """The map of a page just opened and its state, once the run its report causes has
    finished."""
    frame = watched_map(page)
    return frame, frame.evaluate(MAP_STATE)


def map_state_when(page: Page, ready: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The map's state once ``ready`` says it is the view a run asked for and the map stands
    still there (later in a session the map moves without being built again, after the run that
    asked for the move has ended). Fails after 15 s with the last state seen."""
    frame = map_frame(page)
    deadline = time.monotonic() + 15
    while not ready(state := frame.evaluate(MAP_STATE)):
        if time.monotonic() > deadline:
            raise AssertionError(f"the map did not reach the view asked for: {state}")
        page.wait_for_timeout(100)
    map_still(frame)
    return dict(frame.evaluate(MAP_STATE))


def at_zoom(zoom: int) -> Callable[[dict[str, Any]], bool]:
    """Whether a map state is at ``zoom``."""
    return lambda state: state["zoom"] == zoom


@contextmanager
def fresh_session(browser: Browser, link: str) -> Iterator[tuple[Page, dict[str, Any]]]:
    """The link opened in a new browser context (a new session), once its map has settled."""
    other = browser.new_context(viewport={"width": 1500, "height": 1200})
    try:
        fresh = watch_runs(other.new_page())
        fresh.goto(link)
        wait_idle(fresh)
        _, state = settled_map(fresh)
        yield fresh, state
    finally:
        other.close()


def shared_link(page: Page) -> str:
    """The link in the "Copy link to this view" field, once it holds one (the browser may be
    drawing the field anew: see ``urlstate.seed``)."""
    field = page.locator(".st-key-share_link input")
    expect(field).not_to_have_value("", timeout=15_000)
    return field.input_value()


def record_text(page: Page) -> str:
    return page.locator(".st-key-incident_record").inner_text()


def test_a_link_opens_exactly_that_view_and_its_briefing_opens_offline_with_its_map(
    offline_app: RunningApp, page: Page, browser: Browser, tmp_path: Path
) -> None:
    page.goto(offline_app.url + LINK)
    wait_idle(page)
    _, state = settled_map(page)
    assert state["ids"] == IN_VIEW
    holds_rows(page, len(IN_VIEW))
    assert "UA-KYI-20240102" in record_text(page)
    assert "Solomianskyi" in record_text(page)
    assert state["zoom"] == KYIV_ZOOM
    assert (round(state["lat"], 3), round(state["lon"], 3)) == (50.43, 30.47)
    assert "link asked for" not in page.inner_text("body")
    assert page.errors == []  # type: ignore[attr-defined]

    # The view's briefing, saved and opened with the network off, draws the same view's map.
    path = tmp_path / "briefing.html"
    download_of(page, page.get_by_role("button", name="Download briefing")).save_as(path)

    reader = browser.new_context(offline=True, viewport={"width": 1300, "height": 1000})
    try:
        opened = reader.new_page()
        errors: list[str] = []
        opened.on("pageerror", lambda exc: errors.append(str(exc)))
        requests: list[str] = []
        opened.on("request", lambda r: requests.append(r.url))
        opened.goto(path.as_uri())
        opened.wait_for_load_state("load")
        frame = next(f for f in opened.frames if f != opened.main_frame)
        frame.wait_for_selector(".leaflet-container", timeout=15_000)
        state = frame.evaluate(MAP_STATE)
        assert state["ids"] == IN_VIEW
        assert state["zoom"] == KYIV_ZOOM
        assert frame.locator(".incident-legend").count() == 1
        assert frame.locator(".leaflet-control-fullscreen, .leaflet-control-zoom").count() >= 1
        text = opened.inner_text("body")
        assert "Incidents (3)" in text
        assert "Attribution status: preliminary, confirmed" in text
        assert LINK.split("?")[1] in opened.locator("#view-link a").get_attribute("href")
        assert errors == []
        assert [r for r in requests if not r.startswith(("file:", "data:", "about:"))] == []
    finally:
        reader.close()


def test_a_copied_link_shows_the_same_view_in_a_new_session(
    offline_app: RunningApp, page: Page, browser: Browser
) -> None:
    page.goto(offline_app.url + LINK + "&layer=markers")
    wait_idle(page)
    frame, _ = settled_map(page)
    box = frame.locator(".leaflet-container").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 300, box["y"] + 300)
    page.mouse.down()
    page.mouse.move(box["x"] + 180, box["y"] + 220, steps=6)
    page.mouse.up()
    expect(page).to_have_url(re.compile(r"[?&]lat="), timeout=15_000)  # the move reached the link
    wait_idle(page)
    frame.locator(".leaflet-control-zoom-out").click()
    expect(page).to_have_url(re.compile(rf"[?&]zoom={KYIV_ZOOM - 1}(&|$)"), timeout=15_000)
    wait_idle(page)
    sender = frame.evaluate(MAP_STATE)
    link = shared_link(page)
    assert "lat=" in link
    assert f"zoom={KYIV_ZOOM - 1}" in link
    assert query(page.url) == query(link)  # the address bar holds the same view

    with fresh_session(browser, link) as (fresh, receiver):
        assert receiver["ids"] == sender["ids"] == IN_VIEW
        assert receiver["zoom"] == sender["zoom"] == KYIV_ZOOM - 1
        assert abs(receiver["lat"] - sender["lat"]) < 1e-4
        assert abs(receiver["lon"] - sender["lon"]) < 1e-4
        holds_rows(fresh, len(IN_VIEW))
        assert "UA-KYI-20240102" in record_text(fresh)
        expect(fresh.locator(".st-key-share_link input")).to_have_value(link, timeout=15_000)


def test_junk_parameters_are_named_and_harmless(offline_app: RunningApp, page: Page) -> None:
    page.goto(
        offline_app.url + "/?incident=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&zoom=999"
        "&from=2024-99-99&status=%3Cb%3E&lat=abc&lon=1&%3Cscript%3E=1"
    )
    wait_idle(page)
    _, state = settled_map(page)
    body = page.inner_text("body")
    for param in ("incident", "zoom", "from", "status", "lat", "lon", "'<script>'"):
        assert f"ignored parameter {param}:" in body
    assert "'<img src=x onerror=alert(1)>' is not among the incidents in view" in body
    assert len(state["ids"]) == 8
    assert page.locator("img[src='x']").count() == 0
    assert page.errors == []  # type: ignore[attr-defined]
    assert "incident=" not in page.url
    assert "script" not in page.url


def test_the_link_keeps_the_base_path(browser: Browser, tmp_path: Path) -> None:
    served = start_app(tmp_path, env={"DASHBOARD_TILES": "none"}, base_path="dash/board")
    try:
        context = browser.new_context(viewport={"width": 1500, "height": 1200})
        page = watch_runs(context.new_page())
        page.goto(served.url + "/?incident=UA-KYI-20240102")
        wait_idle(page)
        settled_map(page)
        link = shared_link(page)
        assert link.startswith(served.url)
        assert "/dash/board" in link
        assert query(link) == {"incident": ["UA-KYI-20240102"], "v": ["1"]}
        selected = page.locator("[data-testid='stDataFrame'] [role='row'][aria-selected='true']")
        expect(selected).to_have_count(1)
        fresh = context.new_page()
        fresh.goto(link)
        wait_idle(fresh)
        assert "UA-KYI-20240102" in record_text(fresh)
        context.close()
    finally:
        stop_app(served)


def test_working_the_filters_updates_the_address_and_the_link(
    offline_app: RunningApp, page: Page, browser: Browser
) -> None:
    page.goto(offline_app.url)
    wait_idle(page)
    settled_map(page)
    search = page.get_by_placeholder("place, weapon, source, note…")
    search.fill("KN-23")
    search.press("Enter")
    wait_idle(page)
    page.locator(".st-key-status input").click()
    page.get_by_role("option", name="preliminary").click()
    page.keyboard.press("Escape")
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"[?&]status=preliminary(&|$)"), timeout=15_000)
    expected = {"q": ["KN-23"], "status": ["preliminary"], "v": ["1"]}
    assert query(page.url) == expected
    link = shared_link(page)
    assert query(link) == expected
    sender = map_state_when(page, lambda state: len(state["ids"]) == 5)

    with fresh_session(browser, link) as (_, receiver):
        assert receiver["ids"] == sender["ids"]
        assert len(receiver["ids"]) == 5


def in_view(page: Page) -> str:
    """The "Incidents in view" figure as shown."""
    figure = page.locator("[data-testid='stMetric']", has_text="Incidents in view")
    return figure.locator("[data-testid='stMetricValue']").inner_text().strip()


def navigated(page: Page, direction: str) -> None:
    """Press the browser's back or forward button; wait for the page to show that entry (the
    run the entry's address causes has finished)."""
    before = page.url
    run_of(
        page,
        lambda: (page.go_back if direction == "back" else page.go_forward)(wait_until="commit"),
    )
    page.wait_for_function("(before) => window.location.href !== before", arg=before)


def test_back_and_forward_move_between_views(offline_app: RunningApp, page: Page) -> None:
    page.goto(offline_app.url)
    wait_idle(page)
    settled_map(page)
    assert in_view(page) == "8"
    page.locator(".st-key-status input").click()
    page.get_by_role("option", name="preliminary").click()
    page.keyboard.press("Escape")
    # Each change shows in the address once its run is done (a busy server starts it late).
    expect(page).to_have_url(re.compile(r"[?&]status=preliminary(&|$)"), timeout=15_000)
    wait_idle(page)
    assert in_view(page) == "5"
    dates = page.locator(".st-key-from input")
    dates.fill("2024-02-01")
    dates.press("Enter")  # a typed date applies on Enter
    expect(page).to_have_url(re.compile(r"[?&]from=2024-02-01(&|$)"), timeout=15_000)
    wait_idle(page)
    assert in_view(page) == "4"
    select_first_row(page)
    page.locator(".st-key-incident_record").wait_for(timeout=30_000)
    chosen = query(page.url)["incident"]
    map_state_when(page, at_zoom(selected_zoom(chosen[0])))
    assert query(page.url) == {
        "from": ["2024-02-01"],
        "status": ["preliminary"],
        "incident": chosen,
        "v": ["1"],
    }

    # Back as soon as the map stands at the selection: its report of arriving there, when read
    # after the back, is not a move of the view before (the address gains no lat, lon, zoom).
    navigated(page, "back")  # the view before the selection: no record, the map on the four
    assert query(page.url) == {"from": ["2024-02-01"], "status": ["preliminary"], "v": ["1"]}
    assert in_view(page) == "4"
    assert page.locator(".st-key-incident_record").count() == 0
    assert page.locator(".st-key-from input").input_value() == "2024-02-01"
    shipped = pd.read_csv(SHIPPED_INCIDENTS)
    four = shipped[
        (shipped["attribution_status"] == "preliminary") & (shipped["date"] >= "2024-02-01")
    ]
    assert len(four) == 4
    lat, lon = four["latitude"], four["longitude"]
    map_state_when(page, at_zoom(fitted_view(lat.min(), lon.min(), lat.max(), lon.max())[2]))

    navigated(page, "back")  # the view before the date
    assert query(page.url) == {"status": ["preliminary"], "v": ["1"]}
    assert in_view(page) == "5"
    assert page.locator(".st-key-from input").input_value() == ""
    holds_rows(page, 5)

    navigated(page, "forward")
    navigated(page, "forward")  # the selection again
    assert query(page.url)["incident"] == chosen
    assert in_view(page) == "4"
    assert chosen[0] in record_text(page)
    map_state_when(page, at_zoom(selected_zoom(chosen[0])))
    assert page.errors == []  # type: ignore[attr-defined]


def test_back_after_moving_the_map_returns_it(offline_app: RunningApp, page: Page) -> None:
    page.goto(offline_app.url + LINK)
    wait_idle(page)
    frame, opened = settled_map(page)
    assert opened["zoom"] == KYIV_ZOOM
    frame.locator(".leaflet-control-zoom-out").click()
    expect(page).to_have_url(re.compile(rf"[?&]zoom={KYIV_ZOOM - 1}(&|$)"), timeout=15_000)
    wait_idle(page)
    navigated(page, "back")
    assert "zoom" not in query(page.url)
    assert query(page.url)["incident"] == ["UA-KYI-20240102"]
    back = map_state_when(page, at_zoom(KYIV_ZOOM))
    assert (round(back["lat"], 3), round(back["lon"], 3)) == (50.43, 30.47)
    assert "zoom" not in query(page.url)  # the map's return is not a new move
