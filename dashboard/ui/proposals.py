"""One pending proposal on the Review page: who, when, why, its diff, its incidents on a small map,
and what the analyst reading it may do (approve, reject, withdraw, refresh, preview).

Every rule (who may approve, what conflicts) is the core's (:mod:`dashboard.core.review`): a
button the rule refuses is drawn disabled with the rule's reason beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Final

import pandas as pd
import streamlit as st

from dashboard import review
from dashboard.core.i18n import N_, _, number
from dashboard.core.review import REASON_LIMIT, approval_refusal
from dashboard.core.schema import DECLARATIONS, KEY
from dashboard.core.text import NOT_REPORTED, md_escape
from dashboard.review import Diff, Proposal
from dashboard.store import Store
from dashboard.ui import data, preview
from dashboard.ui.mapview import preview_map

#: The message of the last decision, shown once at the top of the page.
DONE: Final = "review_done"
KIND_NAMES: Final[dict[str, str]] = {
    "edit": N_("edit"),
    "new": N_("new incident"),
    "retract": N_("retraction"),
    "add-source": N_("source added"),
    "add-examination": N_("examination added"),
    "file-import": N_("incident file"),
    "evidence-import": N_("evidence file"),
}


def field_table(diff: Diff) -> pd.DataFrame:
    """The diff field by field: incident, field, old and new value (empty: "not reported")."""
    labels = {c.name: _(c.label) for c in DECLARATIONS}
    unknown = _(NOT_REPORTED)
    rows = [
        (incident, labels.get(c.field, c.field), c.old or unknown, c.new or unknown)
        for incident, changes in diff.fields.items()
        for c in changes
    ]
    return pd.DataFrame(rows, columns=["incident", "field", "old", "new"])


def _where(store: Store, proposal: Proposal, diff: Diff) -> pd.DataFrame:
    """The proposal's incidents to map: as proposed when it writes them, else as stored."""
    report = diff.checked.report
    if proposal.kind in ("edit", "new", "file-import") and report is not None and len(report.valid):
        return report.valid
    live = data.incidents()
    return live[live[KEY].isin(proposal.incident_ids)]


def proposal_card(
    store: Store,
    proposal: Proposal,
    *,
    who: str,
    reviewer: bool,
    claims: Mapping[str, object] | None,
    today: date,
) -> None:
    """The proposal, its diff and the actions open to ``who``."""
    pid = proposal.id
    with st.container(border=True, key=f"proposal_{pid}"):
        kind = _(KIND_NAMES.get(proposal.kind, proposal.kind))
        st.markdown("#### " + md_escape(_("Proposal {id}: {kind}").format(id=pid, kind=kind)))
        lines = [
            (_("By"), proposal.author),
            (_("Proposed"), f"{proposal.created_at:%Y-%m-%d %H:%M} UTC"),
            (_("Why"), proposal.reason),
            (_("Incidents"), ", ".join(proposal.incident_ids) or "—"),
        ]
        st.markdown("\n".join(f"- **{md_escape(k)}:** {md_escape(v)}" for k, v in lines))
        conflicting = review.conflicts(store, proposal)
        if conflicting:
            st.warning(
                _(
                    "Conflicting: {ids} changed since this was proposed. It cannot be approved "
                    "as it is: refresh it to apply its changes to the current record."
                ).format(ids=md_escape(", ".join(conflicting))),
                icon=":material/sync_problem:",
            )
        diff = review.diff(store, proposal, today)
        if proposal.kind.endswith("-import"):  # a file: its report, as the Upload page gives it
            st.text("\n".join(line.replace("\n", "\\n") for line in diff.summary))
        elif diff.checked.refusal is not None:  # no longer passes the checks on today's data
            st.error(md_escape(diff.checked.refusal), icon=":material/block:")
        changes = field_table(diff)
        if not changes.empty:
            st.dataframe(
                changes,
                key=f"proposal_{pid}_fields",
                hide_index=True,
                width="stretch",
                column_config={
                    "incident": _("Incident"),
                    "field": _("Field"),
                    "old": st.column_config.TextColumn(_("Now")),
                    "new": st.column_config.TextColumn(_("Proposed")),
                },
            )
        report = diff.checked.report
        if report is not None and report.issues:
            st.dataframe(
                report.issues_frame(),
                key=f"proposal_{pid}_issues",
                hide_index=True,
                width="stretch",
            )
        if proposal.kind.endswith("-import") and len(diff.checked.preview):
            with st.expander(
                _("The file's rows ({n})").format(n=number(len(diff.checked.preview)))
            ):
                st.dataframe(diff.checked.preview, key=f"proposal_{pid}_rows", hide_index=True)
        where = _where(store, proposal, diff)
        if len(where):
            preview_map(where, key=f"proposal_{pid}_map", height=260)
        _actions(
            store, proposal, conflicting, who=who, reviewer=reviewer, claims=claims, today=today
        )


def _actions(
    store: Store,
    proposal: Proposal,
    conflicting: list[str],
    *,
    who: str,
    reviewer: bool,
    claims: Mapping[str, object] | None,
    today: date,
) -> None:
    """Approve (drawn disabled, with the rule's reason, when the rule refuses), preview, refresh
    a conflicting proposal (its author), withdraw one's own, or reject another's with a reason."""
    pid = proposal.id
    own = proposal.author.casefold() == who.casefold()
    refused = approval_refusal(
        pid,
        status=proposal.status,
        author=proposal.author,
        reviewer=who,
        may_review=reviewer,
        stale_ids=conflicting,
    )
    approve, show, refresh = st.columns(3)
    if approve.button(
        _("Approve"),
        key=f"proposal_{pid}_approve",
        type="primary",
        disabled=refused is not None,
        help=refused,
    ):
        summary = review.approve(store, pid, reviewer=who, today=today, claims=claims)
        st.session_state[DONE] = _("Proposal {id} approved: live as batch {batch}.").format(
            id=pid, batch=summary.batch_id
        )
        st.rerun()
    if refused is not None:
        st.caption(md_escape(refused))
    if show.button(_("Preview the view with this proposal applied"), key=f"proposal_{pid}_preview"):
        preview.start(pid)
    if conflicting and refresh.button(
        _("Refresh"),
        key=f"proposal_{pid}_refresh",
        disabled=not own,
        help=None if own else _("Only its author can refresh it."),
    ):
        new_id = review.refresh(store, pid, author=who, today=today)
        st.session_state[DONE] = _(
            "Proposal {id} refreshed on the current record as proposal {new}."
        ).format(id=pid, new=new_id)
        st.rerun()
    if own:
        if st.button(_("Withdraw"), key=f"proposal_{pid}_withdraw"):
            review.withdraw(store, pid, author=who)
            st.session_state[DONE] = _("Proposal {id} withdrawn.").format(id=pid)
            st.rerun()
        return
    reason = st.text_input(
        _("Reason to reject"),
        key=f"proposal_{pid}_reject_reason",
        max_chars=REASON_LIMIT,
        disabled=not reviewer,
    )
    if st.button(_("Reject"), key=f"proposal_{pid}_reject", disabled=not reviewer):
        review.reject(store, pid, reviewer=who, reason=reason, claims=claims)
        st.session_state[DONE] = _("Proposal {id} rejected: nothing changed.").format(id=pid)
        st.rerun()
