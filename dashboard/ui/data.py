"""Cached access to the store and the shipped timeline, shared by all sessions of a process.

Incidents are cached by the store's data version, read on every rerun: a change made through any
process shows on the next rerun of every other.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st

from dashboard.assets import AssetUrls, ensure_static_assets, served_urls
from dashboard.core.mandate import load_events
from dashboard.imports import MANDATE_EVENTS, open_store
from dashboard.store import Store, default_url


@st.cache_resource(show_spinner="Opening the incident store…")
def _store(url: str) -> Store:
    return open_store(url)


def store() -> Store:
    """The store named by the configuration (one engine per URL and process)."""
    return _store(default_url())


@st.cache_data(show_spinner=False, max_entries=4)
def _incidents(url: str, version: int) -> pd.DataFrame:
    return store().incidents()


def incidents() -> pd.DataFrame:
    """Current incidents (a cached frame: do not modify it in place)."""
    current = store()
    return _incidents(current.url, current.data_version())


#: History younger than this may still gain rows from a batch being written (its rows carry the
#: batch's start time), so such moments are cached together with the data version.
_SETTLED = timedelta(minutes=5)


@st.cache_data(show_spinner=False, max_entries=16)
def _incidents_asof(url: str, moment: datetime, version: int) -> pd.DataFrame:
    return store().incidents_asof(moment)


def incidents_asof(moment: datetime) -> pd.DataFrame:
    """The incidents as the store held them at ``moment`` (a cached frame: do not modify it).

    The history before a settled moment never changes, so it is cached by (store, moment) alone.
    """
    current = store()
    recent = datetime.now(UTC) - moment < _SETTLED
    return _incidents_asof(current.url, moment, current.data_version() if recent else 0)


@st.cache_data(show_spinner=False)
def mandate_events() -> pd.DataFrame:
    return load_events(MANDATE_EVENTS)


@st.cache_resource
def map_assets() -> AssetUrls:
    ensure_static_assets()
    return served_urls(st.get_option("server.baseUrlPath") or "")
