"""The monitor's words that help the analyst follow what they did, in Streamlit's AppTest (the
map itself is not drawn): why a search matched, context incidents that can be opened, the
district filter's choices."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.imports import open_store
from dashboard.store import Store
from tests.conftest import TODAY

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


@pytest.fixture(scope="module")
def app_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One store for the module, with the shipped data: the app caches its store per process."""
    url = f"sqlite:///{tmp_path_factory.mktemp('attention') / 'store.sqlite3'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DASHBOARD_DB_URL", url)
        patch.setenv("DASHBOARD_TILES", "none")
        st.cache_resource.clear()
        st.cache_data.clear()
        store = open_store(url, today=TODAY)
        yield store
        store.dispose()
        st.cache_resource.clear()
        st.cache_data.clear()


def opened(query: dict[str, str | list[str]]) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception
    return at


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.sidebar.caption]


def test_a_search_says_which_fields_it_matched(app_store: Store) -> None:
    at = opened({"q": "Kyiv"})
    assert "Found in: Source (5), Location (3), Notes (2), Attributed by (1)" in captions(at)
    assert not any(c.startswith("Found in") for c in captions(opened({})))
