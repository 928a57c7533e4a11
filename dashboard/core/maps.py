"""The folium map of Kharkiv: a static base map, and the incident layers added to it.

The base map holds nothing from the data, so a data change does not rebuild it (st_folium keys the
map by its JavaScript). The incidents travel as one compact :class:`Payload` (typed arrays and
dictionaries, details in blocks fetched on a click), by URL or inline; ``static/map/incidents.js``
draws it in the browser: supercluster clusters, the clusters and points in view, tooltips and
popups built with ``textContent`` (no string from the data is ever parsed as HTML), uncertainty
circles for approximate places in view, and the heat map.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
from dataclasses import dataclass

import folium
import folium.plugins
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.template import Template

from dashboard.core import i18n
from dashboard.core.dates import DAY, MONTH, date_text, is_month
from dashboard.core.i18n import LANGUAGES, N_, _
from dashboard.core.mapassets import MAP_CSS, OSM_ATTRIBUTION, OSM_TILES, AssetUrls
from dashboard.core.schema import (
    KHARKIV_CENTRE,
    MAP_FIELDS,
    OUTCOMES,
    PRECISION_RADIUS_M,
    PRECISIONS,
    STATUS_COLOURS,
    STATUSES,
)
from dashboard.core.shown import OUTCOME_NAMES, STATUS_NAMES
from dashboard.core.text import NOT_REPORTED
from dashboard.core.view import DEFAULT_ZOOM, LAYERS, MAX_ZOOM, MapView

#: Columns the payload carries as arrays (coordinates, dictionary codes: the date as shown, to
#: its precision); the other columns declared ``on_map`` travel as detail blocks, fetched when a
#: popup opens.
ENCODED_FIELDS = (
    "date",
    "latitude",
    "longitude",
    "geo_precision",
    "weapon",
    "attribution_status",
    "outcome",
)
DETAIL_FIELDS = tuple(name for name in MAP_FIELDS if name not in ENCODED_FIELDS)
#: Coordinates travel as int32 multiples of 1e-5 degree (about a metre).
COORD_SCALE = 100_000
#: Incidents per detail block (one fetch when a popup opens).
DETAIL_BLOCK = 1000
#: At most this many uncertainty circles are drawn; with more approximate places in view, none
#: (zoom in to see them).
MAX_CIRCLES = 1000
#: The uncertainty circles round the view are drawn only while they would cover it at most this
#: deep on average (their areas on screen summed over the area searched; else only the selected
#: incident's). Scattered at random, a depth of 1 leaves about 37% of the map clear and 26% under
#: two or more circles (Poisson: e^-1, 1 - 2e^-1; measured on a raster: 32% and 30%); a depth of
#: 3 leaves 6% clear and 78% doubled: the grey soup analysts complained of.
CIRCLE_COVERAGE = 1.0
#: Source counts travel as uint8: 255 stands for "255 or more".
MAX_SOURCE_COUNT = 255
#: The heat map's colours by density (0-1 of the densest spot in view): Leaflet.heat's own
#: default, declared here so that the legend shows the same scale.
HEAT_GRADIENT: dict[str, str] = {
    "0.4": "blue",
    "0.6": "cyan",
    "0.7": "lime",
    "0.8": "yellow",
    "1": "red",
}
#: How the layers draw; it travels in the payload's header, fetched once, so a map move does not
#: send it again. Its words are the page's (:func:`map_labels`): a payload is the same in every
#: language.
STYLE: dict[str, dict[str, object]] = {
    "colours": dict(STATUS_COLOURS),
    "radii": {str(k): v for k, v in PRECISION_RADIUS_M.items()},
}
#: The map layers' names, as the layer switch shows them.
LAYER_NAMES: dict[str, str] = {"markers": N_("markers"), "heat": N_("heat")}


def layer_name(layer: str) -> str:
    """A map layer's name in the language in force."""
    return _(LAYER_NAMES[layer])


