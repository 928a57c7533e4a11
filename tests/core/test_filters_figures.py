"""Filters, headline figures and the monthly timeline over the shipped incidents."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from dashboard.core.csvio import read_incident_csv
from dashboard.core.figures import headline, monthly_counts, timeline_chart
from dashboard.core.filters import NO_DISTRICT, Filters, apply, choices, with_search_columns
from dashboard.core.mandate import load_events, marker_dates, status
from dashboard.core.records import typed_frame
from dashboard.core.validate import validate
from dashboard.imports import MANDATE_EVENTS, SHIPPED_INCIDENTS
from tests.conftest import TODAY


@pytest.fixture(scope="module", params=["validated", "stored"])
def shipped(request: pytest.FixtureRequest) -> pd.DataFrame:
    """The shipped incidents as validation types them, and as the store reads them (categorical
    text, folded search columns): filters and figures must agree on both."""
    result = validate(read_incident_csv(SHIPPED_INCIDENTS.read_bytes()), TODAY)
    assert result.ok
    if request.param == "stored":
        return with_search_columns(typed_frame(result.valid, categories=True))
    return result.valid


def ids(frame: pd.DataFrame) -> set[str]:
    return set(frame["incident_id"])


def test_no_filters_keep_everything(shipped: pd.DataFrame) -> None:
    assert len(apply(shipped, Filters())) == len(shipped) == 8


def test_date_range_is_inclusive(shipped: pd.DataFrame) -> None:
    kept = apply(shipped, Filters(date_from=date(2024, 1, 2), date_to=date(2024, 1, 6)))
    assert ids(kept) == {"UA-KHA-20240102", "UA-KYI-20240102", "UA-KHA-20240106"}


def test_status_weapon_district_and_text(shipped: pd.DataFrame) -> None:
    assert ids(apply(shipped, Filters(statuses=("confirmed",)))) == {"UA-KHA-20240102"}
    assert ids(apply(shipped, Filters(weapons=("KN-23",)))) == {"UA-KYI-20250424"}
    assert ids(apply(shipped, Filters(districts=("Slobidskyi",)))) == {"UA-KHA-20240207"}
    assert ids(apply(shipped, Filters(q="brovary"))) == {"UA-KYO-20240811"}
    assert ids(apply(shipped, Filters(q="KIRBY"))) == {"UA-ZAP-20231230", "UA-KHA-20240106"}
    assert len(apply(shipped, Filters(q="( - ."))) == 8  # punctuation alone restricts nothing


def test_filters_combine(shipped: pd.DataFrame) -> None:
    kept = apply(shipped, Filters(statuses=("preliminary",), q="zelensky"))
    assert ids(kept) == {"UA-KYO-20240811", "UA-KYI-20250424"}
    assert apply(shipped, Filters(statuses=("claimed",), q="zelensky")).empty


def test_rows_without_district_can_be_chosen(shipped: pd.DataFrame) -> None:
    assert NO_DISTRICT in choices(shipped, "district")
    kept = apply(shipped, Filters(districts=(NO_DISTRICT,)))
    assert ids(kept) == {
        "UA-ZAP-20231230",
        "UA-KHA-20240106",
        "UA-POL-202409",
    }


def test_headline_counts(shipped: pd.DataFrame) -> None:
    mandate = status(load_events(MANDATE_EVENTS), TODAY)
    figures = headline(shipped, mandate)
    assert (figures.incidents, figures.confirmed) == (8, 1)
    assert (figures.killed.reported, figures.injured.reported) == (21, 160)
    for tally, column in ((figures.killed, "killed"), (figures.injured, "injured")):
        # Some shipped incidents give no figure: the sum is a floor, never a total.
        assert tally.reported == int(shipped[column].sum())
        assert tally.unreported == int(shipped[column].isna().sum()) > 0
        assert tally.text == f"at least {tally.reported:,}"
    assert figures.since_expiry == 3  # 2024-08-11, 2024-09 (Poltava) and 2025-04-24
    assert headline(shipped.iloc[0:0], mandate).incidents == 0


def test_monthly_counts_by_status(shipped: pd.DataFrame) -> None:
    counts = monthly_counts(shipped)
    january = counts[counts["month"] == pd.Timestamp("2024-01-01")]
    assert dict(zip(january["status"], january["incidents"], strict=True)) == {
        "claimed": 1,
        "confirmed": 1,
        "preliminary": 1,
    }
    assert counts["incidents"].sum() == 8


def test_timeline_chart_carries_bars_and_marks(shipped: pd.DataFrame) -> None:
    spec = timeline_chart(shipped, marker_dates(load_events(MANDATE_EVENTS))).to_dict()
    marks = [
        layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        for layer in spec["layer"]
    ]
    assert marks == ["bar", "rule"]  # the veto and expiry named in a legend, not as text
    assert timeline_chart(shipped.iloc[0:0], marker_dates(load_events(MANDATE_EVENTS))).to_dict()


def test_monthly_counts_equal_a_group_by() -> None:
    """The counted table is the plain group-by's, over many months and every status."""
    rng = np.random.default_rng(7)
    days = pd.to_datetime("2022-01-01") + pd.to_timedelta(rng.integers(0, 1400, 5000), "D")
    frame = pd.DataFrame(
        {
            "date": days.astype("datetime64[s]"),
            "attribution_status": rng.choice(["confirmed", "claimed", "disputed"], 5000),
        }
    )
    expected = (
        frame.groupby([frame["date"].dt.to_period("M").dt.to_timestamp(), "attribution_status"])
        .size()
        .to_dict()
    )
    for typed in (frame, frame.astype({"attribution_status": "category"})):
        counts = monthly_counts(typed)
        assert counts["month"].is_monotonic_increasing
        cells = zip(counts["month"], counts["status"], strict=True)
        got = dict(zip(cells, counts["incidents"], strict=True))
        assert got == expected
    assert monthly_counts(frame.iloc[0:0]).empty
