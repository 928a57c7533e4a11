"""The monitor tells its story in Chromium (offline): the time control (brush, month slider,
play) sets the view's dates and the URL, empty and impossible views say so, the search reads
both scripts, and the page's layout holds at 1440 px and on a 390 px phone (screenshots kept in
the test's output folder)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from dashboard.imports import open_store
from dashboard.store import BatchMeta
from tests.conftest import TODAY
from tests.e2e.conftest import RunningApp, map_frame, run_of, start_app, stop_app, wait_idle
from tests.helpers import KHARKIV

#: How many incidents the map's incident layer holds (clustered or not).
MAP_COUNT = """() => !window.L || !L.IncidentLayer ? 0 : L.IncidentLayer.instances
    .filter(l => l._map && l.options.kind === 'markers')
    .reduce((n, l) => n + l.size(), 0)"""

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

#: Where the map's top lies in the page, and how high the first screen is.
MAP_TOP = """() => ({
    top: document.querySelector("iframe[title*='st_folium']").getBoundingClientRect().top
        + document.querySelector("[data-testid='stMain']").scrollTop
        + window.scrollY,
    screen: window.innerHeight,
})"""

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

CYRILLIC_ONLY = "UA-KHA-CYRILLIC"


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def in_view(page: Page) -> str:
    """The "Incidents in view" figure as shown."""
    return figure(page).inner_text().strip()


def figure(page: Page) -> Locator:
    """The "Incidents in view" figure's value."""
    metric = page.locator("[data-testid='stMetric']", has_text="Incidents in view")
    return metric.locator("[data-testid='stMetricValue']")


def button(page: Page, key: str) -> Locator:
    """The button with widget key ``key`` (one with help is drawn twice, one of them hidden)."""
    return page.locator(f".st-key-{key} button:visible").first


def opened(page: Page, url: str) -> None:
    page.goto(url)
    wait_idle(page)
    map_frame(page).wait_for_function(f"({MAP_COUNT})() > 0", timeout=30_000)


def test_brushing_the_chart_sets_the_dates_and_all_dates_clears_them(
    page: Page, app: RunningApp
) -> None:
    opened(page, app.url)
    assert in_view(page) == "8"
    chart = page.locator(".st-key-timeline")
    chart.locator("svg, canvas").first.wait_for()
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # Vega-Lite has drawn the plot and set up its brush
    box = chart.bounding_box()
    assert box is not None
    # From the plot's left edge (the first month, December 2023) a fifth of the way across.
    y = box["y"] + box["height"] * 0.42
    page.mouse.move(box["x"] + 60, y)
    page.mouse.down()
    page.mouse.move(box["x"] + 60 + (box["width"] - 60) * 0.2, y, steps=10)
    page.mouse.up()
    expect(page).to_have_url(re.compile(r"[?&]from=2023-12-01(&|$)"), timeout=15_000)
    wait_idle(page)
    dates = query(page.url)
    assert dates["from"] == ["2023-12-01"]
    (to,) = dates["to"]
    assert to.startswith("2024-0")  # a month's last day in the first months of 2024
    shown = int(in_view(page))
    assert 4 <= shown < 8  # December's Zaporizhzhia incident, January's three, maybe more
    frame = map_frame(page)
    frame.wait_for_function(f"({MAP_COUNT})() === {shown}", timeout=15_000)
    assert page.locator(".st-key-from input").input_value() == "2023-12-01"

    run_of(page, lambda: button(page, "all_dates").click())
    expect(page).not_to_have_url(re.compile(r"[?&](from|to)="), timeout=15_000)
    expect(figure(page)).to_have_text("8")
    frame = map_frame(page)
    frame.wait_for_function(f"({MAP_COUNT})() === 8", timeout=15_000)
    assert not page.errors  # type: ignore[attr-defined]


