"""The app and the baselines in headless Chromium (Playwright, no internet): time to first marks,
time until the headline figures, chart and table show, bytes reaching the browser, the server
time of a map move and of a filter change, and the app process's resident memory."""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, Request, WebSocket, sync_playwright

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("DASHBOARD_CHROMIUM", "/usr/bin/chromium")
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
#: What counts as a mark on the map: a cluster or marker icon, or an SVG path.
MARKS = ".marker-cluster, .leaflet-marker-icon, path.leaflet-interactive"
#: The page is complete when each of these shows: headline figures, the chart, the table.
COMPLETE = (
    "[data-testid='stMetric']",
    "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg",
    "[data-testid='stDataFrame'] canvas",
)
#: Runs in every frame before its own scripts: stamps (epoch ms) in the top window when the first
#: mark appears in any frame (the st_folium iframe is same-origin) and when the page is complete.
#: Checked on every DOM change and every 25 ms (the observer alone misses the map's iframe).
#: Also the steps on the way to the first mark (see :data:`STEPS`): the websocket opening, the
#: map's iframe element in the page and its document loaded (checked from the top window: the
#: iframe keeps the window of its first, blank document, where this script ran).
STAMPS = """
(() => {
  const marks = %(marks)s, complete = %(complete)s;
  const stamp = () => performance.timeOrigin + performance.now();
  let top = window;
  try { if (window.top.document) { top = window.top; } } catch (e) { top = window; }
  if (window === top) {
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener("open", () => { top.__benchSocket ??= stamp(); });
      }
    };
  }
  const frame = () => window === top && document.querySelector("iframe[src*='st_folium']");
  const goals = [
    ["__benchFrame", () => frame()],
    ["__benchFrameLoaded", () => {
      const doc = frame() && frame().contentDocument;
      return doc && doc.URL.includes("st_folium") && doc.readyState === "complete";
    }],
    ["__benchMarks", () => document.querySelector(marks) !== null],
    ["__benchComplete", () => window === top && complete.every((s) => document.querySelector(s))],
  ];
  const check = () => {
    for (const [name, reached] of goals) {
      if (top[name] === undefined && reached()) { top[name] = stamp(); }
    }
  };
  new MutationObserver(check).observe(document, {childList: true, subtree: true});
  const poll = setInterval(() => {
    check();
    if (goals.every(([name]) => top[name] !== undefined)) { clearInterval(poll); }
  }, 25);
})();
""".replace("%(marks)s", json.dumps(MARKS)).replace("%(complete)s", json.dumps(list(COMPLETE)))
#: The steps from navigation to the first mark, each ending at a stamp of :data:`STAMPS`:
#: Streamlit's frontend loading and opening its websocket; the script run and the frontend
#: drawing until the map's element mounts its iframe; the iframe loading st_folium's frontend;
#: the map built in it (its files, its payload) until a mark shows.
STEPS = (
    ("frontend opens the websocket", "__benchSocket"),
    ("script and drawing until the map's iframe starts", "__benchFrame"),
    ("map iframe loads", "__benchFrameLoaded"),
    ("map built until its first mark", "__benchMarks"),
)


@dataclass(frozen=True)
class Run:
    """One script run as the app process timed it."""

    seconds: float
    fragment: bool


