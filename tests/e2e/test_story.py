"""The monitor tells its story in Chromium (offline): the time control (brush, month slider,
play) sets the view's dates and the URL. (An impossible range is told in tests/test_app.py, the
search's two scripts in tests/ui/test_search_apptest.py; the layout at 1440 px and on a 390 px
phone in tests/e2e/test_attention.py.)"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.conftest import RunningApp, map_frame, run_of, settled_map, wait_idle

#: How many incidents the map's incident layer holds (clustered or not).
MAP_COUNT = """() => !window.L || !L.IncidentLayer ? 0 : L.IncidentLayer.instances
    .filter(l => l._map && l.options.kind === 'markers')
    .reduce((n, l) => n + l.size(), 0)"""


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
    """The page at ``url``, drawn whole, its map showing marks."""
    page.goto(url)
    settled_map(page).wait_for_function(f"({MAP_COUNT})() > 0", timeout=30_000)


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
    expect(handles).to_have_count(2)
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


#: Records the page's address (its query) each time it changes, in ``window.__addresses``.
ADDRESSES = """() => { window.__addresses = []; let last = null;
  setInterval(() => {
    if (location.search !== last) { last = location.search; window.__addresses.push(last); }
  }, 10); }"""


def test_play_steps_month_by_month_and_pause_keeps_the_month(page: Page, app: RunningApp) -> None:
    opened(page, app.url)
    page.evaluate(ADDRESSES)
    button(page, "play").click()
    # Steps in order, one calendar month each (a step lasts about two seconds), from the first.
    # Under load a step's address can be overtaken by the next one's before it is written: the
    # addresses are recorded as they come, and three steps are waited for.
    page.wait_for_function(
        "() => window.__addresses.filter(a => a.includes('from=')).length >= 3", timeout=30_000
    )
    steps = [query("/" + a) for a in page.evaluate("window.__addresses") if "from=" in a]
    months = [step["from"][0] for step in steps]
    assert months[0] == "2023-12-01"
    assert months == sorted(set(months))
    for step, month in zip(steps, months, strict=True):
        first = date.fromisoformat(month)
        assert first.day == 1
        assert step["to"] == [str(first.replace(day=monthrange(first.year, first.month)[1]))]
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
