"""The timeline and its time control: brush the chart's months, set the month slider, or play.

Each sets the view's dates through :func:`dashboard.core.view.set_dates` (one change of the view,
so one history entry, and the figures, map, table and link follow). "Play" steps through the
incidents' months one at a time: a fragment rerunning every :data:`PLAY_SECONDS` sets the next
month and reruns the page, so each step is a view of its own, with its link.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Final

import pandas as pd
import streamlit as st

from dashboard.core import i18n
from dashboard.core.aggregates import points
from dashboard.core.figures import (
    BRUSH,
    Dates,
    brush_ends,
    brushed,
    calendar_months,
    counts_chart,
    drawn_brush,
    incident_months,
    launches_chart,
    localised,
    month_window,
    play_step,
    timeline_chart,
    timeline_frame,
    window_dates,
)
from dashboard.core.i18n import _, ngettext
from dashboard.core.launches import CAVEAT, DATASET
from dashboard.core.mandate import marker_dates
from dashboard.core.monitor import Screen
from dashboard.core.view import set_dates
from dashboard.ui.urlstate import ViewSession

#: Seconds between two steps of "Play", on top of the page's own run (about 0.3 s with the
#: shipped data, 1 s at 100,000 incidents): long enough to read the figures and see the map.
PLAY_SECONDS: Final = 1.5
#: Session-state keys: whether "Play" runs, and a full run's mark that the step is already shown.
_PLAYING: Final = "timeline_playing"
_FRESH: Final = "timeline_fresh"


def _apply(session: ViewSession, dates: Dates) -> None:
    session.apply(lambda view: set_dates(view, *dates))


def _stop() -> None:
    st.session_state[_PLAYING] = False


def time_control(session: ViewSession, screen: Screen, events: pd.DataFrame) -> None:
    """ "Incidents per month" over every month the other filters leave, the view's dates
    brushed on it, and under it the month slider, "Play"/"Pause" and "All dates"."""
    frame = timeline_frame(screen.everything, screen.view.filters, screen.in_view)
    if frame.empty:  # nothing in any month: the empty notice above has said why
        _stop()
        return
    chosen = screen.view.filters
    dates: Dates = (chosen.date_from, chosen.date_to)
    months = incident_months(frame)
    if len(months) < 2:
        _stop()
    playing = bool(st.session_state.get(_PLAYING))
    drawn = drawn_brush(months, dates)

    def brush_moved() -> None:
        ends = next(iter(st.session_state["timeline"].selection.get(BRUSH, {}).values()), None)
        if drawn is not None and ends == brush_ends(drawn):
            return  # the chart reporting the brush it was drawn with: nothing moved
        chosen = brushed(ends) or (None, None)
        if chosen != dates:
            _apply(session, chosen)

    st.subheader(_("Incidents per month"))
    chart = timeline_chart(frame, marker_dates(events), in_dates=screen.in_view, dates=dates)
    if playing:  # shown, not brushed: only "Pause" changes the view while it plays
        st.altair_chart(localised(chart), width="stretch")
        # Every calendar month of the range, the empty ones too: a month with no strike (the
        # veto's, the panel's expiry) is part of the story.
        _playing(session, calendar_months(months[0], months[-1]), dates)
    else:
        st.altair_chart(
            localised(chart),
            key="timeline",
            on_select=brush_moved,
            selection_mode=BRUSH,
            width="stretch",
        )
        if len(months) > 1:
            _controls(session, months, dates)
    if dates != (None, None):
        st.caption(_("Faint bars: incidents of the other filters outside these dates."))


def _controls(session: ViewSession, months: Sequence[date], dates: Dates) -> None:
    """ "Play", the month slider over every calendar month of the timeline, and "All dates"."""
    steps = calendar_months(months[0], months[-1])
    state = st.session_state

    window = month_window(steps, dates)

    def slid(chosen_window: tuple[date, date]) -> None:
        chosen = window_dates(steps, chosen_window)
        if chosen != dates:
            _apply(session, chosen)

    def play() -> None:
        step = play_step(steps, dates) or play_step(steps, (None, None))
        if step is not None:
            state[_PLAYING] = True
            _apply(session, step)

    with st.container(horizontal=True, vertical_alignment="bottom", key="time_control"):
        st.button(
            _("Play"),
            key="play",
            icon=":material/play_arrow:",
            on_click=play,
            help=_(
                "Step through every month of the timeline, one a time, the map and figures "
                "following."
            ),
        )
        english = i18n.language() == i18n.DEFAULT
        # Named now, in the page's language (a format function may be called outside the run).
        names = {month: f"{month:%b %Y}" if english else i18n.month(month) for month in steps}
        st.container(key="months").select_slider(
            _("Months"),
            options=steps,
            value=window,  # the view's months; it only makes the slider a range slider
            format_func=names.__getitem__,
            **session.widget("months", window, slid),
            label_visibility="collapsed",
            width="stretch",
        )
        st.button(
            _("All dates"),
            key="all_dates",
            disabled=dates == (None, None),
            on_click=lambda: _apply(session, (None, None)),
            help=_("Show every date again (as double-clicking the chart does)."),
        )


def _playing(session: ViewSession, months: Sequence[date], dates: Dates) -> None:
    """While "Play" runs: "Pause", how far it has come, and the timer of its next step.

    No slider and no brush meanwhile: a widget the page changes at every step could report
    the value it had a step before, and send the view back.
    """
    shown = dates[0]
    done = sum(month <= shown for month in months) if shown else 0
    with st.container(horizontal=True, vertical_alignment="center", key="time_control"):
        st.button(_("Pause"), key="pause", icon=":material/pause:", on_click=_stop)
        st.progress(
            done / len(months),
            text=_("{month}: month {done} of {n}").format(
                month=f"{shown:%B %Y}" if i18n.language() == i18n.DEFAULT else i18n.month(shown),
                done=i18n.number(done),
                n=i18n.number(len(months)),
            )
            if shown
            else None,
        )
    st.session_state[_FRESH] = True
    st.fragment(_tick, run_every=PLAY_SECONDS)(session, months)


def _tick(session: ViewSession, months: Sequence[date]) -> None:
    """One step of "Play", on a timed rerun: show the next month (rerunning the page), or stop
    after the last. On the page's own run it does nothing (that run shows the step)."""
    state = st.session_state
    if state.pop(_FRESH, False):
        return
    chosen = session.view.filters
    step = play_step(months, (chosen.date_from, chosen.date_to))
    if step is None or not state.get(_PLAYING):
        _stop()
    else:
        _apply(session, step)
    st.rerun(scope="app")


