"""Which files the map loads, by role, and how a page names them: pure, no file access.

:class:`AssetUrls` gives folium each file's URL under a prefix (Streamlit's static serving, or
:data:`INLINE_PREFIX` for a page that carries the files itself); :func:`inline` puts files' text
in place of such tags, the reading left to the caller (:func:`dashboard.assets.read_asset`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

#: The base map's tiles by default (``DASHBOARD_TILES`` names others, or none), and their credit.
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
#: Every file the map may load, relative to the static folder, by role.
JS = {
    "leaflet": "vendor/leaflet/leaflet.js",
    "jquery": "vendor/jquery/jquery.min.js",
    "markercluster": "vendor/leaflet-markercluster/leaflet.markercluster.js",
    "heat": "vendor/leaflet-heat/leaflet_heat.min.js",
    "supercluster": "vendor/supercluster/supercluster.min.js",
    "fullscreen": "vendor/leaflet-fullscreen/Control.FullScreen.js",
    "incidents": "map/incidents.js",
}
CSS = {
    "leaflet": "vendor/leaflet/leaflet.css",
    "markercluster": "vendor/leaflet-markercluster/MarkerCluster.css",
    "markercluster_default": "vendor/leaflet-markercluster/MarkerCluster.Default.css",
    "fullscreen": "vendor/leaflet-fullscreen/Control.FullScreen.css",
    "incidents": "map/incidents.css",
}
#: The roles the dashboard's map loads, in order (Leaflet.markercluster serves only the
#: benchmark's FastMarkerCluster baseline).
MAP_JS = ("leaflet", "jquery", "heat", "supercluster", "fullscreen", "incidents")
MAP_CSS = ("leaflet", "fullscreen", "incidents")
#: The served map's scripts (:data:`MAP_JS`, in order) as one file, written beside them by
#: :func:`dashboard.assets.ensure_static_assets`. st_folium loads a map's scripts one after
#: another, requesting each once the one before has run: six files cost six round trips before
#: the map can even ask for its data.
MAP_BUNDLE = "map/bundle.js"
#: The static sub-folder holding the map's payload files (content-addressed, written at run time).
PAYLOAD_FOLDER = "payload"


@dataclass(frozen=True)
class AssetUrls:
    """Where the browser finds the map's files: ``prefix`` (the static folder's URL) + a path from
    :data:`JS`/:data:`CSS`, or + the name of a payload file (:meth:`payload`). ``bundled`` names
    the base map's scripts as their one :data:`MAP_BUNDLE` (what the app serves)."""

    prefix: str
    bundled: bool = False

    def map_js(self) -> list[tuple[str, str]]:
        """The base map's scripts: :data:`MAP_JS` in order, or their bundle."""
        if self.bundled:
            return [("map_js", self.prefix + MAP_BUNDLE)]
        return [self.js(role) for role in MAP_JS]

    def js(self, role: str) -> tuple[str, str]:
        return (f"{role}_js", self.prefix + JS[role])

    def css(self, role: str) -> tuple[str, str]:
        return (f"{role}_css", self.prefix + CSS[role])

    def payload(self, name: str) -> str:
        return f"{self.prefix}{PAYLOAD_FOLDER}/{name}"


_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)


def bundle(read: Callable[[str], str]) -> str:
    """The text of :data:`MAP_BUNDLE`: the :data:`MAP_JS` files as ``read(relative path)`` gives
    them, in order, each ended by ``;`` on a line of its own so none runs into the next (a file
    starting with ``(`` would call the one before), their source-map comments dropped."""
    return "".join(f"{_SOURCE_MAP.sub('', read(JS[role]))}\n;\n" for role in MAP_JS)


#: Prefix marking an asset to inline: build the map with ``AssetUrls(INLINE_PREFIX)``.
INLINE_PREFIX = "inline-asset:"
_ASSET_TAG = re.compile(
    r'<script src="' + re.escape(INLINE_PREFIX) + r'(?P<js>[^"]+)"></script>'
    r'|<link rel="stylesheet" href="' + re.escape(INLINE_PREFIX) + r'(?P<css>[^"]+)"\s*/?>'
)


def inline(document: str, read: Callable[[str], str]) -> str:
    """Replace the ``<script>``/``<link>`` tags naming :data:`INLINE_PREFIX` files by their text,
    as ``read(relative path)`` gives it (ready to sit inside ``<script>`` or ``<style>``)."""

    def embed(match: re.Match[str]) -> str:
        if match["js"]:
            return f"<script>{read(match['js'])}</script>"
        return f"<style>{read(match['css'])}</style>"

    return _ASSET_TAG.sub(embed, document)
