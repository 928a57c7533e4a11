"""The monitoring view: incidents, their map, the timeline and the panel's mandate."""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard.core import filters
from dashboard.core.figures import headline, timeline_chart
from dashboard.core.mandate import marker_dates, status
from dashboard.core.maps import LAYERS
from dashboard.ui import data, views
from dashboard.ui.mapview import incident_map

everything = data.incidents()
events = data.mandate_events()
mandate = status(events, date.today())
in_view = filters.apply(everything, views.sidebar_filters(everything))

st.title("DPRK-origin missile strikes on Ukraine, and who still watches")
views.headline_figures(headline(in_view, mandate), mandate)

selected_id = st.session_state.get("incident")
selected = in_view[in_view["incident_id"] == selected_id]
focus = None if selected.empty else (selected.iloc[0]["latitude"], selected.iloc[0]["longitude"])

left, right = st.columns([3, 2], gap="medium")
with left:
    layer = (
        st.segmented_control(
            "Map layer", LAYERS, default="markers", key="layer", format_func=str.capitalize
        )
        or "markers"
    )
    incident_map(in_view, layer=layer, focus=focus)
with right:
    if selected.empty:
        st.info("Select an incident in the table to see its full record and centre the map on it.")
    else:
        views.incident_record(selected.iloc[0])
    views.mandate_panel(mandate, events)

st.subheader("Incidents per month")
st.altair_chart(timeline_chart(in_view, marker_dates(events)), width="stretch")

st.subheader("Incidents")
table = in_view[list(views.TABLE_COLUMNS)].reset_index(drop=True)


def _select_from_table() -> None:
    rows = st.session_state["incident_table"].selection.rows
    st.session_state["incident"] = table.iloc[rows[0]]["incident_id"] if rows else None


st.dataframe(
    table,
    key="incident_table",
    on_select=_select_from_table,
    selection_mode="single-row",
    hide_index=True,
    width="stretch",
    column_config={
        "date": st.column_config.DateColumn("Date", format="YYYY-MM-DD"),
        "attribution_status": "Status",
        "geo_precision": st.column_config.NumberColumn(
            "Precision", help="1 exact place, 2 near it or a district, 3 region"
        ),
        "source_url": st.column_config.LinkColumn("Source link"),
    },
)
