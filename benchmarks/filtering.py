"""``python -m benchmarks.filtering``: a filter change's server time in process, at 100,000
incidents by default, without a browser: the Monitor page under Streamlit's AppTest on an SQLite
store of synthetic incidents (or on the store ``--db-url`` names, PostgreSQL's included), the
sidebar's Search set to "Village 1" and cleared again, in turns. It ends with the process's peak
resident memory.

Each turn is one full script run (figures, chart, table, map payload), timed in the script's
thread from its start to its end, as ``serve.py`` times the app's runs. It prints the median
and the spread of each kind of run, and with ``--profile DIR`` cProfile files of the search runs
and of the clearing runs (``search.prof``, ``clear.prof``, each with a text summary).

The page is the one of the ``dashboard`` package imported, so
``PYTHONPATH=<another checkout>`` measures that checkout's code against the same store: run two
side by side in the same minutes, on a shared machine only their ratio means much.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from streamlit.runtime.scriptrunner.script_runner import ScriptRunner, ScriptRunnerEvent

from benchmarks import synth
from dashboard.core.csvio import Limits
from dashboard.imports import commit, open_store, prepare
from dashboard.ui import urlstate

QUERY = "Village 1"


def build_store(size: int, folder: Path) -> Path:
    """An SQLite store in ``folder`` holding ``size`` synthetic incidents (reused if there)."""
    path = folder / f"filtering-{size}.sqlite3"
    if path.exists():
        return path
    csv = synth.write_csv(size, folder)
    partial = folder / f"filtering-{size}.part.sqlite3"
    store = open_store(f"sqlite:///{partial}")
    try:
        data = csv.read_bytes()
        limits = Limits(max_rows=size + 1, max_bytes=len(data) + 1)
        report = prepare(data, csv.name, date.today(), limits=limits)
        summary = commit(store, report, uploaded_by="benchmark")
        if summary.added != size:
            raise RuntimeError(f"the import added {summary.added}, not {size}")
    finally:
        store.dispose()
    partial.rename(path)
    for leftover in folder.glob(partial.name + "*"):  # its snapshots name the old file
        if leftover.is_dir():
            for inner in leftover.iterdir():
                inner.unlink()
            leftover.rmdir()
    return path


class _Timed:
    """Times each script run in its own thread (SCRIPT_STARTED to a *_STOPPED event), as the
    browser benchmark's ``serve.py`` does, and profiles the runs while ``profiler`` is set."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.profiler: cProfile.Profile | None = None
        self._start = 0.0

    def on_event(self, _sender: object, event: ScriptRunnerEvent, **_kwargs: object) -> None:
        if event == ScriptRunnerEvent.SCRIPT_STARTED:
            if self.profiler is not None:
                self.profiler.enable()
            self._start = time.perf_counter()
        elif "_STOPPED" in event.name:
            self.seconds.append(time.perf_counter() - self._start)
            if self.profiler is not None:
                self.profiler.disable()

    def install(self) -> None:
        """Watch every script runner created from now on (AppTest makes one per run)."""
        init = ScriptRunner.__init__
        on_event = self.on_event

        def init_and_watch(runner: ScriptRunner, *args: Any, **kwargs: Any) -> None:
            init(runner, *args, **kwargs)
            runner.on_event.connect(on_event, weak=False)

        ScriptRunner.__init__ = init_and_watch  # type: ignore[method-assign]


def measure(db_url: str, turns: int, profile: Path | None) -> dict[str, list[float]]:
    """Milliseconds of server time (script runs) of the first page open, each search and each
    clearing, on the store at ``db_url``."""
    os.environ["DASHBOARD_DB_URL"] = db_url
    os.environ["DASHBOARD_TILES"] = "none"
    from streamlit.testing.v1 import AppTest

    from dashboard import PACKAGE_DIR

    print(f"page: {PACKAGE_DIR / 'app.py'}", flush=True)
    timed = _Timed()
    timed.install()
    page = AppTest.from_file(str(PACKAGE_DIR / "app.py"), default_timeout=600)
    times: dict[str, list[float]] = {"open": [], "search": [], "clear": []}

    def run(kind: str, action: Callable[[], object]) -> None:
        before = len(timed.seconds)
        action()
        if page.exception:
            raise RuntimeError(f"the page failed: {page.exception}")
        times[kind].append(sum(timed.seconds[before:]) * 1000)

    # The first look, then the run that draws the whole page (a browser's map report causes it).
    run("open", lambda: page.run().run())
    profilers = {kind: cProfile.Profile() for kind in ("search", "clear")} if profile else {}
    shown: dict[str, set[str]] = {"search": set(), "clear": set()}
    for _ in range(turns):
        for kind, text in (("search", QUERY), ("clear", "")):
            timed.profiler = profilers.get(kind)
            search = page.text_input(key=page.session_state[urlstate.KEY].widget_key("q"))
            run(kind, search.input(text).run)
            shown[kind] |= {m.value for m in page.metric if m.label == "Incidents in view"}
    if len(shown["search"]) != 1 or shown["search"] == shown["clear"]:
        raise RuntimeError(f"the search did not narrow the page: {shown}")
    print(f"incidents in view: {shown['search'].pop()} searched, {shown['clear'].pop()} in all")
    for kind, profiler in profilers.items():
        assert profile is not None
        profile.mkdir(parents=True, exist_ok=True)
        path = profile / f"{kind}.prof"
        profiler.dump_stats(path)
        with path.with_suffix(".txt").open("w") as out:
            pstats.Stats(str(path), stream=out).sort_stats("cumulative").print_stats(80)
    return times


def main(argv: Sequence[str] | None = None) -> dict[str, list[float]]:
    """Build (or reuse) the store, measure, print one line per kind of run."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.filtering", description=__doc__)
    parser.add_argument("--size", type=int, default=100_000, help="incidents (default 100000)")
    parser.add_argument("--turns", type=int, default=5, help="searches and clearings (default 5)")
    parser.add_argument("--work", type=Path, help="folder for the file and store (kept)")
    parser.add_argument("--profile", type=Path, help="folder for cProfile files of the runs")
    parser.add_argument(
        "--db-url", help="measure this store as it is (--size and --work are then unused)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-filtering-") as scratch:
        folder = args.work or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        db_url = args.db_url or f"sqlite:///{build_store(args.size, folder)}"
        times = measure(db_url, args.turns, args.profile)
    for kind, values in times.items():
        print(
            f"{kind:>6}: median {statistics.median(values):8.1f} ms"
            f"  (min {min(values):.1f}, max {max(values):.1f}, {len(values)} runs)"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak resident memory of this process: {peak:,.0f} MiB")
    return times


if __name__ == "__main__":
    main()
