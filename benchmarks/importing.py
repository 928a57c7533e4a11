"""Import timings: the CLI end to end beside the store's bulk-load floor (:mod:`benchmarks.floor`,
a fresh interpreter too), and the in-process phases (prepare/validate, commit) beside
``pandas.read_csv`` of the same file, on a fresh SQLite store and a fresh PostgreSQL database of
the benchmark's own (created and dropped here)."""

from __future__ import annotations

import contextlib
import cProfile
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from dashboard.core.csvio import Limits
from dashboard.imports import commit, open_store, prepare
from dashboard.store.snapshots import Snapshots

REPO = Path(__file__).resolve().parents[1]
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=5"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
PG_CONNINFO = "host=127.0.0.1 port=5432 user=postgres dbname={name} connect_timeout=5"
#: Every command the benchmark runs gives up after this many seconds.
COMMAND_TIMEOUT = 1800


def remove_sqlite_store(path: Path) -> None:
    """An SQLite store's file and everything beside it (locks, journal, snapshots)."""
    for leftover in path.parent.glob(path.name + "*"):
        if leftover.is_dir():
            shutil.rmtree(leftover)
        else:
            leftover.unlink()


def _remove_snapshots(url: str) -> None:
    """The incidents' snapshots of the store at ``url`` (a dropped PostgreSQL database's)."""
    snapshots = Snapshots.of(url)
    if snapshots is not None:
        for leftover in snapshots.folder.glob(f"{snapshots.store}-*"):
            leftover.unlink(missing_ok=True)


@contextlib.contextmanager
def fresh_database(backend: str, folder: Path) -> Iterator[str]:
    """A store URL naming an empty database; a PostgreSQL one is dropped afterwards."""
    name = f"bench_{uuid.uuid4().hex[:12]}"
    if backend == "sqlite":
        path = folder / f"{name}.sqlite3"
        try:
            yield f"sqlite:///{path}"
        finally:
            remove_sqlite_store(path)
        return
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_URL.format(name=name)
    try:
        yield url
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _remove_snapshots(url)


def run_cli(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Run ``python -m dashboard ARGS``; returns (seconds, output); raises when it fails."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(
            f"dashboard {args} exited {done.returncode}:\n{done.stdout}{done.stderr}"
        )
    return seconds, done.stdout


def read_csv_seconds(path: Path) -> tuple[float, float]:
    """``pandas.read_csv`` of ``path``: (in this process, a fresh interpreter end to end)."""
    start = time.perf_counter()
    pd.read_csv(path)
    inside = time.perf_counter() - start
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import sys, pandas; pandas.read_csv(sys.argv[1])", str(path)],
        check=True,
        timeout=COMMAND_TIMEOUT,
    )
    return inside, time.perf_counter() - start


def floor_seconds(path: Path, backend: str, folder: Path) -> float:
    """The store's bulk-load floor for ``path`` on ``backend``: seconds of a fresh interpreter
    loading it into a bare table of a new database (see :mod:`benchmarks.floor`)."""
    with fresh_database(backend, folder) as url:
        target = (
            url.removeprefix("sqlite:///")
            if backend == "sqlite"
            else PG_CONNINFO.format(name=url.rsplit("/", 1)[1])
        )
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.floor", backend, str(path), target],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=True,
        )
        seconds = time.perf_counter() - start
    if not done.stdout.strip().isdigit():
        raise RuntimeError(f"the bulk-load floor did not load {path}:\n{done.stdout}")
    return seconds


@dataclass(frozen=True)
class ImportTimes:
    """Seconds for one file on one back end."""

    backend: str
    cli: float
    floor: float
    prepare: float
    commit: float
    read_csv: float
    read_csv_cli: float


def cli_import(path: Path, url: str, rows: int) -> float:
    """Import ``path`` with the CLI into the store ``url``; seconds of the import alone.

    The store is opened first (migrated, shipped data seeded) by an untimed ``batches`` command,
    so the timed command is the import of the file, interpreter start included. The CLI's own
    default limits apply (they take a file of a million rows).
    """
    env = {"DASHBOARD_DB_URL": url}
    run_cli(["batches"], env)
    seconds, out = run_cli(["import", str(path)], env)
    if f"{rows} added" not in out:
        raise RuntimeError(f"the import did not add {rows} incidents:\n{out}")
    return seconds


def phases(path: Path, url: str, rows: int, profile: Path | None = None) -> tuple[float, float]:
    """(prepare, commit) seconds of ``path`` in this process, into the store ``url``; with
    ``profile``, a cProfile of both phases is written there (and the seconds are inflated)."""
    store = open_store(url)
    try:
        data = path.read_bytes()
        limits = Limits(max_rows=rows + 1, max_bytes=len(data) + 1)
        profiler = _profiler(profile)
        start = time.perf_counter()
        report = prepare(data, path.name, date.today(), limits=limits)
        middle = time.perf_counter()
        if not report.importable():
            raise RuntimeError(f"the synthetic file has errors: {report.errors[:3]}")
        summary = commit(store, report, uploaded_by="benchmark")
        end = time.perf_counter()
        if profiler is not None and profile is not None:  # the phases alone, not the checks
            profiler.disable()
            profiler.dump_stats(profile)
        if summary.added != rows:
            raise RuntimeError(f"the import added {summary.added}, not {rows}")
        return middle - start, end - middle
    finally:
        store.dispose()


def _profiler(profile: Path | None) -> cProfile.Profile | None:
    """A running cProfile profiler when ``profile`` names a file to write, else None."""
    if profile is None:
        return None
    profiler = cProfile.Profile()
    profiler.enable()
    return profiler


def measure(
    path: Path,
    rows: int,
    backend: str,
    folder: Path,
    *,
    keep: str | None = None,
    profile: Path | None = None,
) -> ImportTimes:
    """Every import timing of ``path`` on ``backend``, with its bulk-load floor and ``read_csv``
    of it in the same run.

    With ``keep`` (the URL of an empty store on ``backend``, which the caller removes), the CLI
    imports into it, for the app to serve.
    """
    inside, outside = read_csv_seconds(path)
    floor = floor_seconds(path, backend, folder)
    if keep is not None:
        cli = cli_import(path, keep, rows)
    else:
        with fresh_database(backend, folder) as url:
            cli = cli_import(path, url, rows)
    with fresh_database(backend, folder) as url:
        prep, com = phases(path, url, rows)
    if profile is not None:  # a pass of its own: the profiler slows what it watches
        with fresh_database(backend, folder) as url:
            phases(path, url, rows, profile)
    return ImportTimes(backend, cli, floor, prep, com, inside, outside)
