"""Configuration read from the environment (see README, "Configuration")."""

from __future__ import annotations

import os
from urllib.parse import urlparse

from dashboard.core.csvio import Limits
from dashboard.core.errors import ConfigError
from dashboard.core.mapassets import OSM_ATTRIBUTION, OSM_TILES


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
    if any(mark in url for mark in ("{{", "{%", "{#")):
        raise ConfigError(
            f"DASHBOARD_TILES must be a URL template like .../{{z}}/{{x}}/{{y}}.png, not {url!r}"
        )
    credit = os.environ.get("DASHBOARD_TILES_ATTRIBUTION", "").strip()
    return url, credit or f"Tiles: {urlparse(url).netloc or url}"


#: Environment variables for the upload limits, and the :class:`Limits` field each sets.
LIMIT_VARIABLES = {
    "DASHBOARD_UPLOAD_MAX_BYTES": "max_bytes",
    "DASHBOARD_UPLOAD_MAX_ROWS": "max_rows",
    "DASHBOARD_UPLOAD_MAX_CELL": "max_cell",
    "DASHBOARD_UPLOAD_MAX_COLUMNS": "max_columns",
}


def upload_limits() -> Limits:
    """Upload limits from ``DASHBOARD_UPLOAD_MAX_*`` (whole numbers > 0), else the defaults."""
    values: dict[str, int] = {}
    for variable, field in LIMIT_VARIABLES.items():
        text = os.environ.get(variable, "").strip()
        if not text:
            continue
        if not text.isdigit() or int(text) <= 0:
            raise ConfigError(f"{variable} must be a whole number above 0, not {text!r}")
        values[field] = int(text)
    return Limits(**values)
