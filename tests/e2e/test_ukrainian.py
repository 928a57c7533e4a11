"""Українською: a link with ``lang=uk`` opens the dashboard in Ukrainian, the Upload page's report
reads in Ukrainian, the briefing downloads in Ukrainian, and the share link keeps the language."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from dashboard.core.i18n import use
from dashboard.imports import prepare
from tests.e2e.conftest import RunningApp, map_frame, run_of, wait_idle
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


def download_briefing(page: Page, path: Path, attempts: int = 3) -> Path:
    """Download the briefing of the page's view to ``path``. The button's file is made when it
    is asked for, by the run that drew it: a click that lands while the map's first report
    reruns the page asks for a file already replaced, and no download comes, so such a click is
    repeated (at most ``attempts`` times), each after the page has finished its run."""
    map_frame(page)  # the map reports its first view once drawn, which reruns the page
    for _ in range(attempts):
        wait_idle(page)
        try:
            with page.expect_download(timeout=60_000) as download:
                page.locator(".st-key-download_briefing button").click()
        except PlaywrightTimeoutError:
            continue
        download.value.save_as(path)
        return path
    raise AssertionError(f"no briefing downloaded in {attempts} clicks")


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

    briefing = download_briefing(page, tmp_path / "briefing.html")
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
    metric = main.locator("[data-testid='stMetricLabel']")
    expect(metric.get_by_text("Прочитано рядків", exact=True)).to_be_visible()
    for english in ENGLISH_REPORT:
        assert main.get_by_text(english, exact=True).count() == 0, english
    with use("uk"):  # the engine's own words for the fault, in Ukrainian
        expected = prepare(FAULTY, "faulty.csv", date.today()).issues_frame()["reason"].tolist()
    assert expected
    assert set(expected) <= set(issue_cells(page))
