"""The sidebar's search through the page (Streamlit's AppTest): it ignores case and punctuation
and reads both scripts, and the figures and the link follow. The folding itself is tested in
tests/core/test_search.py; typing into the search box in a browser, in
tests/e2e/test_attention.py."""

from __future__ import annotations

import pytest
import streamlit as st

from dashboard.store import BatchMeta, Store
from tests.helpers import KHARKIV, view_key
from tests.ui.conftest import opened
from tests.ui.test_links_apptest import metric

CYRILLIC_ONLY = "UA-KHA-CYRILLIC"


@pytest.fixture(scope="module")
def cyrillic_store(app_store: Store) -> Store:
    """The shipped incidents and one more whose place is written in Cyrillic only."""
    record = app_store.records(["UA-KHA-20240106"])["UA-KHA-20240106"]
    extra = {**record, "incident_id": CYRILLIC_ONLY, "location": "Харків, Салтівський район"}
    app_store.apply_batch([extra], BatchMeta("cyrillic.csv", "c" * 64, "analyst"))
    st.cache_data.clear()
    return app_store


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("kn23", "6"),  # KN-23, KN-23/24, Hwasong-11 (KN-23)…
        (KHARKIV, "4"),  # Kharkiv's three, and the one written Харків only
        ("Kharkiv", "4"),
        ("saltivskyi", "1"),  # the Cyrillic-only record, by its Latin name
    ],
)
def test_search_reads_case_punctuation_and_both_scripts(
    cyrillic_store: Store, typed: str, found: str
) -> None:
    at = opened({})
    assert metric(at, "Incidents in view") == "9"
    at.text_input(key=view_key(at, "q")).input(typed).run()
    assert not at.exception
    assert metric(at, "Incidents in view") == found
    assert at.query_params["q"] == typed
