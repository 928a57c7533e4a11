"""Українською: a link with ``lang=uk`` opens the dashboard in Ukrainian (the map's legend,
controls and popup and the chart's axes and legend too, which only a browser draws), the Upload
page's report reads in Ukrainian, the briefing downloads in Ukrainian, and the share link keeps
the language. (tests/ui/test_ukrainian_apptest.py walks every other element of the pages.)"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from playwright.sync_api import Frame, Page, expect

from dashboard.core.i18n import use
from dashboard.imports import prepare
from tests.e2e.conftest import RunningApp, download_of, map_frame, run_of, wait_idle
from tests.english import data_values, english_in
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


#: An examined incident with several sources: its popup shows every label the popup has.
KHARKIV = "UA-KHA-20240102"
#: Every word the map's script and Leaflet's controls show: the legend (its body too, folded or
#: not), the layer control, the zoom and full-screen buttons' titles, and the popup and tooltip
#: of ``id`` (opened by the layer, which fetches its details first).
MAP_WORDS = """(id) => {
    const layer = L.IncidentLayer.instances.find(l => l._map && l.options.kind === 'markers'
        && !l.options.muted);
    return layer.openIncident(id).then(marker => {
        const map = document.querySelector('.leaflet-container');
        const titled = [...map.querySelectorAll('[title], [aria-label]')]
            .flatMap(e => [e.getAttribute('title'), e.getAttribute('aria-label')]);
        return {
            texts: [...map.querySelectorAll('.leaflet-control, .leaflet-popup-content')]
                .map(e => e.textContent),
            titles: titled.filter(Boolean),
            tooltip: marker.getTooltip()._content(marker).textContent,
            legend: map.querySelector('.incident-legend').textContent,
            popup: map.querySelector('.leaflet-popup-content').textContent,
        };
    });
}"""
#: Month abbreviations as Vega writes them in English (its default locale).
ENGLISH_MONTHS = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b")
UKRAINIAN_MONTH = re.compile(
    r"(?:січ|лют|бер|квіт|трав|черв|лип|серп|вер|жовт|лист|груд)\. 20\d\d"  # noqa: RUF001
)


def map_words(frame: Frame) -> dict[str, Any]:
    frame.wait_for_function(
        "() => window.L && L.IncidentLayer && L.IncidentLayer.instances.some(l => l._data)"
    )
    words: dict[str, Any] = frame.evaluate(MAP_WORDS, KHARKIV)
    return words


def untranslated(texts: list[str]) -> dict[str, list[str]]:
    """The English of each text that shows some (a text's first 80 characters name it)."""
    return {text[:80]: english_in(text) for text in texts if english_in(text)}


def uncut(text: str) -> str:
    """``text`` without the tail Vega cut with "…" when that tail starts a data value (the
    officials' counts end with who gave them: "≈ 50 … , Office of …")."""
    head, _sep, tail = text.removesuffix("…").rpartition(", ")
    cut = text.endswith("…") and any(v.startswith(tail.strip()) for v in data_values())
    return head if cut else text


def chart_texts(page: Page) -> list[str]:
    """The text Vega drew in the page's charts (SVG: axes' labels and titles, legends)."""
    charts = page.locator("[data-testid='stVegaLiteChart']")
    charts.first.scroll_into_view_if_needed()
    expect(charts.first.locator("svg text").first).to_be_attached(timeout=60_000)
    texts: list[str] = []
    for chart in charts.all():
        chart.scroll_into_view_if_needed()
        texts += chart.locator("svg text").all_text_contents()
    return [uncut(t) for t in texts if t.strip()]


def issue_cells(page: Page) -> list[str]:
    """The text of the issues table's cells (the grid's accessible table: the report's first
    table, its "Причина" column holding each issue's message)."""
    grid = page.locator("[data-testid='stDataFrame']", has=page.locator("th", has_text="Причина"))
    grid.scroll_into_view_if_needed()
    grid.locator("table td").first.wait_for(state="attached")
    return grid.locator("table td").all_text_contents()


def download_briefing(page: Page, path: Path) -> Path:
    """Download the briefing of the page's view to ``path``, once the map has drawn (it reports
    its first view when drawn, which reruns the page)."""
    map_frame(page)
    download_of(page, page.locator(".st-key-download_briefing button")).save_as(path)
    return path


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

    # The map's words come from the page: its legend, controls and popup are Ukrainian.
    shown = map_words(map_frame(page))
    assert "Атрибуція" in shown["legend"]
    assert "Джерела" in shown["popup"]
    assert "Збільшити" in shown["titles"]
    words = [*shown["texts"], *shown["titles"], shown["legend"], shown["popup"], shown["tooltip"]]
    assert untranslated(words) == {}
    # The charts' months, numbers and legends: Ukrainian, by Vega's locale.
    drawn = chart_texts(page)
    assert any(UKRAINIAN_MONTH.search(t) for t in drawn), drawn
    assert not [t for t in drawn if ENGLISH_MONTHS.search(t)], drawn
    assert "Атрибуція" in drawn
    assert untranslated(drawn) == {}

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
