"""A month stays a month, unknown stays unknown, and an outcome says what happened: from the
upload's cell to every view, export and filter (pure functions, no store)."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from dashboard.core.cells import CellError, date_precision, parse_incident_date
from dashboard.core.csvio import read_incident_csv
from dashboard.core.dates import date_text, iso_text, iso_texts, span_ends
from dashboard.core.export import to_csv, to_excel_csv, to_geojson
from dashboard.core.figures import NO_FIGURE, Tally, headline
from dashboard.core.filters import Filters, apply
from dashboard.core.mandate import load_events, status
from dashboard.core.maps import Legend, map_labels
from dashboard.core.payload import encode_payload
from dashboard.core.records import incidents_frame, typed_frame
from dashboard.core.sheets import read_workbook
from dashboard.core.shown import record_fields, record_heading, shown_cells
from dashboard.core.table import Order, ordered, table_page
from dashboard.core.validate import derive_incident_id, validate
from dashboard.imports import MANDATE_EVENTS
from tests.conftest import TODAY
from tests.core.test_briefing import make
from tests.core.test_maps import decode
from tests.helpers import csv_text, row


def checked(*rows: dict[str, str]) -> pd.DataFrame:
    """The rows validated as an upload is (they must all be valid)."""
    result = validate(read_incident_csv(csv_text(list(rows)).encode()), TODAY)
    assert result.ok, result.issues
    return result.valid


@pytest.fixture
def mixed() -> pd.DataFrame:
    """A day with figures, a month with none (shot down), and a day of debris with one."""
    return checked(
        row(incident_id="DAY", date="2024-08-11", killed="2", injured="3"),
        row(incident_id="MONTH", date="2024-09", killed="", injured="", outcome="shot down"),
        row(incident_id="DEBRIS", date="2024-08-20", killed="1", injured="", outcome="debris"),
    ).set_index("incident_id", drop=False)


@pytest.mark.parametrize(
    ("text", "start", "precision"),
    [
        ("2024-09", date(2024, 9, 1), "month"),
        ("09.2024", date(2024, 9, 1), "month"),
        ("September 2024", date(2024, 9, 1), "month"),
        (" Sep  2024 ", date(2024, 9, 1), "month"),
        ("2024-09-01", date(2024, 9, 1), "day"),
        ("01.09.2024", date(2024, 9, 1), "day"),
        ("1 September 2024", date(2024, 9, 1), "day"),
    ],
)
def test_a_date_is_read_with_its_precision(text: str, start: date, precision: str) -> None:
    assert (parse_incident_date(text), date_precision(text)) == (start, precision)


@pytest.mark.parametrize("text", ["2024-13", "13.2024", "Smarch 2024", "2024-9-1"])
def test_an_impossible_month_is_refused(text: str) -> None:
    with pytest.raises(CellError) as refused:
        parse_incident_date(text)
    assert refused.value.code == "invalid-date"


def test_an_upload_keeps_a_month_as_a_month(mixed: pd.DataFrame) -> None:
    assert mixed.loc["MONTH", "date"] == pd.Timestamp("2024-09-01")
    assert mixed["date_precision"].tolist() == ["day", "month", "day"]
    assert mixed["outcome"].tolist() == ["impact", "shot down", "debris"]
    assert mixed.loc["MONTH", ["killed", "injured"]].isna().all()


def test_a_future_month_is_refused_and_this_month_is_not() -> None:
    this_month = TODAY.strftime("%Y-%m")
    later = date(TODAY.year + 1, 1, 1).strftime("%Y-%m")
    result = validate(
        read_incident_csv(
            csv_text([row(date=this_month), row(incident_id="T-0002", date=later)]).encode()
        ),
        TODAY,
    )
    assert [(i.line, i.column, i.code) for i in result.errors] == [(3, "date", "future-date")]


def test_an_xlsx_cell_shown_as_a_month_is_read_as_the_month() -> None:
    """Excel turns a typed ``2024-09`` into the 1st of September shown ``Sep-24``: no day."""
    book = Workbook()
    sheet = book.active
    sheet.append(["date", "source_date"])
    sheet.append([datetime(2024, 9, 1), datetime(2024, 10, 17)])
    sheet["A2"].number_format = "mmm-yy"
    sheet["B2"].number_format = "yyyy-mm-dd"
    sheet.append(["2024-09", None])
    out = io.BytesIO()
    book.save(out)
    assert read_workbook(out.getvalue()).rows == [["2024-09", "2024-10-17"], ["2024-09", ""]]


def test_one_formatter_for_views_and_one_for_files() -> None:
    assert date_text(date(2024, 9, 1), "month") == "September 2024"
    assert date_text(pd.Timestamp("2024-01-02"), "day") == "2024-01-02"
    assert date_text(None, "day") == ""
    assert iso_text(pd.Timestamp("2024-09-01"), "month") == "2024-09"
    assert iso_text("2024-01-02", "day") == "2024-01-02"
    starts = pd.Series(pd.to_datetime(["2024-09-01", "2024-01-02", None]))
    precisions = pd.Series(["month", "day", "day"])
    assert iso_texts(starts, precisions).tolist() == ["2024-09", "2024-01-02", None]


def test_a_month_reaches_its_last_day() -> None:
    starts = np.array(["2024-02-01", "2024-12-01", "2024-02-01"], dtype="datetime64[s]")
    ends = span_ends(starts, pd.Series(["month", "month", "day"]))
    assert [str(d)[:10] for d in ends] == ["2024-02-29", "2024-12-31", "2024-02-01"]


@pytest.mark.parametrize(
    ("date_from", "date_to", "kept"),
    [
        (date(2024, 9, 15), None, {"MONTH"}),  # overlaps September: in
        (None, date(2024, 9, 1), {"DAY", "MONTH", "DEBRIS"}),
        (date(2024, 9, 30), date(2024, 9, 30), {"MONTH"}),
        (date(2024, 10, 1), None, set()),
        (None, date(2024, 8, 31), {"DAY", "DEBRIS"}),
        (date(2024, 8, 12), date(2024, 8, 31), {"DEBRIS"}),
    ],
)
def test_date_filters_keep_a_month_that_overlaps_them(
    mixed: pd.DataFrame, date_from: date | None, date_to: date | None, kept: set[str]
) -> None:
    for frame in (mixed, typed_frame(mixed, categories=True)):  # as validated and as stored
        shown = apply(frame, Filters(date_from=date_from, date_to=date_to))
        assert set(shown["incident_id"]) == kept


def test_a_month_sorts_at_its_start(mixed: pd.DataFrame) -> None:
    positions = ordered(mixed, Order("date"))
    assert mixed["incident_id"].iloc[positions].tolist() == ["DAY", "DEBRIS", "MONTH"]


def test_the_headline_sums_known_figures_and_says_so() -> None:
    assert Tally(5, 0, 2).text == "5"
    assert Tally(5, 1, 2).text == "at least 5"
    assert Tally(0, 2, 2).text == "not reported"
    assert Tally(0, 0, 0).text == "0"
    assert Tally(0, 0, 1).text == "0"  # a source that says none were killed


def test_the_headline_of_a_view(mixed: pd.DataFrame) -> None:
    mandate = status(load_events(MANDATE_EVENTS), TODAY)
    assert headline(mixed, mandate).casualties == "at least 3 · at least 3"
    assert headline(mixed.loc[["MONTH"]], mandate).casualties == "not reported · not reported"
    # The page's narrow metric: the sums, and what they are under them.
    assert headline(mixed, mandate).casualty_figure == ("3 · 3", "at least")
    assert headline(mixed.loc[["MONTH"]], mandate).casualty_figure == (
        f"{NO_FIGURE} · {NO_FIGURE}",
        "not reported",
    )
    assert headline(mixed.loc[["DAY"]], mandate).casualty_figure == ("2 · 3", None)
    debris_only = headline(mixed.loc[["DEBRIS"]], mandate).casualty_figure
    assert debris_only == (f"1 · {NO_FIGURE}", "injured not reported")
    month_and_day = headline(mixed.loc[["MONTH", "DAY"]], mandate).casualty_figure
    assert month_and_day == ("2 · 3", "at least")
    assert headline(mixed.loc[["DAY"]], mandate).casualties == "2 · 3"


def test_the_table_and_preview_show_the_month_and_unknown_counts(mixed: pd.DataFrame) -> None:
    page = table_page(mixed, ordered(mixed, Order()), 1).set_index("incident_id")
    assert page.loc["MONTH", "date"] == "September 2024"
    assert page.loc["DAY", "date"] == "2024-08-11"
    assert page.loc["MONTH", ["killed", "injured"]].tolist() == ["not reported"] * 2
    assert page.loc["DEBRIS", ["killed", "injured"]].tolist() == ["1", "not reported"]
    assert shown_cells(mixed).loc["MONTH", "date"] == "September 2024"


def test_the_record_says_the_month_the_outcome_and_unknown_counts(mixed: pd.DataFrame) -> None:
    month = mixed.loc["MONTH"].to_dict()
    assert record_heading(month) == "September 2024 · Kharkiv"
    fields = dict(record_fields(month))
    assert fields["Date"] == "September 2024 (the source gives no day)"
    assert fields["Killed"] == fields["Injured"] == "not reported"
    assert fields["Outcome"] == "Shot down: intercepted, no damage reported"
    debris = dict(record_fields(mixed.loc["DEBRIS"].to_dict()))
    assert "Date" not in debris
    assert debris["Outcome"] == "Debris of a downed missile fell (no direct strike)"
    assert (debris["Killed"], debris["Injured"]) == ("1", "not reported")


def test_exports_write_the_month_and_leave_unknown_counts_empty(mixed: pd.DataFrame) -> None:
    exported = pd.read_csv(io.StringIO(to_csv(mixed)), dtype=str, keep_default_na=False)
    exported = exported.set_index("incident_id")
    assert "date_precision" not in exported
    assert exported.loc["MONTH", "date"] == "2024-09"
    assert exported.loc["MONTH", ["killed", "injured"]].tolist() == ["", ""]
    assert exported.loc["DEBRIS", ["killed", "injured", "outcome"]].tolist() == ["1", "", "debris"]
    again = validate(read_incident_csv(to_csv(mixed).encode()), TODAY).valid
    pd.testing.assert_frame_equal(
        again.drop(columns="line"), mixed.reset_index(drop=True).drop(columns="line")
    )
    excel = validate(read_incident_csv(to_excel_csv(mixed)), TODAY).valid
    assert excel["date_precision"].tolist() == ["day", "month", "day"]
    features = json.loads(to_geojson(mixed))["features"]
    month = next(f["properties"] for f in features if f["id"] == "MONTH")
    assert (month["date"], month["killed"], month["injured"]) == ("2024-09", None, None)
    assert "date_precision" not in month


def test_a_derived_id_tells_a_month_from_its_first_day() -> None:
    month, day = checked(
        row(incident_id="", date="2024-09"), row(incident_id="", date="2024-09-01")
    )["incident_id"]
    assert month != day
    # A day's id is what it was before months existed (the date as ISO text in the key).
    unchanged = derive_incident_id(
        {"date": date(2024, 1, 2), "location": "Kharkiv", "latitude": 50.017, "longitude": 36.217}
        | {"weapon": "KN-23"}
    )
    assert unchanged == derive_incident_id(
        {"date": "2024-01-02", "location": "Kharkiv", "latitude": 50.017, "longitude": 36.217}
        | {"weapon": "KN-23"}
    )


def test_the_map_payload_carries_the_shown_date_and_the_outcome(mixed: pd.DataFrame) -> None:
    header, arrays = decode(encode_payload(mixed).data)
    dates = [header["dates"]["en"][c - 1] for c in arrays["date"]]  # type: ignore[index]
    assert dates == ["2024-08-11", "September 2024", "2024-08-20"]
    outcomes = [header["outcomes"][c - 1] for c in arrays["outcome"]]  # type: ignore[index]
    assert outcomes == ["impact", "shot down", "debris"]
    labels = map_labels()["outcomeWords"]  # the page's words, beside the payload
    assert labels["debris"] == "Debris of a downed missile fell (no direct strike)"
    legend = Legend().body
    for name in ("outcome-impact", "outcome-debris", "outcome-shot-down"):
        assert name in legend


def test_a_missing_date_has_no_text_in_the_payload() -> None:
    frame = incidents_frame(
        [
            {
                **{k: v for k, v in row().items() if k not in ("killed", "injured")},
                "date": None,
                "latitude": 50.0,
                "longitude": 36.2,
            }
        ]
    )
    header, arrays = decode(encode_payload(frame).data)
    assert (header["dates"], arrays["date"].tolist()) == ({"en": [], "uk": []}, [0])


def test_the_briefing_shows_the_month_and_unknown_counts(mixed: pd.DataFrame) -> None:
    page = make(mixed)
    assert "<td>September 2024</td>" in page
    assert "<td>not reported</td>" in page
    assert "<b>at least 3 · at least 3</b>" in page
    assert "2024-09-01" not in page.split('srcdoc="')[0]
