"""``python -m benchmarks`` (``make bench``): the issue 10 benchmark at 10k and 100k incidents
(``--huge`` adds 1M), one table of project values beside baselines measured in the same run.

See the README's "Performance" for what each row means and how to read it.
"""

from __future__ import annotations

import argparse
import contextlib
import pstats
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from benchmarks import baselines, browser, importing, synth
from benchmarks.report import Row, markdown_table, text_table

REPO = Path(__file__).resolve().parents[1]
DASHBOARD_APP = REPO / "dashboard" / "server.py"
HUGE = 1_000_000
BACKENDS = ("sqlite", "postgresql")


def import_rows(size: int, times: importing.ImportTimes) -> list[Row]:
    """The import rows of one file on one back end."""
    on = times.backend
    phases = times.prepare + times.commit
    floor = (
        "csv + executemany into a bare table" if on == "sqlite" else "COPY into an unlogged table"
    )
    return [
        Row(
            size,
            f"import, CLI end to end ({on}) vs bulk-load floor ({floor}, fresh python)",
            times.cli,
            "s",
            times.floor,
            3,
        ),
        Row(
            size,
            f"import, CLI end to end ({on}) vs read_csv in a fresh python",
            times.cli,
            "s",
            times.read_csv_cli,
            5,
        ),
        Row(
            size, f"import: prepare/validate ({on}) vs read_csv", times.prepare, "s", times.read_csv
        ),
        Row(size, f"import: commit ({on}) vs read_csv", times.commit, "s", times.read_csv),
        Row(size, f"import: prepare + commit ({on}) vs read_csv", phases, "s", times.read_csv, 5),
    ]


def browser_rows(
    size: int,
    csv: Path,
    store: str,
    work: Path,
    chrome: browser.Browser,
    *,
    naive: bool,
    timeout: float,
    profile: Path | None,
    visits: int,
) -> tuple[list[Row], browser.Visits | None]:
    """The browser rows of one size: the app on ``store`` beside the baselines, each page opened
    warm ``visits`` times in fresh contexts (medians)."""
    coordinates = pd.read_csv(csv, usecols=["latitude", "longitude"])
    root = baselines.copy_vendor(work / "baseline-root")
    with baselines.static_server(root) as base:
        fast = browser.open_warm(
            chrome,
            f"{base}/{baselines.fast_marker_page(coordinates, root)}",
            complete=False,
            timeout=timeout,
            visits=visits,
        )
        fast.kept.context.close()
    floor = floor_visits(work, chrome, timeout, visits)
    page = served(store, work, chrome, timeout, visits)
    seen = page.seen
    if profile is not None:  # a process of its own: the profiler slows what it watches
        env = {"DASHBOARD_DB_URL": store, "DASHBOARD_TILES": "none", "BENCH_PROFILE": str(profile)}
        with browser.running_app(DASHBOARD_APP, work, env) as app:
            browser.open_page(chrome, app.url, complete=True, timeout=timeout).context.close()
    # Issue 24 sets these at 100,000 incidents and more.
    large = size >= 100_000
    rows = [
        *first_marks_rows(size, seen, floor, limit=1.3 if large else None),
        Row(
            size,
            "first marks on the map (ms) vs folium FastMarkerCluster (static page)",
            seen.marks_ms,
            "ms",
            fast.marks_ms,
            1.0 if large else None,
        ),
        Row(
            size,
            "figures, chart and table visible (ms) vs FastMarkerCluster's first marks",
            seen.complete_ms,
            "ms",
            fast.marks_ms,
        ),
        Row(
            size,
            "first marks, the first visitor after the server starts (ms) vs the stack floor's",
            seen.first.marks_ms,
            "ms",
            floor.first.marks_ms,
        ),
    ]
    if naive:
        slow = naive_marks(csv, work, chrome, timeout)
        rows.append(
            Row(
                size,
                "first marks on the map (ms) vs the naive folium app",
                seen.marks_ms,
                "ms",
                slow,
                0.1,
            )
        )
    rows += [
        Row(
            size,
            "bytes reaching the browser per incident (websocket + HTTP)",
            (page.websocket + page.http) / size,
            "B",
            None,
            30,
        ),
        Row(
            size,
            "… of which websocket frames (the script's output) per incident",
            page.websocket / size,
            "B",
        ),
        Row(
            size,
            "… of which HTTP bodies (page, scripts, map files) per incident",
            page.http / size,
            "B",
        ),
        Row(
            size,
            "… of which the map's payload files per incident",
            page.payload / size,
            "B",
        ),
        Row(
            size,
            "HTTP on the wire per incident (Chromium's count: headers and encoded bodies)",
            page.wire / size,
            "B",
        ),
        Row(
            size,
            "… of which Streamlit's own frontend files (/static/, gzipped by dashboard/server.py)",
            page.frontend / size,
            "B",
        ),
        Row(
            size,
            f"page open: server time of its script runs ({len(page.page_runs)} runs)",
            sum(r.seconds for r in page.page_runs) * 1000,
            "ms",
        ),
        *served_rows(size, page, memory_mb=1024, zoom_bytes=True),
    ]
    return rows, seen


