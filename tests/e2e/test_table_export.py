"""The incident table's own toolbar offers no CSV download: it would export cells un-neutralised."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.e2e.conftest import RunningApp, settled_map


def test_incident_table_toolbar_has_no_download(page: Page, app: RunningApp) -> None:
    page.goto(app.url)
    settled_map(page)
    table = page.locator(".st-key-incident_table")
    table.locator("[data-testid='stDataFrame']").hover()
    toolbar = table.locator("[data-testid='stElementToolbar']")
    toolbar.locator("button").first.wait_for(state="visible", timeout=10_000)
    labels = [
        button.get_attribute("aria-label") or button.inner_text()
        for button in toolbar.locator("button").all()
    ]
    assert "Search" in labels, labels
    assert not [label for label in labels if "download" in label.lower()], labels
