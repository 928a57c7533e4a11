"""Українською: a link with ``lang=uk`` opens the dashboard in Ukrainian, the Upload page's report
reads in Ukrainian, the briefing downloads in Ukrainian, and the share link keeps the language."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from playwright.sync_api import Page, expect

from dashboard.core.i18n import use
from dashboard.imports import prepare
from tests.e2e.conftest import RunningApp, run_of, wait_idle
from tests.helpers import GOOD, csv_bytes, row

#: The Upload page's report as it reads in English: none of it may show in Ukrainian.
ENGLISH_REPORT = (
    "Upload incidents and evidence",
    "The file holds",
    "Report",
    "Rows read",
    "Valid",
    "Invalid",
    "Warnings",
    "Valid rows, as they would be stored",
    "Past uploads",
    "Import",
)
UPLOAD_TITLE = "Завантаження інцидентів і доказів"  # noqa: RUF001
#: A file with one good row and one whose latitude is not a number.
FAULTY = csv_bytes([GOOD, row(incident_id="T-2", latitude="north")])


def issue_cells(page: Page) -> list[str]:
    """The text of the issues table's cells (the grid's accessible table: the report's first
    table, its "Причина" column holding each issue's message)."""
    grid = page.locator("[data-testid='stDataFrame']", has=page.locator("th", has_text="Причина"))
    grid.scroll_into_view_if_needed()
    grid.locator("table td").first.wait_for(state="attached")
    return grid.locator("table td").all_text_contents()


def test_a_ukrainian_link_reads_uploads_and_briefs_in_ukrainian(
    app: RunningApp, page: Page, tmp_path: Path
) -> None:
    page.goto(f"{app.url}/?lang=uk")
    wait_idle(page)
    expect(page).to_have_title("Ракети КНДР в Україні · моніторинг санкцій")
    nav = page.locator("[data-testid='stSidebarNav']")
    expect(nav.get_by_text("Моніторинг", exact=True)).to_be_visible()
    expect(nav.get_by_text("Завантаження", exact=True)).to_be_visible()
    expect(page.locator(".st-key-share_link input")).to_have_value(
        re.compile(r"[?&]lang=uk\b"), timeout=60_000
    )

    with page.expect_download(timeout=120_000) as download:  # the map is inlined: ~0.4 MB
        page.locator(".st-key-download_briefing button").click()
    briefing = tmp_path / "briefing.html"
    download.value.save_as(briefing)
    text = briefing.read_text(encoding="utf-8")
    assert '<html lang="uk">' in text
    assert "<h2>Застосовані фільтри</h2>" in text

    run_of(page, lambda: nav.get_by_text("Завантаження", exact=True).click())
    expect(page.get_by_role("heading", name=UPLOAD_TITLE)).to_be_visible()
    run_of(
        page,
        lambda: page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
            files=[{"name": "faulty.csv", "mimeType": "text/csv", "buffer": FAULTY}]
        ),
    )
    main = page.locator("[data-testid='stMain']")
    expect(main.get_by_role("heading", name="Звіт", exact=True)).to_be_visible()
    expect(main.get_by_text("Прочитано рядків", exact=True)).to_be_visible()
    for english in ENGLISH_REPORT:
        assert main.get_by_text(english, exact=True).count() == 0, english
    with use("uk"):  # the engine's own words for the fault, in Ukrainian
        expected = prepare(FAULTY, "faulty.csv", date.today()).issues_frame()["reason"].tolist()
    assert expected
    assert set(expected) <= set(issue_cells(page))
