"""``python -m benchmarks.api`` (``make bench-api``): the read API's CSV at 100,000 incidents
(``--huge`` adds 1,000,000) against ``pandas.DataFrame.to_csv`` of the same rows, in one run.

For each size it builds (or reuses, with ``--work``) an SQLite store of synthetic incidents
(:func:`benchmarks.filtering.build_store`), reads it once as the page does (the frame every
session and route shares, timed as info), then:

- ``GET /api/v1/incidents.csv`` from the API served by uvicorn (as Streamlit serves it) in this
  process, read over a socket by httpx as it arrives and dropped: time, bytes per incident, and
  the memory the process gained while answering (peak ``VmRSS`` over the start, sampled every
  5 ms), beside
- ``to_csv`` of the same rows (the page's rows for the view, the export's columns), the text
  kept as ``to_csv`` returns it: time, bytes per incident; its memory gain is info.

Targets (issue 23): the streamed CSV within 2x of ``to_csv``'s time, and the memory it adds below
2x the frame's own size (``DataFrame.memory_usage(deep=True)`` of those rows). JSON and GeoJSON
(one Python record per incident) and a revalidation (``304``) are timed as info, at sizes up to
100,000 only.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import pandas as pd
import streamlit as st
import uvicorn
from starlette.applications import Starlette

from benchmarks.filtering import build_store
from benchmarks.report import Row, markdown_table, text_table
from dashboard.api import views
from dashboard.api.endpoints import routes
from dashboard.api.limits import TokenBucket
from dashboard.core.export import EVIDENCE_COLUMNS
from dashboard.core.schema import TEMPLATE_COLUMNS
from dashboard.core.view import View

HUGE = 1_000_000
#: JSON and GeoJSON are timed up to this size (a Python record per incident: minutes at 1M).
RECORDS_UP_TO = 100_000


def _rss() -> int:
    """This process's resident memory, bytes."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _settle() -> None:
    """Free what can be freed and give it back to the system, so each measure starts level."""
    gc.collect()
    with contextlib.suppress(OSError):  # not glibc: the gains then read a little low
        ctypes.CDLL("libc.so.6").malloc_trim(0)


@contextmanager
def peak_gain() -> Iterator[list[int]]:
    """The most resident memory grew over its start while the block ran (sampled every 5 ms)."""
    _settle()
    start = _rss()
    peak = [start]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss())
            done.wait(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    gained: list[int] = [0]
    try:
        yield gained
    finally:
        done.set()
        sampler.join()
        gained[0] = max(peak[0], _rss()) - start


def timed(action: Callable[[], int]) -> tuple[float, int]:
    """Seconds ``action`` took, and what it returned (bytes)."""
    began = time.perf_counter()
    size = action()
    return time.perf_counter() - began, size


@contextmanager
def served() -> Iterator[httpx.Client]:
    """The API served by uvicorn on a free local port in a thread, and a client for it."""
    app = Starlette(routes=routes(limit=TokenBucket(burst=1_000_000)))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join()


def streamed(client: httpx.Client, path: str) -> int:
    """Bytes of the answer at ``path``, read as they arrive and dropped."""
    total = 0
    with client.stream("GET", path) as answer:
        answer.raise_for_status()
        for piece in answer.iter_bytes():
            total += len(piece)
    return total


def measure(size: int, store: Path) -> list[Row]:
    """The rows of one size, on ``store``."""
    os.environ["DASHBOARD_DB_URL"] = f"sqlite:///{store}"
    st.cache_resource.clear()
    st.cache_data.clear()
    first_read, _ = timed(lambda: len(views.incidents(None)))
    rows = views.rows(View())  # the synthetic incidents and the 8 shipped ones
    if not size <= len(rows) <= size + 8:
        raise RuntimeError(f"the view holds {len(rows)} incidents, not {size}")
    columns = [*TEMPLATE_COLUMNS, *(c for c in EVIDENCE_COLUMNS if c in rows)]
    frame = rows[columns]
    with served() as client:
        return _measure(size, client, first_read, rows, frame)


def _measure(
    size: int, client: httpx.Client, first_read: float, rows: pd.DataFrame, frame: pd.DataFrame
) -> list[Row]:
    count = len(rows)
    frame_bytes = int(frame.memory_usage(deep=True).sum())
    # As the page's first view would: the annotated frame and the page's caches built, untimed.
    client.get("/api/v1/status.json").raise_for_status()
    streamed(client, "/api/v1/incidents.csv?q=nothing-matches-this")
    with peak_gain() as api_gain:
        api_time, api_bytes = timed(lambda: streamed(client, "/api/v1/incidents.csv"))
    with peak_gain() as pandas_gain:
        pandas_time, pandas_bytes = timed(lambda: len(frame.to_csv(index=False).encode()))
    tag = client.head("/api/v1/incidents.csv").headers["etag"]
    again, _ = timed(
        lambda: client.get("/api/v1/incidents.csv", headers={"If-None-Match": tag}).status_code
    )

    mb = 1024 * 1024
    out = [
        Row(size, "API: first read of the store (info)", first_read, "s"),
        Row(size, "API: incidents.csv streamed vs DataFrame.to_csv", api_time, "s", pandas_time, 2),
        Row(
            size,
            "API: CSV bytes per incident vs to_csv",
            api_bytes / count,
            "B",
            pandas_bytes / count,
        ),
        Row(
            size,
            "API: memory added streaming the CSV vs the frame's size",
            api_gain[0] / mb,
            "MB",
            frame_bytes / mb,
            2,
        ),
        Row(
            size,
            "to_csv: memory added (text kept) vs the frame's size",
            pandas_gain[0] / mb,
            "MB",
            frame_bytes / mb,
        ),
        Row(size, "API: revalidation, 304 (info)", again, "s"),
    ]
    if size <= RECORDS_UP_TO:
        for name in ("incidents.json", "incidents.geojson"):
            seconds, body = timed(lambda name=name: streamed(client, f"/api/v1/{name}"))
            out.append(Row(size, f"API: {name} vs to_csv", seconds, "s", pandas_time))
            out.append(Row(size, f"API: {name} bytes per incident", body / count, "B"))
    return out


def main(argv: Sequence[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.api", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument(
        "--huge", action="store_true", help="add 1,000,000 (its store takes minutes to build)"
    )
    parser.add_argument("--work", type=Path, help="folder for the files and stores (kept)")
    parser.add_argument("--markdown", type=Path, help="write the table as markdown here")
    args = parser.parse_args(argv)
    sizes = [*args.sizes, *([HUGE] if args.huge else [])]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-api-") as scratch:
        folder = args.work or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            rows += measure(size, build_store(size, folder))
    print(text_table(rows))
    if args.markdown:
        args.markdown.write_text(markdown_table(rows), encoding="utf-8")
    return rows


if __name__ == "__main__":
    main()
