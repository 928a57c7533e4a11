"""The served app's start (``dashboard/server.py``): the incidents read before the first view."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import streamlit as st

from dashboard.server import load_incidents
from dashboard.ui import data


@pytest.fixture(autouse=True)
def fresh_caches() -> None:
    st.cache_resource.clear()


def test_the_start_creates_seeds_and_reads_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store.sqlite3"
    monkeypatch.setenv("DASHBOARD_DB_URL", f"sqlite:///{store}")
    load_incidents()
    assert store.exists()
    assert len(data.incidents()) == 8  # the shipped incidents, read once and shared


def test_a_store_that_cannot_be_reached_does_not_stop_the_start(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DASHBOARD_DB_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    with caplog.at_level(logging.WARNING, logger="dashboard"):
        load_incidents()
    assert "incidents not loaded at start" in caplog.text