def context_series(aggregates: pd.DataFrame, launches: pd.DataFrame) -> None:
    """Beside the incidents, never among them: officials' dated counts, and (behind a toggle, off
    by default) the Air Force's monthly "Iskander-M/KN-23" launches with their caveat."""
    st.subheader(_("What officials have counted"))
    st.caption(
        _(
            "Each point is one dated statement of how many DPRK missiles were launched, as its "
            "source gave it (≥ at least, ≈ about): the scale officials quote, not incidents, "
            "and not added to the incident figures."
        )
    )
    st.altair_chart(localised(counts_chart(points(aggregates))), width="stretch")
    shown = st.toggle(
        _("Air Force launches, monthly"),
        value=False,
        key="show_launches",
        help=_(
            "The Ukrainian Air Force's daily reports of “Iskander-M/KN-23” launches, summed by "
            "month (a public compilation): context, not incidents."
        ),
    )
    if not shown:
        return
    st.warning(_(CAVEAT), icon=":material/info:")
    if launches.empty:
        st.caption(_("No launches are stored: import the dataset on the Upload page."))
        return
    st.altair_chart(localised(launches_chart(launches)), width="stretch")
    floors = int((launches["launched_missing"] > 0).sum())
    notes = [
        _("Source: {dataset}. Rows naming these together with other weapons are left out.").format(
            dataset=_(DATASET)
        )
    ]
    if floors:
        notes.append(
            ngettext(
                "{n} month includes a report with no figure: its sum is a floor.",
                "{n} months include a report with no figure: their sums are floors.",
                floors,
            ).format(n=i18n.number(floors))
        )
    st.caption(" ".join(notes))
