"""The interface language of a page run: the view's (a link's ``lang``, or the switch), else
the browser's ``Accept-Language``; registered with :mod:`dashboard.core.i18n` on import.

The language belongs to the view (:attr:`dashboard.core.view.View.lang`), so a shared link opens
in the language it was shared in, and back/forward and the late-request rule of
:mod:`dashboard.ui.urlstate` cover it as they cover the filters.
"""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard.core import i18n
from dashboard.core.i18n import LANGUAGES, _
from dashboard.core.view import set_language
from dashboard.ui import urlstate

#: Session key of the language the browser asked for (read once a session).
_BROWSER = "lang_browser"


def _resolve() -> str | None:
    """The page run's language; None outside a page run (the CLI, a plain test)."""
    if get_script_run_ctx() is None:
        return None
    state = st.session_state
    session: urlstate.ViewSession | None = state.get(urlstate.KEY)
    if session is not None and session.view.lang is not None:
        return session.view.lang
    if session is None and (linked := st.query_params.get("lang")) in LANGUAGES:
        return linked  # a page opened by a link before its view is read (the Upload page)
    if _BROWSER not in state:
        state[_BROWSER] = i18n.negotiate(st.context.headers.get("Accept-Language"))
    return str(state[_BROWSER])


i18n.set_resolver(_resolve)


def switch() -> None:
    """The language switch, at the top of the sidebar on every page: the choice goes into the
    view, and so into the link."""
    session = urlstate.open_view(datetime.now(UTC))
    args = session.widget(
        "lang",
        i18n.language(),
        lambda lang: session.apply(lambda view: set_language(view, lang)),
    )
    st.sidebar.container(key="lang").segmented_control(
        _("Language"),
        options=list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        selection_mode="single",
        required=True,
        label_visibility="collapsed",
        **args,
    )