def map_labels() -> dict[str, object]:
    """Every word the map's script shows (``incidents.js`` writes none of its own), in the
    language in force: the popup's and tooltip's labels, the statuses', outcomes' and place
    precisions' names, "not reported", the legend's button, and ``lang``, which names the
    payload's dates to show. It reaches the script as data (:func:`script_json`)."""
    return {
        "lang": i18n.language(),
        "weapon": _("Weapon"),
        "outcome": _("Outcome"),
        "attribution": _("Attribution"),
        "sources": _("Sources"),
        "debris": _("Debris"),
        "examined": _("examined (see the record)"),
        "attributedBy": _("Attributed by"),
        "casualties": _("Casualties"),
        "precision": _("Location precision"),
        "incident": _("Incident"),
        "source": _("Source"),
        "notReported": _(NOT_REPORTED),
        "killedNotReported": _("killed not reported"),
        "injuredNotReported": _("injured not reported"),
        # "{n}" is the count, put in by the script (worded so that no plural form is needed).
        "killed": _("{n} killed"),
        "injured": _("{n} injured"),
        "manySources": _("255 or more"),
        "context": _("Context (not DPRK-origin)"),
        "legend": _("Legend"),
        "statuses": {code: _(name) for code, name in STATUS_NAMES.items()},
        "statusWords": {code: _(words) for code, words in STATUSES.items()},
        "outcomes": {code: _(name) for code, name in OUTCOME_NAMES.items()},
        "outcomeWords": {code: _(words) for code, words in OUTCOMES.items()},
        "precisions": {str(k): _(v) for k, v in PRECISIONS.items()},
    }


#: Above this many incidents in a map's view the server sends counts in bins of the view
#: (:func:`view_bins`), not the incidents; zooming in refines them, down to the incidents.
AGGREGATE_ABOVE = 200_000
#: A bin's side, in screen pixels at the map's zoom.
BIN_PIXELS = 80
#: The map size the server assumes for a view's bounds (larger than the dashboard's map, so the
#: bins cover what shows).
VIEW_PIXELS = (1600, 1000)

#: A view's extent: south, west, north, east (degrees).
Bounds = tuple[float, float, float, float]


@dataclass(frozen=True)
class Payload:
    """The incidents as the map's script reads them: one binary file (a JSON header, then typed
    arrays) and JSON detail blocks, each named by a hash of its bytes."""

    data: bytes
    details: tuple[bytes, ...]

    @property
    def name(self) -> str:
        return _content_name(self.data, "bin")

    def files(self) -> dict[str, bytes]:
        """File name -> bytes, the main file first."""
        return {self.name: self.data} | {_content_name(b, "json"): b for b in self.details}

    def inline_source(self) -> dict[str, object]:
        """The layer's source for a page with no server: the bytes in base64, the blocks inline."""
        return {
            "inline": base64.b64encode(self.data).decode("ascii"),
            "details": [json.loads(block) for block in self.details],
        }


def _content_name(data: bytes, suffix: str) -> str:
    return f"{hashlib.sha256(data).hexdigest()[:32]}.{suffix}"


