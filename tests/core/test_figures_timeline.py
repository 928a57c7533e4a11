"""The timeline's time control: its months, the brush's and slider's dates, play's steps, and a
chart whose veto and expiry are named in a legend, never as text in the plot."""

from __future__ import annotations

from datetime import UTC, date, datetime

import altair as alt
import pandas as pd
import pytest

from dashboard.core.csvio import read_incident_csv
from dashboard.core.dates import month_end
from dashboard.core.figures import (
    BRUSH,
    brush_ends,
    brushed,
    calendar_months,
    drawn_brush,
    incident_months,
    localised,
    month_window,
    play_step,
    timeline_chart,
    timeline_frame,
    vega_locale,
    window_dates,
)
from dashboard.core.filters import Filters, apply
from dashboard.core.i18n import use
from dashboard.core.mandate import load_events, marker_dates
from dashboard.core.validate import validate
from dashboard.core.view import View, set_dates
from dashboard.core.weapons import classify
from dashboard.imports import MANDATE_EVENTS, SHIPPED_INCIDENTS
from tests.conftest import TODAY

MONTHS = [date(2023, 12, 1), date(2024, 1, 1), date(2024, 2, 1), date(2024, 8, 1)]


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    result = validate(read_incident_csv(SHIPPED_INCIDENTS.read_bytes()), TODAY)
    assert result.ok
    return classify(result.valid)


def ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


def test_month_ends_and_calendar_months() -> None:
    assert month_end(date(2024, 2, 1)) == date(2024, 2, 29)
    assert month_end(date(2023, 12, 15)) == date(2023, 12, 31)
    assert calendar_months(date(2023, 11, 20), date(2024, 2, 3)) == [
        date(2023, 11, 1),
        date(2023, 12, 1),
        date(2024, 1, 1),
        date(2024, 2, 1),
    ]


def test_incident_months_are_the_months_holding_incidents(shipped: pd.DataFrame) -> None:
    assert incident_months(shipped) == [*MONTHS, date(2024, 9, 1), date(2025, 4, 1)]
    assert incident_months(shipped.iloc[0:0]) == []


def test_a_brush_covers_the_months_whose_middle_it_holds() -> None:
    # From 30 January to 29 June: February (January's middle is out) to June (its middle is in).
    assert brushed([ms(date(2024, 1, 30)), ms(date(2024, 6, 29))]) == (
        date(2024, 2, 1),
        date(2024, 6, 30),
    )
    # To 10 June: up to May only.
    assert brushed([ms(date(2024, 1, 30)), ms(date(2024, 6, 10))]) == (
        date(2024, 2, 1),
        date(2024, 5, 31),
    )
    # Whole months exactly, either way round, and as ISO text.
    assert brushed([ms(date(2024, 4, 1)), ms(date(2024, 1, 1))]) == (
        date(2024, 1, 1),
        date(2024, 3, 31),
    )
    assert brushed(["2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"]) == (
        date(2024, 1, 1),
        date(2024, 1, 31),
    )
    # Narrower than any month's middle: the month holding its own middle.
    assert brushed([ms(date(2024, 3, 20)), ms(date(2024, 3, 25))]) == (
        date(2024, 3, 1),
        date(2024, 3, 31),
    )


@pytest.mark.parametrize("ends", [None, [], [1], [1, 2, 3], ["x", "y"], [True, False], {}])
def test_anything_but_two_brush_ends_is_no_brush(ends: object) -> None:
    assert brushed(ends) is None


def test_the_drawn_brush_reports_back_as_itself() -> None:
    drawn = drawn_brush(MONTHS, (date(2024, 1, 1), date(2024, 2, 29)))
    assert drawn == (date(2024, 1, 1), date(2024, 3, 1))
    assert brush_ends(drawn) == [ms(date(2024, 1, 1)), ms(date(2024, 3, 1))]
    assert brushed(brush_ends(drawn)) == (date(2024, 1, 1), date(2024, 2, 29))
    assert drawn_brush(MONTHS, (date(2024, 2, 1), None)) == (date(2024, 2, 1), date(2024, 9, 1))
    assert drawn_brush(MONTHS, (None, None)) is None
    assert drawn_brush(MONTHS, (date(2024, 5, 1), date(2024, 1, 1))) is None  # impossible


def test_the_slider_shows_and_sets_whole_months() -> None:
    steps = calendar_months(MONTHS[0], MONTHS[-1])
    assert month_window(steps, (None, None)) == (date(2023, 12, 1), date(2024, 8, 1))
    assert month_window(steps, (date(2024, 1, 15), date(2024, 2, 3))) == (
        date(2024, 1, 1),
        date(2024, 2, 1),
    )
    assert month_window(steps, (date(2020, 1, 1), date(2030, 1, 1))) == (steps[0], steps[-1])
    assert month_window(steps, (date(2024, 5, 1), date(2024, 1, 1))) == (
        date(2024, 5, 1),
        date(2024, 5, 1),
    )
    assert window_dates(steps, (steps[0], steps[-1])) == (None, None)
    assert window_dates(steps, (steps[0], date(2024, 2, 1))) == (None, date(2024, 2, 29))
    assert window_dates(steps, (date(2024, 1, 1), date(2024, 3, 1))) == (
        date(2024, 1, 1),
        date(2024, 3, 31),
    )


