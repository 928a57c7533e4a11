"""An uploaded row carrying HTML and script shows as text everywhere and runs nowhere.

Upload through the page, check the preview map's tooltip and popup and the preview table, import,
then check the Monitor map's tooltip and popup, its table and the incident's full record, with
every dialog and page error recorded: a payload that ran would open an alert.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Frame, Page

from tests.e2e.conftest import (
    RunningApp,
    map_frame,
    settled_map,
    start_app,
    stop_app,
    wait_idle,
)
from tests.helpers import csv_bytes, row

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = '"><script>alert(2)</script>'
PAYLOAD_ROW = row(
    incident_id="XSS-1",
    location=IMG,
    district=SCRIPT,
    weapon=SCRIPT,
    attributed_by=IMG,
    source_title=SCRIPT,
    source_url="https://example.org/?q=" + SCRIPT,  # an address may hold quotes and brackets
    notes=IMG + " " + SCRIPT,
)
#: Elements the payload would create if it were parsed as HTML.
INJECTED = "img[src='x'], script:has-text('alert(2)')"


@pytest.fixture
def own_app(tmp_path: Path) -> Iterator[RunningApp]:
    """An app on a store of its own: this test adds an incident."""
    running = start_app(tmp_path)
    yield running
    stop_app(running)


def open_marker(frame: Frame, incident_id: str) -> dict[str, str]:
    """Open the tooltip and popup of one incident's marker through the incident layer, and read
    them as they opened: the popup then pans the map clear of its edges, and the layer draws
    its markers again after that move, tooltip gone."""
    frame.wait_for_function(
        "() => window.L && L.IncidentLayer && L.IncidentLayer.instances.some((l) => l._map)"
    )
    shown = frame.evaluate(
        """(id) => {
            const layer = L.IncidentLayer.instances.find(
                (l) => l._map && l.options.kind === "markers");
            return layer ? layer.openIncident(id).then(() => {
                const tooltip = document.querySelector(".incident-tooltip");
                const popup = document.querySelector(".incident-popup");
                return {tooltipHtml: tooltip.innerHTML, tooltip: tooltip.textContent,
                        popup: popup.textContent};
            }) : null;
        }""",
        incident_id,
    )
    assert shown, f"no marker for {incident_id}"
    return dict(shown)


def table_cells(page: Page, column: str) -> list[str]:
    """Text of the cells the dataframe with a given column shows (the grid's accessible table
    holds only the columns in view)."""
    header = page.locator("th", has_text=column)
    grid = page.locator("[data-testid='stDataFrame']", has=header)
    return grid.locator("table td").all_text_contents()


def test_payload_is_text_everywhere(own_app: RunningApp, page: Page) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{own_app.url}/upload")
    wait_idle(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        files=[{"name": "payload.csv", "mimeType": "text/csv", "buffer": csv_bytes([PAYLOAD_ROW])}]
    )
    wait_idle(page)

    frame = map_frame(page)
    frame.wait_for_function("() => Object.values(window).some((v) => v instanceof L.Map)")
    shown = open_marker(frame, "XSS-1")
    assert IMG not in shown["tooltipHtml"]
    assert SCRIPT in shown["tooltip"]
    assert IMG in shown["popup"]
    assert SCRIPT in shown["popup"]
    assert frame.locator(INJECTED).count() == 0

    page.locator("table td", has_text=IMG).first.wait_for(state="attached")
    preview = table_cells(page, "change")
    assert IMG in preview
    assert SCRIPT in preview

    page.get_by_role("button", name="Import", exact=True).click()
    wait_idle(page)
    assert (
        "Stored as batch 2: 1 added" in page.locator("[data-testid='stAlert']").first.inner_text()
    )

    page.goto(own_app.url)
    # The Monitor's map: the stored incident's tooltip and popup (the details its popup fetches
    # on opening) are text too.
    shown = open_marker(settled_map(page), "XSS-1")
    assert IMG not in shown["tooltipHtml"]
    assert SCRIPT in shown["tooltip"]
    assert IMG in shown["popup"]
    assert SCRIPT in shown["popup"]
    assert map_frame(page).locator(INJECTED).count() == 0
    page.locator(".st-key-q input").fill("XSS-1")
    page.keyboard.press("Enter")
    wait_idle(page)
    grid = page.locator(".st-key-incident_table canvas").first
    grid.scroll_into_view_if_needed()
    page.locator(".st-key-incident_table table td", has_text=IMG).first.wait_for(state="attached")
    assert IMG in page.locator(".st-key-incident_table table td").all_text_contents()  # location
    # The grid's accessible table holds only the columns in view: the district (and weapon)
    # lie right of the lead columns, so the grid scrolls right until a cell shows the payload.
    page.wait_for_function(
        """(text) => {
            const cells = document.querySelectorAll('.st-key-incident_table table td');
            if ([...cells].some((td) => td.textContent === text)) { return true; }
            const scroller = document.querySelector('.st-key-incident_table .dvn-scroller');
            scroller.scrollLeft += scroller.clientWidth / 2;
            return false;
        }""",
        arg=SCRIPT,
        polling=250,
        timeout=20_000,
    )
    # Open its record through the link (selecting a row by pixel raced the grid's drawing).
    page.goto(f"{own_app.url}/?q=XSS-1&incident=XSS-1")
    settled_map(page)
    record = page.locator(".st-key-incident_record")
    text = record.inner_text()
    assert IMG in text
    assert SCRIPT in text

    assert page.locator(INJECTED).count() == 0
    assert dialogs == []
    assert page.errors == []  # type: ignore[attr-defined]
