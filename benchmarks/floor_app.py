"""The stack floor, as an anchor: a Streamlit page holding one ``st_folium`` map with one mark
and nothing else, its map files served offline like the dashboard's. What any Streamlit page
with a folium map takes before its first mark shows; the dashboard is measured against it.

Run by the benchmark as ``streamlit run`` from a folder holding ``static/vendor``.
"""

from __future__ import annotations

import folium
from streamlit_folium import st_folium

from dashboard.core.mapassets import AssetUrls
from dashboard.core.schema import KHARKIV_CENTRE
from dashboard.core.view import DEFAULT_ZOOM, MAX_ZOOM

assets = AssetUrls("/app/static/")

fmap = folium.Map(location=KHARKIV_CENTRE, zoom_start=DEFAULT_ZOOM, tiles=None, max_zoom=MAX_ZOOM)
fmap.options["max_zoom"] = MAX_ZOOM
fmap.default_js = [assets.js("leaflet"), assets.js("jquery")]
fmap.default_css = [assets.css("leaflet")]
folium.Marker(KHARKIV_CENTRE).add_to(fmap)
st_folium(fmap, returned_objects=[], height=560, use_container_width=True)
