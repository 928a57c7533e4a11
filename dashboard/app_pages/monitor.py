"""The monitoring view: incidents, their map, the timeline and the panel's mandate.

Its state is one :class:`~dashboard.core.view.View`, held by :mod:`dashboard.ui.urlstate` and
kept in the URL (see the README's "Links"): a link opened in a fresh session, or the browser's
back and forward buttons, show the view the link describes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import streamlit as st

from dashboard import review
from dashboard.core.evidence import annotate
from dashboard.core.i18n import _
from dashboard.core.monitor import assemble
from dashboard.ui import (
    auth,
    data,
    edit,
    evidence,
    layout,
    panels,
    preview,
    record,
    sidebar,
    timeline,
    urlstate,
)
from dashboard.ui.incident_table import incident_table
from dashboard.ui.mapview import map_panel

session = urlstate.open_view(datetime.now(UTC))
who = auth.analyst_identity()  # an analyst may change the record; a viewer sees live data only
# An analyst may preview a pending proposal applied to the live data (see the Review page).
previewing = preview.active(data.store()) if who is not None else None
events = data.mandate_events()


def _current() -> pd.DataFrame:
    """The live incidents, or with the previewed proposal applied."""
    if previewing is not None:
        return preview.incidents(data.store(), previewing)
    return data.incidents()


screen = assemble(
    session.view,
    load=lambda asof: annotate(
        data.incidents_asof(asof) if asof else _current(), evidence.load(asof)
    ),
    events=events,
    today=date.today(),
)
notes = session.settle(screen)
shown_evidence = evidence.load(screen.view.asof)
in_view = screen.in_view
# The session's first run is a first look: the title, the headline figures and the map, which
# then starts loading while the browser has little else to draw (issue 24's "first marks"). The
# map's first report causes the run that draws the whole page (see ``ui/mapview.map_panel``);
# until then none of the page's filters is in the browser, so none can carry an old value into
# that report.
first_look = not session.opened
session.opened = True
found = sidebar.search_reason(screen)  # said under the search box, and on a phone below
if not first_look:
    sidebar.sidebar_filters(session, screen, found)
    evidence.examined_toggle(session)
    sidebar.context_toggle(session, screen)

# Everything above the columns is one block, whatever it holds: a note that comes or goes (the
# search's "Found in", an empty view's notice, a past moment's source) then never moves the
# columns below, which the browser would otherwise draw anew (the map reloaded in its frame).
with st.container(key="page_head"):
    st.title(_("DPRK-origin missile strikes on Ukraine, and who still watches"))
    if previewing is not None:
        preview.note(previewing)
    panels.counting_note(screen)
    urlstate.show_notes(notes)
    panels.empty_notice(screen)
    panels.headline_figures(screen.figures, screen.mandate)
    sidebar.search_found_below_figures(found)
    if session.view.asof is not None:  # figures of a past moment: say so above them
        panels.data_source(session)

# Changes are made to live data only, by an analyst.
editor = who if session.view.asof is None else None


def _beside_map() -> None:
    """The column beside the map: the selected incident's record (or how to open one), the
    timeline, the context series and the panel's mandate."""
    if screen.empty is None and screen.selected is not None:
        # The selected incident's record where the analyst looks: beside the map on a desk, at
        # the top of its column; a sheet over the page's foot on a phone (see ui/layout.py).
        with st.container(key="incident_panel"):
            layout.close_record(session, screen)
            if screen.selected_is_context:
                st.caption(
                    _(
                        "Context incident (not DPRK-origin): opened for reference, counted in "
                        "no figure, chart or table."
                    )
                )
            record.incident_record(screen.selected)
            evidence.incident_evidence(screen.selected, shown_evidence)
            record.incident_history(review.history(data.store(), str(screen.view.incident)))
            if editor is not None:
                edit.record_actions(screen.selected, editor)
    else:
        if screen.empty is None:
            st.info(
                _(
                    "Select an incident in the table, or click its marker on the map, to see its "
                    "full record here."
                )
            )
        if editor is not None:  # a new incident, from an empty view too
            edit.record_actions(None, editor)
    timeline.time_control(session, screen, events)
    if screen.empty is None:  # beside the incidents' timeline, as it is: not on an empty view
        timeline.context_series(data.aggregates(), data.launches())
    panels.mandate_panel(screen.mandate, events)


def _map() -> None:
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


# One row of two columns, each stacking its own parts: an expander opening in one column pushes
# down only what is below it there, never the other column (no gap opens beside it). Each part
# sits where its column puts it, whichever is drawn first.
left, right = st.columns([3, 2], gap="medium")
if first_look:
    with left:
        _map()
    session.rest_waits = True  # the map's first report draws the rest
else:
    session.rest_waits = False
    # The column beside the map is drawn first: its widgets (the month slider) reach the browser
    # with the view's values before the map does, whose reports would otherwise carry their old
    # values.
    with right:
        _beside_map()
    with left:
        _map()
        if session.view.asof is None:  # live data, and "Freeze", under the link it pins
            panels.data_source(session)
        if screen.empty is None:  # an empty view has said why once, above: no empty table
            st.subheader(_("Incidents"))
            incident_table(in_view, session)
            evidence.parts_panel(in_view, shown_evidence)
