"""The evidence in Chromium: the record's sources and origin chart, the panel, "Examined only"."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp, run_of, settled_map


def in_view(page: Page) -> str:
    figure = page.locator("[data-testid='stMetric']", has_text="Incidents in view")
    return figure.locator("[data-testid='stMetricValue']").inner_text().strip()


def test_the_kharkiv_record_shows_its_sources_and_draws_the_origin_chart(
    page: Page, app: RunningApp
) -> None:
    page.goto(f"{app.url}/?incident=UA-KHA-20240102&v=1")
    settled_map(page)  # the whole page
    evidence = page.locator(".st-key-incident_evidence")
    text = evidence.inner_text()
    assert "Sources (6)" in text
    assert "Conflict Armament Research (CAR)" in text
    assert "the other 9.5% among China, Netherlands, Singapore, Switzerland, Taiwan" in text
    # Every source is a link (one on kyivindependent.com); the chart is drawn (Vega renders it).
    expect(evidence.locator("a[href^='https://kyivindependent.com/']")).to_have_count(1)
    expect(
        evidence.locator(
            "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg"
        ).first
    ).to_be_visible(timeout=20_000)  # Vega draws after the page settles; slower on a busy machine
    panel = page.locator(".st-key-parts_panel").inner_text()
    assert "Examined missiles: 2 (3 examinations)" in panel
    assert "components from 26 companies" in panel
    assert "UNSCR 1718 (2006) para 8" in panel
    assert not page.errors  # type: ignore[attr-defined]


def test_examined_only_keeps_the_examined_incidents_and_goes_into_the_link(
    page: Page, app: RunningApp
) -> None:
    page.goto(app.url)
    settled_map(page)
    assert in_view(page) == "8"
    run_of(page, lambda: page.get_by_text("Examined only").click())
    assert in_view(page) == "2"
    expect(page).to_have_url(re.compile(r"[?&]examined=1(&|$)"), timeout=15_000)
    assert parse_qs(urlsplit(page.url).query)["examined"] == ["1"]
