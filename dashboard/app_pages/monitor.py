"""The monitoring view: incidents, their map, the timeline and the panel's mandate.

Its state lives in the URL (see the README's "Links"): a link opened in a fresh session shows
the same view.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import streamlit as st

from dashboard.core import filters
from dashboard.core.figures import headline, timeline_chart
from dashboard.core.mandate import marker_dates, status
from dashboard.ui import data, urlstate, views
from dashboard.ui.mapview import map_panel

urlstate.open_link(datetime.now(UTC))
asof = st.session_state["asof"]
everything = data.incidents_asof(asof) if asof else data.incidents()
events = data.mandate_events()
mandate = status(events, asof.date() if asof else date.today())
in_view = filters.apply(everything, views.sidebar_filters(everything))
notes = urlstate.check_link(everything, set(in_view["incident_id"]))

st.title("DPRK-origin missile strikes on Ukraine, and who still watches")
views.data_source(asof)
urlstate.show_notes(notes)
figures = headline(in_view, mandate)
views.headline_figures(figures, mandate)

selected_id = st.session_state.get("incident")
selected = in_view[in_view["incident_id"] == selected_id]
focus = None if selected.empty else (selected.iloc[0]["latitude"], selected.iloc[0]["longitude"])

left, right = st.columns([3, 2], gap="medium")
with left:
    map_panel(
        in_view,
        focus=focus,
        incident=None if selected.empty else selected_id,
        figures=figures,
        mandate=mandate,
        events=events,
    )
with right:
    views.mandate_panel(mandate, events)
    st.subheader("Incidents per month")
    st.altair_chart(timeline_chart(in_view, marker_dates(events)), width="stretch")

left, right = st.columns([3, 2], gap="medium")
with left:
    st.subheader("Incidents")
    views.incident_table(in_view, selected_id)
with right:
    if selected.empty:
        st.info("Select an incident in the table to see its full record and centre the map on it.")
    else:
        views.incident_record(selected.iloc[0])
        views.incident_history(data.incident_history(str(selected_id)))
