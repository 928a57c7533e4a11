"""The issue 10 benchmark runs end to end at a tiny size, so it cannot rot unnoticed: these check
the table's rows and columns, never its timings (see the README's "Performance")."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.__main__ import main
from benchmarks.browser import CHROMIUM
from benchmarks.report import COLUMNS
from tests.conftest import unavailable

REPO = Path(__file__).resolve().parents[1]
SIZE = 200
#: Stands in for 1,000,000 (``--huge``): the page open compared with the one at SIZE.
HUGE = 300
FLOORS = {
    "sqlite": "csv + executemany into a bare table",
    "postgresql": "COPY into an unlogged table",
}
IMPORT_METRICS = [
    f"{what} ({backend}){versus}"
    for backend in ("sqlite", "postgresql")
    for what, versus in (
        ("import, CLI end to end", f" vs bulk-load floor ({FLOORS[backend]}, fresh python)"),
        ("import, CLI end to end", " vs read_csv in a fresh python"),
        ("import: prepare/validate", " vs read_csv"),
        ("import: commit", " vs read_csv"),
        ("import: prepare + commit", " vs read_csv"),
    )
]


def test_imports_only_give_the_import_rows_on_both_stores(tmp_path: Path, pg_url: str) -> None:
    """``--no-browser``: the import rows for SQLite and PostgreSQL, with their targets."""
    rows = main(["--sizes", str(SIZE), "--no-browser", "--work", str(tmp_path)])
    assert [(r.size, r.metric) for r in rows] == [(SIZE, m) for m in IMPORT_METRICS]
    assert all(r.value > 0 and r.baseline for r in rows)
    assert [r.cells()[5] for r in rows] == ["≤ 3x", "≤ 5x", "", "", "≤ 5x"] * 2


@pytest.mark.e2e
def test_the_whole_run_gives_every_row_and_column(tmp_path: Path, pg_url: str) -> None:
    """With the browser: the app, both folium baselines and the stack floor are measured (first
    marks in four steps beside the floor's), ``--huge`` compares the page open with the smaller
    size's and with the floor, and serves the page on the PostgreSQL store it imported into as
    on SQLite's (a zoom, a search, memory on each, and the two side by side), and the markdown
    table has one line per row under the seven columns. Each page is visited once after its
    first visit (``--visits 1``): the rows and columns are checked here, not the medians."""
    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    out = tmp_path / "table.md"
    # Its own process: Playwright's sync API cannot start beside this worker's session browser.
    subprocess.run(
        [
            *(sys.executable, "-m", "benchmarks"),
            *("--sizes", str(SIZE), "--huge", str(HUGE)),
            *("--naive-max", str(SIZE), "--visits", "1"),
            *("--timeout", "180", "--work", str(tmp_path / "work"), "--markdown", str(out)),
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=900,
    )
    lines = out.read_text().splitlines()
    assert lines[0] == "| " + " | ".join(COLUMNS) + " |"
    rows = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[2:]]
    steps = [
        "… step: frontend opens the websocket (ms; N% of first marks) vs the floor's",
        "… step: script and drawing until the map's iframe starts (ms; N% of first marks) vs "
        "the floor's",
        "… step: map iframe loads (ms; N% of first marks) vs the floor's",
        "… step: map built until its first mark (ms; N% of first marks) vs the floor's",
    ]
    floor = "first marks on the map (ms) vs the stack floor (one st_folium map, one mark)"
    metrics = [re.sub(r"\(\d+ runs\)", "(N runs)", r[1]) for r in rows]
    assert [re.sub(r"\d+% of", "N% of", m) for m in metrics] == [
        *IMPORT_METRICS,
        floor,
        *steps,
        "first marks on the map (ms) vs folium FastMarkerCluster (static page)",
        "figures, chart and table visible (ms) vs FastMarkerCluster's first marks",
        "first marks, the first visitor after the server starts (ms) vs the stack floor's",
        "first marks on the map (ms) vs the naive folium app",
        "bytes reaching the browser per incident (websocket + HTTP)",
        "… of which websocket frames (the script's output) per incident",
        "… of which HTTP bodies (page, scripts, map files) per incident",
        "… of which the map's payload files per incident",
        "HTTP on the wire per incident (Chromium's count: headers and encoded bodies)",
        "… of which Streamlit's own frontend files (/static/, gzipped by dashboard/server.py)",
        "page open: server time of its script runs (N runs)",
        "map zoom: server time (N runs)",
        "map zoom: bytes received per incident (≈ 0 unless the layer is re-sent)",
        "filter change: server time (N runs)",
        "app process peak resident memory",
        *IMPORT_METRICS,
        floor,
        *steps,
        f"Monitor page: first marks (ms) vs at {SIZE}",
        f"Monitor page: figures, chart and table visible (ms) vs at {SIZE}",
        "Monitor page: bytes reaching the browser per incident (websocket + HTTP)",
        *(
            metric.format(backend)
            for backend in ("sqlite", "postgresql")
            for metric in (
                "map zoom ({}): server time (N runs)",
                "filter change ({}): server time (N runs)",
                "app process peak resident memory ({})",
            )
        ),
        "first marks on the map (ms): postgresql vs sqlite",
        "map zoom, server time (ms): postgresql vs sqlite",
        "filter change, server time (ms): postgresql vs sqlite",
    ]
    assert [r[0] for r in rows] == [str(SIZE)] * (len(rows) - 27) + [str(HUGE)] * 27
    # Each page's time is taken warm, and the floor's in the same run: a ratio is measured.
    assert all(r[3] for r in rows if r[1] == floor)
    assert all(len(r) == len(COLUMNS) and r[2] for r in rows)  # every row has a measured value


def test_the_in_process_filter_change_measures_a_search_that_narrows_the_page(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [
            *(sys.executable, "-m", "benchmarks.filtering", "--size", str(SIZE), "--turns", "1"),
            *("--work", str(tmp_path), "--profile", str(tmp_path / "prof")),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert [line.split(":")[0].strip() for line in lines if "median" in line] == [
        "open",
        "search",
        "clear",
    ]
    # The store also holds the shipped incidents, seeded when it is opened.
    found = re.search(r"incidents in view: (\d+) searched, (\d+) in all", done.stdout)
    assert found is not None
    assert 0 < int(found[1]) < SIZE <= int(found[2])
    assert {p.name for p in (tmp_path / "prof").iterdir()} == {
        "search.prof",
        "search.txt",
        "clear.prof",
        "clear.txt",
    }


def test_the_api_benchmark_gives_its_rows_beside_to_csv(tmp_path: Path) -> None:
    """``python -m benchmarks.api``: the CSV streamed by the served API beside ``to_csv`` of the
    same rows, with the issue's two targets, and the records formats as info."""
    out = tmp_path / "api.md"
    subprocess.run(
        [
            *(sys.executable, "-m", "benchmarks.api", "--sizes", str(SIZE)),
            *("--work", str(tmp_path / "work"), "--markdown", str(out)),
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=600,
    )
    rows = [
        [cell.strip() for cell in line.strip("|").split(" | ")]
        for line in out.read_text().splitlines()[2:]
    ]
    assert [(r[1], r[5]) for r in rows] == [
        ("API: first read of the store (info)", ""),
        ("API: incidents.csv streamed vs DataFrame.to_csv", "≤ 2x"),
        ("API: CSV bytes per incident vs to_csv", ""),
        ("API: memory added streaming the CSV vs the frame's size", "≤ 2x"),
        ("to_csv: memory added (text kept) vs the frame's size", ""),
        ("API: revalidation, 304 (info)", ""),
        ("API: incidents.json vs to_csv", ""),
        ("API: incidents.json bytes per incident", ""),
        ("API: incidents.geojson vs to_csv", ""),
        ("API: incidents.geojson bytes per incident", ""),
    ]
    assert all(r[0] == str(SIZE) and r[2] for r in rows)