def test_the_month_slider_sets_whole_months(page: Page, app: RunningApp) -> None:
    opened(page, app.url)
    handles = page.locator(".st-key-time_control input[type='range']")
    assert handles.count() == 2
    thumbs = page.locator(".st-key-time_control [data-testid='stSliderThumbValue']")
    first, last = (thumbs.nth(i).locator("xpath=..").bounding_box() for i in (0, 1))
    assert first is not None
    assert last is not None
    # Drag the end from April 2025 to September 2024: month 9 of the 17 (0 to 16).
    y = last["y"] + last["height"] / 2
    start, end = first["x"] + first["width"] / 2, last["x"] + last["width"] / 2
    page.mouse.move(end, y)
    page.mouse.down()
    page.mouse.move(start + (end - start) * 9 / 16, y, steps=10)
    page.mouse.up()
    expect(page).to_have_url(re.compile(r"[?&]to=2024-09-30(&|$)"), timeout=15_000)
    assert "from" not in query(page.url)  # the first month: no "from" in the link
    expect(figure(page)).to_have_text("7")  # all but 2025-04-24
    expect(handles.nth(1)).to_have_attribute("aria-valuetext", "Sep 2024")


def paused_by(page: Page, attempts: int = 3) -> None:
    """Click "Pause" until "Play" shows again (or playing has reached its last month): the page
    redraws every step, and a click landing on a button as it is redrawn may be lost (as a
    person would, click again)."""
    for _ in range(attempts):
        try:
            button(page, "pause").click(timeout=5_000)
            expect(button(page, "play")).to_be_visible(timeout=5_000)
        except (AssertionError, PlaywrightTimeoutError):
            if not button(page, "play").is_visible():
                continue
        wait_idle(page)
        return
    raise AssertionError(f"'Pause' did not stop playing in {attempts} clicks")


#: The shipped incidents' months (their first days) and how many incidents each holds.
MONTHS = {
    "2023-12-01": 1,
    "2024-01-01": 3,
    "2024-02-01": 1,
    "2024-08-01": 1,
    "2024-09-01": 1,
    "2025-04-01": 1,
}


def test_play_steps_month_by_month_and_pause_keeps_the_month(page: Page, app: RunningApp) -> None:
    opened(page, app.url)
    button(page, "play").click()
    # Three steps in order, one calendar month each (a step lasts about two seconds).
    for month in ("2023-12-01", "2024-01-01", "2024-02-01"):
        expect(page).to_have_url(re.compile(rf"from={month}&to={month[:8]}"), timeout=15_000)
    paused_by(page)
    paused = query(page.url)
    month = paused["from"][0]
    assert month >= "2024-02-01"
    # The figures and the map show the month it stopped at (an empty one too), and stay there.
    expect(figure(page)).to_have_text(str(MONTHS.get(month, 0)))
    if month in MONTHS:
        map_frame(page).wait_for_function(f"({MAP_COUNT})() === {MONTHS[month]}", timeout=15_000)
    page.wait_for_timeout(3_000)
    assert query(page.url) == paused
    link = page.locator(".st-key-share_link input").input_value()
    assert f"from={month}" in link  # the link is this step's view


def test_an_impossible_range_says_so_and_offers_no_briefing(page: Page, app: RunningApp) -> None:
    page.goto(app.url + "/?from=2024-05-01&to=2024-01-01")
    wait_idle(page)
    warning = page.locator(".st-key-empty_view")
    expect(warning).to_contain_text("'From' (2024-05-01) is after 'To' (2024-01-01)")
    assert in_view(page) == "0"
    assert page.locator(".st-key-incident_table").count() == 0
    assert page.get_by_text("Download briefing").count() == 0
    expect(page.get_by_text("Nothing to download")).to_be_visible()
    # The time control stays, to pick a possible range: "All dates" shows every incident.
    run_of(page, lambda: button(page, "all_dates").click())
    expect(figure(page)).to_have_text("8")
    expect(page.locator(".st-key-empty_view")).to_have_count(0)