def first_marks_rows(
    size: int, visits: browser.Visits, floor: browser.Visits, *, limit: float | None
) -> list[Row]:
    """First marks against the stack floor, then each step's share of both."""
    rows = [
        Row(
            size,
            "first marks on the map (ms) vs the stack floor (one st_folium map, one mark)",
            visits.marks_ms,
            "ms",
            floor.marks_ms,
            limit,
        )
    ]
    for label, _ in browser.STEPS:
        if label in visits.steps:
            share = visits.steps[label] / visits.marks_ms
            rows.append(
                Row(
                    size,
                    f"… step: {label} (ms; {share:.0%} of first marks) vs the floor's",
                    visits.steps[label],
                    "ms",
                    floor.steps.get(label),
                )
            )
    return rows


def naive_marks(csv: Path, work: Path, chrome: browser.Browser, timeout: float) -> float:
    """Time to first marks of the naive folium app on the incidents of ``csv``."""
    folder = baselines.copy_vendor(work / "naive")
    script = folder / "naive_app.py"
    shutil.copy2(baselines.NAIVE_APP, script)
    with browser.running_app(script, work, {"BENCH_CSV": str(csv)}) as app:
        opened = browser.open_page(chrome, app.url, complete=False, timeout=timeout)
        opened.context.close()
    return opened.marks_ms


def floor_visits(
    work: Path, chrome: browser.Browser, timeout: float, visits: int
) -> browser.Visits:
    """The stack floor's page (:mod:`benchmarks.floor_app`), opened warm like the app."""
    folder = baselines.copy_vendor(work / "floor")
    script = folder / "floor_app.py"
    shutil.copy2(baselines.FLOOR_APP, script)
    with browser.running_app(script, work, {}) as app:
        seen = browser.open_warm(chrome, app.url, complete=False, timeout=timeout, visits=visits)
        seen.kept.context.close()
    return seen


def summarise_profile(profile: Path) -> None:
    """Write the 30 costliest calls (cumulative) beside a cProfile file, as text."""
    if not profile.exists():
        return
    with profile.with_suffix(".txt").open("w") as out:
        pstats.Stats(str(profile), stream=out).sort_stats("cumulative").print_stats(30)


def run(args: argparse.Namespace, work: Path) -> list[Row]:
    """Measure every size; returns the table's rows."""
    rows: list[Row] = []
    sizes = sorted(set(args.sizes))
    profiled = max(sizes) if args.profile else None
    opened_at: dict[int, browser.Visits] = {}
    with browser.chromium() if args.browser else _nothing() as chrome:
        for size in [*sizes, *([args.huge] if args.huge else [])]:
            csv = synth.write_csv(size, work)
            huge = size == args.huge
            with contextlib.ExitStack() as kept:
                # The stores the app will serve: SQLite's at every size, PostgreSQL's at 1M.
                stores: dict[str, str] = {}
                for backend in args.backends:
                    profile = (
                        args.profile / f"import-{size}-{backend}.prof" if size == profiled else None
                    )
                    if chrome is not None and (backend == "sqlite" or huge):
                        stores[backend] = kept_store(backend, size, work, kept)
                    times = importing.measure(
                        csv, size, backend, work, keep=stores.get(backend), profile=profile
                    )
                    rows += import_rows(size, times)
                    print(text_table(rows[-5:]), flush=True)
                if chrome is None or "sqlite" not in stores:
                    continue
                if huge:
                    largest = max(sizes)
                    found = huge_rows(
                        size, stores, work, chrome, largest, opened_at, args.timeout, args.visits
                    )
                    rows += found
                    print(text_table(found), flush=True)
                    continue
                page_profile = args.profile / f"page-open-{size}.prof" if size == profiled else None
                found, opened = browser_rows(
                    size,
                    csv,
                    stores["sqlite"],
                    work,
                    chrome,
                    naive=size <= args.naive_max,
                    timeout=args.timeout,
                    profile=page_profile,
                    visits=args.visits,
                )
                rows += found
                if opened is not None:
                    opened_at[size] = opened
                print(text_table(found), flush=True)
    if args.profile:
        for profile in args.profile.glob("*.prof"):
            summarise_profile(profile)
    return rows


