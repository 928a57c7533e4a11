"""The Air Force dataset's reader: faults by line, column and value; monthly sums; no made-up 0."""

from __future__ import annotations

import pandas as pd

from dashboard.core.launches import (
    CAVEAT,
    MONTHLY_COLUMNS,
    monthly_csv,
    read_launches,
    read_monthly_csv,
)
from dashboard.imports import SHIPPED_LAUNCHES

HEADER = "time_start,time_end,model,launch_place,target,launched,destroyed,source\n"


def dataset(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode()


def faults(report: object) -> list[tuple[int, str, str, str]]:
    return [(i.line, i.column, i.value, i.code) for i in report.issues]  # type: ignore[attr-defined]


def test_only_the_two_models_count_and_sum_by_month() -> None:
    report = read_launches(
        dataset(
            "2024-08-11 01:00,2024-08-11 06:00,Iskander-M/KN-23,Voronezh oblast,Kyiv,4.0,0.0,x",
            "2024-08-26,2024-08-26 09:00,KN-23,Kursk oblast,Ukraine,2,1,x",
            "2024-09-01 02:00,,Iskander-M/KN-23,,Ukraine,3.0,2.0,x",
            "2024-09-03 02:00,,Iskander-M,,Ukraine,9.0,9.0,x",
            "2024-09-04 02:00,,X-47 Kinzhal and Iskander-M/KN-23,,Ukraine,5.0,1.0,x",
        ),
        "attacks.csv",
    )
    assert report.ok
    assert faults(report) == []
    assert (report.rows_read, report.rows_counted, report.rows_combined, report.rows_other) == (
        5,
        3,
        1,
        1,
    )
    assert report.monthly.astype(object).values.tolist() == [
        [pd.Timestamp("2024-08-01"), 2, 6, 0, 1, 0],
        [pd.Timestamp("2024-09-01"), 1, 3, 0, 2, 0],
    ]
    assert "1 left out (KN-23 reported together with other weapons)" in report.summary()


def test_a_missing_figure_is_counted_not_zeroed() -> None:
    report = read_launches(
        dataset(
            "2024-02-15 04:00,,Iskander-M/KN-23,,Ukraine,,1.0,x",
            "2024-02-20 04:00,,Iskander-M/KN-23,,Ukraine,6.0,,x",
            "2024-03-02 04:00,,KN-23,,Ukraine,,,x",
        ),
        "attacks.csv",
    )
    assert report.ok
    feb, mar = report.monthly.to_dict("records")
    assert (feb["launched"], feb["launched_missing"], feb["destroyed_missing"]) == (6, 1, 1)
    assert pd.isna(mar["launched"])
    assert pd.isna(mar["destroyed"])


def test_every_fault_names_line_column_and_value_and_nothing_is_kept() -> None:
    report = read_launches(
        dataset(
            "2024-08-11 01:00,,Iskander-M/KN-23,,Kyiv,4.0,0.0,x",
            "11/08/2024,,KN-23,,Kyiv,2,1,x",
            "2024-08-12,,KN-23,,Kyiv,two,1,x",
            "2024-08-13,,KN-23,,Kyiv,-1,,x",
            "2024-08-14,,KN-23,,Kyiv,2,3,x",
            "2024-08-15,,Shahed-136/131,,Kyiv,many,,x",  # another weapon: not read
        ),
        "attacks.csv",
    )
    assert faults(report) == [
        (3, "time_start", "11/08/2024", "invalid-date"),
        (4, "launched", "two", "invalid-integer"),
        (5, "launched", "-1", "invalid-integer"),
        (6, "destroyed", "3", "out-of-range"),
    ]
    assert report.refusal() == "attacks.csv: 4 errors"
    assert "more destroyed (3) than launched (2)" in str(report.issues[-1])


def test_a_file_without_the_columns_or_the_models_is_refused() -> None:
    no_model = read_launches(b"time_start,launched,destroyed\n2024-08-11,1,0\n", "x.csv")
    assert faults(no_model) == [(1, "model", "", "missing-column")]
    other = read_launches(dataset("2024-08-11,,Shahed-136/131,,Kyiv,9,9,x"), "y.csv")
    assert other.refusal() == "y.csv: no row has model 'Iskander-M/KN-23' or 'KN-23'"


def test_the_monthly_csv_names_its_source_and_reads_back() -> None:
    report = read_launches(dataset("2024-08-11,,KN-23,,Kyiv,4,,x"), "a.csv")
    text = monthly_csv(report.monthly, source="S", source_url="https://e.org/d", snapshot="2026-02")
    assert text.splitlines() == [
        ",".join([*MONTHLY_COLUMNS, "source", "source_url", "snapshot"]),
        "2024-08,1,4,0,,1,S,https://e.org/d,2026-02",
    ]
    pd.testing.assert_frame_equal(read_monthly_csv(text), report.monthly)


def test_the_shipped_series_is_a_monthly_series_with_its_source() -> None:
    shipped = pd.read_csv(SHIPPED_LAUNCHES, dtype=str, keep_default_na=False)
    assert set(shipped["source_url"]) == {
        "https://www.kaggle.com/datasets/piterfm/massive-missile-attacks-on-ukraine"
    }
    assert set(shipped["snapshot"]) == {"2026-02"}
    series = read_monthly_csv(SHIPPED_LAUNCHES.read_text(encoding="utf-8"))
    assert series["month"].is_monotonic_increasing
    assert series["month"].dt.day.eq(1).all()
    assert (series["destroyed"] <= series["launched"]).all()
    assert "does not tell the Russian Iskander-M from the North Korean KN-23" in CAVEAT
