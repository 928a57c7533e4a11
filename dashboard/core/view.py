"""The monitoring view's state, one value: filters, selected incident, map view, layer and asof.

Every change to the view is one of the named operations below (pure functions returning a new
:class:`View`), so the page, the URL and the tests agree on what each action does. The URL
format is :mod:`dashboard.core.links`; the Streamlit glue is :mod:`dashboard.ui.urlstate`.
Nothing here imports folium or streamlit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Final

from dashboard.core.filters import Filters
from dashboard.core.schema import KHARKIV_CENTRE

#: A map view: centre latitude, longitude (decimal degrees) and zoom.
MapView = tuple[float, float, int]

#: The map's layers, in the switch's order; the first is the default.
LAYERS: Final[tuple[str, ...]] = ("markers", "heat")
DEFAULT_ZOOM: Final[int] = 11
MAX_ZOOM: Final[int] = 18
#: Zoom of the view centred on a selected incident.
SELECTED_ZOOM: Final[int] = 13
#: Decimal places kept for lat/lon (about a metre).
COORD_PLACES: Final[int] = 5
#: The map view with nothing selected and no view of its own.
BASE_VIEW: Final[MapView] = (*KHARKIV_CENTRE, DEFAULT_ZOOM)


@dataclass(frozen=True)
class View:
    """What the monitor shows; the defaults are "no restriction", nothing selected, live data.

    ``map_view`` is set only when the map was moved away from the view it would take by itself
    (:func:`implied_view`), so a link carries a map view only when it needs one.
    """

    filters: Filters = field(default_factory=Filters)
    incident: str | None = None
    map_view: MapView | None = None
    layer: str = LAYERS[0]
    asof: datetime | None = None
    #: The interface language the link was shared in; None: the browser's (Accept-Language).
    lang: str | None = None


#: A box of places: south, west, north, east (decimal degrees).
Box = tuple[float, float, float, float]


def implied_view(
    focus: tuple[float, float] | None, box: Box | None = None, radius_m: float = 0
) -> MapView:
    """The map view needing no lat/lon/zoom in a link: the selected incident's (centred on it,
    zoomed to show its uncertainty circle of ``radius_m`` metres whole, at most
    :data:`SELECTED_ZOOM`), else the one that fits the incidents in view (``box``), else
    Kharkiv's."""
    if focus is not None:
        lat, lon = (round(float(c), COORD_PLACES) for c in focus)
        return (lat, lon, circle_zoom(lat, radius_m))
    if box is not None:
        return fitted_view(*box)
    return BASE_VIEW


#: The map area a fitted view must hold the incidents in, in pixels (the map is 560 px high;
#: 600 px is about the narrowest it is beside the mandate panel), less a margin for the markers.
FIT_PIXELS: Final[tuple[int, int]] = (600, 560)
FIT_MARGIN: Final[int] = 40
#: A fitted view never zooms out past the oblast-scale view of several regions.
MIN_FIT_ZOOM: Final[int] = 5


def _mercator_y(lat: float) -> float:
    clipped = max(min(lat, 85.0), -85.0)
    return math.log(math.tan(math.pi / 4 + math.radians(clipped) / 2))


def fitted_view(
    south: float, west: float, north: float, east: float, pixels: tuple[int, int] = FIT_PIXELS
) -> MapView:
    """The closest map view that shows the box (south, west, north, east) whole in ``pixels``:
    a single place gets :data:`SELECTED_ZOOM`, a country :data:`MIN_FIT_ZOOM` at most."""
    width, height = (p - 2 * FIT_MARGIN for p in pixels)
    spans = []
    if east > west:
        spans.append(math.log2(width * 360 / (256 * (east - west))))
    if north > south:
        dy = _mercator_y(north) - _mercator_y(south)
        spans.append(math.log2(height * 2 * math.pi / (256 * dy)))
    zoom = min(spans) if spans else SELECTED_ZOOM
    zoom = int(max(MIN_FIT_ZOOM, min(SELECTED_ZOOM, math.floor(zoom))))
    y = (_mercator_y(north) + _mercator_y(south)) / 2
    lat = math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)
    return (round(lat, COORD_PLACES), round((west + east) / 2, COORD_PLACES), zoom)


#: Metres in a degree of latitude (and of longitude at the equator).
METRES_PER_DEGREE: Final[float] = 111_320.0


def circle_zoom(lat: float, radius_m: float) -> int:
    """The closest zoom that shows a circle of ``radius_m`` metres round a place at latitude
    ``lat`` whole in :data:`FIT_PIXELS` (an incident's uncertainty), at most
    :data:`SELECTED_ZOOM`."""
    if radius_m <= 0:
        return SELECTED_ZOOM
    dlat = radius_m / METRES_PER_DEGREE
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    return fitted_view(lat - dlat, -dlon, lat + dlat, dlon)[2]


def same_view(a: MapView, b: MapView, pixels: float = 2) -> bool:
    """Whether two map views differ by at most ``pixels`` at their zoom.

    Leaflet snaps a centre to whole pixels, so a map set to a view reports one a little off it.
    """
    if a[2] != b[2]:
        return False
    degrees = pixels * 360 / (256 * 2 ** a[2])
    return abs(a[0] - b[0]) <= degrees and abs(a[1] - b[1]) <= degrees


def set_filters(view: View, filters: Filters) -> View:
    """The view with other filters: the selection is kept, and the map fits the incidents now
    in view (a moved map view is dropped)."""
    return replace(view, filters=filters, map_view=None)


def set_dates(view: View, date_from: date | None, date_to: date | None) -> View:
    """The view with other dates, its other filters kept (the time control: brush, month slider,
    play), as :func:`set_filters` does it."""
    return set_filters(view, replace(view.filters, date_from=date_from, date_to=date_to))


def select(view: View, incident: str) -> View:
    """Select an incident: its record opens and the map centres on it (any moved view dropped)."""
    return replace(view, incident=incident, map_view=None)


def clear_selection(view: View) -> View:
    """Nothing selected: the map returns to the view it takes by itself."""
    return replace(view, incident=None, map_view=None)


def move_map(view: View, reported: MapView, implied: MapView) -> View:
    """The map now shows ``reported``; kept only when it differs from the ``implied`` view."""
    lat, lon, zoom = reported
    moved = (round(lat, COORD_PLACES), round(lon, COORD_PLACES), int(zoom))
    return replace(view, map_view=None if same_view(moved, implied) else moved)


def set_layer(view: View, layer: str) -> View:
    """Show the map's ``layer`` (one of :data:`LAYERS`)."""
    if layer not in LAYERS:
        raise ValueError(f"layer must be one of {LAYERS!r}, not {layer!r}")
    return replace(view, layer=layer)


def freeze(view: View, now: datetime) -> View:
    """Pin the view to the data as the store holds it ``now`` (whole seconds, UTC)."""
    return replace(view, asof=now.astimezone(UTC).replace(microsecond=0))


def unfreeze(view: View) -> View:
    """Show live data again."""
    return replace(view, asof=None)


def clear_all(view: View) -> View:
    """Every filter, the selection, the map view and layer back to their defaults; asof kept.

    The data source is its own switch ("Show live data"), so clearing the view keeps it.
    """
    return View(asof=view.asof)


def set_language(view: View, lang: str) -> View:
    """Speak ``lang``: the view's link carries it from here on."""
    return replace(view, lang=lang)