def test_play_steps_through_the_incidents_months_then_stops() -> None:
    assert play_step(MONTHS, (None, None)) == (date(2023, 12, 1), date(2023, 12, 31))
    assert play_step(MONTHS, (date(2023, 12, 1), date(2023, 12, 31))) == (
        date(2024, 1, 1),
        date(2024, 1, 31),
    )
    # Over the months without incidents (March to July 2024).
    assert play_step(MONTHS, (date(2024, 2, 1), date(2024, 2, 29))) == (
        date(2024, 8, 1),
        date(2024, 8, 31),
    )
    assert play_step(MONTHS, (date(2024, 8, 1), date(2024, 8, 31))) is None
    # Not one whole month: from the first.
    assert play_step(MONTHS, (date(2024, 1, 1), date(2024, 2, 29))) == (
        date(2023, 12, 1),
        date(2023, 12, 31),
    )
    assert play_step([], (None, None)) is None


def test_set_dates_keeps_the_other_filters_and_drops_a_moved_map() -> None:
    view = View(filters=Filters(statuses=("confirmed",), q="kn23"), map_view=(50.0, 36.0, 9))
    changed = set_dates(view, date(2024, 1, 1), date(2024, 1, 31))
    assert changed.filters == Filters(
        date_from=date(2024, 1, 1), date_to=date(2024, 1, 31), statuses=("confirmed",), q="kn23"
    )
    assert changed.map_view is None


def test_the_timeline_spans_the_months_outside_the_dates(shipped: pd.DataFrame) -> None:
    chosen = Filters(date_from=date(2024, 1, 1), date_to=date(2024, 1, 31), q="kharkiv")
    in_view = apply(shipped, chosen)
    frame = timeline_frame(shipped, chosen, in_view)
    assert set(frame["incident_id"]) == {"UA-KHA-20240102", "UA-KHA-20240106", "UA-KHA-20240207"}
    assert timeline_frame(shipped, Filters(q="kharkiv"), in_view) is in_view  # no date: as is


def spec(frame: pd.DataFrame, **kwargs: object) -> dict:
    return timeline_chart(frame, marker_dates(load_events(MANDATE_EVENTS)), **kwargs).to_dict()


def test_bars_outside_the_dates_are_faint_and_counted_apart(shipped: pd.DataFrame) -> None:
    dates = (date(2024, 1, 15), date(2024, 2, 29))
    in_view = apply(shipped, Filters(date_from=dates[0], date_to=dates[1]))
    drawn = spec(shipped, in_dates=in_view, dates=dates)
    (rows,) = [v for k, v in drawn["datasets"].items() if v and "inside" in v[0]]
    january = {
        (r["status"], r["inside"]): r["incidents"] for r in rows if r["month"] == "2024-01-01"
    }
    # 2 January (confirmed, preliminary) falls before the 15th; 6 January (claimed) too.
    assert january == {("confirmed", False): 1, ("preliminary", False): 1, ("claimed", False): 1}
    february = [r for r in rows if r["month"] == "2024-02-01"]
    assert [(r["status"], r["inside"], r["incidents"]) for r in february] == [
        ("preliminary", True, 1)
    ]
    assert sum(r["incidents"] for r in rows) == 8
    (brush,) = drawn["params"]
    assert brush["name"] == BRUSH
    assert brush["value"]["x"][0] == {"year": 2024, "month": 1, "date": 15, "utc": True}
    assert brush["value"]["x"][1] == {"year": 2024, "month": 3, "date": 1, "utc": True}


def test_marks_are_named_in_a_legend_and_ticks_are_whole(shipped: pd.DataFrame) -> None:
    drawn = spec(shipped)
    bars, rules = drawn["layer"]
    assert [bars["mark"]["type"], rules["mark"]["type"]] == ["bar", "rule"]  # no text marks
    assert bars["encoding"]["y"]["axis"]["format"] == "d"  # never "0.500000"
    assert bars["encoding"]["color"]["legend"]["orient"] == "bottom"
    dashes = rules["encoding"]["strokeDash"]
    assert dashes["legend"]["orient"] == "top"  # the other side from the statuses
    assert dashes["legend"]["direction"] == "vertical"  # one mark a line: they never collide
    assert dashes["scale"]["domain"] == [
        "Renewal vetoed 2024-03-28",
        "Panel mandate expires 2024-04-30",
    ]
    assert "value" not in drawn["params"][0]  # no date: no brush drawn
    assert spec(shipped.iloc[0:0])  # an empty frame still makes a chart


def test_charts_format_months_and_numbers_in_the_language_in_force() -> None:
    with use("uk"):
        ukrainian = localised(alt.Chart(pd.DataFrame({"n": [1]})).mark_bar()).to_dict()
    number, time = ukrainian["config"]["locale"]["number"], ukrainian["config"]["locale"]["time"]
    assert (number["decimal"], number["thousands"]) == (",", "\N{NO-BREAK SPACE}")
    assert (time["shortMonths"][0], time["months"][8]) == ("січ.", "вересень")
    assert (time["days"][0], time["date"]) == ("неділя", "%d.%m.%y")  # weeks start on Sunday
    english = vega_locale()
    assert english["number"] == {
        "decimal": ".",
        "thousands": ",",
        "grouping": [3],
        "currency": ["", ""],
    }
    assert (english["time"]["shortMonths"][0], english["time"]["periods"]) == ("Jan", ["AM", "PM"])
    assert english["time"]["dateTime"] == "%-m/%-d/%y, %-I:%M:%S\N{NARROW NO-BREAK SPACE}%p"
