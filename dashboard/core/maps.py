"""The folium map of Kharkiv: a static base map, and the incident layers added to it.

The base map holds nothing from the data, so a data change does not rebuild it (st_folium keys the
map by its JavaScript). Incident layers carry the data as one JSON array each and draw it in the
browser: markers are clustered, tooltips and popups are built with ``textContent`` (no string from
the data is ever parsed as HTML), approximate places get an uncertainty circle.
"""

from __future__ import annotations

import html
import json
import re

import folium
import folium.plugins
import pandas as pd
from branca.element import MacroElement
from folium.template import Template

from dashboard.core.mapassets import CSS, JS, AssetUrls
from dashboard.core.schema import (
    KHARKIV_CENTRE,
    MAP_FIELDS,
    PRECISION_RADIUS_M,
    PRECISIONS,
    STATUS_COLOURS,
    STATUSES,
)
from dashboard.core.view import DEFAULT_ZOOM, LAYERS, MAX_ZOOM

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)

#: Order of the values in each marker row sent to the browser (the columns declared ``on_map``).
ROW_FIELDS = MAP_FIELDS

# A function expression turning one row (fields in ROW_FIELDS order) into a marker.
_CALLBACK = """
function (row) {
    var colours = %(colours)s, labels = %(labels)s, precisions = %(precisions)s;
    var f = {};
    %(fields)s.forEach(function (name, i) { f[name] = row[i]; });
    var marker = L.circleMarker(L.latLng(f.latitude, f.longitude), {
        radius: 8, color: '#1b1b1b', weight: 1,
        fillColor: colours[f.attribution_status] || '#878787', fillOpacity: 0.9,
        dashArray: f.geo_precision > 1 ? '3 2' : null
    });
    marker.options.incidentId = f.incident_id;
    function text(tag, value, cls) {
        var el = document.createElement(tag);
        el.textContent = value;
        if (cls) { el.className = cls; }
        return el;
    }
    function line(box, label, value) {
        if (value === null || value === undefined || value === '') { return; }
        var p = document.createElement('div');
        p.appendChild(text('b', label + ': '));
        p.appendChild(document.createTextNode(String(value)));
        box.appendChild(p);
    }
    function casualties() {
        if (f.killed === null && f.injured === null) { return 'not reported'; }
        return (f.killed === null ? '?' : f.killed) + ' killed, ' +
               (f.injured === null ? '?' : f.injured) + ' injured';
    }
    marker.bindTooltip(function () {
        var summary = f.date + ' · ' + f.weapon + ' · ' + f.attribution_status;
        return text('span', summary, 'incident-tooltip');
    });
    marker.bindPopup(function () {
        var box = document.createElement('div');
        box.className = 'incident-popup';
        var place = f.location + (f.district ? ' (' + f.district + ')' : '');
        box.appendChild(text('h4', f.date + ' · ' + place));
        line(box, 'Weapon', f.weapon);
        line(box, 'Attribution', labels[f.attribution_status] || f.attribution_status);
        line(box, 'Attributed by', f.attributed_by);
        line(box, 'Casualties', casualties());
        line(box, 'Location precision', precisions[f.geo_precision]);
        line(box, 'Incident', f.incident_id);
        if (f.source_url || f.source_title) {
            var p = document.createElement('div');
            p.appendChild(text('b', 'Source: '));
            if (f.source_url && /^https?:\\/\\//i.test(f.source_url)) {
                var a = text('a', f.source_title || f.source_url);
                a.href = f.source_url;
                a.target = '_blank';
                a.rel = 'noopener noreferrer';
                p.appendChild(a);
            } else {
                p.appendChild(document.createTextNode(f.source_title || ''));
            }
            box.appendChild(p);
        }
        return box;
    }, {maxWidth: 360});
    return marker;
}
"""


class UncertaintyCircles(MacroElement):
    """One circle per approximate incident (geo_precision > 1), drawn on a canvas renderer."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var data = {{ this.payload }};
            var renderer = L.canvas({padding: 0.5});
            for (var i = 0; i < data.length; i++) {
                L.circle([data[i][0], data[i][1]], {
                    radius: data[i][2], color: data[i][3], weight: 1, opacity: 0.6,
                    fillOpacity: 0.07, dashArray: '4 4', interactive: false, renderer: renderer
                }).addTo({{ this._parent.get_name() }});
            }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, data: list[list[object]]) -> None:
        super().__init__()
        self._name = "UncertaintyCircles"
        self.data = data
        self.payload = script_json(data)


class IncidentMarkers(MacroElement):
    """Clustered circle markers, one per row; ``callback`` turns a row into a marker.

    The rows are serialised once, up front: for tens of thousands of incidents this is several
    times faster than folium's per-row validation and template filters.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var callback = {{ this.callback }};
            var data = {{ this.payload }};
            var cluster = L.markerClusterGroup({{ this.options }});
            var markers = new Array(data.length);
            for (var i = 0; i < data.length; i++) { markers[i] = callback(data[i]); }
            cluster.addLayers(markers);
            cluster.addTo({{ this._parent.get_name() }});
            return cluster;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, rows: list[list[object]], callback: str, options: dict[str, object]) -> None:
        super().__init__()
        self._name = "IncidentMarkers"
        self.callback = callback
        self.payload = script_json(rows)
        self.options = script_json(options)


class Legend(MacroElement):
    """Attribution colours and the meaning of dashed outlines, as a Leaflet control."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: 'bottomright'});
            legend.onAdd = function () {
                var div = L.DomUtil.create('div', 'incident-legend');
                div.style.cssText = 'background:#fff;padding:4px 6px;font:11px/1.35 sans-serif;' +
                    'border-radius:4px;box-shadow:0 0 4px rgba(0,0,0,.3)';
                div.innerHTML = {{ this.body|tojson }};
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Legend"
        rows = "".join(
            f'<div><span style="display:inline-block;width:11px;height:11px;border-radius:50%;'
            f'background:{colour};border:1px solid #1b1b1b;margin-right:5px"></span>'
            f"{html.escape(status)}</div>"
            for status, colour in STATUS_COLOURS.items()
        )
        self.body = (
            "<b>Attribution</b>" + rows + "<div style='margin-top:4px'>Dashed: approximate place "
            "(circle = uncertainty)</div>"
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
    fmap.default_js = [assets.js(role) for role in JS]
    fmap.default_css = [assets.css(role) for role in CSS]
    if tiles:
        folium.TileLayer(
            tiles,
            attr=template_inert_html(attribution),
            name="Base map",
            max_zoom=MAX_ZOOM,
            control=False,
        ).add_to(fmap)
    fullscreen = folium.plugins.Fullscreen(position="topleft")
    fullscreen.default_js = [assets.js("fullscreen")]
    fullscreen.default_css = [assets.css("fullscreen")]
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


def marker_rows(frame: pd.DataFrame) -> list[list[object]]:
    """One compact JSON-ready row per incident, fields in :data:`ROW_FIELDS` order."""
    table = frame[list(ROW_FIELDS)].copy()
    table["date"] = table["date"].dt.strftime("%Y-%m-%d")
    table = table.astype(object)
    return table.where(table.notna(), None).to_numpy().tolist()


def incident_layer(frame: pd.DataFrame) -> folium.FeatureGroup:
    """Clustered markers coloured by attribution status, with escaped tooltips and popups."""
    callback = _CALLBACK % {
        "colours": json.dumps(STATUS_COLOURS),
        "labels": json.dumps(STATUSES),
        "precisions": json.dumps({str(k): v for k, v in PRECISIONS.items()}),
        "fields": json.dumps(ROW_FIELDS),
    }
    group = folium.FeatureGroup(name="Incidents")
    options: dict[str, object] = {
        "showCoverageOnHover": False,
        "maxClusterRadius": 40,
        "chunkedLoading": True,
    }
    IncidentMarkers(marker_rows(frame), callback, options).add_to(group)
    return group


def uncertainty_layer(frame: pd.DataFrame) -> folium.FeatureGroup:
    """Circles whose radius says how far the true place may be (from ``geo_precision``)."""
    approximate = frame[frame["geo_precision"].fillna(3) > 1]
    data = [
        [float(lat), float(lon), PRECISION_RADIUS_M[int(p)], STATUS_COLOURS.get(str(s), "#878787")]
        for lat, lon, p, s in zip(
            approximate["latitude"],
            approximate["longitude"],
            approximate["geo_precision"].fillna(3),
            approximate["attribution_status"],
            strict=True,
        )
    ]
    group = folium.FeatureGroup(name="Location uncertainty")
    UncertaintyCircles(data).add_to(group)
    return group


def heat_layer(frame: pd.DataFrame, assets: AssetUrls) -> folium.FeatureGroup:
    """Density of incidents."""
    group = folium.FeatureGroup(name="Heat map")
    heat = folium.plugins.HeatMap([], radius=22, blur=18, min_opacity=0.35, max_zoom=MAX_ZOOM)
    heat.data = [
        [float(a), float(b)] for a, b in zip(frame["latitude"], frame["longitude"], strict=True)
    ]
    heat.default_js = [assets.js("heat")]  # not folium's CDN copy
    heat.add_to(group)
    return group


def data_layers(
    frame: pd.DataFrame, assets: AssetUrls, layer: str = "markers"
) -> list[folium.FeatureGroup]:
    """The layers for ``layer``: markers with uncertainty circles, or the heat map."""
    if layer not in LAYERS:
        raise ValueError(f"layer must be one of {LAYERS!r}, not {layer!r}")
    if layer == "heat":
        return [heat_layer(frame, assets)]
    return [uncertainty_layer(frame), incident_layer(frame)]


def standalone_map(
    frame: pd.DataFrame,
    assets: AssetUrls,
    tiles: str | None,
    layer: str = "markers",
    attribution: str = OSM_ATTRIBUTION,
) -> folium.Map:
    """Base map and data layers in one folium map (for rendering outside st_folium)."""
    fmap = base_map(assets, tiles, attribution)
    for group in data_layers(frame, assets, layer):
        group.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap
