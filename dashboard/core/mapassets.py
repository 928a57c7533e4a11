"""Which files the map loads, by role, and how a page names them: pure, no file access.

:class:`AssetUrls` gives folium each file's URL under a prefix (Streamlit's static serving, or
:data:`INLINE_PREFIX` for a page that carries the files itself); :func:`inline` puts files' text
in place of such tags, the reading left to the caller (:func:`dashboard.assets.read_asset`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

#: Every file the map loads, relative to the vendor folder, by role.
JS = {
    "leaflet": "leaflet/leaflet.js",
    "jquery": "jquery/jquery.min.js",
    "markercluster": "leaflet-markercluster/leaflet.markercluster.js",
    "heat": "leaflet-heat/leaflet_heat.min.js",
    "fullscreen": "leaflet-fullscreen/Control.FullScreen.js",
}
CSS = {
    "leaflet": "leaflet/leaflet.css",
    "markercluster": "leaflet-markercluster/MarkerCluster.css",
    "markercluster_default": "leaflet-markercluster/MarkerCluster.Default.css",
    "fullscreen": "leaflet-fullscreen/Control.FullScreen.css",
}


@dataclass(frozen=True)
class AssetUrls:
    """Where the browser finds the map's files: ``prefix`` + a path from :data:`JS`/:data:`CSS`."""

    prefix: str

    def js(self, role: str) -> tuple[str, str]:
        return (f"{role}_js", self.prefix + JS[role])

    def css(self, role: str) -> tuple[str, str]:
        return (f"{role}_css", self.prefix + CSS[role])


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