def _codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Dictionary codes (0 = missing, k = the k-th value) and the values, sorted."""
    codes, values = pd.factorize(column, sort=True, use_na_sentinel=True)
    return codes.astype(np.int64) + 1, [str(v) for v in values]


def _date_codes(frame: pd.DataFrame) -> tuple[np.ndarray, dict[str, list[str]]]:
    """Dictionary codes of the dates as every view shows them ("2024-01-02", "September 2024";
    0 = missing) and those texts in each interface language ("2 січня 2024"), in date order:
    the one date formatter (:func:`dashboard.core.dates.date_text`) runs once per distinct date
    and language, never in the browser, and a payload serves every language."""
    days = frame["date"].to_numpy(dtype="datetime64[D]")
    months = is_month(frame["date_precision"])
    known = ~np.isnat(days)
    codes = np.zeros(len(frame), np.int64)
    if not known.any():
        return codes, {lang: [] for lang in LANGUAGES}
    # Each (day, precision) a key; the keys span a few thousand values, so a table of those
    # present ranks them in one pass (a sorting factorize took ten times as long).
    keys = days[known].astype("int64") * 2 + months[known]
    low = int(keys.min())
    present = np.zeros(int(keys.max()) - low + 1, bool)
    present[keys - low] = True
    codes[known] = np.cumsum(present)[keys - low]
    keys = (np.flatnonzero(present) + low).tolist()
    texts = {}
    for lang in LANGUAGES:
        with i18n.use(lang):
            texts[lang] = [
                date_text(np.datetime64(key // 2, "D"), MONTH if key % 2 else DAY) for key in keys
            ]
    return codes, texts


def _smallest(codes: np.ndarray, top: int) -> tuple[np.ndarray, str]:
    if top < 0xFF:
        return codes.astype("<u1"), "uint8"
    if top < 0xFFFF:
        return codes.astype("<u2"), "uint16"
    return codes.astype("<i4"), "int32"


def _detail_blocks(frame: pd.DataFrame) -> tuple[bytes, ...]:
    columns = []
    for name in DETAIL_FIELDS:
        column = frame[name].astype(object)
        columns.append(column.where(frame[name].notna(), None).tolist())
    rows = list(zip(*columns, strict=True))
    return tuple(
        json.dumps(rows[k : k + DETAIL_BLOCK], ensure_ascii=False, separators=(",", ":")).encode()
        for k in range(0, len(rows), DETAIL_BLOCK)
    )


def encode_payload(frame: pd.DataFrame) -> Payload:
    """``frame``'s incidents as a :class:`Payload`, in the frame's order (about 13 bytes each in
    the main file while fewer than 255 distinct dates are in it, 15 with the evidence columns).

    A frame annotated with the evidence (:func:`dashboard.core.evidence.annotate`) also carries
    ``examined`` (0/1) and ``sources`` (the source count, at most :data:`MAX_SOURCE_COUNT`)."""
    n = len(frame)
    lat = np.rint(frame["latitude"].to_numpy(dtype="float64") * COORD_SCALE).astype("<i4")
    lon = np.rint(frame["longitude"].to_numpy(dtype="float64") * COORD_SCALE).astype("<i4")
    day, dates = _date_codes(frame)
    status, statuses = _codes(frame["attribution_status"])
    weapon, weapons = _codes(frame["weapon"])
    outcome, outcomes = _codes(frame["outcome"])
    precision = frame["geo_precision"].fillna(0).to_numpy(dtype="int64")
    columns: list[tuple[str, np.ndarray, str]] = [
        ("lat", lat, "int32"),
        ("lon", lon, "int32"),
        ("date", *_smallest(day, len(dates[i18n.DEFAULT]))),
        ("status", *_smallest(status, len(statuses))),
        ("weapon", *_smallest(weapon, len(weapons))),
        ("outcome", *_smallest(outcome, len(outcomes))),
        ("precision", precision.astype("<u1"), "uint8"),
    ]
    if "examined" in frame and "source_count" in frame:
        examined = frame["examined"].fillna(False).to_numpy(dtype=bool)
        sources = frame["source_count"].fillna(0).to_numpy(dtype="int64")
        columns += [
            ("examined", examined.astype("<u1"), "uint8"),
            ("sources", np.clip(sources, 0, MAX_SOURCE_COUNT).astype("<u1"), "uint8"),
        ]
    details = _detail_blocks(frame)
    header = {
        "n": n,
        "scale": COORD_SCALE,
        "dates": dates,
        "statuses": statuses,
        "weapons": weapons,
        "outcomes": outcomes,
        "arrays": [[name, kind] for name, _values, kind in columns],
        "block": DETAIL_BLOCK,
        "details": [_content_name(block, "json") for block in details],
        "detail_fields": list(DETAIL_FIELDS),
        "style": STYLE,
    }
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
    text += b" " * (-(4 + len(text)) % 4)  # the arrays start 4-byte aligned
    parts = [len(text).to_bytes(4, "little"), text]
    for _name, values, _kind in columns:
        raw = values.tobytes()
        parts += [raw, b"\0" * (-len(raw) % 4)]
    return Payload(b"".join(parts), details)


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


class IncidentLayer(MacroElement):
    """One layer drawn by ``static/map/incidents.js`` from a payload: ``kind`` is "markers"
    (clusters and points in view, tooltips and popups), "circles" (location uncertainty) or
    "heat". ``source`` names the payload: ``{"url": ...}``, or :meth:`Payload.inline_source`; or
    it is ``{"bins": view_bins(...)}``, counts only. ``selected`` is the payload row of the
    selected incident (ringed on the map), a number: no data string reaches the options."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.incidentLayer({{ this.source }}, {{ this.options }})
            .addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        source: dict[str, object],
        kind: str,
        *,
        muted: bool = False,
        selected: int | None = None,
    ) -> None:
        super().__init__()
        self._name = "IncidentLayer"
        self.kind = kind
        self.source = script_json(source)
        # Only what ``kind`` reads: the options are re-sent on every map move.
        options: dict[str, object] = {"kind": kind, "muted": muted}
        if kind == "markers":
            options["labels"] = map_labels()
        if kind == "circles":
            options |= {"maxCircles": MAX_CIRCLES, "maxCoverage": CIRCLE_COVERAGE}
        if kind == "heat":
            options["heat"] = {
                "radius": 22,
                "blur": 18,
                "minOpacity": 0.35,
                "maxZoom": MAX_ZOOM,
                "gradient": HEAT_GRADIENT,
            }
        if selected is not None:
            options["selected"] = int(selected)
        self.options = script_json(options)


def _swatch(style: str = "", cls: str = "") -> str:
    return f'<span class="swatch {cls}" style="{style}"></span>'


def _outcome_class(outcome: str) -> str:
    """The legend swatch's class for an outcome (``shot down`` -> ``outcome-shot-down``)."""
    return "outcome-" + outcome.replace(" ", "-")


class Legend(MacroElement):
    """The map's legend, as a Leaflet control: attribution colours, the outcomes' marks on one
    line (struck, debris, shot down: each word's full meaning in its title), marks and circles,
    or the heat map's scale while that layer is on (``incidents.js`` folds it on narrow maps).
    Its text is the schema's, never data."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.incidentLegend({html: {{ this.body|tojson }}, toggle: {{ this.toggle }}})
            .addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Legend"
        self.toggle = script_json(_("Legend"))
        rows = "".join(
            f"<div>{_swatch(f'background:{colour}')}{html.escape(_(STATUS_NAMES[status]))}</div>"
            for status, colour in STATUS_COLOURS.items()
        )
        stops = ", ".join(
            f"{colour} {float(stop) * 100:g}%" for stop, colour in HEAT_GRADIENT.items()
        )
        words = {
            key: html.escape(text)
            for key, text in {
                "attribution": _("Attribution"),
                "examined": _("Debris examined (parts traced)"),
                "selected": _("Selected incident"),
                "dashed": _(
                    "Dashed: approximate place. Circle = uncertainty: the selected incident's, "
                    "and the others' when few enough to read (zoom in)"
                ),
                "heat": _("Heat map: incidents per area"),
                "low": _("low"),
                "high": _("high"),
                "counts": _(
                    "Each incident in view counts once (not its casualties); high is the densest "
                    "spot in view."
                ),
            }.items()
        }
        self.body = (
            f'<div class="legend-status"><b>{words["attribution"]}</b>'
            + rows
            + "<div class='legend-outcomes'>"
            + "".join(
                f"<span title='{html.escape(_(label), quote=True)}'>"
                f"{_swatch(cls=_outcome_class(outcome))}"
                f"{html.escape(_(OUTCOME_NAMES[outcome]))}</span>"
                for outcome, label in OUTCOMES.items()
            )
            + "</div>"
            + f"<div>{_swatch(cls='incident-examined')}{words['examined']}</div>"
            + f"<div>{_swatch(cls='ring')}{words['selected']}</div>"
            + f"<div style='margin-top:4px'>{words['dashed']}</div>"
            "</div>"
            f'<div class="legend-heat"><b>{words["heat"]}</b>'
            f'<div class="heat-scale" style="background:linear-gradient(to right, {stops})">'
            f'</div><div class="heat-ends"><span>{words["low"]}</span>'
            f"<span>{words['high']}</span></div>"
            f"<div>{words['counts']}</div></div>"
        )


def base_map(
    assets: AssetUrls, tiles: str | None = OSM_TILES, attribution: str = OSM_ATTRIBUTION
) -> folium.Map:
    """The map of Kharkiv without data: tiles, scale bar, full-screen button and legend.

    Every file it loads comes from ``assets``; ``tiles=None`` draws no tiles (the incidents
    still show on a plain background).
    """
    fmap = folium.Map(
        location=KHARKIV_CENTRE,
        zoom_start=DEFAULT_ZOOM,
        tiles=None,
        max_zoom=MAX_ZOOM,
        control_scale=True,
        prefer_canvas=True,
    )
    # folium gives max_zoom to its default tile layer only; without tiles the map needs it itself,
    # or MarkerCluster throws "Map has no maxZoom specified".
    fmap.options["max_zoom"] = MAX_ZOOM
    # Every plugin's files load with the base map: st_folium loads scripts once, when the map
    # first mounts, so a layer switched on later finds its plugin already there.
    fmap.default_js = assets.map_js()
    fmap.default_css = [assets.css(role) for role in MAP_CSS]
    if tiles:
        folium.TileLayer(
            tiles,
            attr=template_inert_html(attribution),
            name=_("Base map"),
            max_zoom=MAX_ZOOM,
            control=False,
        ).add_to(fmap)
    fullscreen = folium.plugins.Fullscreen(position="topleft")
    fullscreen.default_js = []  # the base map loads the plugin's files
    fullscreen.default_css = []
    fullscreen.add_to(fmap)
    Legend().add_to(fmap)
    return fmap


#: Characters JSON may hold only inside strings, escaped so the JSON stays inside an HTML
#: ``<script>`` (``<``, ``>``, ``&``) and is valid JS (the two line separators).
_HTML_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)
#: Braces inside strings: branca compiles every macro's output as a Jinja template again, so
#: ``{{``, ``{%`` or ``{#`` in data would run there as code. In a JS string ``\u007b`` is ``{``.
_BRACE_ESCAPES = str.maketrans({"{": "\\u007b", "}": "\\u007d"})
#: A JSON string literal as json.dumps writes it. Scanning for these left to right tokenises
#: the text: between them there is only structure, which never holds a quote.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def script_json(value: object) -> str:
    """``value`` as JSON that is only ever data: safe inside an HTML ``<script>`` and inert when
    branca compiles the map as a Jinja template. Every value from the data that reaches folium
    goes through here (the one exception, HTML folium places itself: :func:`template_inert_html`).
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.translate(_HTML_ESCAPES)
    if "{" not in text and "}" not in text:
        return text
    # Structural braces must stay; they never form "{{", "{%" or "{#" (an object's key is a string).
    return _JSON_STRING.sub(lambda m: m.group().translate(_BRACE_ESCAPES), text)


