"""Configuration read from the environment (see README, "Configuration")."""

from __future__ import annotations

import os
from urllib.parse import urlparse

from dashboard.core.maps import OSM_ATTRIBUTION, OSM_TILES


def tiles() -> tuple[str | None, str]:
    """Tile URL template and its attribution (HTML, set by the operator).

    ``DASHBOARD_TILES`` unset: OpenStreetMap; ``none``: no tiles (the incidents draw on a plain
    background); else a ``{z}/{x}/{y}`` template, credited by ``DASHBOARD_TILES_ATTRIBUTION``.
    """
    url = os.environ.get("DASHBOARD_TILES", "").strip()
    if url.lower() == "none":
        return None, ""
    if not url:
        return OSM_TILES, OSM_ATTRIBUTION
    credit = os.environ.get("DASHBOARD_TILES_ATTRIBUTION", "").strip()
    return url, credit or f"Tiles: {urlparse(url).netloc or url}"
