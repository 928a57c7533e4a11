"""The map's JavaScript and CSS, served by the app itself so the map draws with no internet.

Leaflet, Leaflet.markercluster and jQuery come from their pinned XStatic packages on PyPI, the
heat-map plugin from folium's own package, and leaflet.fullscreen (not on PyPI) is vendored in
``static/vendor/leaflet-fullscreen`` with its licence. :func:`ensure_static_assets` copies the
package files under ``dashboard/static/vendor`` (Streamlit serves that folder at
``<base>/app/static/``), and :func:`served_urls` names them for folium. For a file that must work
with no server (the briefing), :func:`inline_assets` puts the files' contents in the page itself.
"""

from __future__ import annotations

import base64
import mimetypes
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import folium
import xstatic.pkg.jquery
import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster

from dashboard import PACKAGE_DIR

STATIC_DIR = PACKAGE_DIR / "static"
VENDOR_DIR = STATIC_DIR / "vendor"

#: vendor sub-folder -> (source folder, file names); folders are copied whole when names is None.
_COPIES: dict[str, tuple[Path, tuple[str, ...] | None]] = {
    "leaflet": (Path(xstatic.pkg.leaflet.BASE_DIR), ("leaflet.js", "leaflet.css", "images")),
    "leaflet-markercluster": (
        Path(xstatic.pkg.leaflet_markercluster.BASE_DIR),
        ("leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css"),
    ),
    "jquery": (Path(xstatic.pkg.jquery.BASE_DIR), ("jquery.min.js",)),
    "leaflet-heat": (Path(folium.__file__).parent / "templates", ("leaflet_heat.min.js",)),
}

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


def ensure_static_assets(vendor_dir: Path = VENDOR_DIR) -> None:
    """Copy the packaged files into the served folder where they are missing (idempotent)."""
    for folder, (source, names) in _COPIES.items():
        target = vendor_dir / folder
        target.mkdir(parents=True, exist_ok=True)
        for name in names or ():
            src, dst = source / name, target / name
            if dst.exists():
                continue
            if src.is_dir():
                shutil.copytree(src, dst)
            else:
                shutil.copy2(src, dst)
    missing = [p for p in (*JS.values(), *CSS.values()) if not (vendor_dir / p).exists()]
    if missing:
        raise FileNotFoundError(f"map assets missing under {vendor_dir}: {missing}")


@dataclass(frozen=True)
class AssetUrls:
    """Where the browser finds the map's files: ``prefix`` + a path from :data:`JS`/:data:`CSS`."""

    prefix: str

    def js(self, role: str) -> tuple[str, str]:
        return (f"{role}_js", self.prefix + JS[role])

    def css(self, role: str) -> tuple[str, str]:
        return (f"{role}_css", self.prefix + CSS[role])


def served_urls(base_url_path: str = "") -> AssetUrls:
    """URLs under Streamlit's static serving, honouring ``server.baseUrlPath``."""
    base = "/" + base_url_path.strip("/") if base_url_path.strip("/") else ""
    return AssetUrls(prefix=f"{base}/app/static/vendor/")


#: Prefix marking an asset to inline: build the map with ``AssetUrls(INLINE_PREFIX)``.
INLINE_PREFIX = "inline-asset:"
_ASSET_TAG = re.compile(
    r'<script src="' + re.escape(INLINE_PREFIX) + r'(?P<js>[^"]+)"></script>'
    r'|<link rel="stylesheet" href="' + re.escape(INLINE_PREFIX) + r'(?P<css>[^"]+)"\s*/?>'
)
_CLOSERS = re.compile(r"</(?:script|style)|<!--", re.IGNORECASE)
_CSS_URL = re.compile(r"url\((?!['\"]?(?:data:|#))['\"]?(?P<path>[^'\")]+)['\"]?\)")


def _vendor_file(vendor_dir: Path, relative: str) -> Path:
    path = (vendor_dir / relative).resolve()
    if not path.is_relative_to(vendor_dir.resolve()) or not path.is_file():
        raise FileNotFoundError(f"no map asset {relative!r} under {vendor_dir}")
    return path


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def read_asset(relative: str, vendor_dir: Path = VENDOR_DIR) -> str:
    """A vendored JS or CSS file's text, ready to sit inside ``<script>`` or ``<style>``.

    CSS ``url(...)`` references to files beside it become ``data:`` URIs; ``</script``,
    ``</style`` and ``<!--`` are escaped (``<\\/``, ``<\\!``) so the text cannot end or confuse
    the element it sits in (the vendored files hold none; this guards a future update).
    """
    path = _vendor_file(vendor_dir, relative)
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".css":

        def embed(match: re.Match[str]) -> str:
            target = (path.parent / match["path"]).resolve()
            return f"url({_data_uri(target)})" if target.is_file() else match[0]

        text = _CSS_URL.sub(embed, text)
    return _CLOSERS.sub(lambda m: "<\\" + m[0][1:], text)


def inline_assets(document: str, vendor_dir: Path = VENDOR_DIR) -> str:
    """Replace the ``<script>``/``<link>`` tags naming :data:`INLINE_PREFIX` files by their text."""

    def embed(match: re.Match[str]) -> str:
        if match["js"]:
            return f"<script>{read_asset(match['js'], vendor_dir)}</script>"
        return f"<style>{read_asset(match['css'], vendor_dir)}</style>"

    return _ASSET_TAG.sub(embed, document)
