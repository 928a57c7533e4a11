"""The page: ``streamlit run dashboard/app.py`` serves it as it is; ``make run`` serves it warm
through :mod:`dashboard.server`."""

import logging

import streamlit as st

from dashboard import review
from dashboard.core.errors import StoreUnavailableError
from dashboard.core.i18n import _, number
from dashboard.ui import auth, data, lang, layout

st.set_page_config(
    page_title=_("DPRK missiles in Ukraine · sanctions monitor"),
    page_icon="🛰️",
    layout="wide",
)

pages = [
    st.Page("app_pages/monitor.py", title=_("Monitor"), icon=":material/map:", default=True),
    st.Page("app_pages/upload.py", title=_("Upload"), icon=":material/upload_file:"),
]
lang.switch()
layout.page_style()
try:
    data.open_for_page()
    who = auth.analyst_identity()
    pending = 0
    if who is not None:  # viewers see live data only: no Review page, no pending count
        pending = review.pending_count(data.store())
        pages.append(
            st.Page(
                "app_pages/review.py",
                title=_("Review ({n})").format(n=number(pending)) if pending else _("Review"),
                icon=":material/fact_check:",
                url_path="review",
            )
        )
    auth.identity_sidebar(who, pending)
    st.navigation(pages).run()
except StoreUnavailableError as exc:
    # The reason names the database host: it goes to the server log, not to every viewer.
    logging.getLogger("dashboard").warning("%s", exc)
    st.error(
        _(
            "The incident store cannot be reached right now. This page reloads by itself as "
            "soon as it is back."
        ),
        icon=":material/cloud_off:",
    )
    data.rerun_when_store_returns()