def template_inert_html(text: str) -> str:
    """HTML that reads the same but holds no ``{`` or ``}`` (character references instead), for
    the few HTML strings folium puts in its templates itself, such as a tile credit."""
    return text.replace("{", "&#123;").replace("}", "&#125;")


def data_layers(
    source: dict[str, object], layer: str = "markers", selected: int | None = None
) -> list[folium.FeatureGroup]:
    """The layers for ``layer`` drawn from the payload ``source`` names: markers with uncertainty
    circles, or the heat map; ``selected`` is the selected incident's row in the payload."""
    if layer not in LAYERS:
        raise ValueError(f"layer must be one of {LAYERS!r}, not {layer!r}")
    kinds = [(_("Heat map"), "heat")]
    if layer == "markers":
        kinds = [(_("Location uncertainty"), "circles"), (_("Incidents"), "markers")]
    groups = []
    for name, kind in kinds:
        group = folium.FeatureGroup(name=name)
        IncidentLayer(source, kind, selected=selected).add_to(group)
        groups.append(group)
    return groups


def context_layer(source: dict[str, object]) -> folium.FeatureGroup:
    """The incidents that are not DPRK-origin, from the payload ``source`` names: markers drawn
    faint and grey, whatever their status (they are context, never counted)."""
    group = folium.FeatureGroup(name=_("Context (not DPRK-origin)"))
    IncidentLayer(source, "markers", muted=True).add_to(group)
    return group


#: What a click on an incident marker reports: "<row>@<payload file name>" (incidents.js).
_PICK = re.compile(r"(\d{1,9})@([0-9a-f]{32}\.bin)")


def parse_pick(text: object) -> tuple[int, str] | None:
    """The payload row and payload file a marker click reported, or None for anything else
    (a cluster, another layer, a stale or forged report)."""
    match = _PICK.fullmatch(text) if isinstance(text, str) else None
    return (int(match[1]), match[2]) if match else None


def standalone_map(
    frame: pd.DataFrame,
    assets: AssetUrls,
    tiles: str | None,
    layer: str = "markers",
    attribution: str = OSM_ATTRIBUTION,
    selected: str | None = None,
) -> folium.Map:
    """Base map and data layers in one folium map, the payload inline (for a page rendered
    outside st_folium, which has no server to fetch from); the ``selected`` incident ringed."""
    fmap = base_map(assets, tiles, attribution)
    rows = np.flatnonzero(frame["incident_id"].to_numpy(dtype=object) == selected)
    row = int(rows[0]) if selected is not None and len(rows) else None
    for group in data_layers(encode_payload(frame).inline_source(), layer, row):
        group.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap
