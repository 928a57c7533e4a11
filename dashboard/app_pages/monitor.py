"""The monitoring view: incidents, their map, the timeline and the panel's mandate.

Its state is one :class:`~dashboard.core.view.View`, held by :mod:`dashboard.ui.urlstate` and
kept in the URL (see the README's "Links"): a link opened in a fresh session, or the browser's
back and forward buttons, show the view the link describes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import streamlit as st

from dashboard.core.evidence import annotate
from dashboard.core.figures import timeline_chart
from dashboard.core.mandate import marker_dates
from dashboard.core.monitor import assemble
from dashboard.ui import data, evidence, urlstate, views
from dashboard.ui.mapview import map_panel

session = urlstate.open_view(datetime.now(UTC))
events = data.mandate_events()
screen = assemble(
    session.view,
    load=lambda asof: annotate(
        data.incidents_asof(asof) if asof else data.incidents(), evidence.load(asof)
    ),
    events=events,
    today=date.today(),
)
notes = session.settle(screen)
shown_evidence = evidence.load(screen.view.asof)
in_view = screen.in_view
views.sidebar_filters(session, screen)
evidence.examined_toggle(session)
views.context_toggle(session, screen)

st.title("DPRK-origin missile strikes on Ukraine, and who still watches")
views.counting_note(screen)
views.data_source(session)
urlstate.show_notes(notes)
views.headline_figures(screen.figures, screen.mandate)
views.empty_notice(screen)

left, right = st.columns([3, 2], gap="medium")
with left:
    map_panel(
        session,
        in_view,
        implied=screen.implied,
        box=screen.box,
        context=screen.context,
        figures=screen.figures,
        mandate=screen.mandate,
        events=events,
        evidence=shown_evidence,
    )
with right:
    views.mandate_panel(screen.mandate, events)
    if screen.empty is None:
        st.subheader("Incidents per month")
        st.altair_chart(timeline_chart(in_view, marker_dates(events)), width="stretch")

if screen.empty is None:  # an empty view has said why once, above: no empty table or hint
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.subheader("Incidents")
        views.incident_table(in_view, session)
    with right:
        if screen.selected is None:
            st.info(
                "Select an incident in the table to see its full record and centre the map on it."
            )
        else:
            views.incident_record(screen.selected)
            evidence.incident_evidence(screen.selected, shown_evidence)
            views.incident_history(data.incident_history(str(screen.view.incident)))
    evidence.parts_panel(in_view, shown_evidence)
