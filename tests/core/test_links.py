"""Links: view state -> query parameters -> view state, and hostile parameters."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.core import links
from dashboard.core.filters import Filters
from dashboard.core.links import parse, query_string, to_params
from dashboard.core.schema import STATUSES
from dashboard.core.view import LAYERS, MAX_ZOOM, View

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def parsed(query: str) -> tuple[View, list[tuple[str, str]]]:
    """Parse a query string as the browser sends it; notes as (param, reason) pairs."""
    state, notes = parse(parse_qs(query, keep_blank_values=True), now=NOW)
    return state, [(n.param, n.reason) for n in notes]


def test_default_view_is_just_the_version() -> None:
    assert to_params(View()) == {"v": ["1"]}
    assert parse({"v": ["1"]}, now=NOW) == (View(), [])
    assert parse({}, now=NOW) == (View(), [])


FULL = View(
    filters=Filters(
        date_from=date(2024, 1, 1),
        date_to=date(2024, 5, 31),
        statuses=("confirmed", "claimed"),
        weapons=("Hwasong-11 series (KN-23/KN-24)",),
        districts=("Shevchenkivskyi", "(no district)"),
        q="Kharkiv & <b>",
    ),
    incident="UA-KHA-20240102",
    map_view=(50.01701, 36.217, 13),
    layer="heat",
    asof=datetime(2026, 10, 1, 8, 30, 5, tzinfo=UTC),
)


def test_full_view_round_trips_through_the_query_string() -> None:
    text = query_string(FULL)
    assert "%3Cb%3E" in text
    assert "<" not in text
    assert parse(parse_qs(text, keep_blank_values=True), now=NOW) == (FULL, [])
    assert to_params(FULL)["asof"] == ["2026-10-01T08:30:05Z"]
    assert to_params(FULL)["lat"] == ["50.01701"]


filter_states = st.builds(
    Filters,
    date_from=st.none() | st.dates(links.DATE_MIN, links.DATE_MAX),
    date_to=st.none() | st.dates(links.DATE_MIN, links.DATE_MAX),
    statuses=st.lists(st.sampled_from(list(STATUSES)), unique=True).map(tuple),
    weapons=st.lists(st.text(min_size=1, max_size=30).filter(str.isprintable), unique=True).map(
        tuple
    ),
    districts=st.lists(st.text(min_size=1, max_size=30).filter(str.isprintable), unique=True).map(
        tuple
    ),
    q=st.text(max_size=links.MAX_TEXT).filter(str.isprintable),
)
coords = st.tuples(
    st.floats(-90, 90).map(lambda v: round(v, 5)),
    st.floats(-180, 180).map(lambda v: round(v, 5)),
    st.integers(1, MAX_ZOOM),
)
views = st.builds(
    View,
    filters=filter_states,
    incident=st.none() | st.text(min_size=1, max_size=60).filter(str.isprintable),
    map_view=st.none() | coords,
    layer=st.sampled_from(LAYERS),
    asof=st.none()
    | st.datetimes(datetime(2006, 1, 1), datetime(2026, 11, 26)).map(
        lambda d: d.replace(microsecond=0, tzinfo=UTC)
    ),
)


@given(views)
def test_any_valid_view_round_trips(state: View) -> None:
    assert parse(parse_qs(query_string(state), keep_blank_values=True), now=NOW) == (state, [])


@pytest.mark.parametrize(
    ("query", "param", "reason_start"),
    [
        ("from=2024-13-45", "from", "'2024-13-45' is not a date"),
        ("from=yesterday", "from", "'yesterday' is not a date"),
        ("to=20240101", "to", "'20240101' is not a date"),
        ("from=1900-01-01", "from", "'1900-01-01' is outside"),
        ("status=secret", "status", "'secret' is not one of the choices"),
        ("layer=%3Cscript%3E", "layer", "'<script>' is not one of markers, heat"),
        ("lat=1e308&lon=1&zoom=3", "lat", "'1e308' is outside"),
        ("lat=nan&lon=1&zoom=3", "lat", "'nan' is not a number"),
        ("lat=50&lon=inf&zoom=3", "lon", "'inf' is not a number"),
        ("lat=50&lon=36&zoom=99999999999999999999", "zoom", "'99999999999999999999' is outside"),
        ("lat=50&lon=36&zoom=2.5", "zoom", "'2.5' is not a whole number"),
        ("lat=50&lon=36", "lat", "lat, lon and zoom only count together"),
        ("asof=last%20month", "asof", "'last month' is not an ISO date"),
        ("asof=2027-01-01", "asof", "'2027-01-01' is in the future"),
        ("v=2", "v", "unknown link version '2'"),
        ("q=" + "x" * 201, "q", "longer than 200"),
        ("q=a%0Ab", "q", "'a\\nb' holds control characters"),
        ("%3Cimg%20src%3Dx%3E=1", "'<img src=x>'", "unknown parameter"),
        ("layer=heat&layer=markers", "layer", "given 2 times"),
    ],
)
def test_hostile_parameters_fall_back_and_say_why(
    query: str, param: str, reason_start: str
) -> None:
    state, notes = parsed(query)
    assert [p for p, _ in notes][:1] == [param]
    assert notes[0][1].startswith(reason_start)
    expected_layer = "heat" if query.startswith("layer=heat") else "markers"
    assert state == View(layer=expected_layer)


def test_a_bad_parameter_leaves_the_good_ones() -> None:
    state, notes = parsed("from=garbage&to=2024-05-01&status=confirmed&status=%3Cb%3E&q=KN-23")
    assert state == View(Filters(date_to=date(2024, 5, 1), statuses=("confirmed",), q="KN-23"))
    assert [p for p, _ in notes] == ["from", "status"]


def test_repeated_values_of_a_list_are_kept_once_in_order() -> None:
    state, notes = parsed("status=claimed&status=confirmed&status=claimed&status=")
    assert (state.filters.statuses, notes) == (("claimed", "confirmed"), [])


def test_repeated_single_value_uses_the_first() -> None:
    state, notes = parsed("incident=A&incident=B")
    assert state.incident == "A"
    assert notes == [("incident", "given 2 times; only the first value is used")]


def test_quoted_values_are_cut_and_quoted() -> None:
    _, notes = parsed("from=" + "<" * 500)
    assert notes == [("from", "'" + "<" * 40 + "…' is not a date (YYYY-MM-DD)")]


def test_many_unknown_parameters_make_one_note() -> None:
    _, notes = parsed("&".join(f"junk{i}=1" for i in range(1000)))
    assert notes == [("'junk0', 'junk1', 'junk2', 'junk3', 'junk4' …", "1000 unknown parameters")]


def test_a_repeated_bad_value_is_reported_once_with_its_count() -> None:
    state, notes = parsed("&".join(["status=bogus"] * 1000 + ["incident=A"] * 1000))
    assert state == View(incident="A")
    assert notes == [
        ("status", "'bogus' is not one of the choices (1000 times)"),
        ("incident", "given 1000 times; only the first value is used"),
    ]


def test_many_bad_values_are_counted_not_listed() -> None:
    _, notes = parsed("&".join(f"status=bad{i}" for i in range(1000)))
    assert len(notes) == links.MAX_NOTES
    assert notes[-1] == ("…", "and 989 more")


def test_restrict_caps_its_notes_too() -> None:
    state = View(Filters(weapons=tuple(f"W{i}" for i in range(1000))))
    kept, notes = links.restrict(state, weapons=set(), districts=set())
    assert kept.filters.weapons == ()
    assert len(notes) == links.MAX_NOTES
    assert notes[-1] == links.Ignored("…", "and 989 more")
    assert len(links.capped([*notes, *notes])) == links.MAX_NOTES


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-10-01", datetime(2026, 10, 1, tzinfo=UTC)),
        ("2026-10-01T10:00:00", datetime(2026, 10, 1, 10, tzinfo=UTC)),
        ("2026-10-01T10:00:00.999Z", datetime(2026, 10, 1, 10, tzinfo=UTC)),
        ("2026-10-01T12:00:00+02:00", datetime(2026, 10, 1, 10, tzinfo=UTC)),
    ],
)
def test_asof_is_read_as_utc_whole_seconds(raw: str, expected: datetime) -> None:
    state, notes = parse({"asof": [raw]}, now=NOW)
    assert (state.asof, notes) == (expected, [])
    assert state.asof.tzinfo is not None


def test_asof_in_another_zone_prints_as_utc() -> None:
    moment = datetime(2026, 10, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    assert links.format_asof(moment) == "2026-10-01T10:00:00Z"


def test_restrict_drops_values_the_data_lacks() -> None:
    state = View(Filters(weapons=("A", "Z"), districts=("D", "<i>")))
    kept, notes = links.restrict(state, weapons={"A"}, districts={"D"})
    assert (kept.filters.weapons, kept.filters.districts) == (("A",), ("D",))
    assert [(n.param, n.reason) for n in notes] == [
        ("weapon", "'Z' is not in the data"),
        ("district", "'<i>' is not in the data"),
    ]


def test_unknown_incident_is_dropped_with_a_note() -> None:
    state, notes = links.check_incident(View(incident="NOPE"), {"A", "B"})
    assert state.incident is None
    assert [str(n) for n in notes] == [
        "ignored parameter incident: 'NOPE' is not among the incidents in view"
    ]
    assert links.check_incident(View(incident="A"), {"A"}) == (View(incident="A"), [])


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://example.org/", "https://example.org/?incident=X&v=1"),
        ("https://example.org/monitor/dash", "https://example.org/monitor/dash?incident=X&v=1"),
        ("http://h:8501/base/?old=1#frag", "http://h:8501/base/?incident=X&v=1"),
        ("https://example.org", "https://example.org/?incident=X&v=1"),
    ],
)
def test_share_url_keeps_the_base_path_and_replaces_the_query(base: str, expected: str) -> None:
    assert links.share_url(base, View(incident="X")) == expected


def test_share_url_escapes_markup() -> None:
    url = links.share_url("https://e.org/", View(Filters(q='"><script>alert(1)</script>')))
    assert "<" not in url
    assert '"' not in url
    assert parse_qs(urlsplit(url).query)["q"] == ['"><script>alert(1)</script>']


def test_importing_links_does_not_load_folium() -> None:
    """The link format is pure: reading a link (the CLI, a test) needs no map library."""
    code = "import sys, dashboard.core.links; print('folium' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("typed", "end", "day"),
    [
        ("", False, None),
        (" 2024-03-05 ", True, date(2024, 3, 5)),
        ("2024-02", False, date(2024, 2, 1)),
        ("2024-02", True, date(2024, 2, 29)),  # a month ends on its last day, leap years too
        ("2024-12", True, date(2024, 12, 31)),
    ],
)
def test_a_typed_day_or_month_is_the_date_it_means(typed: str, end: bool, day: date) -> None:
    assert links.typed_day(typed, end=end) == day


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("2024-02-30", "'2024-02-30' is not a date (YYYY-MM-DD, or YYYY-MM for a month)"),
        ("2024-13", "'2024-13' is not a date (YYYY-MM-DD, or YYYY-MM for a month)"),
        ("20240201", "'20240201' is not a date (YYYY-MM-DD, or YYYY-MM for a month)"),
        ("1999-01", "'1999-01' is outside 2006-01-01 to 2100-12-31"),
    ],
)
def test_a_typed_value_that_is_no_date_says_why(typed: str, reason: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(reason)}$"):
        links.typed_day(typed)
