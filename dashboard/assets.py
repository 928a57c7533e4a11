"""The map's JavaScript and CSS, served by the app itself so the map draws with no internet.

Leaflet, Leaflet.markercluster and jQuery come from their pinned XStatic packages on PyPI, the
heat-map plugin from folium's own package; leaflet.fullscreen and supercluster (not on PyPI) are
vendored in ``static/vendor`` with their licences, and the incident layer's own script is
``static/map``. :func:`ensure_static_assets` copies the package files under
``dashboard/static/vendor`` (Streamlit serves ``dashboard/static`` at ``<base>/app/static/``) and
writes the map's scripts as one bundle, and :func:`served_urls` names them for folium. For a file
that must work with no server (the briefing), :func:`inline_assets` puts the files' contents in
the page itself.

:func:`publish_payload` writes a map payload's files in this instance's payload folder
(``static/payload`` unless ``DASHBOARD_PAYLOAD_DIR`` names another), named by their content, so
the browser fetches (and caches) them by URL; the folder is kept under a budget. The served app
answers those URLs itself (``dashboard/server.py``), from the folder or else from the store.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import os
import re
import shutil
from pathlib import Path

import folium
import xstatic.pkg.jquery
import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster

from dashboard import PACKAGE_DIR, settings
from dashboard.core.mapassets import (
    CSS,
    JS,
    MAP_BUNDLE,
    AssetUrls,
    bundle,
    inline,
)
from dashboard.core.payload import Payload

_LOG = logging.getLogger(__name__)

STATIC_DIR = PACKAGE_DIR / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
#: Bytes of payload files kept; past it the least recently published go first.
PAYLOAD_BUDGET = 256 * 1024 * 1024

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


def ensure_static_assets(static_dir: Path = STATIC_DIR) -> bool:
    """Copy the packaged files into the served folder where they are missing, write the map's
    bundle where it differs, and make this instance's (empty) payload folder (idempotent). True
    when the bundle matches its files; False when it differs and cannot be written (the map then
    loads them one by one)."""
    settings.payload_dir().mkdir(parents=True, exist_ok=True)
    for folder, (source, names) in _COPIES.items():
        target = static_dir / "vendor" / folder
        target.mkdir(parents=True, exist_ok=True)
        for name in names or ():
            src, dst = source / name, target / name
            if dst.exists():
                continue
            if src.is_dir():
                shutil.copytree(src, dst)
            else:
                shutil.copy2(src, dst)
    missing = [p for p in (*JS.values(), *CSS.values()) if not (static_dir / p).exists()]
    if missing:
        raise FileNotFoundError(f"map assets missing under {static_dir}: {missing}")
    return _write_bundle(static_dir)


def _write_bundle(static_dir: Path) -> bool:
    """Write :data:`MAP_BUNDLE` from its files where it differs; False when it cannot be."""
    text = bundle(lambda relative: (static_dir / relative).read_text(encoding="utf-8"))
    target = static_dir / MAP_BUNDLE
    if target.exists() and target.read_text(encoding="utf-8") == text:
        return True
    try:
        _write_whole(target, text.encode("utf-8"))
    except OSError as exc:  # read-only code, updated without `python -m dashboard assets`
        _LOG.warning(
            "the map's script bundle differs from its files and cannot be written (%s); the map "
            "loads them one by one until `python -m dashboard assets` writes it",
            exc,
        )
        return False
    return True


def _write_whole(path: Path, data: bytes) -> None:
    """Write ``path`` through a file of this process beside it, renamed over it: a reader (the
    browser, another process) never sees half a file."""
    partial = path.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(data)
    partial.replace(path)


def served_urls(base_url_path: str = "", *, bundled: bool = True) -> AssetUrls:
    """URLs under Streamlit's static serving, honouring ``server.baseUrlPath``; the map's
    scripts as their bundle unless ``bundled`` is False."""
    base = "/" + base_url_path.strip("/") if base_url_path.strip("/") else ""
    return AssetUrls(prefix=f"{base}/app/static/", bundled=bundled)


def publish_payload(
    payload: Payload, payload_dir: Path | None = None, budget: int = PAYLOAD_BUDGET
) -> str:
    """Write ``payload``'s files in ``payload_dir`` (this instance's folder unless given; each
    named by its content, so an existing one is the same) and return the main file's name; then
    drop the least recently published files over ``budget``."""
    folder = payload_dir or settings.payload_dir()
    files = payload.files()
    for name, data in files.items():
        keep_payload_file(name, data, folder)
    _prune(folder, budget, keep=set(files))
    return payload.name


#: A payload file's name: a hash of its bytes and its kind (see :class:`Payload`).
PAYLOAD_NAME = re.compile(r"[0-9a-f]{32}\.(?:bin|json)")


def keep_payload_file(name: str, data: bytes, payload_dir: Path | None = None) -> None:
    """Write one payload file unless it is there already (then only mark it published now, so
    the budget keeps it longest); a file another instance published, read from the store, is
    kept this way too."""
    folder = payload_dir or settings.payload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if path.exists():
        path.touch()
        return
    _write_whole(path, data)


def _prune(payload_dir: Path, budget: int, keep: set[str]) -> None:
    entries = []
    for path in payload_dir.iterdir():
        try:
            stat = path.stat()
        except FileNotFoundError:  # another session pruned it meanwhile
            continue
        entries.append((stat.st_mtime, stat.st_size, path))
    total = sum(size for _, size, _ in entries)
    for _, size, path in sorted(entries):
        if total <= budget:
            break
        if path.name in keep:
            continue
        path.unlink(missing_ok=True)
        total -= size


_CLOSERS = re.compile(r"</(?:script|style)|<!--", re.IGNORECASE)
_CSS_URL = re.compile(r"url\((?!['\"]?(?:data:|#))['\"]?(?P<path>[^'\")]+)['\"]?\)")


def _static_file(static_dir: Path, relative: str) -> Path:
    path = (static_dir / relative).resolve()
    if not path.is_relative_to(static_dir.resolve()) or not path.is_file():
        raise FileNotFoundError(f"no map asset {relative!r} under {static_dir}")
    return path


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def read_asset(relative: str, static_dir: Path = STATIC_DIR) -> str:
    """A vendored JS or CSS file's text, ready to sit inside ``<script>`` or ``<style>``.

    CSS ``url(...)`` references to files beside it become ``data:`` URIs; ``</script``,
    ``</style`` and ``<!--`` are escaped (``<\\/``, ``<\\!``) so the text cannot end or confuse
    the element it sits in (the vendored files hold none; this guards a future update).
    """
    path = _static_file(static_dir, relative)
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".css":

        def embed(match: re.Match[str]) -> str:
            target = (path.parent / match["path"]).resolve()
            return f"url({_data_uri(target)})" if target.is_file() else match[0]

        text = _CSS_URL.sub(embed, text)
    return _CLOSERS.sub(lambda m: "<\\" + m[0][1:], text)


def inline_assets(document: str, static_dir: Path = STATIC_DIR) -> str:
    """``document`` with the files its inline-asset tags name read from ``static_dir``."""
    return inline(document, lambda relative: read_asset(relative, static_dir))
