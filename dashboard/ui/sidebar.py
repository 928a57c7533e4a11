"""The monitor's sidebar: the filters, each showing the view's and setting it, and "Clear all"."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core import filters, i18n, places
from dashboard.core.filters import NO_DISTRICT
from dashboard.core.i18n import _
from dashboard.core.links import DATE_MAX, DATE_MIN, MAX_TEXT
from dashboard.core.monitor import Screen
from dashboard.core.schema import DECLARED, STATUSES
from dashboard.core.shown import status_name
from dashboard.core.text import md_escape
from dashboard.core.view import (
    clear_all,
)
from dashboard.ui.urlstate import ViewSession


def sidebar_filters(session: ViewSession, screen: Screen, found: str | None) -> None:
    """Filter widgets in the sidebar, showing the view's filters; a change sets the view's.

    Each widget's container is keyed by its link parameter. The widgets show the view (set
    before they are drawn, so back/forward and "Clear all" show too: see
    :meth:`ViewSession.widget`); a user's change sets that widget's filter alone, through
    :func:`dashboard.core.view.set_filters`, in the widget's callback. ``found`` is the
    search's :func:`search_reason`, shown under the search box.
    """
    chosen = session.view.filters
    start = session.date_widget("from", chosen.date_from, end=False)
    end = session.date_widget("to", chosen.date_to, end=True)
    statuses = session.filter_widget("status", "statuses", list(chosen.statuses), tuple)
    weapons = session.filter_widget("weapon", "weapons", list(chosen.weapons), tuple)
    districts = session.filter_widget("district", "districts", list(chosen.districts), tuple)
    search = session.filter_widget("q", "q", chosen.q)

    # Each widget's words translated once, now, in the page's language: a format function is
    # also called outside the page run (AppTest), where no language is in force.
    choices = pd.Series(screen.district_choices, dtype=object)
    district_names = dict(zip(screen.district_choices, places.names(choices), strict=True))
    if NO_DISTRICT in district_names:
        district_names[NO_DISTRICT] = _(NO_DISTRICT)
    weapon_names = {code: _(code) for code in screen.weapon_choices}
    st.sidebar.header(_("Filters"))
    # The search first, its "Found in" line under it: in sight without scrolling the sidebar.
    st.sidebar.container(key="q").text_input(
        _("Search"),
        max_chars=MAX_TEXT,
        placeholder=_("place, weapon, source, note…"),
        **search,
    )
    if found:
        st.sidebar.caption(found)
    dates = _("YYYY-MM-DD, or YYYY-MM for a month")
    typed = _("Enter applies it. The dates run from {low} to {high}.").format(
        low=DATE_MIN, high=DATE_MAX
    )
    st.sidebar.container(key="from").text_input(
        _("From"),
        max_chars=10,
        placeholder=dates,
        **start,
        help=_("Empty: from the first incident. A month starts on its first day.") + " " + typed,
    )
    _refusal(session, "from")
    st.sidebar.container(key="to").text_input(
        _("To"),
        max_chars=10,
        placeholder=dates,
        **end,
        help=_("Empty: up to the latest incident. A month ends on its last day.") + " " + typed,
    )
    _refusal(session, "to")
    st.sidebar.container(key="status").multiselect(
        _("Attribution status"),
        list(STATUSES),
        format_func={code: status_name(code) for code in STATUSES}.__getitem__,
        **statuses,
        help="\n".join(f"- **{status_name(k)}**: {_(v)}" for k, v in STATUSES.items()),
    )
    st.sidebar.container(key="weapon").multiselect(
        _("Weapon"),
        screen.weapon_choices,
        format_func=weapon_names.__getitem__,
        **weapons,
        help=_(
            "Weapon classes: the spellings sources use (KN-23, Hwasong-11A, kn23…) mapped onto "
            "one vocabulary. Each record keeps its source's own words."
        ),
    )
    st.sidebar.container(key="district").multiselect(
        _("District"),
        screen.district_choices,
        format_func=district_names.__getitem__,
        **districts,
    )
    st.sidebar.button(
        _("Clear all"),
        key="clear_all",
        help=_("Every filter, the selection, the map view and layer back to their defaults."),
        on_click=lambda: session.apply(clear_all),
    )


def _refusal(session: ViewSession, name: str) -> None:
    """Why the date just typed into ``name`` was not taken (once; the field shows the view's)."""
    why = session.refused.pop(name, None)
    if why:
        st.sidebar.error(md_escape(_("Not applied: {reason}").format(reason=why)))


def search_found_below_figures(found: str | None) -> None:
    """The search's "Found in" line (:func:`search_reason`) again, under the headline figures,
    for a phone: there the sidebar closes once the search is sent, and the figures are what the
    analyst sees next. (The page's style sheet shows it on a phone only; see
    :mod:`dashboard.ui.layout`.)"""
    if found:
        st.container(key="search_found").caption(found)


def search_reason(screen: Screen) -> str | None:
    """Which fields the search matched in the incidents in view, and in how many each
    ("Found in: Source title (5), Location (3)"), or None with no search or no match."""
    matched = filters.matched_fields(screen.in_view, screen.view.filters.q)
    if not matched:
        return None
    fields = ", ".join(
        _("{field} ({n})").format(field=_(DECLARED[name].label), n=i18n.number(n))
        for name, n in matched.items()
    )
    return _("Found in: {fields}").format(fields=fields)


def context_toggle(session: ViewSession, screen: Screen) -> None:
    """The sidebar's "Show context incidents" (link parameter ``context=1``)."""
    st.sidebar.container(key="context").checkbox(
        _("Show context incidents ({n})").format(n=i18n.number(screen.context_total)),
        **session.filter_widget("context", "context", session.view.filters.context, bool),
        help=_(
            "Incidents that are not DPRK-origin (an ACLED export's strikes, say): drawn faint "
            "and grey on the map, never in the figures, the chart or the table."
        ),
    )
