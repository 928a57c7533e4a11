"""Streamlit entry point: ``streamlit run dashboard/app.py`` (or ``make run``)."""

import streamlit as st

from dashboard.core.errors import StoreUnavailableError

st.set_page_config(
    page_title="DPRK missiles in Ukraine · sanctions monitor",
    page_icon="🛰️",
    layout="wide",
)

pages = [
    st.Page("app_pages/monitor.py", title="Monitor", icon=":material/map:", default=True),
    st.Page("app_pages/upload.py", title="Upload", icon=":material/upload_file:"),
]
try:
    st.navigation(pages).run()
except StoreUnavailableError as exc:
    st.error(f"The incident store is unreachable: {exc}. Retry in a moment.")
