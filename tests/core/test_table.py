"""The incident table sorted and paged on the server: one page of rows, any order, any page."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.core.records import typed_frame
from dashboard.core.schema import COLUMNS
from dashboard.core.table import (
    PAGE_ROWS,
    TABLE_COLUMNS,
    Order,
    ordered,
    page_count,
    page_of,
    table_page,
)

WEAPONS = ("KN-23", "KN-24", "Iskander")


@pytest.fixture(scope="module")
def many() -> pd.DataFrame:
    """175 incidents as the store reads them (categoricals), newest first; every 7th has no
    killed count, so missing values show where they sort."""
    n = 175
    raw = {c: [None] * n for c in COLUMNS}
    raw.update(
        incident_id=[f"INC-{i:04d}" for i in range(n)],
        date=[f"2024-{12 - i // 16:02d}-{28 - i % 16:02d}" for i in range(n)],
        location=[f"Village {i % 9}" for i in range(n)],
        latitude=[50.0] * n,
        longitude=[36.2] * n,
        geo_precision=[1] * n,
        weapon=[WEAPONS[i % 3] for i in range(n)],
        attribution_status=["claimed"] * n,
        killed=[None if i % 7 == 0 else i % 5 for i in range(n)],
    )
    return typed_frame(raw, categories=True)


def test_pages_cover_every_row_once_and_hold_the_table_columns(many: pd.DataFrame) -> None:
    positions = ordered(many, Order())
    pages = page_count(len(many))
    assert pages == 4  # 50 + 50 + 50 + 25
    shown = [table_page(many, positions, p) for p in range(1, pages + 1)]
    assert [len(p) for p in shown] == [PAGE_ROWS, PAGE_ROWS, PAGE_ROWS, 25]
    assert all(list(p.columns) == list(TABLE_COLUMNS) for p in shown)
    ids = pd.concat(shown)["incident_id"].tolist()
    assert ids == many["incident_id"].tolist()  # the frame's own order: newest first
    assert list(shown[1].index) == list(range(PAGE_ROWS))  # each page numbered from 0


def test_a_page_past_either_end_shows_the_nearest(many: pd.DataFrame) -> None:
    positions = ordered(many, Order())
    assert table_page(many, positions, 99).equals(table_page(many, positions, 4))
    assert table_page(many, positions, 0).equals(table_page(many, positions, 1))
    assert page_count(0) == 1
    assert table_page(many.iloc[0:0], np.arange(0), 1).empty


def test_sorting_orders_every_row_not_one_page(many: pd.DataFrame) -> None:
    positions = ordered(many, Order("weapon"))
    first = table_page(many, positions, 1)
    assert set(first["weapon"]) == {"Iskander"}  # text order, over all 175 rows
    reverse = ordered(many, Order("weapon", reverse=True))
    assert set(table_page(many, reverse, 1)["weapon"]) == {"KN-24"}
    # Ties keep the frame's order (newest first) either way round.
    iskander = many[many["weapon"] == "Iskander"]["incident_id"].tolist()
    assert many["incident_id"].iloc[positions[: len(iskander)]].tolist() == iskander
    assert many["incident_id"].iloc[reverse[-len(iskander) :]].tolist() == iskander


def test_missing_values_sort_last_either_way(many: pd.DataFrame) -> None:
    missing = int(many["killed"].isna().sum())
    for reverse in (False, True):
        positions = ordered(many, Order("killed", reverse=reverse))
        killed = many["killed"].iloc[positions]
        assert killed.iloc[-missing:].isna().all()
        counts = killed.iloc[:-missing].astype(int).tolist()
        assert counts == sorted(counts, reverse=reverse)


def test_the_own_order_reversed_is_oldest_first(many: pd.DataFrame) -> None:
    positions = ordered(many, Order(reverse=True))
    assert table_page(many, positions, 1)["incident_id"].iloc[0] == "INC-0174"


def test_a_selected_incident_is_found_on_its_page(many: pd.DataFrame) -> None:
    for order in (Order(), Order("location"), Order("killed", reverse=True)):
        positions = ordered(many, order)
        for incident in ("INC-0000", "INC-0101", "INC-0174"):
            page = page_of(many, positions, incident)
            assert incident in set(table_page(many, positions, page)["incident_id"])
    assert page_of(many, ordered(many, Order()), "INC-0174") == 4
    assert page_of(many, ordered(many, Order()), "no such incident") == 1


def test_only_table_columns_sort() -> None:
    with pytest.raises(ValueError, match="'notes'"):
        Order("notes")


def test_an_empty_value_reads_a_dash_or_not_reported_never_none(many: pd.DataFrame) -> None:
    page = table_page(many, ordered(many, Order()), 1)
    assert page["district"].tolist() == ["—"] * PAGE_ROWS  # no district given
    assert page.loc[0, "killed"] == "not reported"  # an unknown count is not 0 either
    text = page.drop(columns=["source_url"]).astype(str)
    assert not text.isin(["None", "nan", "<NA>"]).any().any()
    assert page["source_url"].isna().all()  # an empty link stays empty, no link to "—"
