"""The baselines the app is compared with, served offline from the project's vendored files:
folium's ``FastMarkerCluster`` as a standalone page, the naive folium app (``naive_app.py``) and
the stack floor (``floor_app.py``)."""

from __future__ import annotations

import contextlib
import functools
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import folium
import folium.plugins
import pandas as pd

from dashboard.assets import VENDOR_DIR, ensure_static_assets
from dashboard.core.mapassets import AssetUrls
from dashboard.core.schema import KHARKIV_CENTRE
from dashboard.core.view import DEFAULT_ZOOM, MAX_ZOOM

NAIVE_APP = Path(__file__).with_name("naive_app.py")
#: The stack floor: one st_folium map with one mark, nothing else (see ``floor_app.py``).
FLOOR_APP = Path(__file__).with_name("floor_app.py")
#: FastMarkerCluster's row callback with Leaflet's own marker: its default one needs the
#: Leaflet.awesome-markers plugin from a CDN.
PLAIN_MARKER = "function (row) { return L.marker(new L.LatLng(row[0], row[1])); }"


def copy_vendor(folder: Path) -> Path:
    """The project's vendored map files copied to ``folder/static/vendor``; returns ``folder``."""
    ensure_static_assets()
    target = folder / "static" / "vendor"
    if not target.exists():
        shutil.copytree(VENDOR_DIR, target)
    return folder


def fast_marker_page(coordinates: pd.DataFrame, folder: Path) -> str:
    """Write ``fast-N.html``: the coordinates in a ``FastMarkerCluster`` (no popup data), at the
    dashboard's opening view; returns its path under ``folder``'s static root."""
    assets = AssetUrls("")
    fmap = folium.Map(
        location=KHARKIV_CENTRE, zoom_start=DEFAULT_ZOOM, tiles=None, max_zoom=MAX_ZOOM
    )
    fmap.options["max_zoom"] = MAX_ZOOM
    fmap.default_js = [assets.js("leaflet"), assets.js("jquery")]
    fmap.default_css = [assets.css("leaflet")]
    cluster = folium.plugins.FastMarkerCluster(
        coordinates[["latitude", "longitude"]].to_numpy().tolist(), callback=PLAIN_MARKER
    )
    cluster.default_js = [assets.js("markercluster")]
    cluster.default_css = [assets.css("markercluster"), assets.css("markercluster_default")]
    cluster.add_to(fmap)
    name = f"fast-{len(coordinates)}.html"
    fmap.save(str(folder / "static" / name))
    return name


@contextlib.contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """Serve ``folder/static`` on a free loopback port; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder / "static"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without a log line per request."""

    def log_message(self, format: str, *args: object) -> None:
        return
