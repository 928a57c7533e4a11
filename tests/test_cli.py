"""``python -m dashboard``: export writes the store in the canonical format."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from dashboard.core.schema import COLUMNS


def run(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {"DASHBOARD_DB_URL": f"sqlite:///{db}", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_export_csv_round_trips_the_shipped_data(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    done = run("export", "--format", "csv", "--out", str(out), db=tmp_path / "s.sqlite3")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == list(COLUMNS)
    by_id = {r["incident_id"]: r for r in rows}
    assert len(by_id) == 7
    kharkiv = by_id["UA-KHA-20240102"]
    assert (kharkiv["date"], kharkiv["killed"], kharkiv["injured"], kharkiv["geo_precision"]) == (
        "2024-01-02",
        "3",
        "64",
        "2",
    )


def test_usage_error_exits_2(tmp_path: Path) -> None:
    done = run("export", db=tmp_path / "s.sqlite3")
    assert done.returncode == 2
    assert "--out" in done.stderr


def test_unreachable_store_exits_1_without_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "export", "--out", "-"],
        capture_output=True,
        text=True,
        env={
            "DASHBOARD_DB_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "PATH": "/usr/bin:/bin",
        },
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "cannot open the store" in done.stderr