def kept_store(backend: str, size: int, work: Path, kept: contextlib.ExitStack) -> str:
    """The URL of an empty store on ``backend`` for the app to serve: an SQLite file in ``work``
    (left there), or a new PostgreSQL database, dropped when ``kept`` closes."""
    if backend == "sqlite":
        path = work / f"app-{size}.sqlite3"
        importing.remove_sqlite_store(path)
        return f"sqlite:///{path}"
    return kept.enter_context(importing.fresh_database(backend, work))


@dataclass(frozen=True)
class Served:
    """The Monitor page served on one store: opened warm, then a zoom and a search timed on the
    last visit's page; what reached that page as it opened (websocket frames and HTTP bodies;
    the payload files' bodies; on the wire, all and Streamlit's frontend files) and its runs;
    the app process's peak memory over all of it."""

    seen: browser.Visits
    websocket: int
    http: int
    payload: int
    wire: int
    frontend: int
    page_runs: list[browser.Run]
    zoom: browser.Interaction
    searched: browser.Interaction
    rss: int


def served(store: str, work: Path, chrome: browser.Browser, timeout: float, visits: int) -> Served:
    """The Monitor page on ``store``, opened, zoomed and searched (see :class:`Served`)."""
    env = {"DASHBOARD_DB_URL": store, "DASHBOARD_TILES": "none"}
    with browser.running_app(DASHBOARD_APP, work, env) as app:
        seen = browser.open_warm(
            chrome, app.url, complete=True, timeout=timeout, app=app, visits=visits
        )
        opened = seen.kept
        try:
            traffic = opened.traffic
            websocket, http = traffic.websocket, traffic.http()  # while the page opened
            payload = traffic.http("/app/static/payload/")
            wire, frontend = traffic.on_wire(), traffic.on_wire(browser.FRONTEND)
            page_runs = opened.runs
            zoom = browser.interact(app, opened, browser.zoom_in(opened, timeout), timeout=timeout)
            searched = browser.interact(
                app, opened, browser.search(opened, "Village 1", timeout), timeout=timeout
            )
        finally:
            opened.context.close()
        rss = app.rss_peak
    assert seen.complete_ms is not None
    return Served(seen, websocket, http, payload, wire, frontend, page_runs, zoom, searched, rss)


def served_rows(
    size: int, page: Served, *, on: str = "", memory_mb: float, zoom_bytes: bool = False
) -> list[Row]:
    """A served page's zoom, search and memory rows (``on`` names its store in them), with
    their targets; with ``zoom_bytes``, what the zoom sent too."""
    rows = [
        Row(
            size,
            f"map zoom{on}: server time ({page.zoom.runs} runs)",
            page.zoom.server_seconds * 1000,
            "ms",
            None,
            50,
        )
    ]
    if zoom_bytes:
        rows.append(
            Row(
                size,
                "map zoom: bytes received per incident (≈ 0 unless the layer is re-sent)",
                page.zoom.websocket_bytes / size,
                "B",
                None,
                1,
            )
        )
    return [
        *rows,
        Row(
            size,
            f"filter change{on}: server time ({page.searched.runs} runs)",
            page.searched.server_seconds * 1000,
            "ms",
            None,
            300,
        ),
        Row(size, f"app process peak resident memory{on}", page.rss / 2**20, "MB", None, memory_mb),
    ]


