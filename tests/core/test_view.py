"""The view's state and its named operations, and the one assembly of what the monitor shows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pandas as pd
import pytest

from dashboard.core import links
from dashboard.core.filters import Filters
from dashboard.core.mandate import load_events
from dashboard.core.monitor import Empty, Screen, assemble
from dashboard.core.view import (
    BASE_VIEW,
    FIT_MARGIN,
    FIT_PIXELS,
    SELECTED_ZOOM,
    View,
    circle_zoom,
    clear_all,
    clear_selection,
    fitted_view,
    freeze,
    move_map,
    same_view,
    select,
    set_filters,
    set_layer,
    unfreeze,
)
from dashboard.imports import MANDATE_EVENTS, commit, prepare
from dashboard.store import Store
from tests.conftest import TODAY
from tests.helpers import csv_bytes, row

BUSY = View(
    filters=Filters(statuses=("confirmed",), q="Kharkiv"),
    incident="A",
    map_view=(50.1, 36.3, 9),
    layer="heat",
    asof=datetime(2026, 10, 1, tzinfo=UTC),
)


def test_selecting_an_incident_drops_a_moved_map_view() -> None:
    assert select(BUSY, "B") == View(
        filters=BUSY.filters, incident="B", layer="heat", asof=BUSY.asof
    )
    assert clear_selection(BUSY) == View(filters=BUSY.filters, layer="heat", asof=BUSY.asof)


def test_moving_the_map_keeps_a_view_only_away_from_the_implied_one() -> None:
    implied = (50.43, 30.47, 13)
    assert move_map(BUSY, (50.42996, 30.47007, 13), implied).map_view is None
    moved = move_map(BUSY, (50.123456789, 30.0, 12.0), implied)  # type: ignore[arg-type]
    assert moved.map_view == (50.12346, 30.0, 12)
    assert moved.incident == "A"


def test_freeze_pins_whole_seconds_in_utc_and_unfreeze_returns_to_live() -> None:
    moment = datetime(2026, 10, 1, 12, 0, 5, 999, tzinfo=timezone(timedelta(hours=2)))
    frozen = freeze(View(), moment)
    assert frozen.asof == datetime(2026, 10, 1, 10, 0, 5, tzinfo=UTC)
    assert links.to_params(frozen)["asof"] == ["2026-10-01T10:00:05Z"]
    assert unfreeze(frozen) == View()


def test_filters_layer_and_clear_all() -> None:
    filters = Filters(date_from=date(2024, 1, 1))
    # The selection stays; the moved map view goes, so the map fits the incidents now in view.
    assert set_filters(BUSY, filters) == View(
        filters=filters, incident="A", map_view=None, layer="heat", asof=BUSY.asof
    )
    assert set_layer(View(), "heat").layer == "heat"
    with pytest.raises(ValueError, match="'satellite'"):
        set_layer(View(), "satellite")
    assert clear_all(BUSY) == View(asof=BUSY.asof)


def test_each_operation_is_what_the_link_says() -> None:
    """An operation's result, written as a link and read back, is the same view."""
    implied = (50.0, 36.0, 13)
    now = datetime(2026, 11, 26, tzinfo=UTC)
    for view in (
        select(BUSY, "B"),
        clear_selection(BUSY),
        move_map(BUSY, (49.5, 35.25, 8), implied),
        freeze(BUSY, now - timedelta(days=1)),
        unfreeze(BUSY),
        set_filters(BUSY, Filters(weapons=("KN-23",))),
        clear_all(BUSY),
    ):
        assert links.parse(links.to_params(view), now=now) == (view, [])


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ((50.43, 30.47, 13), (50.42996, 30.47007, 13), True),
        ((50.43, 30.47, 13), (50.43, 30.47, 12), False),
        ((50.43, 30.47, 13), (50.44, 30.47, 13), False),
        ((50.0, 36.0, 3), (50.3, 36.3, 3), True),
    ],
)
def test_same_view_allows_a_couple_of_pixels(a: tuple, b: tuple, same: bool) -> None:
    assert same_view(a, b) is same


@pytest.fixture
def events() -> pd.DataFrame:
    return load_events(MANDATE_EVENTS)


