"""The page: ``streamlit run dashboard/app.py`` serves it as it is; ``make run`` serves it warm
through :mod:`dashboard.server`."""

import logging

import streamlit as st

from dashboard.core.errors import StoreUnavailableError
from dashboard.core.i18n import _
from dashboard.ui import data, lang

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
try:
    data.open_for_page()
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
