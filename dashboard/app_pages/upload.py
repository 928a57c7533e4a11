"""Upload incidents and their evidence (CSV or .xlsx): a full report before anything is stored,
then an all-or-nothing import; past batches, and their revert."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from typing import cast

import pandas as pd
import streamlit as st

from dashboard import settings
from dashboard.core.batchlog import describe, offered_for_revert, reverted_by
from dashboard.core.errors import MappingRefusedError, RevertRefusedError, ReviewRefusedError
from dashboard.core.evidence import Kind
from dashboard.core.i18n import N_, _, number
from dashboard.core.mapping import FORMATS
from dashboard.core.review import Mode
from dashboard.core.text import md_escape
from dashboard.imports import (
    read_limited,
    revertible,
    save_mapping,
    saved_mappings,
)
from dashboard.imports import template_csv as build_template
from dashboard.review import check, file_change, submit
from dashboard.review import revert as review_revert
from dashboard.store import Store
from dashboard.ui import data
from dashboard.ui import upload as view
from dashboard.ui.auth import require_analyst
from dashboard.ui.mapview import preview_map

FORMAT_LABELS = {
    "auto": N_("Recognise (template or ACLED)"),
    "incidents": N_("Template columns"),
    "acled": N_("ACLED export"),
}
NO_MAPPING = "(none)"
HOLDS = {
    "incidents": N_("Incidents"),
    "sources": N_("Sources"),
    "examinations": N_("Debris examinations"),
    "component_origins": N_("Component origins"),
    "launches": N_("Air Force launches (dataset)"),
}


def past_uploads(store: Store, batches: pd.DataFrame, who: str) -> None:
    """Every batch, and the revert of one (named, and confirmed first)."""
    st.subheader(_("Past uploads"))
    view.batches_table(batches)
    with_seed = st.checkbox(
        _("Offer the shipped data for revert"),
        key="revert_seed",
        help=_("The incidents this dashboard ships with; reverting them empties the shipped view."),
    )
    candidates = offered_for_revert(batches, revertible(batches), with_seed=with_seed)
    if candidates:
        pick, button = st.columns([3, 1], vertical_alignment="bottom")
        target = pick.selectbox(
            _("Batch to revert"),
            candidates,
            key="revert_choice",
            format_func=lambda b: describe(batches, b),
            help=_("Puts what the batch stored back as it was before; recorded as a batch."),
        )
        if button.button(_("Revert batch…"), key="revert"):
            st.session_state["revert_pending"] = int(target)
        pending = st.session_state.get("revert_pending")
        if pending is not None and pending not in candidates:
            pending = st.session_state["revert_pending"] = None
        if pending is not None:
            with st.container(border=True):
                st.warning(
                    _(
                        "Revert {batch}? What it stored goes back to how it was before it; the "
                        "revert is recorded as a new batch."
                    ).format(batch=md_escape(describe(batches, pending))),
                    icon=":material/undo:",
                )
                why = view.reason_input(required=False, key="revert_reason")
                yes, no = st.columns(2)
                if no.button(_("Cancel"), key="revert_cancel"):
                    st.session_state["revert_pending"] = None
                    st.rerun()
                if yes.button(
                    _("Revert batch {batch}").format(batch=pending),
                    type="primary",
                    key="revert_confirm",
                ):
                    st.session_state["revert_pending"] = None
                    try:
                        summary = review_revert(store, pending, by=who, reason=why)
                    except (RevertRefusedError, ReviewRefusedError) as exc:  # an outage: notice
                        st.error(md_escape(exc))
                    else:
                        st.session_state["upload_message"] = _(
                            "Batch {batch} reverted by batch {by}: {removed} removed, "
                            "{restored} restored, {set_back} set back."
                        ).format(
                            batch=pending,
                            by=summary.batch_id,
                            removed=number(summary.removed),
                            restored=number(summary.added),
                            set_back=number(summary.updated),
                        )
                        st.rerun()
    else:
        st.caption(
            _("No batch to revert: every upload that changed something is reverted already.")
        )


store = data.store()
today = date.today()
limits = settings.upload_limits()
reviewing = settings.review_mode() is Mode.REQUIRED

st.title(_("Upload incidents and evidence"))
who = require_analyst()  # a viewer gets the sign-in (or how to enable it), never an upload control
if who is None:
    st.stop()
batches = store.batches()
if done := st.session_state.pop("upload_message", None):
    st.success(done, icon=":material/check_circle:")

holds = st.radio(
    _("The file holds"),
    list(HOLDS),
    format_func={held: _(name) for held, name in HOLDS.items()}.__getitem__,
    key="upload_holds",
    horizontal=True,
    help=_(
        "Evidence files add sources, debris examinations or component origins to stored "
        "incidents (see the README's Evidence section)."
    ),
)
if holds == "launches":
    view.launches_upload(store, who=who, limits=limits)
    st.stop()
if holds != "incidents":
    view.evidence_upload(
        store, cast("Kind", holds), who=who, today=today, limits=limits, reviewing=reviewing
    )
    past_uploads(store, batches, who)
    st.stop()

st.download_button(
    _("Download the CSV template"),
    build_template(today),
    file_name="incidents-template.csv",
    mime="text/csv",
    on_click="ignore",
    key="download_template",
    icon=":material/download:",
)
st.caption(
    _(
        "CSV (UTF-8 or Windows-1251, comma, semicolon or tab) or an Excel .xlsx workbook (the "
        "first sheet, or the one you choose); up to {megabytes} MB, {rows} rows, {characters} "
        "characters a cell. ACLED exports are recognised; other layouts can be mapped column by "
        "column."
    ).format(
        megabytes=number(round(limits.max_bytes / 2**20)),
        rows=number(limits.max_rows),
        characters=number(limits.max_cell),
    )
)

left, right = st.columns(2)
fmt = left.radio(
    _("Columns"),
    FORMATS,
    format_func={f: _(name) for f, name in FORMAT_LABELS.items()}.__getitem__,
    key="upload_format",
    horizontal=True,
)
try:
    saved = saved_mappings(store)
except MappingRefusedError as exc:  # a saved mapping names a column the template no longer has
    st.error(md_escape(exc), icon=":material/block:")
    saved = {}
if just_saved := st.session_state.pop("select_mapping", None):
    st.session_state["upload_mapping_choice"] = just_saved
no_mapping = _("(none)")
chosen_name: str = right.selectbox(
    _("Saved column mapping"),
    [NO_MAPPING, *saved],
    key="upload_mapping_choice",
    format_func=lambda name: no_mapping if name == NO_MAPPING else name,
)
# "Cancel" clears the picker by giving it a new key.
picker = st.session_state.setdefault("upload_picker", 0)
upload = st.file_uploader(
    _("Incident CSV or Excel workbook"),
    type=["csv", "tsv", "txt", "xlsx"],
    key="upload_file" if picker == 0 else f"upload_file_{picker}",
    max_upload_size=math.ceil(limits.max_bytes / 2**20),
)

if upload is None:
    st.info(_("Choose a file: nothing is stored until you press Import after reading the report."))
else:
    custom = st.session_state.get("custom_mapping")
    mapping = custom[1] if custom and custom[0] == upload.file_id else saved.get(chosen_name)
    data_bytes = read_limited(upload, limits.max_bytes)
    sheet = None
    if len(names := view.sheets(data_bytes)) > 1:
        sheet = st.selectbox(_("Sheet"), names, key=f"upload_sheet_{upload.file_id}")
    file = view.prepared(
        data_bytes, upload.name, today, fmt=fmt, mapping=mapping, limits=limits, sheet=sheet
    )
    columns_seen = view.file_columns(data_bytes, limits, sheet)
    if applied := view.mapping_form(file, columns_seen):
        try:
            if applied.name:
                save_mapping(store, applied, saved_by=who)
        except MappingRefusedError as exc:
            st.error(md_escape(exc), icon=":material/block:")
        else:
            st.session_state["custom_mapping"] = (upload.file_id, applied)
            if applied.name:
                st.session_state["select_mapping"] = applied.name
                st.session_state["upload_message"] = _(
                    "Saved the column mapping “{name}” and selected it: it applies to this file, "
                    "and to later ones while selected (command line: `--mapping NAME`)."
                ).format(name=md_escape(applied.name))
            st.rerun()

    st.subheader(_("Report"))
    view.report(file)

    if not file.valid.empty:
        change = file_change(data_bytes, upload.name, fmt=fmt, mapping=mapping, sheet=sheet)
        classified = view.classified(store, file)
        near = check(store, change, today, report=file, classified=classified).near
        choice = view.duplicates_choice(near)
        change = replace(change, on_duplicate=choice)
        shown = check(store, change, today, report=file, classified=classified)
        preview = shown.preview
        changes = preview["change"].value_counts()
        st.subheader(_("Valid rows, as they would be stored"))
        st.caption(
            _("{new} new · {update} update an existing incident · {unchanged} unchanged").format(
                new=number(int(changes.get("new", 0))),
                update=number(int(changes.get("update", 0))),
                unchanged=number(int(changes.get("unchanged", 0))),
            )
        )
        preview_map(preview, key="upload_map")
        view.preview_table(preview)

        counts = file.counts
        valid_only = False
        if not file.importable() and file.importable(valid_only=True):
            valid_only = st.checkbox(
                _(
                    "Import only the {valid} valid rows and leave the {rejected} rejected ones out"
                ).format(valid=number(counts.valid), rejected=number(counts.invalid)),
                key="valid_only",
            )
        # The one decision the command line and an approval take too (dashboard/review.py).
        decided = check(
            store, replace(change, valid_only=valid_only), today, report=file, classified=classified
        )
        can_import = decided.refusal is None
        earlier = decided.earlier
        if not earlier.empty:
            first = int(earlier["id"].iloc[-1])
            undone = reverted_by(batches, int(earlier["id"].iloc[0]))
            before = md_escape(describe(batches, first))
            st.warning(
                (
                    _(
                        "This file was imported before (same SHA-256): {batch}; the latest import "
                        "was reverted by batch {undone}. Importing it again stores only what "
                        "differs from the store now."
                    )
                    if undone
                    else _(
                        "This file was imported before (same SHA-256): {batch}. Importing it "
                        "again stores only what differs from the store now."
                    )
                ).format(batch=before, undone=undone),
                icon=":material/content_copy:",
            )
            again, cancel = st.columns([3, 1], vertical_alignment="center")
            if not again.checkbox(_("Import this file again anyway"), key="import_again"):
                can_import = False
            if cancel.button(_("Cancel: choose another file"), key="cancel_upload"):
                st.session_state["upload_picker"] = picker + 1
                st.rerun()
        if not near.empty and choice is None:
            st.info(_("Choose what to do with the possible duplicates to import."))
        elif counts.invalid and not valid_only and file.importable(valid_only=True):
            st.warning(
                _("The file has errors: fix them and upload again, or import the valid rows.")
            )
        elif decided.refusal is not None:
            st.warning(
                _("The file cannot be imported: {reason}.").format(
                    reason=md_escape(decided.refusal)
                )
            )
        reason = view.reason_input(required=reviewing, key="import_reason")
        label = _("Propose") if reviewing else _("Import")
        if st.button(label, type="primary", disabled=not can_import, key="import"):
            with st.status(_("Importing…"), expanded=True) as status:
                st.write(
                    _("Storing {rows} rows in one transaction…").format(rows=number(counts.valid))
                )
                try:
                    outcome = submit(
                        store,
                        decided.change,
                        author=who,
                        reason=reason,
                        today=today,
                        checked=decided,
                    )
                except ReviewRefusedError as exc:
                    status.update(label=md_escape(exc), state="error")
                    st.stop()
                st.session_state["upload_message"] = view.stored_message(
                    outcome, rejected=counts.invalid, context=file.context_note()
                )
                st.rerun()

past_uploads(store, batches, who)