def huge_rows(
    size: int,
    stores: dict[str, str],
    work: Path,
    chrome: browser.Browser,
    largest: int,
    opened_at: dict[int, browser.Visits],
    timeout: float,
    visits: int,
) -> list[Row]:
    """At 1M, the page served on each of ``stores`` (SQLite's, and PostgreSQL's when imported
    into): on SQLite it opens no slower than at the largest other size (100k by default),
    measured earlier in this run, and within its target of the stack floor, measured again
    beside it; on each store a zoom, a search and the process's memory have their targets; and
    PostgreSQL's figures are set beside SQLite's."""
    before = opened_at.get(largest)
    if before is None or before.complete_ms is None:
        print(f"--huge: no page open at {largest:,} to compare with; skipped")
        return []
    floor = floor_visits(work, chrome, timeout, visits)
    on = {
        backend: served(store, work, chrome, timeout, visits) for backend, store in stores.items()
    }
    lite = on["sqlite"]
    rows = [
        *first_marks_rows(size, lite.seen, floor, limit=1.3),
        Row(
            size,
            f"Monitor page: first marks (ms) vs at {largest:,}",
            lite.seen.marks_ms,
            "ms",
            before.marks_ms,
            1.2,
        ),
        Row(
            size,
            f"Monitor page: figures, chart and table visible (ms) vs at {largest:,}",
            lite.seen.complete_ms,
            "ms",
            before.complete_ms,
            1.2,
        ),
        Row(
            size,
            "Monitor page: bytes reaching the browser per incident (websocket + HTTP)",
            (lite.websocket + lite.http) / size,
            "B",
        ),
    ]
    for backend, page in on.items():
        rows += served_rows(size, page, on=f" ({backend})", memory_mb=2048)
    other = on.get("postgresql")
    if other is not None:
        beside: dict[str, Callable[[Served], float]] = {
            "first marks on the map (ms)": lambda page: page.seen.marks_ms,
            "map zoom, server time (ms)": lambda page: page.zoom.server_seconds * 1000,
            "filter change, server time (ms)": lambda page: page.searched.server_seconds * 1000,
        }
        rows += [
            Row(size, f"{label}: postgresql vs sqlite", measure(other), "ms", measure(lite))
            for label, measure in beside.items()
        ]
    return rows


class _nothing:  # noqa: N801 (a context manager standing in for the browser)
    """``with`` target yielding None, when the browser part is skipped."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *_exc: object) -> None:
        return None


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[10_000, 100_000],
        help="incident counts to measure (default: 10000 100000)",
    )
    parser.add_argument(
        "--huge",
        type=int,
        nargs="?",
        const=HUGE,
        help="also 1,000,000 (or N): imports, and the page open against the largest --sizes",
    )
    parser.add_argument(
        "--no-browser",
        dest="browser",
        action="store_false",
        help="imports only: no app, no Chromium",
    )
    parser.add_argument(
        "--backends",
        nargs="+",
        choices=BACKENDS,
        default=list(BACKENDS),
        help="stores to import into (the app runs on the SQLite one)",
    )
    parser.add_argument(
        "--naive-max",
        type=int,
        default=10_000,
        help="largest size the naive folium app is run at (default 10000)",
    )
    parser.add_argument(
        "--timeout", type=float, default=600, help="seconds any one wait may take (default 600)"
    )
    parser.add_argument(
        "--visits",
        type=int,
        default=3,
        help="counted visits of each page after its first, uncounted one (default 3: medians)",
    )
    parser.add_argument("--markdown", type=Path, help="also write the table here, as markdown")
    parser.add_argument(
        "--profile",
        type=Path,
        help="folder for cProfile files of the largest size's imports and page open",
    )
    parser.add_argument(
        "--work",
        type=Path,
        help="folder for files, stores and logs (kept); default: a temporary one",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> list[Row]:
    """Run the benchmark, print the table (and write it as markdown); returns its rows."""
    args = parse_args(argv)
    # Stopped by a signal, unwind: the app, Chromium and the databases are cleaned up on the way.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
        rows = run(args, args.work)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-") as work:
            rows = run(args, Path(work))
    print()
    print(text_table(rows))
    if args.markdown:
        args.markdown.write_text(markdown_table(rows), encoding="utf-8")
        print(f"\nmarkdown table written to {args.markdown}")
    return rows


if __name__ == "__main__":
    main()
