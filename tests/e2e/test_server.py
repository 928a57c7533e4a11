"""The served app (``dashboard/server.py``) over HTTP: Streamlit's frontend compressed once and
kept, everything else as Streamlit sends it. (The browser tests all run against this server.)"""

from __future__ import annotations

import gzip
import re
import subprocess
import sys

import httpx
import pytest

from tests.e2e.conftest import REPO, RunningApp


@pytest.fixture(scope="module")
def bundle(app: RunningApp) -> str:
    """The path of Streamlit's main script, as the page names it."""
    page = httpx.get(app.url + "/").text
    (path,) = re.findall(r'src="\./(static/js/index\.[^"]+\.js)"', page)
    return f"{app.url}/{path}"


def test_streamlit_frontend_is_gzipped_for_a_browser_that_accepts_it(bundle: str) -> None:
    plain = httpx.get(bundle, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert "content-encoding" not in plain.headers
    packed = httpx.get(bundle, headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in packed.headers["vary"].lower()
    assert packed.headers["cache-control"] == plain.headers["cache-control"]
    assert packed.headers["etag"] == plain.headers["etag"]
    on_wire = int(packed.headers["content-length"])
    assert on_wire < len(plain.content) / 2
    assert packed.content == plain.content  # httpx decoded the gzip: the same file
    with httpx.stream("GET", bundle, headers={"Accept-Encoding": "gzip"}) as again:
        wire = b"".join(again.iter_raw())
    assert len(wire) == on_wire
    assert gzip.decompress(wire) == plain.content


def test_a_range_request_and_the_apps_own_files_pass_as_streamlit_sends_them(
    app: RunningApp, bundle: str
) -> None:
    part = httpx.get(bundle, headers={"Accept-Encoding": "gzip", "Range": "bytes=0-99"})
    assert part.status_code == 206
    assert "content-encoding" not in part.headers
    assert len(part.content) == 100
    # The map's own files (/app/static/) are Streamlit's to compress, and it does.
    leaflet = httpx.get(
        app.url + "/app/static/vendor/leaflet/leaflet.js", headers={"Accept-Encoding": "gzip"}
    )
    assert leaflet.status_code == 200
    assert leaflet.headers.get("content-encoding") == "gzip"
    assert leaflet.content.startswith(b"/*") or b"Leaflet" in leaflet.content[:2000]


def test_the_warm_start_leaves_streamlit_folium_to_the_first_script_run() -> None:
    """streamlit-folium registers its component with the runtime only when imported inside a
    script run: the warm start must not import it first (the map would answer 404). In a
    fresh interpreter, as the server starts."""
    check = (
        "import sys; from dashboard.server import warm; warm(); "
        "print(sorted({'pandas', 'folium', 'altair', 'dashboard.core.monitor'} - set(sys.modules)),"
        " 'streamlit_folium' in sys.modules)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert shown.stdout.split() == ["[]", "False"]