def test_assembly_restricts_filters_checks_and_focuses(store: Store, events: pd.DataFrame) -> None:
    view = View(
        filters=Filters(
            date_from=date(2024, 1, 1), weapons=("Tomahawk",), districts=("Solomianskyi",)
        ),
        incident="UA-KYI-20240102",
    )
    loaded: list[datetime | None] = []

    def load(asof: datetime | None) -> pd.DataFrame:
        loaded.append(asof)
        return store.incidents()

    screen = assemble(view, load=load, events=events, today=date(2026, 11, 26))
    assert loaded == [None]
    assert screen.view.filters.weapons == ()
    assert [str(n) for n in screen.notes] == [
        "ignored parameter weapon: 'Tomahawk' is not in the data"
    ]
    assert list(screen.in_view["incident_id"]) == ["UA-KYI-20240102"]
    assert screen.figures.incidents == 1
    assert not screen.mandate.active
    assert screen.selected is not None
    assert screen.focus == (screen.selected["latitude"], screen.selected["longitude"])
    # Zoomed to show its 5 km uncertainty circle whole: less than a precise incident's 13.
    assert screen.map_view == (round(screen.focus[0], 5), round(screen.focus[1], 5), 12)


def test_assembly_of_an_empty_view_and_of_a_past_moment(store: Store, events: pd.DataFrame) -> None:
    view = View(filters=Filters(q="no such place"), incident="UA-KYI-20240102")
    screen = assemble(view, load=lambda _: store.incidents(), events=events, today=date.today())
    assert screen.in_view.empty
    assert screen.figures.incidents == 0
    assert screen.view.incident is None
    assert [n.param for n in screen.notes] == ["incident"]
    assert screen.selected is None
    assert screen.map_view == BASE_VIEW

    moment = datetime(2024, 3, 1, tzinfo=UTC)  # the panel's mandate still ran that day
    past = assemble(
        View(asof=moment),
        load=lambda asof: store.incidents_asof(asof) if asof else store.incidents(),
        events=events,
        today=date.today(),
    )
    assert past.mandate.active
    assert past.in_view.empty  # the store held nothing yet in 2024


def test_an_empty_view_says_why(store: Store, events: pd.DataFrame) -> None:
    def screen(view: View) -> Screen:
        return assemble(
            view,
            load=lambda asof: store.incidents_asof(asof) if asof else store.incidents(),
            events=events,
            today=date.today(),
        )

    assert screen(View()).empty is None
    assert screen(View()).empty_message is None
    backwards = screen(View(filters=Filters(date_from=date(2024, 5, 1), date_to=date(2024, 1, 1))))
    assert backwards.empty is Empty.RANGE
    assert backwards.empty_message == (
        "'From' (2024-05-01) is after 'To' (2024-01-01): no day is in this range. "
        "Change one of the dates, or clear one."
    )
    same_day = screen(View(filters=Filters(date_from=date(2024, 1, 2), date_to=date(2024, 1, 2))))
    assert same_day.empty is None
    nothing = screen(View(filters=Filters(q="no such place")))
    assert nothing.empty is Empty.NO_MATCH
    assert nothing.empty_message is not None
    assert nothing.empty_message.startswith("No incident matches these filters.")
    before = screen(View(asof=datetime(2024, 3, 1, tzinfo=UTC)))
    assert before.empty is Empty.NO_DATA
    assert before.empty_message == "The store held no DPRK-origin incident at 2024-03-01T00:00:00Z."


def test_a_fitted_view_holds_the_box_and_zooms_no_further() -> None:
    south, west, north, east = 49.95, 36.17, 50.02, 36.37  # Kharkiv's districts
    lat, lon, zoom = fitted_view(south, west, north, east)
    assert (round(lat, 2), lon, zoom) == (49.99, 36.27, 11)

    def pixels(z: int) -> float:
        return (east - west) / 360 * 256 * 2**z

    assert pixels(zoom) <= FIT_PIXELS[0] - 2 * FIT_MARGIN < pixels(zoom + 1)
    # The shipped incidents run from Zaporizhzhia to Kyiv: a country-scale view.
    assert fitted_view(47.84, 30.52, 50.45, 36.23)[2] == 7
    assert fitted_view(50.0, 36.0, 50.0, 36.0) == (50.0, 36.0, SELECTED_ZOOM)
    assert fitted_view(-60.0, -170.0, 70.0, 170.0)[2] == 5  # never wider than MIN_FIT_ZOOM


