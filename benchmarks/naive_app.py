"""The naive folium app, as a baseline: one ``Marker`` with a ``Popup`` per incident in a
``MarkerCluster``, drawn with ``st_folium``, its files served offline like the dashboard's.

Run by the benchmark as ``streamlit run`` from a folder holding ``static/vendor``; reads the
incidents from ``$BENCH_CSV``.
"""

from __future__ import annotations

import os

import folium
import folium.plugins
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dashboard.core.mapassets import AssetUrls
from dashboard.core.schema import KHARKIV_CENTRE
from dashboard.core.view import DEFAULT_ZOOM, MAX_ZOOM

assets = AssetUrls("/app/static/")

frame = pd.read_csv(os.environ["BENCH_CSV"])
fmap = folium.Map(location=KHARKIV_CENTRE, zoom_start=DEFAULT_ZOOM, tiles=None, max_zoom=MAX_ZOOM)
fmap.options["max_zoom"] = MAX_ZOOM
fmap.default_js = [assets.js("leaflet"), assets.js("jquery")]
fmap.default_css = [assets.css("leaflet")]
cluster = folium.plugins.MarkerCluster()
cluster.default_js = [assets.js("markercluster")]
cluster.default_css = [assets.css("markercluster"), assets.css("markercluster_default")]
for lat, lon, day, place, weapon in zip(
    frame["latitude"],
    frame["longitude"],
    frame["date"],
    frame["location"],
    frame["weapon"],
    strict=True,
):
    folium.Marker(
        [float(lat), float(lon)], popup=folium.Popup(f"{day} · {place} · {weapon}")
    ).add_to(cluster)
cluster.add_to(fmap)
st.title("Naive folium app")
st_folium(fmap, returned_objects=[], height=560, use_container_width=True)
