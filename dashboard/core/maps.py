"""The folium map of Kharkiv: a static base map, and the incident layers added to it.

The base map holds nothing from the data, so a data change does not rebuild it (st_folium keys the
map by its JavaScript). The incidents travel as one compact payload
(:class:`dashboard.core.payload.Payload`), by URL or inline, and the page's words beside it
(:func:`map_labels`); ``static/map/incidents.js`` draws it in the browser: supercluster
clusters, the clusters and points in view, tooltips and popups built with ``textContent`` (no
string from the data is ever parsed as HTML), uncertainty circles for approximate places in view,
and the heat map.
"""

from __future__ import annotations

import html
import json
import re

import folium
import folium.plugins
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.template import Template

from dashboard.core import i18n
from dashboard.core.geometry import AGGREGATE_ABOVE, VIEW_PIXELS, view_bins, view_bounds
from dashboard.core.i18n import N_, _
from dashboard.core.mapassets import MAP_CSS, OSM_ATTRIBUTION, OSM_TILES, AssetUrls
from dashboard.core.payload import encode_payload
from dashboard.core.schema import (
    KHARKIV_CENTRE,
    OUTCOMES,
    PRECISIONS,
    STATUS_COLOURS,
    STATUSES,
)
from dashboard.core.shown import OUTCOME_NAMES, STATUS_NAMES
from dashboard.core.text import NOT_REPORTED
from dashboard.core.view import DEFAULT_ZOOM, LAYERS, MAX_ZOOM, MapView

#: At most this many uncertainty circles are drawn; with more approximate places in view, none
#: (zoom in to see them).
MAX_CIRCLES = 1000
#: The uncertainty circles round the view are drawn only while they would cover it at most this
#: deep on average (their areas on screen summed over the area searched; else only the selected
#: incident's). Scattered at random, a depth of 1 leaves about 37% of the map clear and 26% under
#: two or more circles (Poisson: e^-1, 1 - 2e^-1; measured on a raster: 32% and 30%); a depth of
#: 3 leaves 6% clear and 78% doubled: the grey soup analysts complained of.
CIRCLE_COVERAGE = (
    1.0  #: The heat map's colours by density (0-1 of the densest spot in view): Leaflet.heat's own
)
#: default, declared here so that the legend shows the same scale.
HEAT_GRADIENT: dict[str, str] = {
    "0.4": "blue",
    "0.6": "cyan",
    "0.7": "lime",
    "0.8": "yellow",
    "1": "red",
}  #: The map layers' names, as the layer switch shows them.
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


class Controls(MacroElement):
    """Leaflet's own controls with their words in the language in force: the zoom buttons'
    titles ("Zoom in", "Zoom out"; the map's default zoom control is off) and the title of the
    attribution's "Leaflet" link."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.zoom({{ this.options }}).addTo({{ this._parent.get_name() }});
        {{ this._parent.get_name() }}.attributionControl.setPrefix({{ this.prefix }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Controls"
        self.options = script_json({"zoomInTitle": _("Zoom in"), "zoomOutTitle": _("Zoom out")})
        title = html.escape(_("A JavaScript library for interactive maps"))
        self.prefix = script_json(f'<a href="https://leafletjs.com" title="{title}">Leaflet</a>')


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
        zoom_control=False,  # Controls below: Leaflet's own is titled in English
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
    Controls().add_to(fmap)
    fullscreen = folium.plugins.Fullscreen(
        position="topleft", title=_("Full screen"), title_cancel=_("Exit full screen")
    )
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


def context_layer(source: dict[str, object], selected: int | None = None) -> folium.FeatureGroup:
    """The incidents that are not DPRK-origin, from the payload ``source`` names: markers drawn
    faint and grey, whatever their status (they are context, never counted); a click opens one,
    and ``selected`` (its row in the payload) is ringed."""
    group = folium.FeatureGroup(name=_("Context (not DPRK-origin)"))
    IncidentLayer(source, "markers", muted=True, selected=selected).add_to(group)
    return group


def standalone_map(
    frame: pd.DataFrame,
    assets: AssetUrls,
    tiles: str | None,
    layer: str = "markers",
    attribution: str = OSM_ATTRIBUTION,
    selected: str | None = None,
    view: MapView | None = None,
) -> folium.Map:
    """Base map and data layers in one folium map, the payload inline (for a page rendered
    outside st_folium, which has no server to fetch from); the ``selected`` incident ringed.
    Past :data:`AGGREGATE_ABOVE` incidents and with the ``view`` it opens at, the counts in
    bins at that view's zoom instead, over three times the view's extent: no server will send
    the incidents as the reader zooms in, and every one inline would make the page too large
    to open (31 MB of map at 100,000)."""
    fmap = base_map(assets, tiles, attribution)
    source: dict[str, object]
    if view is not None and len(frame) > AGGREGATE_ABOVE:
        lat = frame["latitude"].to_numpy(dtype="float64")
        lon = frame["longitude"].to_numpy(dtype="float64")
        around = view_bounds(view, (VIEW_PIXELS[0] * 3, VIEW_PIXELS[1] * 3))
        source, row = {"bins": view_bins(lat, lon, around, view[2])}, None
    else:
        rows = np.flatnonzero(frame["incident_id"].to_numpy(dtype=object) == selected)
        row = int(rows[0]) if selected is not None and len(rows) else None
        source = encode_payload(frame).inline_source()
    for group in data_layers(source, layer, row):
        group.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap
