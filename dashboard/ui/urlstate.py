"""The view in the URL: one state object per session, and the URL kept in step with it.

The session's view (:class:`dashboard.core.view.View`) lives under one key, :data:`KEY`, in a
:class:`ViewSession`, which the page passes down to every piece that reads or changes it. Widgets
change it only through the named operations of :mod:`dashboard.core.view` (in their callbacks),
and each widget showing a part of it is drawn by :meth:`ViewSession.widget`, which keeps a late
request's old values out; after each run the page writes the view to the URL, in one write.

Every parameter goes through :func:`dashboard.core.links.parse`, the one parser: no widget is
bound to the URL by Streamlit (``bind="query-params"`` would parse ``status``, ``weapon``,
``district`` and ``layer`` a second time, and its own way). Streamlit (1.67) pushes a browser
history entry for each write of ``st.query_params`` (and replaces the entry instead while it reruns
for the back or forward button), and reruns the page with the entry's query string on back and
forward, marking that run as a history navigation. So every change of the view is one history
entry, and only such a run (or the session's first) reads the view from the URL again. Any other
run's query string is only what the browser showed when it sent the request: a widget, the map or
Play's timer may send one before the latest URL has reached the browser, and reading it back would
undo the change just made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard.core import links
from dashboard.core.i18n import _
from dashboard.core.monitor import Screen
from dashboard.core.text import md_escape
from dashboard.core.view import MapView, View, set_filters

#: The keyword arguments that draw one of the view's widgets: ``key`` and ``on_change``.
WidgetArgs = dict[str, Any]

#: The one session-state key of the view.
KEY = "view"


@dataclass
class ViewSession:
    """The session's view, what the link that set it could not show, and the URL last written.

    ``map_*`` and ``table_*`` track what the map and the table draw, so that a view changed
    elsewhere (a link, back/forward, "Clear all") is sent to them, and their own reports are not
    mistaken for changes.
    """

    view: View
    notes: list[links.Ignored]
    #: The view just came from a URL: the data-dependent checks add their notes on this run.
    from_url: bool = True
    written: dict[str, list[str]] | None = None
    map_key: int = 0
    map_target: MapView | None = None
    map_shows: MapView | None = None
    map_seen: object = None
    map_reported: bool = False
    #: The view the map was last sent to before ``map_target``, until the map reports arriving at
    #: the new one: a report of it then is the map arriving where it was sent before (a selection,
    #: say, just before back), not a move.
    map_left: MapView | None = None
    #: The incident a marker click selected and the map view it was clicked on: closing its
    #: record returns the map there.
    map_before_pick: tuple[str, MapView] | None = None
    table_key: int = 0
    table_shows: str | None = None
    #: The Monitor page has run in this session: its first run is a first look (below).
    opened: bool = False
    #: The Monitor page's first run drew only its first look (the title, the figures and the
    #: map): the run the map's first report causes draws the whole page (see
    #: ``app_pages/monitor.py``).
    rest_waits: bool = False
    #: How many times the page has set each of the view's widgets (see :meth:`widget`).
    widget_sets: dict[str, int] = field(default_factory=dict)
    #: Why a value typed into a widget was not taken, by the widget's name, until shown.
    refused: dict[str, str] = field(default_factory=dict)

    def widget(self, name: str, value: Any, changed: Callable[[Any], None]) -> WidgetArgs:
        """The ``key`` and ``on_change`` to draw the view's widget ``name`` with, holding
        ``value`` (the view's); ``changed`` takes a value the user gave it.

        Every request the browser sends carries every widget's value as the browser last knew
        it. One sent before a value the page set had reached it (a map report or Play's timer,
        queued behind the run that set it; a click during that run) carries the old value, and
        Streamlit would take it for the user's change and undo the page's. So a widget whose
        value the page sets (Play, the brush, "All dates", back/forward) is drawn under a new
        key, as a new widget, and a report for a key no longer drawn is ignored. (Streamlit
        keeps a replaced widget's callback, and calls it for such a report.) A widget the user
        changed holds the view's value already and keeps its key. Its container keeps ``name``
        as its key, so the page's CSS class ``st-key-<name>`` stays put.
        """
        state = st.session_state
        key = self.widget_key(name)
        if key not in state or state[key] != value:
            if name in self.widget_sets:  # drawn before: set it as a new widget
                self.widget_sets[name] += 1
                key = self.widget_key(name)
            else:
                self.widget_sets[name] = 0
            state[key] = value

        def reported() -> None:
            # A report for a key no longer drawn, or no longer in the session (a client that
            # cleared its state), is a late one: ignored.
            if key == self.widget_key(name) and key in state:
                changed(state[key])

        return {"key": key, "on_change": reported}

    def widget_key(self, name: str) -> str:
        """The key the view's widget ``name`` is drawn with now (see :meth:`widget`)."""
        return f"{name}-{self.widget_sets.get(name, 0)}"

    def filter_widget(
        self, name: str, filter_name: str, value: Any, taken: Callable[[Any], Any] = lambda v: v
    ) -> WidgetArgs:
        """:meth:`widget` for the view's filter ``filter_name`` (a
        :class:`~dashboard.core.filters.Filters` field): the user's value, ``taken`` as the
        filter wants it, sets that filter alone."""

        def changed(given: Any) -> None:
            filters = replace(self.view.filters, **{filter_name: taken(given)})
            self.apply(lambda view: set_filters(view, filters))

        return self.widget(name, value, changed)

    def date_widget(self, name: str, value: date | None, end: bool) -> WidgetArgs:
        """:meth:`widget` for a typed date of the view's filters, ``date_from`` (or with ``end``
        ``date_to``), shown as ``YYYY-MM-DD``: what the user types (a day, or a month: its first
        day, or with ``end`` its last) sets that date alone, when Enter is pressed or the field
        is left. A value that is no date changes nothing; why is kept in :attr:`refused` under
        ``name``."""

        def changed(given: Any) -> None:
            try:
                day = links.typed_day(str(given), end=end)
            except ValueError as error:
                self.refused[name] = str(error)
                return
            self.refused.pop(name, None)
            chosen = self.view.filters
            filters = replace(chosen, date_to=day) if end else replace(chosen, date_from=day)
            self.apply(lambda view: set_filters(view, filters))

        return self.widget(name, value.isoformat() if value else "", changed)

    def apply(self, operation: Callable[[View], View]) -> None:
        """Change the view by one of :mod:`dashboard.core.view`'s operations."""
        self.view = operation(self.view)

    def settle(self, screen: Screen) -> list[links.Ignored]:
        """Take the view as the data allows it (restricted, selection checked); the notes to show.

        The data's notes count only for a view read from a URL: later, a filter that leaves the
        selected incident out simply deselects it.
        """
        self.view = screen.view
        if self.from_url:
            self.from_url = False
            self.notes = links.capped([*self.notes, *screen.notes])
        return self.notes


def raw_params() -> dict[str, list[str]]:
    """The URL's query parameters, every value of each, in URL order."""
    return {name: st.query_params.get_all(name) for name in st.query_params}


def _same_params(a: dict[str, list[str]], b: dict[str, list[str]]) -> bool:
    return {k: v for k, v in a.items() if k not in links.STREAMLIT_PARAMS} == {
        k: v for k, v in b.items() if k not in links.STREAMLIT_PARAMS
    }


def open_view(now: datetime) -> ViewSession:
    """The session's view: read from the URL when the session opens and after back/forward."""
    params = raw_params()
    session: ViewSession | None = st.session_state.get(KEY)
    if session is None:
        view, notes = links.parse(params, now=now)
        session = ViewSession(view=view, notes=notes)
        st.session_state[KEY] = session
    elif _history_navigation() and not _same_params(params, session.written or {}):
        session.view, session.notes = links.parse(params, now=now)
        session.from_url = True
    return session


def _history_navigation() -> bool:
    """Whether this run is the browser's back or forward button (Streamlit's own flag)."""
    ctx = get_script_run_ctx()
    return ctx is not None and ctx.is_history_navigation


def write_url(session: ViewSession) -> None:
    """Write the view to the browser's URL: one write (one history entry), only on a change.

    Unknown parameters are dropped, so the address bar always shows the link to this view.
    """
    wanted = links.to_params(session.view)
    if session.written is None or not _same_params(wanted, session.written):
        if not _same_params(wanted, raw_params()):
            st.query_params.from_dict(wanted)
        session.written = wanted


def seed(key: str, value: Any) -> None:
    """Show ``value`` in the widget ``key`` (before it is drawn), in every run: for a widget that
    only shows the view (it has no callback), unlike :meth:`ViewSession.widget`.

    Set even when the session already holds ``value``: only a value set in this run goes to the
    browser with the widget. The browser sometimes removes the widget during a run and draws it
    anew, and a widget drawn anew starts from its default (empty) unless the run sent a value:
    seen as play stepped from February 2024 to March, when the "Copy link" field stayed empty."""
    st.session_state[key] = value


def show_notes(notes: list[links.Ignored]) -> None:
    """What the link asked for that could not be shown, as text."""
    if notes:
        st.warning(
            md_escape(
                _(
                    "This link asked for something that cannot be shown; the rest of the view "
                    "is as linked."
                )
            )
            + "\n\n"
            + "\n".join(f"- {md_escape(note)}" for note in notes),
            icon=":material/link_off:",
        )


def base_url() -> str:
    """The app's URL as the browser reached it (so with any base path), without query."""
    if st.context.url:
        return st.context.url
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    host = st.context.headers.get("Host")
    path = f"/{base}/" if base else "/"
    return f"http://{host}{path}" if host else path
