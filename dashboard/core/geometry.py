"""The map's geometry on the server: a view's extent, which points lie in it, and counts in
bins of it (sent instead of the incidents when too many are in view)."""

from __future__ import annotations

import math

import numpy as np

from dashboard.core.view import MapView

#: Above this many incidents in a map's view the server sends counts in bins of the view
#: (:func:`view_bins`), not the incidents; zooming in refines them, down to the incidents. Low
#: enough that a map opening on 100,000 incidents gets bins too: its first marks come without
#: the browser fetching and clustering every point (see the README's "First marks against the
#: stack floor").
AGGREGATE_ABOVE = 50_000
#: A bin's side, in screen pixels at the map's zoom.
BIN_PIXELS = 80
#: The map size the server assumes for a view's bounds (larger than the dashboard's map, so the
#: bins cover what shows).
VIEW_PIXELS = (1600, 1000)

#: A view's extent: south, west, north, east (degrees).
Bounds = tuple[float, float, float, float]


def view_bounds(view: MapView, pixels: tuple[int, int] = VIEW_PIXELS) -> Bounds:
    """The extent a map of ``pixels`` shows at ``view`` (Web Mercator, near enough at a city's
    scale)."""
    lat, lon, zoom = view
    degrees = 360 / (256 * 2**zoom)  # longitude per pixel
    half_lon = pixels[0] / 2 * degrees
    half_lat = pixels[1] / 2 * degrees * math.cos(math.radians(lat))
    return (lat - half_lat, lon - half_lon, lat + half_lat, lon + half_lon)


def within(lat: np.ndarray, lon: np.ndarray, bounds: Bounds) -> np.ndarray:
    """Which points lie inside ``bounds``."""
    south, west, north, east = bounds
    return (lat >= south) & (lat <= north) & (lon >= west) & (lon <= east)


def contains(outer: Bounds, inner: Bounds) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and outer[2] >= inner[2]
        and outer[3] >= inner[3]
    )


def view_bins(lat: np.ndarray, lon: np.ndarray, bounds: Bounds, zoom: int) -> list[list[float]]:
    """Counts of the points in ``bounds`` on a grid of :data:`BIN_PIXELS` at ``zoom``: one
    ``[mean latitude, mean longitude, count]`` per non-empty bin."""
    south, west, north, east = bounds
    inside = within(lat, lon, bounds)
    lat, lon = lat[inside], lon[inside]
    side = BIN_PIXELS * 360 / (256 * 2**zoom)
    side_lat = side * math.cos(math.radians((south + north) / 2))
    columns = math.ceil((east - west) / side) + 1  # + 1: a point on the east edge
    # Multiplying by the inverse truncates like floor here (never negative inside the bounds),
    # and is several times faster than // on a million floats.
    rows = ((lat - south) * (1 / side_lat)).astype(np.int64)
    cell = rows * columns + ((lon - west) * (1 / side)).astype(np.int64)
    # The grid is small (the view over BIN_PIXELS squared): counting by cell is linear.
    counts = np.bincount(cell)
    lat_sum = np.bincount(cell, weights=lat)
    lon_sum = np.bincount(cell, weights=lon)
    used = np.flatnonzero(counts)
    return [
        [round(float(a), 5), round(float(b), 5), int(c)]
        for a, b, c in zip(
            lat_sum[used] / counts[used], lon_sum[used] / counts[used], counts[used], strict=True
        )
    ]
