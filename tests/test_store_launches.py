"""The monthly launches in the store, on SQLite and PostgreSQL: seeded, replaced whole, read back;
and ``import-launches`` run in-process, refusing a bad file without storing anything."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dashboard.__main__ import main
from dashboard.core.errors import ImportRejectedError
from dashboard.core.launches import read_launches, read_monthly_csv
from dashboard.imports import SHIPPED_LAUNCHES, commit_launches, open_store
from dashboard.store import Store

HEADER = "time_start,time_end,model,launch_place,target,launched,destroyed,source\n"
GOOD = (
    HEADER
    + "2025-04-24 01:00,,Iskander-M/KN-23,,Kyiv,7.0,2.0,x\n"
    + "2025-04-30 01:00,,KN-23,,Kyiv,,0.0,x\n"
    + "2025-05-02 01:00,,Iskander-M/KN-23,,Kyiv,3.0,3.0,x\n"
).encode()
BAD = (HEADER + "2025-06-01,,KN-23,,Kyiv,2,5,x\n").encode()


def test_the_shipped_series_is_seeded(store: Store) -> None:
    shipped = read_monthly_csv(SHIPPED_LAUNCHES.read_text(encoding="utf-8"))
    pd.testing.assert_frame_equal(store.launches(), shipped)
    stored = store.launches_import()
    assert stored is not None
    assert (stored.filename, stored.imported_by, stored.months) == (
        "launches_monthly.csv (shipped)",
        "shipped data",
        len(shipped),
    )


def test_an_import_replaces_the_series_whole_and_keeps_unknown_as_unknown(store: Store) -> None:
    report = read_launches(GOOD, "attacks.csv")
    done = commit_launches(store, report, uploaded_by="analyst")
    assert done.months == 2
    back = store.launches()
    pd.testing.assert_frame_equal(back, report.monthly)
    april = back.iloc[0]
    assert (april["launched"], april["launched_missing"], april["destroyed"]) == (7, 1, 2)
    stored = store.launches_import()
    assert stored is not None
    assert (stored.filename, stored.sha256) == (
        "attacks.csv",
        report.sha256,
    )


def test_a_rejected_file_changes_nothing(store: Store) -> None:
    before = store.launches()
    with pytest.raises(ImportRejectedError, match=r"attacks\.csv: 1 error"):
        commit_launches(store, read_launches(BAD, "attacks.csv"), uploaded_by="analyst")
    pd.testing.assert_frame_equal(store.launches(), before)


def test_the_cli_reports_stores_and_refuses(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DASHBOARD_DB_URL", db_url)
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(GOOD)
    bad.write_bytes(BAD)
    assert main(["import-launches", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "error: line 2, column destroyed: more destroyed (5) than launched (2)" in out
    assert "rejected: bad.csv: 1 error; nothing was stored" in out
    assert main(["import-launches", "--dry-run", str(good)]) == 0
    assert "dry run, nothing stored: would store 2 months" in capsys.readouterr().out
    opened = open_store(db_url)
    try:
        assert opened.launches_import().filename == "launches_monthly.csv (shipped)"  # type: ignore[union-attr]
        assert main(["import-launches", str(good)]) == 0
        out = capsys.readouterr().out
        assert "good.csv: 3 rows read, 3 counted" in out
        assert "stored 2 months of launches" in out
        assert "does not tell the Russian Iskander-M from the North Korean KN-23" in out
        assert len(opened.launches()) == 2
    finally:
        opened.dispose()
    assert main(["import-launches", str(tmp_path / "missing.csv")]) == 2