@pytest.fixture(scope="module")
def cyrillic_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The shipped incidents and one more whose place is written in Cyrillic only."""
    tmp = tmp_path_factory.mktemp("cyrillic")
    store = open_store(f"sqlite:///{tmp / 'e2e.sqlite3'}", today=TODAY)
    record = store.records(["UA-KHA-20240106"])["UA-KHA-20240106"]
    extra = {**record, "incident_id": CYRILLIC_ONLY, "location": "Харків, Салтівський район"}
    store.apply_batch([extra], BatchMeta("cyrillic.csv", "c" * 64, "analyst"))
    store.dispose()
    running = start_app(tmp, env={"DASHBOARD_TILES": "none"})
    yield running
    stop_app(running)


def search(page: Page, text: str, expected: str, attempts: int = 3) -> None:
    """Type ``text`` into the sidebar's search and press Enter; the figure and the link follow.
    A key press landing while the page redraws the sidebar may be lost: then type it again."""
    box = page.get_by_placeholder("place, weapon, source, note…")
    wanted = re.compile(rf"[?&]q={re.escape(quote_plus(text))}(&|$)")
    for _ in range(attempts):
        box.fill(text)
        run_of(page, lambda: box.press("Enter"))
        try:
            expect(page).to_have_url(wanted, timeout=5_000)
        except AssertionError:
            continue
        expect(figure(page)).to_have_text(expected)
        return
    raise AssertionError(f"searching {text!r} did not reach the link in {attempts} tries")


def test_search_reads_case_punctuation_and_both_scripts(
    page: Page, cyrillic_app: RunningApp
) -> None:
    opened(page, cyrillic_app.url)
    expect(figure(page)).to_have_text("9")
    search(page, "kn23", "6")  # KN-23, KN-23/24, Hwasong-11 (KN-23)…
    # Kharkiv's three, and the one written Харків only, whichever script is typed.
    search(page, KHARKIV, "4")
    search(page, "Kharkiv", "4")
    search(page, "saltivskyi", "1")  # the Cyrillic-only record, by its Latin name
    map_frame(page).wait_for_function(f"({MAP_COUNT})() === 1", timeout=15_000)


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (390, 844)])
def test_layout_at_desktop_and_phone_width(
    browser: Browser, app: RunningApp, tmp_path: Path, width: int, height: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        opened(page, app.url)
        page.wait_for_timeout(1_000)
        shots = tmp_path / "screenshots"
        shots.mkdir()
        page.screenshot(path=str(shots / f"monitor-{width}.png"))
        labels = page.evaluate(FIGURE_LABELS)
        assert [label["label"] for label in labels] == [
            "Incidents in view",
            "Confirmed",
            "Killed · injured",
            "UN Panel of Experts",
            "Since expiry",
        ]
        cut = [label["label"] for label in labels if label["scroll"] > label["client"]]
        assert cut == []  # no label ends in an ellipsis
        assert page.evaluate(CUT_CONTROLS) == []  # nor a button's or a toggle's
        rows = {label["top"] for label in labels}
        placed = page.evaluate(MAP_TOP)
        if width == 390:
            assert len(rows) <= 2  # the figures take two rows at most
            assert placed["top"] < placed["screen"] - 100  # the map shows on the first screen
        else:
            assert len(rows) == 1
            headers = page.evaluate(VISIBLE_HEADERS)
            assert {"Attribution", "Killed", "Injured"} <= set(headers), headers
            # An expander opening in one column leaves the other column where it was.
            table_top = page.evaluate(TOP_IN_PAGE, ".st-key-incident_table")
            page.get_by_text("Mandate timeline, with sources").click()
            wait_idle(page)
            assert page.evaluate(TOP_IN_PAGE, ".st-key-incident_table") == table_top
            page.screenshot(path=str(shots / f"monitor-{width}-expanded.png"), full_page=True)
        assert (shots / f"monitor-{width}.png").stat().st_size > 10_000
    finally:
        context.close()
