"""The Monitor page in Streamlit's AppTest over one store per test module (the app caches its
store per process)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.imports import open_store
from dashboard.store import Store
from tests.conftest import TODAY
from tests.helpers import whole_page

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


@contextmanager
def page_store(url: str, patch: pytest.MonkeyPatch) -> Iterator[Store]:
    """The store at ``url``, seeded with the shipped data, which the app (and the API) open:
    named in the environment, with no tile server, and Streamlit's caches emptied before and
    after."""
    patch.setenv("DASHBOARD_DB_URL", url)
    patch.setenv("DASHBOARD_TILES", "none")
    st.cache_resource.clear()
    st.cache_data.clear()
    store = open_store(url, today=TODAY)
    try:
        yield store
    finally:
        store.dispose()
        st.cache_resource.clear()
        st.cache_data.clear()


@pytest.fixture(scope="module")
def app_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One store for the module, holding the shipped data, which the app opens."""
    url = f"sqlite:///{tmp_path_factory.mktemp('apptest') / 'store.sqlite3'}"
    with pytest.MonkeyPatch.context() as patch, page_store(url, patch) as store:
        yield store


def opened(query: dict[str, str | list[str]]) -> AppTest:
    """The app opened at a link's ``query``, run once, without an exception."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    for name, value in query.items():
        at.query_params[name] = value
    whole_page(at)
    assert not at.exception
    return at
