"""The incident table in Chromium: one page of rows reaches the browser, sorted on the server,
and a selected incident is always reachable on its page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from dashboard.core.table import PAGE_ROWS
from dashboard.imports import open_store
from dashboard.store import BatchMeta
from tests.conftest import TODAY
from tests.e2e.conftest import (
    RunningApp,
    holds_rows,
    run_of,
    select_first_row,
    settled_map,
    start_app,
    stop_app,
    wait_idle,
)

#: Incidents added to the shipped 7, one a day going back from 2023-12-29 (older than all of
#: the shipped ones), so that the table has three pages.
ADDED = 130
TOTAL = ADDED + 8  # the shipped incidents


def added_id(i: int) -> str:
    return f"PAGE-{i:03d}"


def added_day(i: int) -> str:
    return (date(2023, 12, 29) - timedelta(days=i)).isoformat()


@pytest.fixture(scope="module")
def paged_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    tmp = tmp_path_factory.mktemp("paged")
    store = open_store(f"sqlite:///{tmp / 'e2e.sqlite3'}", today=TODAY)
    record = store.records(["UA-KHA-20240106"])["UA-KHA-20240106"]
    added = [{**record, "incident_id": added_id(i), "date": added_day(i)} for i in range(ADDED)]
    store.apply_batch(added, BatchMeta("pages.csv", "p" * 64, "analyst"))
    store.dispose()
    running = start_app(tmp, env={"DASHBOARD_TILES": "none"})
    yield running
    stop_app(running)


def open_settled(page: Page, url: str) -> None:
    """Open ``url`` and wait until the map has reported its first view (a rerun of its own that
    would close a dropdown opened meanwhile)."""
    page.goto(url)
    wait_idle(page)
    settled_map(page)


def first_cells(page: Page) -> list[str]:
    """The text of the table's first data row, as the grid renders it for assistive tech (the
    columns in sight: date, location, district, weapon)."""
    page.locator(".st-key-incident_table canvas").first.scroll_into_view_if_needed()
    row = page.locator(".st-key-incident_table table[role='grid'] tbody tr").first
    row.wait_for(state="attached")
    return row.locator("td").all_text_contents()


def turn_to(page: Page, number: int) -> None:
    """Type a page number and wait for the run it causes."""
    field = page.locator(".st-key-table_page input")
    run_of(page, lambda: (field.fill(str(number)), field.press("Enter")))


def on_page(page: Page, number: int) -> None:
    """Wait until the page field shows ``number``."""
    expect(page.locator(".st-key-table_page input")).to_have_value(str(number))


def shows(page: Page, first: int, last: int) -> None:
    """Wait until the table says it shows incidents ``first`` to ``last`` of all of them."""
    expect(page.locator(".st-key-incident_table [data-testid='stCaptionContainer']")).to_have_text(
        f"Incidents {first} to {last} of {TOTAL}", timeout=15_000
    )


def test_one_page_of_rows_reaches_the_browser(page: Page, paged_app: RunningApp) -> None:
    open_settled(page, paged_app.url)
    shows(page, 1, PAGE_ROWS)
    holds_rows(page, PAGE_ROWS)
    assert first_cells(page)[0] == "2025-04-24"  # newest first
    turn_to(page, 3)
    shows(page, 2 * PAGE_ROWS + 1, TOTAL)
    holds_rows(page, TOTAL - 2 * PAGE_ROWS)
    assert first_cells(page)[0] == added_day(2 * PAGE_ROWS - 8)  # after the shipped 8
    select_first_row(page)  # a row on page 3 selects that row's incident
    expect(page.locator(".st-key-incident_record")).to_contain_text(added_id(2 * PAGE_ROWS - 8))


def test_sorting_orders_every_incident_in_view(page: Page, paged_app: RunningApp) -> None:
    open_settled(page, paged_app.url)
    page.locator(".st-key-table_sort input").click()
    page.keyboard.type("Incident")  # the last choice: filtered to, not scrolled to
    run_of(page, lambda: page.get_by_role("option", name="Incident", exact=True).click())
    on_page(page, 1)
    assert first_cells(page)[0] == added_day(0)  # PAGE-000: "PAGE-…" sorts before "UA-…"
    run_of(page, lambda: page.locator(".st-key-table_reverse label").click())
    assert first_cells(page)[0] == "2023-12-30"  # UA-ZAP-20231230


def test_a_linked_incident_opens_on_its_page_and_stays_reachable(
    page: Page, paged_app: RunningApp
) -> None:
    target = added_id(100)  # row 108 in the own order: page 3
    open_settled(page, f"{paged_app.url}/?incident={target}")
    page.locator(".st-key-incident_record").wait_for(timeout=60_000)
    on_page(page, 3)
    selected = page.locator(".st-key-incident_table [role='row'][aria-selected='true']")
    expect(selected).to_have_count(1)
    expect(selected).to_contain_text(added_day(100))
    turn_to(page, 1)
    on_page(page, 1)
    assert target in page.locator(".st-key-incident_record").inner_text()  # still selected
    run_of(page, lambda: page.get_by_role("button", name="Show the selected incident").click())
    on_page(page, 3)
    expect(selected).to_contain_text(added_day(100))
    assert page.get_by_role("button", name="Show the selected incident").count() == 0
