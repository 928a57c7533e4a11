"""The view in the URL: read a link once per session, keep the URL in step as the analyst works.

The multiselects (``status``, ``weapon``, ``district``) and the map layer use Streamlit's own
binding (``bind="query-params"``): their option lists are closed, so Streamlit's checks and
:func:`dashboard.core.links.parse` agree. The other parameters are synced here through
``st.query_params``: the dates, search and incident are seeded into session state on the session's
first run (a bound widget would take the URL's value as Streamlit reads it, which differs from
ours in corner cases), and written back after every run.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard.core import links
from dashboard.core.filters import choices
from dashboard.core.text import md_escape

#: Widgets bound to the URL by Streamlit itself; never written here.
BOUND = ("status", "weapon", "district", "layer")
#: Parameters this module writes.
SYNCED = tuple(p for p in links.PARAMS if p not in BOUND)
_LINK, _NOTES, _CHECKED = "_link", "_link_notes", "_link_checked"


def raw_params() -> dict[str, list[str]]:
    """The URL's query parameters, every value of each, in URL order."""
    return {name: st.query_params.get_all(name) for name in st.query_params}


def open_link(now: datetime) -> links.ViewState:
    """The view the session was opened with, parsed and seeded into the widgets on its first run."""
    if _LINK not in st.session_state:
        state, notes = links.parse(raw_params(), now=now)
        st.session_state[_LINK] = state
        st.session_state[_NOTES] = notes
        st.session_state["from"] = state.date_from
        st.session_state["to"] = state.date_to
        st.session_state["q"] = state.q
        st.session_state["incident"] = state.incident
        st.session_state["asof"] = state.asof
        st.session_state["map_target"] = state.map_view
        st.session_state["map_view"] = None
    return st.session_state[_LINK]


def check_link(everything: pd.DataFrame, ids_in_view: Collection[str]) -> list[links.Ignored]:
    """Once per session, check the link's data-dependent values; every note so far."""
    if not st.session_state.get(_CHECKED):
        st.session_state[_CHECKED] = True
        state, notes = links.restrict(
            st.session_state[_LINK],
            weapons=choices(everything, "weapon"),
            districts=choices(everything, "district"),
        )
        _, incident_notes = links.check_incident(state, ids_in_view)
        if incident_notes:
            st.session_state["incident"] = None
        st.session_state[_NOTES] = links.capped(
            [*st.session_state[_NOTES], *notes, *incident_notes]
        )
    return st.session_state[_NOTES]


def show_notes(notes: list[links.Ignored]) -> None:
    """What the link asked for that could not be shown, as text."""
    if notes:
        st.warning(
            "This link asked for something that cannot be shown; the rest of the view is as "
            "linked.\n\n" + "\n".join(f"- {md_escape(note)}" for note in notes),
            icon=":material/link_off:",
        )


def sync(state: links.ViewState) -> None:
    """Write the parameters this module owns to the browser's URL (bound widgets write theirs).

    Unknown parameters are dropped, so the address bar always shows the link to this view.
    """
    wanted = links.to_params(state)
    for name in list(st.query_params):
        if name not in links.PARAMS and name not in links.STREAMLIT_PARAMS:
            del st.query_params[name]
    for name in SYNCED:
        values = wanted.get(name)
        if values is None:
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get_all(name) != values:
            st.query_params[name] = values


def base_url() -> str:
    """The app's URL as the browser reached it (so with any base path), without query."""
    if st.context.url:
        return st.context.url
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    host = st.context.headers.get("Host")
    path = f"/{base}/" if base else "/"
    return f"http://{host}{path}" if host else path


def current(*, incident: str | None, view: tuple[float, float, int] | None) -> links.ViewState:
    """The view as the widgets and session hold it now (``view`` only when the map was moved)."""
    state = st.session_state
    lat, lon, zoom = view if view is not None else (None, None, None)
    return links.ViewState(
        date_from=state.get("from"),
        date_to=state.get("to"),
        statuses=tuple(state.get("status") or ()),
        weapons=tuple(state.get("weapon") or ()),
        districts=tuple(state.get("district") or ()),
        q=state.get("q") or "",
        incident=incident,
        lat=lat,
        lon=lon,
        zoom=zoom,
        layer=state.get("layer") or "markers",
        asof=state.get("asof"),
    )
