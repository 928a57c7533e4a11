"""A page that changes data, guarded the way the Upload page is: the browser tests of sign-in."""

import streamlit as st

from dashboard.ui.auth import require_analyst

who = require_analyst()
if who is None:
    st.stop()
st.file_uploader("Incidents CSV", key="upload")
st.markdown(f"uploading as {who}")
