"""The panel's status is computed from the shipped timeline and an injected today."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.core.mandate import load_events, marker_dates, status
from dashboard.imports import MANDATE_EVENTS


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return load_events(MANDATE_EVENTS)


def test_expired_with_day_count_and_successor(events: pd.DataFrame) -> None:
    now = status(events, date(2026, 11, 26))
    assert not now.active
    assert now.mandate_end == date(2024, 4, 30)
    assert now.days_since_expiry == 940
    assert now.veto == date(2024, 3, 28)
    assert now.successor == "Multilateral Sanctions Monitoring Team (MSMT)"
    assert now.successor_since == date(2024, 10, 16)
    assert now.latest_successor_report_date == date(2025, 10, 22)
    assert now.headline == "Expired 2024-04-30 · 940 days without a UN panel"
    assert now.facts() == [
        "Renewal vetoed on 2024-03-28.",
        "Monitoring since: Multilateral Sanctions Monitoring Team (MSMT), launched 2024-10-16 "
        "(not a UN body).",
        "Latest report (2025-10-22): Second MSMT report: DPRK cyber and IT-worker activities",
    ]


def test_day_count_follows_today(events: pd.DataFrame) -> None:
    assert status(events, date(2024, 5, 1)).days_since_expiry == 1
    assert status(events, date(2025, 4, 30)).days_since_expiry == 365


def test_before_expiry_the_panel_is_active(events: pd.DataFrame) -> None:
    then = status(events, date(2024, 4, 1))
    assert then.active
    assert then.headline == "Active until 2024-04-30"
    assert then.successor is None
    assert then.veto == date(2024, 3, 28)
    assert then.facts() == ["Renewal vetoed on 2024-03-28."]


def test_past_day_sees_only_the_mandate_then(events: pd.DataFrame) -> None:
    then = status(events, date(2019, 1, 1))
    assert then.active
    assert then.mandate_end == date(2019, 4, 24)
    assert then.veto is None


def test_partial_dates_sort_and_kinds_are_checked(events: pd.DataFrame, tmp_path) -> None:
    assert list(events["sort_date"]) == sorted(events["sort_date"])
    partial = tmp_path / "partial.csv"
    partial.write_text(
        "date,kind,event,mandate_until,source,grade\n"
        "2015,renewal,x,2016-04-05,y,H\n2023-03,renewal,x,2024-04-30,y,H\n"
    )
    sorted_dates = list(load_events(partial)["sort_date"])
    assert sorted_dates == [date(2015, 1, 1), date(2023, 3, 1)]
    bad = tmp_path / "events.csv"
    bad.write_text("date,kind,event,mandate_until,source,grade\n2024-01-01,rumour,x,,y,U\n")
    with pytest.raises(ValueError, match="rumour"):
        load_events(bad)


def test_chart_marks_are_the_veto_and_the_expiry(events: pd.DataFrame) -> None:
    marks = marker_dates(events)
    assert [
        (d.date().isoformat(), label)
        for d, label in zip(marks["date"], marks["label"], strict=True)
    ] == [
        ("2024-03-28", "Renewal vetoed"),
        ("2024-04-30", "Panel mandate expires"),
    ]
