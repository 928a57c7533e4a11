"""The PNG of a shared link's preview: the view's incidents over an offline outline of Ukraine,
with the headline figures and the dates, drawn with matplotlib's Agg renderer (no display, no
tiles, no network).

The outline is Natural Earth's 1:110m Ukraine (public domain; the copy shipped in the PyPI
package geopandas 0.14.4, kept in ``ukraine.json`` with its source); Kharkiv oblast is the
project's own rough frame (:data:`dashboard.core.schema.KHARKIV_OBLAST_BOX`), Kharkiv its
centre (:data:`~dashboard.core.schema.KHARKIV_CENTRE`). A view whose incidents all lie in that
frame is drawn on it; any other on the whole country. The text is DejaVu Sans, shipped with
matplotlib (Latin and Cyrillic).
"""

from __future__ import annotations

import io
import json
import math
import textwrap
from functools import cache
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Polygon, Rectangle

from dashboard.core import places
from dashboard.core.i18n import _
from dashboard.core.schema import KHARKIV_CENTRE, KHARKIV_OBLAST_BOX, STATUS_COLOURS
from dashboard.previews.card import Card

#: Open Graph's recommended size (1.91:1), in pixels.
WIDTH: Final = 1200
HEIGHT: Final = 630
_DPI: Final = 100
OUTLINE: Final = Path(__file__).with_name("ukraine.json")
_INK: Final = "#1f2933"
_MUTED: Final = "#616e7c"


@cache
def outline() -> list[tuple[float, float]]:
    """Ukraine's outline, (longitude, latitude) points of its one ring."""
    points = json.loads(OUTLINE.read_text(encoding="utf-8"))["outline"]
    return [(float(lon), float(lat)) for lon, lat in points]


def _extent(frame: pd.DataFrame) -> tuple[float, float, float, float]:
    """West, east, south, north of the map: Kharkiv oblast's frame when every incident lies in
    it (and there is one), else Ukraine's."""
    (south, west), (north, east) = KHARKIV_OBLAST_BOX
    lat, lon = frame["latitude"], frame["longitude"]
    inside = lat.between(south, north) & lon.between(west, east)
    if len(frame) and bool(inside.all()):
        return west - 0.3, east + 0.3, south - 0.2, north + 0.2
    lons, lats = zip(*outline(), strict=True)
    return min(lons) - 0.4, max(lons) + 0.4, min(lats) - 0.3, max(lats) + 0.3


#: The map's markers are placed on a grid of cells this many pixels wide (about half a marker):
#: incidents sharing a cell and a status share one marker (they would cover each other anyway),
#: so a million incidents draw about as fast as the few thousand cells they fill.
CELL_PIXELS: Final = 6
#: The map's size in pixels (its axes' share of the image), for the grid.
_MAP_PIXELS: Final = (0.56 * WIDTH, 0.86 * HEIGHT)


def _marks(
    frame: pd.DataFrame, extent: tuple[float, float, float, float]
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Longitudes, latitudes and colours of the markers: one per grid cell and status, at the
    cell's centre, drawn in status order (the statuses' colours as the page's map has them)."""
    west, east, south, north = extent
    columns, rows = (math.ceil(p / CELL_PIXELS) for p in _MAP_PIXELS)
    width, height = (east - west) / columns, (north - south) / rows
    column = np.floor((frame["longitude"].to_numpy(dtype=float) - west) / width)
    row = np.floor((frame["latitude"].to_numpy(dtype=float) - south) / height)
    names = list(STATUS_COLOURS)
    code = pd.Index(names).get_indexer(pd.Index(frame["attribution_status"].astype(object)))
    code = np.where(code < 0, len(names), code).astype(np.int64)
    shown = (column >= 0) & (column < columns) & (row >= 0) & (row < rows)
    cell = (code * columns + column.astype(np.int64)) * rows + row.astype(np.int64)
    found = np.unique(cell[shown])
    found_code, rest = np.divmod(found, columns * rows)
    found_column, found_row = np.divmod(rest, rows)
    palette = [*STATUS_COLOURS.values(), "#555555"]
    return (
        west + (found_column + 0.5) * width,
        south + (found_row + 0.5) * height,
        [palette[c] for c in found_code.tolist()],
    )


def render(card: Card, frame: pd.DataFrame) -> bytes:
    """The preview image (PNG, :data:`WIDTH` x :data:`HEIGHT`) of the incidents in ``frame``
    (the view's) and its ``card``'s words."""
    figure = Figure(figsize=(WIDTH / _DPI, HEIGHT / _DPI), dpi=_DPI, facecolor="white")
    canvas = FigureCanvasAgg(figure)
    west, east, south, north = _extent(frame)
    ax = figure.add_axes((0.02, 0.09, 0.56, 0.86))
    ax.set_facecolor("#dbe9f4")
    ax.add_patch(Polygon(outline(), closed=True, facecolor="#f5f3ee", edgecolor="#7b8794", lw=1.2))
    (box_south, box_west), (box_north, box_east) = KHARKIV_OBLAST_BOX
    ax.add_patch(
        Rectangle(
            (box_west, box_south),
            box_east - box_west,
            box_north - box_south,
            fill=False,
            edgecolor=_MUTED,
            linestyle="--",
            lw=1,
        )
    )
    if east - west < box_east - box_west + 1:  # drawn on the oblast: say what the frame is
        ax.annotate(
            _("Kharkiv oblast (approximate frame)"),
            (box_west, box_south),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=10,
            color=_MUTED,
        )
    centre_lat, centre_lon = KHARKIV_CENTRE
    ax.plot([centre_lon], [centre_lat], marker="s", color=_INK, markersize=4)
    ax.annotate(
        places.name("Kharkiv"),
        (centre_lon, centre_lat),
        xytext=(6, 6),
        textcoords="offset points",
        fontsize=11,
        color=_INK,
    )
    if len(frame):
        lons, lats, colours = _marks(frame, (west, east, south, north))
        ax.scatter(lons, lats, s=70, c=colours, edgecolors="white", linewidths=1.2, zorder=3)
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1 / math.cos(math.radians((south + north) / 2)))
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_color("#9aa5b1")
    figure.text(
        0.02,
        0.03,
        _("Outline: Natural Earth (public domain). No map tiles."),
        fontsize=10,
        color=_MUTED,
    )
    left = 0.61
    figure.text(
        left,
        0.9,
        "\n".join(textwrap.wrap(card.count, 24, max_lines=2, placeholder="…")),
        fontsize=23,
        color=_INK,
        weight="bold",
        va="top",
    )
    details = [
        textwrap.shorten(card.place, 36, placeholder="…"),
        card.period or _("no dates"),
    ]
    figure.text(left, 0.72, "\n".join(details), fontsize=18, color=_INK, va="top", linespacing=1.5)
    y = 0.52
    for label, value in card.figures:
        figure.text(left, y, label, fontsize=12, color=_MUTED, va="top")
        figure.text(left, y - 0.05, value, fontsize=18, color=_INK, va="top", weight="bold")
        y -= 0.13
    figure.text(
        left,
        y,
        "\n".join(textwrap.wrap(_("UN Panel of Experts: {status}").format(status=card.status), 40)),
        fontsize=12,
        color=_INK,
        va="top",
    )
    out = io.BytesIO()
    canvas.print_png(out)
    return out.getvalue()
