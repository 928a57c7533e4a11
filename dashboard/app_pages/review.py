"""Review: the pending proposals, oldest first, each with who made it, when and why, its diff and
its incidents on a small map; approve, reject with a reason, refresh a conflicting one, or preview
the monitor with it applied. Analysts only (the page is not in a viewer's navigation)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import review, settings
from dashboard.core.errors import ImportRejectedError, ReviewRefusedError
from dashboard.core.i18n import _, ngettext, number
from dashboard.core.review import Mode, may_review
from dashboard.core.text import md_escape
from dashboard.ui import auth, data, proposals
from dashboard.ui.auth import require_analyst

st.title(_("Review"))
who = require_analyst()
if who is None:
    st.stop()
store = data.store()
today = date.today()
mode = settings.review_mode()
if mode is Mode.REQUIRED:
    st.caption(
        _(
            "Review is required: changes made in the app, uploads and imports wait here until an "
            "analyst other than their author approves them."
        )
    )
else:
    st.caption(
        _(
            "Review is off: changes go live at once, with their reason. Proposals made while it "
            "was required still wait here."
        )
    )
claims = auth.identity_claims()
reviewer = may_review(who, settings.reviewers(), claims)
if not reviewer:
    st.info(
        _("You are not on the reviewers' list: you may propose changes, not approve them."),
        icon=":material/info:",
    )
if done := st.session_state.pop(proposals.DONE, None):
    st.success(md_escape(done), icon=":material/check_circle:")

pending = review.proposals(store)
st.subheader(
    ngettext("{n} pending proposal", "{n} pending proposals", len(pending)).format(
        n=number(len(pending))
    )
)
if not pending:
    st.info(_("Nothing waits for review."), icon=":material/done_all:")
for proposal in pending:
    try:
        proposals.proposal_card(
            store, proposal, who=who, reviewer=reviewer, claims=claims, today=today
        )
    except (ImportRejectedError, ReviewRefusedError) as exc:
        st.error(md_escape(exc), icon=":material/block:")
