"""Officials' dated counts: declared once, checked like evidence, charted apart from incidents."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.core.aggregates import (
    COLUMNS,
    as_of_text,
    load_aggregates,
    points,
    validate_aggregates,
)
from dashboard.core.figures import counts_chart, launches_chart
from dashboard.core.i18n import use
from dashboard.core.launches import read_monthly_csv
from dashboard.imports import AGGREGATES, SHIPPED_LAUNCHES
from tests.conftest import TODAY


def test_the_shipped_counts_load_with_their_labels() -> None:
    shown = points(load_aggregates(AGGREGATES, TODAY))
    assert shown["label"].tolist() == [
        "≥ 24 launched 2023-12-30 to 2024-02-07, Prosecutor General Kostin",
        "≈ 50 launched late December 2023 to late February 2024, Office of the Prosecutor General",
        "≥ 60 launched to early December 2024, Ukrainian military intelligence",
        "≥ 100 launched since September 2023, MSMT first report",
    ]
    assert shown["as_of"].tolist() == ["2024-02-16", "2024-05-07", "December 2024", "2025-05-29"]
    assert shown["grade"].tolist() == ["M", "M", "M", "H"]


def test_a_month_stays_a_month() -> None:
    assert as_of_text("2024-12") == "December 2024"
    assert as_of_text("2024-12-18") == "2024-12-18"


def row(**cells: str) -> bytes:
    base = {
        "as_of": "2024-02-16",
        "who": "Prosecutor General",
        "what": "at least 24",
        "launched_at_least": "24",
        "source_title": "t",
        "source_url": "https://example.org/a",
        "published": "2024-02-16",
        "grade": "M",
    }
    base.update(cells)
    header = ",".join(COLUMNS)
    return (header + "\n" + ",".join(base.get(c, "") for c in COLUMNS) + "\n").encode()


@pytest.mark.parametrize(
    ("cells", "fault"),
    [
        ({"as_of": "2024-13"}, ("as_of", "2024-13", "invalid-date")),
        ({"as_of": "2999-01"}, ("as_of", "2999-01", "future-date")),
        ({"source_url": "www.example.org"}, ("source_url", "www.example.org", "invalid-url")),
        ({"grade": "U"}, ("grade", "U", "invalid-choice")),
        ({"launched_at_least": "about 50"}, ("launched_at_least", "about 50", "invalid-integer")),
        ({"published": ""}, ("published", "", "required")),
    ],
)
def test_a_bad_row_is_named_by_line_column_and_value(
    cells: dict[str, str], fault: tuple[str, str, str], tmp_path: Path
) -> None:
    result = validate_aggregates(row(**cells), TODAY)
    assert [(i.line, i.column, i.value, i.code) for i in result.issues] == [(2, *fault)]
    assert result.valid.empty
    shipped = tmp_path / "aggregates.csv"
    shipped.write_bytes(row(**cells))
    with pytest.raises(ValueError, match=fault[0]):  # a bad shipped row stops the start
        load_aggregates(shipped, TODAY)


def test_the_counts_chart_is_points_with_labels_on_their_own_axis() -> None:
    spec = counts_chart(points(load_aggregates(AGGREGATES, TODAY))).to_dict()
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["point", "text"]
    assert spec["layer"][1]["encoding"]["text"]["field"] == "label"
    assert spec["layer"][0]["encoding"]["y"]["title"] == "Launched, as stated"
    (data,) = spec["datasets"].values()
    assert [d["count"] for d in data] == [24, 50, 60, 100]


def test_the_launches_chart_has_launched_and_destroyed_bars() -> None:
    series = read_monthly_csv(SHIPPED_LAUNCHES.read_text(encoding="utf-8"))
    spec = launches_chart(series).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["y"]["title"] == "Missiles (Air Force reports)"
    (data,) = spec["datasets"].values()
    assert {d["count"] for d in data} == {"launched", "destroyed"}
    with use("uk"):
        (data,) = launches_chart(series).to_dict()["datasets"].values()
    assert {d["count"] for d in data} == {"випущено", "знищено"}  # the legend's names


def test_a_months_count_is_dated_as_every_view_dates_a_month() -> None:
    from dashboard.core.aggregates import as_of_text
    from dashboard.core.i18n import use

    assert (as_of_text("2024-12"), as_of_text("2024-02-16")) == ("December 2024", "2024-02-16")
    with use("uk"):
        assert as_of_text("2024-12") == "грудень 2024"
