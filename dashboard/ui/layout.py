"""Where the monitor's parts sit on a desk and on a phone, and closing the incident record.

The pages' own style sheet (every page: see app.py), static text with no data in it. On a
phone (a window at most :data:`PHONE_PX` wide, where Streamlit stacks columns) the title, the
page's top margin and the headline figures shrink so that the figures and the map are on the
first screen, and the selected incident's record (``st-key-incident_panel``) becomes a sheet
over the foot of the page, the map still in sight above it. On a desk it heads the column
beside the map.
"""

from __future__ import annotations

import streamlit as st

from dashboard.core.i18n import _
from dashboard.core.monitor import Screen
from dashboard.core.view import View, clear_selection, implied_view, move_map
from dashboard.ui.urlstate import ViewSession

#: The widest window taken for a phone (Streamlit stacks columns below 640 px).
PHONE_PX = 640

STYLE = f"""<style>
@media (max-width: {PHONE_PX}px) {{
  [data-testid="stMainBlockContainer"] {{ padding-top: 3.5rem; }}
  [data-testid="stMainBlockContainer"] h1 {{ font-size: 1.45rem; line-height: 1.25; padding: 0; }}
  .st-key-headline_figures {{ gap: 0.25rem 1rem; }}
  .st-key-headline_figures [data-testid="stMetricValue"] {{ font-size: 1.35rem; }}
  .st-key-headline_figures [data-testid="stMetricLabel"] {{ min-height: 0; }}
  .st-key-incident_panel {{
    position: fixed; left: 0; right: 0; bottom: 0; z-index: 999990;
    max-height: 45vh; overflow-y: auto; padding: 0.5rem 0.75rem 1rem;
    background: var(--background-color, #ffffff); background-color: #ffffff;
    border-top: 1px solid rgba(49, 51, 63, 0.3); box-shadow: 0 -6px 18px rgba(0, 0, 0, 0.18);
  }}
}}
/* The search's "Found in" under the figures: on a phone only (on a desk, under the search box). */
@media (min-width: {PHONE_PX + 1}px) {{ .st-key-search_found {{ display: none; }} }}
/* The upload report's counts: compact, on a desk and a phone alike. */
.st-key-upload_counts [data-testid="stMetricValue"] {{ font-size: 1.5rem; }}
</style>"""


def page_style() -> None:
    """Put the page's style sheet in the page (it takes no room)."""
    st.html(STYLE)


def close_record(session: ViewSession, screen: Screen) -> None:
    """The record's "Close": nothing selected, and the map back where it was when a marker
    click opened the record (else where it goes by itself)."""

    def close() -> None:
        before = session.map_before_pick
        session.map_before_pick = None
        incident = session.view.incident
        unselected = implied_view(None, screen.box)

        def closed(view: View) -> View:
            shut = clear_selection(view)
            if before is not None and before[0] == incident:
                return move_map(shut, before[1], unselected)
            return shut

        session.apply(closed)

    st.button(
        _("Close"),
        key="close_record",
        icon=":material/close:",
        on_click=close,
        help=_("Close the record: the map returns to where it was."),
    )
