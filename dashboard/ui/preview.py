"""An analyst's preview of the monitor with one pending proposal applied (never a viewer's: the
proposal is read from this session only, and nothing is written)."""

from __future__ import annotations

from datetime import date
from typing import Final

import pandas as pd
import streamlit as st

from dashboard import review
from dashboard.core.errors import ReviewRefusedError
from dashboard.core.filters import with_search_columns
from dashboard.core.i18n import _
from dashboard.core.text import md_escape
from dashboard.core.weapons import classify
from dashboard.review import Proposal
from dashboard.store import Store

#: The proposal this session previews.
PREVIEWED: Final = "preview_proposal"


def start(proposal_id: int) -> None:
    """Open the monitor with ``proposal_id`` applied."""
    st.session_state[PREVIEWED] = proposal_id
    st.switch_page("app_pages/monitor.py")


def active(store: Store) -> Proposal | None:
    """The proposal previewed, while it is still pending; else the preview ends."""
    proposal_id = st.session_state.get(PREVIEWED)
    if proposal_id is None:
        return None
    try:
        proposal = review.proposal(store, int(proposal_id))
    except ReviewRefusedError:
        proposal = None
    if proposal is None or proposal.status != "pending":
        st.session_state.pop(PREVIEWED, None)
        return None
    return proposal


def incidents(store: Store, proposal: Proposal) -> pd.DataFrame:
    """The live incidents with ``proposal`` applied, shaped as the monitor's frame."""
    return classify(with_search_columns(review.preview(store, proposal, date.today())))


def note(proposal: Proposal) -> None:
    """Say loudly that this is not live data, and offer the way back."""
    st.warning(
        _(
            "Preview of proposal {id} by {author}: not live. Viewers see the live data until it "
            "is approved."
        ).format(id=proposal.id, author=md_escape(proposal.author)),
        icon=":material/preview:",
    )
    if st.button(_("End the preview"), key="preview_end"):
        st.session_state.pop(PREVIEWED, None)
        st.rerun()
