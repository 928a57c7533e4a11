"""The monitor's words that help the analyst follow what they did, in Streamlit's AppTest (the
map itself is not drawn): why a search matched, context incidents that can be opened, the
district filter's choices."""

from __future__ import annotations

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.core.csvio import Limits
from dashboard.core.mapping import ACLED_COLUMNS
from dashboard.core.text import md_escape
from dashboard.imports import commit, prepare
from dashboard.store import Store
from dashboard.ui.evidence import _share_chart
from tests.conftest import TODAY
from tests.helpers import csv_text, view_key
from tests.test_acled import ACLED_ROW
from tests.ui.conftest import opened
from tests.ui.test_links_apptest import metric


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.sidebar.caption]


def test_a_search_says_which_fields_it_matched(app_store: Store) -> None:
    at = opened({"q": "Kyiv"})
    assert "Found in: Source (5), Location (3), Notes (2), Attributed by (1)" in captions(at)
    assert not any(c.startswith("Found in") for c in captions(opened({})))


@pytest.fixture(scope="module")
def with_context(app_store: Store) -> Store:
    """The store with one ACLED row (context: not DPRK-origin) in a district of its own."""
    data = csv_text([{**ACLED_ROW, "admin2": "Izium raion"}], columns=ACLED_COLUMNS)
    report = prepare(data.encode("utf-8"), "acled.csv", TODAY, limits=Limits())
    assert report.context_rows == 1
    commit(app_store, report, uploaded_by="test")
    st.cache_data.clear()
    return app_store


def test_a_context_incident_opens_from_a_link_and_is_said_to_be_context(
    with_context: Store,
) -> None:
    at = opened({"incident": ACLED_ROW["event_id_cnty"]})
    assert not any("not among" in w.value for w in [*at.warning, *at.info])
    assert [m.value for m in at.metric if m.label == "Incidents in view"] == ["8"]  # not it
    assert "Context incident (not DPRK-origin)" in " ".join(c.value for c in at.caption)
    assert "UKR12345" in " ".join(m.value for m in at.markdown)  # its record


def test_the_district_filter_offers_only_districts_with_counted_incidents(
    with_context: Store,
) -> None:
    offered = next(m.options for m in opened({}).sidebar.multiselect if m.label == "District")
    assert "Shevchenkivskyi" in offered
    assert "Izium raion" not in offered


def test_play_steps_through_every_month_of_the_range_empty_ones_included(
    app_store: Store,
) -> None:
    at = opened({})
    at.button(key="play").click().run()
    assert not at.exception
    assert (at.query_params["from"], at.query_params["to"]) == ("2023-12-01", "2023-12-31")
    # December 2023 to April 2025: 17 calendar months, though only 6 hold an incident.
    [progress] = at.get("progress")
    assert progress.proto.text == "December 2023: month 1 of 17"


def test_the_evidence_chart_keeps_its_legend_under_the_bars_and_names_whole() -> None:
    shares = pd.DataFrame(
        {
            "country": ["United States", "Switzerland"],
            "share": [75.0, 5.0],
            "examiner": ["Conflict Armament Research (CAR)"] * 2,
            "source": ["Dissecting Russian and North Korean missiles"] * 2,
            "grade": ["H", "H"],
        }
    )
    encoding = _share_chart(shares).to_dict()["encoding"]
    # Beside the bars a legend takes half a phone's width: under them it takes none.
    assert encoding["color"]["legend"]["orient"] == "bottom"
    assert encoding["color"]["legend"]["labelLimit"] == 0  # "Conflict Armament Research (CAR)"
    assert encoding["x"]["axis"]["titleLimit"] == 0
    assert [t["title"] for t in encoding["tooltip"]] == [
        "Country",
        "Share (%)",
        "Examined by",
        "Source",
        "Grade",
    ]


def test_a_typed_date_or_month_applies_on_enter_and_a_bad_one_changes_nothing(
    app_store: Store,
) -> None:
    """What the analyst types into "From" and "To" applies when Enter is pressed (AppTest's
    ``input().run()`` is Enter): a month means its first day for "From" and its last for "To";
    text that is no date is refused, named, and leaves the view as it was."""
    at = opened({})
    at.text_input(key=view_key(at, "from")).input("2024-02").run()
    at.text_input(key=view_key(at, "to")).input("2024-02").run()
    assert not at.exception
    assert (at.query_params["from"], at.query_params["to"]) == ("2024-02-01", "2024-02-29")
    assert at.text_input(key=view_key(at, "to")).value == "2024-02-29"
    assert metric(at, "Incidents in view") == "1"  # UA-KHA-20240207
    at.text_input(key=view_key(at, "from")).input("2024-02-30").run()
    refused = "Not applied: '2024-02-30' is not a date (YYYY-MM-DD, or YYYY-MM for a month)"
    assert [e.value for e in at.sidebar.error] == [md_escape(refused)]  # shown as text
    assert at.query_params["from"] == "2024-02-01"
    assert at.text_input(key=view_key(at, "from")).value == "2024-02-01"
    at.run()
    assert not at.sidebar.error  # said once
