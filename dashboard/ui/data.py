"""Cached access to the store and the shipped timeline, shared by all sessions of a process.

Incidents are cached by the store's data version, read on every rerun: a change made through any
process shows on the next rerun of every other. Every read raises
:class:`~dashboard.core.errors.StoreUnavailableError` when the database cannot be reached.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import streamlit as st

from dashboard.assets import AssetUrls, ensure_static_assets, served_urls
from dashboard.core.aggregates import load_aggregates
from dashboard.core.errors import StoreUnavailableError
from dashboard.core.filters import with_search_columns
from dashboard.core.i18n import _
from dashboard.core.mandate import load_events
from dashboard.core.weapons import classify
from dashboard.imports import AGGREGATES, MANDATE_EVENTS, open_store
from dashboard.store import Store, default_url


# No spinner of the cache's own: its text is fixed when the module loads, in no page's language.
@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    return open_store(url)


def store() -> Store:
    """The store named by the configuration (one engine per URL and process)."""
    return _store(default_url())


def open_for_page() -> None:
    """Open the store before the page draws, under a spinner in the page's language (shown only
    if opening takes a while: the first run of a process, or a slow database)."""
    with st.spinner(_("Opening the incident store…")):
        store()


#: Seconds between checks while the store is unreachable.
RETRY_SECONDS = 3


#: Incident frames are cached as shared resources, not as data: every rerun of every session gets
#: the one frame, not a copy unpickled from the cache (35 ms a rerun at 100,000 incidents, ten
#: times that at 1,000,000). Nothing modifies a frame in place.
@st.cache_resource(show_spinner=False, max_entries=4)
def _incidents(url: str, version: int) -> pd.DataFrame:
    return classify(with_search_columns(store().incidents()))


def incidents() -> pd.DataFrame:
    """Current incidents (a frame shared by every session: do not modify it in place)."""
    current = store()
    return _incidents(current.url, current.data_version())


def store_reachable() -> bool:
    """Whether the store answers now (opening it, if this process has not yet)."""
    try:
        store().data_version()
    except StoreUnavailableError:
        return False
    return True


@st.fragment(run_every=RETRY_SECONDS)
def rerun_when_store_returns() -> None:
    """While the store is unreachable, check every few seconds and rerun the page once it is
    back, so the page recovers without the viewer doing anything."""
    if store_reachable():
        st.rerun(scope="app")


#: Past states kept per process. Each is a full incidents frame (32 MB with its search columns at
#: 100,000 incidents), so this bounds the memory that ``asof`` links can take.
ASOF_CACHE_ENTRIES = 4


@st.cache_resource(show_spinner=False, max_entries=ASOF_CACHE_ENTRIES)
def _incidents_at_batch(url: str, batch_id: int) -> pd.DataFrame:
    return classify(with_search_columns(store().incidents_at_batch(batch_id)))


def incidents_asof(moment: datetime) -> pd.DataFrame:
    """The incidents as the store held them at ``moment`` (a shared frame: do not modify it).

    A moment resolves (one cheap query, never cached) to the batch whose state it shows, so all
    the moments between two batches share one cache entry. A batch's state never changes once the
    batch is visible; a batch started before ``moment`` but committed since resolves to a new
    key, so nothing cached goes stale. Sessions asking for the same batch at once wait for one
    rebuild (Streamlit computes a missing entry once under a lock per key).
    """
    current = store()
    batch = current.last_batch_at(moment)
    # Shown only if the rebuild takes a while (a cache hit returns long before the spinner shows).
    with st.spinner(_("Rebuilding past incidents…")):
        return _incidents_at_batch(current.url, batch)


@st.cache_data(show_spinner=False)
def mandate_events() -> pd.DataFrame:
    return load_events(MANDATE_EVENTS)


@st.cache_data(show_spinner=False)
def _aggregates(day: date) -> pd.DataFrame:
    return load_aggregates(AGGREGATES, day)


def aggregates() -> pd.DataFrame:
    """Officials' dated counts (shipped, read-only), checked against today's date."""
    return _aggregates(date.today())


@st.cache_data(show_spinner=False, max_entries=4)
def _launches(url: str, imported: tuple[str, str] | None) -> pd.DataFrame:
    return store().launches()


def launches() -> pd.DataFrame:
    """The stored monthly launches, read again only after an import replaced them."""
    current = store()
    stored = current.launches_import()
    key = (stored.sha256, stored.imported_at.isoformat()) if stored else None
    return _launches(current.url, key)


@st.cache_resource
def map_assets() -> AssetUrls:
    bundled = ensure_static_assets()
    return served_urls(st.get_option("server.baseUrlPath") or "", bundled=bundled)
