"""Changing a record where it is read: edit the selected incident, add a source or an examination
to it, retract it, or enter a new incident. Analysts only.

Each form holds text, as a file's cells do; what it submits goes through the core's one engine
(:mod:`dashboard.review`: a one-row file read and checked by the upload's
:func:`~dashboard.imports.prepare`), whose report's issues are shown beside the fields they name.
With review required the change becomes a proposal; with review off it goes live at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Final, Literal

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitInvalidLayoutContextError

from dashboard import review, settings
from dashboard.core.cells import OneOf
from dashboard.core.errors import ImportRejectedError, Issue, ReviewRefusedError
from dashboard.core.forms import FORM_COLUMNS, LONG_TEXT, FormKind, changed, issues_by_field
from dashboard.core.i18n import N_, _
from dashboard.core.records import IncidentRecord, to_record
from dashboard.core.review import REASON_LIMIT, Mode, record_fields
from dashboard.core.schema import KEY, Column
from dashboard.core.text import md_escape
from dashboard.review import Change
from dashboard.ui import data
from dashboard.ui.mapview import place_picker

#: The open form (the segmented control's key), and the message of the last change made.
OPEN: Final = "record_action"
DONE: Final = "record_done"
#: Set by a successful submission: the next run closes the form before drawing its control.
_CLOSE: Final = "record_action_close"
ACTIONS: Final[dict[str, str]] = {
    "edit": N_("Edit"),
    "source": N_("Add a source"),
    "examination": N_("Add an examination"),
    "retract": N_("Retract"),
    "new": N_("New incident"),
}


def _redraw() -> None:
    """Draw the form again with what the last action left (its issues, a confirmation): only
    the fragment when this run is the fragment's own (a click in it, in a browser), else the
    whole page (a full run, as AppTest makes: Streamlit refuses a fragment rerun there)."""
    try:
        st.rerun(scope="fragment")
    except StreamlitInvalidLayoutContextError:
        st.rerun()


def _choices(column: Column) -> list[str] | None:
    """The values a column allows, as text, when it has a fixed set ("" first: left empty)."""
    for check in column.checks:
        if isinstance(check, OneOf):
            return ["", *(str(v) for v in check.values)]
    return None


def _issue_lines(issues: list[Issue], *, named: bool = False) -> str:
    """Issues as Markdown lines: the upload's message, the value quoted; ``named``: each after
    the column it is about (for issues not shown beside their field)."""
    lines = []
    for i in issues:
        line = _("{message} (value {value})").format(message=i.message, value=repr(i.value))
        lines.append(md_escape(f"{i.column}: {line}" if named and i.column else line))
    return "  \n".join(lines)


def field(column: Column, key: str, before: str, issues: list[Issue], *, new: bool = False) -> str:
    """One field: its input (prefilled with ``before``), the old value beside it once changed,
    and the report's issues about it."""
    label = _(column.label) + (" *" if column.required else "")
    help_text = _(column.help)
    options = _choices(column)
    # The widget's value lives in the session (a map click may set it): seeded once, here.
    st.session_state.setdefault(key, before)
    if options is not None:
        if before not in options:
            options.append(before)
        typed = st.selectbox(label, options, key=key, help=help_text)
    elif column.name in LONG_TEXT:
        typed = st.text_area(label, key=key, help=help_text, height=80)
    else:
        typed = st.text_input(label, key=key, help=help_text)
    typed = typed or ""
    if not new and typed.strip() != before.strip():
        was = md_escape(before) if before else md_escape(_("empty"))
        st.caption(_("was: {old}").format(old=was))
    errors = [i for i in issues if i.severity == "error"]
    warnings = [i for i in issues if i.severity != "error"]
    if errors:
        st.error(_issue_lines(errors), icon=":material/error:")
    if warnings:
        st.warning(_issue_lines(warnings), icon=":material/warning:")
    return typed


