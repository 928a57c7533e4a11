"""The real app in a real browser: Streamlit on a free port, driven by Playwright in Chromium.

Chromium is Debian's (``/usr/bin/chromium``, or ``DASHBOARD_CHROMIUM``); Playwright never
downloads a browser here. The network is closed, so these tests also show the app works offline.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    Download,
    Frame,
    Locator,
    Page,
    WebSocket,
    expect,
    sync_playwright,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.conftest import unavailable

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("DASHBOARD_CHROMIUM", "/usr/bin/chromium")
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


@dataclass
class RunningApp:
    url: str
    db_url: str
    process: subprocess.Popen[bytes]
    log: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_app(
    tmp: Path,
    env: dict[str, str] | None = None,
    base_path: str = "",
    script: Path = REPO / "dashboard" / "server.py",
    port: int | None = None,
    address: str = "127.0.0.1",
) -> RunningApp:
    """Start ``streamlit run <script>`` (the dashboard by default) on a free port and wait until
    it is healthy. ``env`` may name another store in ``DASHBOARD_DB_URL``; ``base_path`` serves
    the app under ``server.baseUrlPath`` and the returned URL includes it; ``port`` is a free
    port chosen beforehand (when the configuration must name it), else one is picked; ``address``
    is the address to bind (the app is reached on 127.0.0.1 either way)."""
    port = port or free_port()
    log = tmp / f"streamlit-{port}.log"
    full_env = {**os.environ, "DASHBOARD_DB_URL": f"sqlite:///{tmp / 'e2e.sqlite3'}", **(env or {})}
    db_url = full_env["DASHBOARD_DB_URL"]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(script),
            "--server.port",
            str(port),
            "--server.address",
            address,
            "--server.headless",
            "true",
            "--server.fileWatcherType",
            "none",
            "--server.baseUrlPath",
            base_path,
        ],
        cwd=REPO,
        env=full_env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}" + (f"/{base_path.strip('/')}" if base_path.strip("/") else "")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return RunningApp(url, db_url, process, log)
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"streamlit did not become healthy:\n{log.read_text()}")


def stop_app(app: RunningApp) -> None:
    app.process.terminate()
    try:
        app.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        app.process.kill()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The dashboard with its shipped data, on a store of its own."""
    running = start_app(tmp_path_factory.mktemp("app"))
    yield running
    stop_app(running)


