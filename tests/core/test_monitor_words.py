"""The Monitor page's words in Ukrainian, at the cheapest level: dates, place names, the
mandate's status and timeline, the table's cells. English output stays as it was."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.core.dates import MONTH, date_text
from dashboard.core.i18n import use
from dashboard.core.mandate import event_texts, load_events, status
from dashboard.core.places import UKRAINIAN, name, names
from dashboard.core.shown import record_fields, record_heading, shown_cells
from dashboard.imports import MANDATE_EVENTS, SHIPPED_INCIDENTS, prepare


def test_date_text_speaks_ukrainian_in_words_and_english_as_before() -> None:
    assert date_text("2024-01-02", "day") == "2024-01-02"
    assert date_text("2024-09-01", MONTH) == "September 2024"
    with use("uk"):
        assert date_text("2024-01-02", "day") == "2 січня 2024"
        assert date_text("2024-09-01", MONTH) == "вересень 2024"
        assert date_text(None, "day") == ""


def test_the_gazetteer_names_only_exact_values() -> None:
    assert name("Kharkiv") == "Kharkiv"  # English: as written
    with use("uk"):
        assert name("Kharkiv") == "Харків"
        assert name("Shevchenkivskyi") == "Шевченківський"
        assert name("Brovary district") == "Броварський район"
        assert name("Kharkiv, industrial zone") == "Kharkiv, industrial zone"  # data as written
        column = names(pd.Series(["Kyiv", None, "Kyiv oblast"], dtype=object))
        assert column.tolist() == ["Київ", None, "Kyiv oblast"]
    # The nine Kharkiv districts of FACTS.md, Kyiv's two and the Brovary district.
    assert len(UKRAINIAN) == 16


@pytest.fixture
def events() -> pd.DataFrame:
    return load_events(MANDATE_EVENTS)


@pytest.mark.parametrize(
    ("today", "words"),
    [
        (date(2024, 5, 1), "1 день"),
        (date(2024, 5, 3), "3 дні"),
        (date(2024, 5, 5), "5 днів"),
        (date(2024, 5, 21), "21 день"),
        (date(2024, 5, 12), "12 днів"),
    ],
)
def test_the_mandate_status_counts_its_days_in_ukrainian(
    events: pd.DataFrame, today: date, words: str
) -> None:
    mandate = status(events, today)
    with use("uk"):
        expected = f"Мандат сплив 30 квітня 2024 · {words} без групи ООН"  # noqa: RUF001
        assert mandate.headline == expected
    english = "day" if (today - date(2024, 4, 30)).days == 1 else "days"
    assert mandate.headline.endswith(f" {english} without a UN panel")


def test_the_headline_keeps_its_english(events: pd.DataFrame) -> None:
    mandate = status(events, date(2026, 1, 1))
    assert mandate.headline == "Expired 2024-04-30 · 611 days without a UN panel"
    assert mandate.facts()[0] == "Renewal vetoed on 2024-03-28."


def test_the_mandate_timeline_has_its_events_in_ukrainian(events: pd.DataFrame) -> None:
    assert (events["event_uk"] != "").all()  # every row summarised in both languages
    assert event_texts(events).equals(events["event"])
    with use("uk"):
        texts = event_texts(events)
        facts = status(events, date(2026, 1, 1)).facts()
    expiry = texts[events["kind"] == "expiry"].item()
    assert "Комітет 1718" in expiry
    assert texts[events["kind"] == "veto"].str.contains("вето").item()
    assert facts[0] == "Продовження мандата заблоковано вето 28 березня 2024."
    assert facts[-1].startswith("Остання доповідь (22 жовтня 2025): Друга доповідь MSMT")


def test_a_file_without_ukrainian_summaries_reads_as_english(
    events: pd.DataFrame, tmp_path
) -> None:
    bare = tmp_path / "events.csv"
    events.drop(columns=["event_uk", "sort_date"]).to_csv(bare, index=False)
    with use("uk"):
        assert event_texts(load_events(bare)).equals(events["event"])


def test_table_cells_and_record_in_ukrainian() -> None:
    shipped = prepare(SHIPPED_INCIDENTS.read_bytes(), "incidents.csv", date(2026, 1, 1)).valid
    english = shown_cells(shipped).set_index("incident_id")
    with use("uk"):
        cells = shown_cells(shipped).set_index("incident_id")
        kharkiv = shipped[shipped["incident_id"] == "UA-KHA-20240102"].iloc[0].to_dict()
        heading, fields = record_heading(kharkiv), dict(record_fields(kharkiv))
    assert english.loc["UA-POL-202409", "date"] == "September 2024"
    assert english.loc["UA-KHA-20240102", "district"] == "Shevchenkivskyi"
    assert english.loc["UA-KHA-20240106", "killed"] == "not reported"
    assert cells.loc["UA-POL-202409", "date"] == "вересень 2024"
    assert cells.loc["UA-KHA-20240102", "date"] == "2 січня 2024"
    assert cells.loc["UA-KHA-20240102", "district"] == "Шевченківський"
    assert cells.loc["UA-KHA-20240102", "location"] == "Харків"
    assert cells.loc["UA-KHA-20240207", "location"] == "Kharkiv, industrial zone"
    assert cells.loc["UA-KHA-20240106", "killed"] == "не повідомлено"
    assert cells.loc["UA-KHA-20240102", "attribution_status"] == "підтверджено"
    assert heading == "2 січня 2024 · Харків"
    assert fields["Координати"].startswith("50.0170, 36.2170 (точність: ")