def fields(
    kind: FormKind,
    form_id: str,
    before: Mapping[str, str],
    issues: tuple[Issue, ...],
    *,
    new: bool = False,
    fixed: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Every field of ``kind``'s form, two to a row, and the text each holds. ``fixed`` fields
    (the incident an evidence row belongs to: the caller says which) are not edited here; an
    issue about one, or about the row as a whole, is shown under the fields."""
    placed = issues_by_field(issues)
    typed: dict[str, str] = dict(fixed or {})
    shown = [c for c in FORM_COLUMNS[kind] if c.name not in typed]
    for start in range(0, len(shown), 2):
        for column, cell in zip(shown[start : start + 2], st.columns(2), strict=False):
            with cell:
                typed[column.name] = field(
                    column,
                    f"{form_id}:{column.name}",
                    before.get(column.name, ""),
                    placed.get(column.name, []),
                    new=new,
                )
    drawn = {c.name for c in shown}
    if whole := [i for name, found in placed.items() if name not in drawn for i in found]:
        st.error(_issue_lines(whole, named=True), icon=":material/error:")
    return {c.name: typed[c.name] for c in FORM_COLUMNS[kind]}


def pick_place(form_id: str) -> None:
    """The new incident's place by a click on a small map: the click fills the coordinates
    (they stay editable below, where a typed place moves the map's mark)."""
    lat_key, lon_key = f"{form_id}:latitude", f"{form_id}:longitude"
    try:
        place: tuple[float, float] | None = (
            float(st.session_state.get(lat_key, "")),
            float(st.session_state.get(lon_key, "")),
        )
    except ValueError:
        place = None
    st.caption(_("Click the map to set the place, or type its coordinates below."))
    clicked = place_picker(f"{form_id}:map", place)
    if clicked is not None:
        st.session_state[lat_key], st.session_state[lon_key] = (str(v) for v in clicked)
        _redraw()


def forget(form_id: str, kind: FormKind) -> None:
    """Clear a form's typed text, so it opens prefilled again."""
    for column in FORM_COLUMNS[kind]:
        st.session_state.pop(f"{form_id}:{column.name}", None)
    for part in ("reason", "issues", "refused", "confirm"):
        st.session_state.pop(f"{form_id}:{part}", None)


def mode_note(mode: Mode) -> None:
    """Say what submitting does in this mode."""
    if mode is Mode.REQUIRED:
        st.caption(
            _(
                "Review is required: a change you submit becomes a proposal, live once another "
                "analyst approves it."
            )
        )
    else:
        st.caption(_("Review is off: a change you submit goes live at once, with its reason."))


def reason_input(form_id: str) -> str:
    """The required short reason, recorded with the change."""
    return st.text_input(
        _("Reason *"),
        key=f"{form_id}:reason",
        max_chars=REASON_LIMIT,
        placeholder=_("why: the source, what was wrong…"),
        help=_("Recorded with the change and shown in its history and to the reviewer."),
    )


def send(form_id: str, kind: FormKind, change: Change, *, who: str, reason: str) -> None:
    """Submit ``change`` through the core's one decision; on success say what became of it and
    redraw the page, else keep the form with the report's issues beside its fields."""
    store = data.store()
    try:
        outcome = review.submit(store, change, author=who, reason=reason, today=date.today())
    except ImportRejectedError as exc:
        st.session_state[f"{form_id}:issues"] = tuple(exc.issues)
        st.session_state[f"{form_id}:refused"] = exc.reason
        _redraw()
    except ReviewRefusedError as exc:
        st.session_state[f"{form_id}:issues"] = ()
        st.session_state[f"{form_id}:refused"] = str(exc)
        _redraw()
    forget(form_id, kind)
    st.session_state[_CLOSE] = True
    if outcome.batch is not None:
        message = _("Stored as batch {batch}: live now.").format(batch=outcome.batch.batch_id)
    else:
        message = _(
            "Proposal {id} recorded: it goes live once another analyst approves it."
        ).format(id=outcome.proposal_id)
    st.session_state[DONE] = message
    st.rerun(scope="app")


def refusal(form_id: str) -> None:
    """Why the last submission was refused (the report's reason, or the review rule's)."""
    if (why := st.session_state.get(f"{form_id}:refused")) is not None:
        st.error(
            md_escape(_("Not submitted, nothing stored: {reason}").format(reason=why)),
            icon=":material/block:",
        )


def record_actions(incident: pd.Series | None, who: str) -> None:
    """An analyst's changes to the selected incident (or a new one), under its record."""
    if (done := st.session_state.pop(DONE, None)) is not None:
        st.success(done, icon=":material/check_circle:")
    _actions(None if incident is None else to_record({str(k): v for k, v in incident.items()}), who)


@st.fragment
def _actions(record: IncidentRecord | None, who: str) -> None:
    """The action chooser and the open form: a fragment, so typing reruns only it."""
    if st.session_state.pop(_CLOSE, False):
        st.session_state[OPEN] = None
    offered = ["new"] if record is None else list(ACTIONS)
    choice = st.segmented_control(
        _("Change the record") if record is not None else _("Add to the data"),
        offered,
        format_func=lambda action: _(ACTIONS[action]),
        key=OPEN,
    )
    if choice is None:
        return
    mode = settings.review_mode()
    with st.container(border=True, key="record_form"):
        mode_note(mode)
        if choice == "new":
            incident_form("new", {}, who=who, new=True)
            return
        assert record is not None  # only "new" is offered without a record
        incident_id = record["incident_id"]
        if choice == "edit":
            incident_form(f"edit:{incident_id}", record_fields(record), who=who)
        elif choice in ("source", "examination"):
            evidence_form(choice, incident_id, who=who)
        else:
            retract_form(incident_id, who=who)


def incident_form(form_id: str, before: Mapping[str, str], *, who: str, new: bool = False) -> None:
    """Every field of an incident, prefilled with ``before``; submitted as a one-row file."""
    issues = st.session_state.get(f"{form_id}:issues", ())
    if new:
        pick_place(form_id)
    typed = fields("incidents", form_id, before, issues, new=new)
    if not new and not changed(before, typed):
        st.caption(_("Change a field to submit an edit."))
    reason = reason_input(form_id)
    refusal(form_id)
    label = _("Submit the new incident") if new else _("Submit the edit")
    if st.button(label, type="primary", key=f"{form_id}:submit"):
        change = (
            review.new_incident_change(typed)
            if new
            else review.edit_change(str(before[KEY]), typed)
        )
        send(form_id, "incidents", change, who=who, reason=reason)


def evidence_form(which: str, incident_id: str, *, who: str) -> None:
    """A new source or debris examination of the incident, as a one-row evidence file."""
    kind: Literal["sources", "examinations"] = "sources" if which == "source" else "examinations"
    form_id = f"{kind}:{incident_id}"
    issues = st.session_state.get(f"{form_id}:issues", ())
    st.caption(_("For incident {incident}.").format(incident=md_escape(incident_id)))
    typed = fields(kind, form_id, {}, issues, new=True, fixed={KEY: incident_id})
    reason = reason_input(form_id)
    refusal(form_id)
    label = _("Submit the source") if kind == "sources" else _("Submit the examination")
    if st.button(label, type="primary", key=f"{form_id}:submit"):
        send(form_id, kind, review.evidence_change(kind, typed), who=who, reason=reason)


def retract_form(incident_id: str, *, who: str) -> None:
    """Retract the incident (withdrawn attribution, duplicate), with a reason, confirmed."""
    form_id = f"retract:{incident_id}"
    st.markdown(
        md_escape(
            _(
                "A retracted incident leaves the figures and the map; it stays in its history "
                "and in links to a moment before the retraction."
            )
        )
    )
    reason = reason_input(form_id)
    refusal(form_id)
    confirm = f"{form_id}:confirm"
    if not st.session_state.get(confirm):
        if st.button(_("Retract…"), key=f"{form_id}:ask"):
            st.session_state[confirm] = True
            _redraw()
        return
    st.warning(
        _("Retract {incident}?").format(incident=md_escape(incident_id)),
        icon=":material/delete:",
    )
    yes, no = st.columns(2)
    if no.button(_("Cancel"), key=f"{form_id}:cancel"):
        st.session_state[confirm] = False
        _redraw()
    if yes.button(_("Retract the incident"), type="primary", key=f"{form_id}:yes"):
        send(form_id, "incidents", review.retract_change([incident_id]), who=who, reason=reason)