@pytest.fixture(scope="session")
def offline_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The dashboard with its shipped data and no tile server (nothing outside the app is
    fetched), on a store of its own, shared by the browser tests that only read it."""
    running = start_app(tmp_path_factory.mktemp("offline"), env={"DASHBOARD_TILES": "none"})
    yield running
    stop_app(running)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1500, "height": 1200})
    opened = watch_runs(context.new_page())
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.errors = errors  # type: ignore[attr-defined]
    yield opened
    context.close()


def wait_idle(page: Page, timeout: float = 60_000) -> None:
    """Wait until the script run triggered by the last interaction has finished."""
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE, timeout=timeout)


_RUN_ENDS = {
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
}
#: Per watched page: script runs finished, and those finished since its last websocket opened
#: (its current session, whose first run is always a whole run of the page).
_finished_runs: weakref.WeakKeyDictionary[Page, list[int]] = weakref.WeakKeyDictionary()


def watch_runs(page: Page) -> Page:
    """Count the script runs the server tells ``page`` it has finished (its ``script_finished``
    messages, a run cut short for a rerun aside), for :func:`run_of` and :func:`settled_map`.
    Call it before the page opens the app: only websockets opened later are watched."""
    finished = _finished_runs.setdefault(page, [0, 0])

    def on_frame(payload: str | bytes) -> None:
        if isinstance(payload, bytes):
            message = ForwardMsg.FromString(payload)
            if message.WhichOneof("type") == "script_finished":
                ended = message.script_finished in _RUN_ENDS
                finished[0] += ended
                finished[1] += ended

    def on_socket(socket: WebSocket) -> None:
        finished[1] = 0
        socket.on("framereceived", on_frame)

    page.on("websocket", on_socket)
    return page


def run_of(page: Page, action: Callable[[], object], timeout: float = 60_000) -> None:
    """Do ``action`` (a click, a key press) and wait until a script run has finished after it,
    as the server reports on the page's websocket, and the page has drawn it. Unlike
    :func:`wait_idle`, this cannot mistake the page as it was before the run for its result
    when the server is slow to start the run; nor miss a run so quick that the browser draws
    its start and its end at once, never showing the app as running. A run still going (a map
    report's, say) is waited out first. ``page`` must be watched by :func:`watch_runs`."""
    if page not in _finished_runs:
        raise AssertionError("run_of needs a page watched by watch_runs before it opened the app")
    finished = _finished_runs[page]
    page.wait_for_selector(IDLE, timeout=timeout)
    before = finished[0]
    action()
    deadline = time.monotonic() + timeout / 1000
    while finished[0] == before:
        if time.monotonic() > deadline:
            raise AssertionError(
                f"no script run finished within {timeout / 1000:.0f} s of the action"
            )
        page.wait_for_timeout(50)
    wait_idle(page, timeout)


def download_of(page: Page, button: Locator, attempts: int = 3) -> Download:
    """Click ``button`` (a download button whose file is made on the click) and return the
    download. Streamlit names the button's file anew in every run that draws it and forgets the
    old name when the run ends: a run drawing it between the click and the file's request (the
    map reporting a move, say) leaves the click asking for a forgotten file, and no download
    comes. Only then, when a run has finished since the click, is the click repeated (at most
    ``attempts`` times), each after the page is idle. ``page`` must be watched by
    :func:`watch_runs`."""
    if page not in _finished_runs:
        raise AssertionError("download_of needs a page watched by watch_runs")
    finished = _finished_runs[page]
    for _ in range(attempts):
        page.wait_for_selector(IDLE, timeout=60_000)
        before = finished[0]
        try:
            with page.expect_download(timeout=30_000) as download:
                button.click()
            return download.value
        except PlaywrightTimeoutError:
            if finished[0] == before:  # nothing redrew the button: the download itself failed
                raise
    raise AssertionError(f"no download in {attempts} clicks, each redrawn by a run")


def map_frame(page: Page, timeout: float = 30_000) -> Frame:
    """The st_folium iframe, once Leaflet has drawn the map in it."""
    page.wait_for_selector("iframe[title*='st_folium']", timeout=timeout)
    deadline = time.monotonic() + timeout / 1000
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "st_folium" in frame.url and frame.locator(".leaflet-container").count():
                return frame
        page.wait_for_timeout(200)
    raise AssertionError("the map iframe did not draw a Leaflet map")


def settled_map(page: Page, timeout: float = 60_000) -> Frame:
    """The st_folium iframe once its map has drawn and reported the view it opened at, and the
    run that report causes has finished (the session's second): from then on, the page changes
    only when told to. That run is the map's fragment's, or, after a session's first look at the
    Monitor page (its first run: the figures and the map), the whole page's. ``page`` must be
    watched by :func:`watch_runs`."""
    if page not in _finished_runs:
        raise AssertionError("settled_map needs a page watched by watch_runs")
    frame = map_frame(page, timeout)
    deadline = time.monotonic() + timeout / 1000
    finished = _finished_runs[page]
    while finished[1] < 2:
        if time.monotonic() > deadline:
            waited = f"{timeout / 1000:.0f} s"
            raise AssertionError(f"no run followed the map's first report within {waited}")
        page.wait_for_timeout(50)
    # The whole page (the sidebar's search box is on every view of it), then its run's end.
    page.locator(".st-key-q input").wait_for(state="attached", timeout=timeout)
    wait_idle(page, timeout)
    return frame


#: Resolves once the map in the frame has not moved for three animation frames: no pan or zoom
#: animation running, and its open popup (if any) in the same place (a popup pans the map clear
#: of its edges and controls as it opens).
_STILL = """() => new Promise(done => {
    const layer = L.IncidentLayer.instances.find(l => l._map);
    const map = layer && layer._map;
    let last = null, calm = 0;
    const check = () => {
        const moving = map && ((map._panAnim && map._panAnim._inProgress) || map._animatingZoom);
        const popup = document.querySelector('.leaflet-popup');
        const where = JSON.stringify([map && map.getCenter(), map && map.getZoom(),
                                      popup && popup.getBoundingClientRect()]);
        calm = !moving && where === last ? calm + 1 : 0;
        last = where;
        if (calm >= 3) { done(true); } else { requestAnimationFrame(check); }
    };
    requestAnimationFrame(check);
})"""


def map_still(frame: Frame) -> None:
    """Wait until the map in ``frame`` (st_folium's) has stopped moving (see :data:`_STILL`)."""
    frame.evaluate(_STILL)


def holds_rows(page: Page, rows: int) -> None:
    """Wait until the browser holds ``rows`` data rows for the incident table (the grid's row
    count less its header). The grid draws after the run that sent it has ended: once, under
    CI's load, not within Playwright's default 5 s."""
    grid = page.locator(".st-key-incident_table table[role='grid']").first
    expect(grid).to_have_attribute("aria-rowcount", str(rows + 1), timeout=15_000)


def select_first_row(page: Page, attempts: int = 3) -> None:
    """Select the incident table's first row by clicking its selection cell, and wait for the
    record to open. The grid draws on a canvas and may not take a click made while it is being
    redrawn, so a click that opens nothing is repeated (at most ``attempts`` times)."""
    grid = page.locator(".st-key-incident_table [data-testid='stDataFrameResizable']")
    record = page.locator(".st-key-incident_record")
    for _ in range(attempts):
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the first row's selection cell
        wait_idle(page)
        try:
            record.wait_for(timeout=10_000)
        except PlaywrightTimeoutError:
            continue
        return
    raise AssertionError(f"selecting the first row opened no record in {attempts} clicks")