@dataclass
class App:
    """A running Streamlit process (the dashboard or the naive app) and its run log."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    runs: Path
    rss_peak: int = 0
    _sampler: threading.Thread | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    def run_log(self) -> list[Run]:
        """Every script run so far (see :mod:`benchmarks.serve`)."""
        if not self.runs.exists():
            return []
        entries = [json.loads(line) for line in self.runs.read_text().splitlines() if line]
        return [Run(float(e["seconds"]), bool(e["fragment"])) for e in entries]

    def rss(self) -> int:
        """The process's resident memory now, in bytes (from /proc)."""
        with open(f"/proc/{self.process.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def sample_rss(self, every: float = 0.2) -> None:
        """Keep the peak resident memory in ``rss_peak`` until the app stops."""

        def loop() -> None:
            while not self._stop.wait(every):
                try:
                    self.rss_peak = max(self.rss_peak, self.rss())
                except OSError:
                    return

        self._sampler = threading.Thread(target=loop, daemon=True)
        self._sampler.start()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_app(
    script: Path, folder: Path, env: dict[str, str], timeout: float = 120
) -> Iterator[App]:
    """``streamlit run script`` through :mod:`benchmarks.serve`, healthy, stopped afterwards."""
    port = _free_port()
    log, runs = folder / f"streamlit-{port}.log", folder / f"runs-{port}.jsonl"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "benchmarks.serve",
            str(script),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--server.fileWatcherType",
            "none",
            "--server.enableStaticServing",
            "true",
        ],
        cwd=REPO,
        env={**os.environ, "BENCH_RUN_LOG": str(runs), **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    app = App(f"http://127.0.0.1:{port}", process, log, runs)
    try:
        _wait_healthy(app, timeout)
        app.sample_rss()
        yield app
    finally:
        app._stop.set()
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _wait_healthy(app: App, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{app.log.read_text()}")
        try:
            with urllib.request.urlopen(f"{app.url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(
        f"streamlit did not become healthy in {timeout:.0f} s:\n{app.log.read_text()}"
    )


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, with the flags the browser tests use."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield browser
        finally:
            browser.close()


#: Where Streamlit serves its own frontend (scripts, styles, fonts): uncompressed by design in
#: 1.67 (``starlette_gzip_middleware._should_bypass_gzip``), unlike the app's ``/app/static/``.
FRONTEND = "/static/"


@dataclass
class Traffic:
    """Bytes that reached the page: websocket frames received, HTTP response bodies as Playwright
    sizes them, and every HTTP response as Chromium's network stack counts it on the wire
    (CDP ``Network.loadingFinished.encodedDataLength``: headers and encoded body)."""

    websocket: int = 0
    requests: list[Request] = field(default_factory=list)
    #: Bytes on the wire per CDP request id, and each request's URL.
    wire: dict[str, int] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)

    def watch(self, page: Page) -> None:
        page.on("websocket", self._socket)
        page.on("requestfinished", self._request)
        cdp = page.context.new_cdp_session(page)
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.send("Network.enable")

    def _sent(self, event: dict[str, Any]) -> None:
        self.urls[event["requestId"]] = event["request"]["url"]

    def _finished(self, event: dict[str, Any]) -> None:
        self.wire[event["requestId"]] = int(event["encodedDataLength"])

    def on_wire(self, path: str = "") -> int:
        """HTTP bytes on the wire (headers included) of the finished requests whose URL path
        starts with ``path``."""
        return sum(
            size
            for key, size in self.wire.items()
            if urllib.parse.urlsplit(self.urls.get(key, "")).path.startswith(path)
        )

    def _request(self, request: Request) -> None:
        self.requests.append(request)

    def _socket(self, socket_: WebSocket) -> None:
        socket_.on("framereceived", self._frame)

    def _frame(self, payload: str | bytes) -> None:
        self.websocket += len(payload.encode() if isinstance(payload, str) else payload)

    def http(self, path: str = "") -> int:
        """Response body bytes as received (encoded) over every finished request (whose URL
        holds ``path``)."""
        return sum(max(r.sizes()["responseBodySize"], 0) for r in self.requests if path in r.url)


@dataclass
class Opened:
    """A page as measured when it opened; ``context`` stays open for interactions. ``steps``:
    milliseconds each of :data:`STEPS` took (its end minus the previous one's)."""

    context: BrowserContext
    page: Page
    traffic: Traffic
    marks_ms: float
    complete_ms: float | None = None
    steps: dict[str, float] = field(default_factory=dict)
    #: The script runs of ``app`` while the page opened (with ``complete`` and an ``app``).
    runs: list[Run] = field(default_factory=list)


def open_page(
    browser: Browser, url: str, *, complete: bool, timeout: float, app: App | None = None
) -> Opened:
    """Open ``url`` in a fresh context (cold cache) and wait for the first marks (and, with
    ``complete``, for the figures, chart and table, then for the app to be idle and quiet)."""
    before = len(app.run_log()) if app is not None else 0
    context = browser.new_context(viewport={"width": 1500, "height": 1200})
    try:
        context.add_init_script(STAMPS)
        page = context.new_page()
        traffic = Traffic()
        traffic.watch(page)
        page.goto(url, wait_until="commit", timeout=timeout * 1000)
        page.wait_for_function(
            "() => window.__benchMarks !== undefined", timeout=timeout * 1000, polling=100
        )
        marks = page.evaluate("() => window.__benchMarks - performance.timeOrigin")
        opened = Opened(context, page, traffic, float(marks), steps=_steps(page))
        if complete:
            page.wait_for_function(
                "() => window.__benchComplete !== undefined", timeout=timeout * 1000, polling=100
            )
            opened.complete_ms = float(
                page.evaluate("() => window.__benchComplete - performance.timeOrigin")
            )
            page.wait_for_selector(IDLE, timeout=timeout * 1000)
            settle(traffic, timeout)
            if app is not None:
                opened.runs = app.run_log()[before:]
        return opened
    except BaseException:
        context.close()
        raise


def _steps(page: Page) -> dict[str, float]:
    """How long each of :data:`STEPS` took on ``page`` (ms); a step whose stamp is missing is
    left out (and the next one counts from the last stamp before it)."""
    stamps = page.evaluate(
        "(names) => Object.fromEntries(names.map((n) => [n, window[n] ?? null]))",
        [name for _, name in STEPS],
    )
    origin = float(page.evaluate("() => performance.timeOrigin"))
    steps, previous = {}, origin
    for label, name in STEPS:
        if stamps.get(name) is not None:
            steps[label] = float(stamps[name]) - previous
            previous = float(stamps[name])
    return steps


@dataclass(frozen=True)
class Visits:
    """A page opened warm (after a first visit that is not counted), several times, each in a
    fresh browser context: the median of each measure, and the steps of the visit whose first
    marks were the median (so that they add up to it); ``first`` is the uncounted visit and
    ``kept`` the last counted one, still open."""

    first: Opened
    kept: Opened
    marks_ms: float
    complete_ms: float | None
    steps: dict[str, float]


def open_warm(
    browser: Browser,
    url: str,
    *,
    complete: bool,
    timeout: float,
    visits: int = 3,
    app: App | None = None,
) -> Visits:
    """A first visit (it pays for what the server does once), then ``visits`` more, each in a
    fresh context; the last stays open (close ``kept.context``)."""
    first = open_page(browser, url, complete=complete, timeout=timeout, app=app)
    first.context.close()
    seen: list[Opened] = []
    try:
        for _ in range(visits):
            seen.append(open_page(browser, url, complete=complete, timeout=timeout, app=app))
            if len(seen) < visits:
                seen[-1].context.close()
    except BaseException:
        if seen:
            seen[-1].context.close()
        raise
    done = [o.complete_ms for o in seen if o.complete_ms is not None]
    middle = sorted(seen, key=lambda o: o.marks_ms)[len(seen) // 2]
    return Visits(
        first=first,
        kept=seen[-1],
        marks_ms=statistics.median(o.marks_ms for o in seen),
        complete_ms=statistics.median(done) if done else None,
        steps=middle.steps,
    )


def settle(traffic: Traffic, timeout: float, quiet: float = 1.5) -> None:
    """Wait until no websocket bytes arrived for ``quiet`` seconds (at most ``timeout``)."""
    deadline = time.monotonic() + timeout
    last, since = traffic.websocket, time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        if traffic.websocket != last:
            last, since = traffic.websocket, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
    raise TimeoutError(f"the page kept receiving data for {timeout:.0f} s")


@dataclass(frozen=True)
class Interaction:
    """What one interaction cost: server seconds over the runs it caused, bytes received."""

    server_seconds: float
    runs: int
    websocket_bytes: int


def interact(
    app: App, opened: Opened, action: Callable[[], None], *, timeout: float
) -> Interaction:
    """Do ``action`` and wait until the runs it causes are over and the page is quiet."""
    before_runs, before_bytes = len(app.run_log()), opened.traffic.websocket
    action()
    deadline = time.monotonic() + timeout
    while len(app.run_log()) == before_runs:
        if time.monotonic() > deadline:
            raise TimeoutError("the interaction caused no script run")
        time.sleep(0.05)
    opened.page.wait_for_selector(IDLE, timeout=timeout * 1000)
    settle(opened.traffic, timeout)
    runs = app.run_log()[before_runs:]
    return Interaction(
        server_seconds=sum(r.seconds for r in runs),
        runs=len(runs),
        websocket_bytes=opened.traffic.websocket - before_bytes,
    )


def zoom_in(opened: Opened, timeout: float) -> Callable[[], None]:
    """The action of pressing the map's zoom-in button (inside the st_folium iframe)."""

    def press() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for frame in opened.page.frames:
                button = frame.locator(".leaflet-control-zoom-in")
                if "st_folium" in frame.url and button.count():
                    button.first.click(timeout=timeout * 1000)
                    return
            time.sleep(0.1)
        raise TimeoutError("no zoom button on the map")

    return press


def search(opened: Opened, text: str, timeout: float) -> Callable[[], None]:
    """The action of typing ``text`` in the sidebar's search box and pressing Enter."""

    def type_it() -> None:
        box = opened.page.locator("[data-testid='stSidebar'] input[aria-label='Search']")
        box.fill(text, timeout=timeout * 1000)
        box.press("Enter", timeout=timeout * 1000)

    return type_it