def test_only_dprk_origin_incidents_count_and_others_are_context(
    store: Store, events: pd.DataFrame
) -> None:
    """An ACLED export's strikes (no origin, a generic weapon) leave the DPRK figures as they
    were; with context=1 they come back as the map's context, never in_view."""
    before = assemble(View(), load=lambda _: store.incidents(), events=events, today=TODAY)
    acled = prepare(
        csv_bytes(
            [
                row(
                    incident_id=f"UKR{n}",
                    weapon="Shelling/artillery/missile attack",
                    weapon_origin="",
                    attribution_status="unverified",
                )
                for n in range(50)
            ]
        ),
        "acled.csv",
        TODAY,
    )
    commit(store, acled, uploaded_by="t")

    def screen(view: View) -> Screen:
        return assemble(view, load=lambda _: store.incidents(), events=events, today=TODAY)

    after = screen(View())
    assert after.figures == before.figures
    assert list(after.in_view["incident_id"]) == list(before.in_view["incident_id"])
    assert after.context.empty
    assert after.context_total == 50
    shown = screen(View(filters=Filters(context=True)))
    assert shown.figures == before.figures
    assert len(shown.context) == 50
    assert set(shown.context["incident_id"]) == {f"UKR{n}" for n in range(50)}
    # The weapon filter offers classes: the six spellings of KN-23 are one choice.
    assert shown.weapon_choices == [
        "DPRK SRBM, type not given",
        "Hwasong-11 series (KN-23/KN-24)",
        "Hwasong-11A (KN-23)",
        "Other",
    ]
    kn23 = screen(View(filters=Filters(weapons=("Hwasong-11A (KN-23)",))))
    assert set(kn23.in_view["weapon"]) == {
        "KN-23 (part recovered)",
        "Hwasong-11 (KN-23), 2 of 5 missiles",
        "KN-23 (4 missiles)",
        "KN-23",
    }
    assert links.to_params(View(filters=Filters(context=True)))["context"] == ["1"]
    assert links.parse({"context": ["1"]}, now=datetime.now(UTC))[0].filters.context


def test_the_map_fits_the_incidents_in_view(store: Store, events: pd.DataFrame) -> None:
    def screen(view: View) -> Screen:
        return assemble(view, load=lambda _: store.incidents(), events=events, today=TODAY)

    everything = screen(View())
    assert everything.map_view == fitted_view(*everything.box)  # type: ignore[misc]
    assert everything.map_view[2] <= 7  # Zaporizhzhia to Kyiv and Poltava
    kyiv = screen(View(filters=Filters(districts=("Solomianskyi",))))
    assert len(kyiv.in_view) == 1
    lat, lon = kyiv.in_view.iloc[0][["latitude", "longitude"]]
    assert kyiv.map_view == (round(lat, 5), round(lon, 5), SELECTED_ZOOM)
    # A link's own map view wins until a filter changes.
    moved = View(map_view=(50.0, 36.0, 9))
    assert screen(moved).map_view == (50.0, 36.0, 9)
    assert set_filters(moved, Filters(q="Kyiv")).map_view is None


def test_a_selected_incident_is_zoomed_to_show_its_uncertainty_circle(
    store: Store, events: pd.DataFrame
) -> None:
    # Map pixels per metre at zoom z and latitude 50: 2**z * 256 / (40,075 km * cos 50°).
    def diameter_px(zoom: int, radius_m: float) -> float:
        return 2 * radius_m * 2**zoom * 256 / (40_075_016.686 * 0.6428)

    for radius in (5_000, 25_000):
        zoom = circle_zoom(50.0, radius)
        assert zoom < SELECTED_ZOOM
        assert diameter_px(zoom, radius) <= 480 < diameter_px(zoom + 1, radius)
    assert circle_zoom(50.0, 1_000) == circle_zoom(50.0, 0) == SELECTED_ZOOM

    region = assemble(
        View(incident="UA-KHA-20240207"),  # a 25 km region-precision incident
        load=lambda _: store.incidents(),
        events=events,
        today=TODAY,
    )
    assert region.map_view == (49.9925, 36.2311, circle_zoom(49.9925, 25_000))
