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
from dashboard.core.batchlog import describe, earlier_imports, offered_for_revert, reverted_by
from dashboard.core.duplicates import near_duplicates, resolve
from dashboard.core.errors import MappingRefusedError, RevertRefusedError
from dashboard.core.evidence import Kind
from dashboard.core.mapping import FORMATS
from dashboard.core.text import md_escape
from dashboard.imports import (
    commit,
    read_limited,
    revert,
    revertible,
    save_mapping,
    saved_mappings,
)
from dashboard.imports import template_csv as build_template
from dashboard.store import Store
from dashboard.ui import data
from dashboard.ui import upload as view
from dashboard.ui.auth import require_analyst
from dashboard.ui.mapview import preview_map

FORMAT_LABELS = {
    "auto": "Recognise (template or ACLED)",
    "incidents": "Template columns",
    "acled": "ACLED export",
}
NO_MAPPING = "(none)"
HOLDS = {
    "incidents": "Incidents",
    "sources": "Sources",
    "examinations": "Debris examinations",
    "component_origins": "Component origins",
    "launches": "Air Force launches (dataset)",
}


def past_uploads(store: Store, batches: pd.DataFrame, who: str) -> None:
    """Every batch, and the revert of one (named, and confirmed first)."""
    st.subheader("Past uploads")
    view.batches_table(batches)
    with_seed = st.checkbox(
        "Offer the shipped data for revert",
        key="revert_seed",
        help="The incidents this dashboard ships with; reverting them empties the shipped view.",
    )
    candidates = offered_for_revert(batches, revertible(batches), with_seed=with_seed)
    if candidates:
        pick, button = st.columns([3, 1], vertical_alignment="bottom")
        target = pick.selectbox(
            "Batch to revert",
            candidates,
            key="revert_choice",
            format_func=lambda b: describe(batches, b),
            help="Puts what the batch stored back as it was before; recorded as a batch.",
        )
        if button.button("Revert batch…", key="revert"):
            st.session_state["revert_pending"] = int(target)
        pending = st.session_state.get("revert_pending")
        if pending is not None and pending not in candidates:
            pending = st.session_state["revert_pending"] = None
        if pending is not None:
            with st.container(border=True):
                st.warning(
                    f"Revert {md_escape(describe(batches, pending))}? What it stored goes back to "
                    "how it was before it; the revert is recorded as a new batch.",
                    icon=":material/undo:",
                )
                yes, no = st.columns(2)
                if no.button("Cancel", key="revert_cancel"):
                    st.session_state["revert_pending"] = None
                    st.rerun()
                if yes.button(f"Revert batch {pending}", type="primary", key="revert_confirm"):
                    st.session_state["revert_pending"] = None
                    try:
                        summary = revert(store, pending, uploaded_by=who)
                    except RevertRefusedError as exc:  # an outage goes to the app's notice
                        st.error(md_escape(exc))
                    else:
                        st.session_state["upload_message"] = (
                            f"Batch {pending} reverted by batch {summary.batch_id}: "
                            f"{summary.removed:,} removed, {summary.added:,} restored, "
                            f"{summary.updated:,} set back."
                        )
                        st.rerun()
    else:
        st.caption("No batch to revert: every upload that changed something is reverted already.")


store = data.store()
today = date.today()
limits = settings.upload_limits()

st.title("Upload incidents and evidence")
who = require_analyst()  # a viewer gets the sign-in (or how to enable it), never an upload control
if who is None:
    st.stop()
batches = store.batches()
if done := st.session_state.pop("upload_message", None):
    st.success(done, icon=":material/check_circle:")

holds = st.radio(
    "The file holds",
    list(HOLDS),
    format_func=HOLDS.get,
    key="upload_holds",
    horizontal=True,
    help="Evidence files add sources, debris examinations or component origins to stored "
    "incidents (see the README's Evidence section).",
)
if holds == "launches":
    view.launches_upload(store, who=who, limits=limits)
    st.stop()
if holds != "incidents":
    view.evidence_upload(store, cast("Kind", holds), who=who, today=today, limits=limits)
    past_uploads(store, batches, who)
    st.stop()

st.download_button(
    "Download the CSV template",
    build_template(today),
    file_name="incidents-template.csv",
    mime="text/csv",
    on_click="ignore",
    key="download_template",
    icon=":material/download:",
)
st.caption(
    f"CSV (UTF-8 or Windows-1251, comma, semicolon or tab) or an Excel .xlsx workbook (the "
    f"first sheet, or the one you choose); up to {limits.max_bytes / 2**20:.0f} MB, "
    f"{limits.max_rows:,} rows, {limits.max_cell:,} characters a cell. ACLED exports are "
    "recognised; other layouts can be mapped column by column."
)

left, right = st.columns(2)
fmt = left.radio(
    "Columns", FORMATS, format_func=FORMAT_LABELS.get, key="upload_format", horizontal=True
)
try:
    saved = saved_mappings(store)
except MappingRefusedError as exc:  # a saved mapping names a column the template no longer has
    st.error(md_escape(exc), icon=":material/block:")
    saved = {}
if just_saved := st.session_state.pop("select_mapping", None):
    st.session_state["upload_mapping_choice"] = just_saved
chosen_name = right.selectbox(
    "Saved column mapping", [NO_MAPPING, *saved], key="upload_mapping_choice"
)
# "Cancel" clears the picker by giving it a new key.
picker = st.session_state.setdefault("upload_picker", 0)
upload = st.file_uploader(
    "Incident CSV or Excel workbook",
    type=["csv", "tsv", "txt", "xlsx"],
    key="upload_file" if picker == 0 else f"upload_file_{picker}",
    max_upload_size=math.ceil(limits.max_bytes / 2**20),
)

if upload is None:
    st.info("Choose a file: nothing is stored until you press Import after reading the report.")
else:
    custom = st.session_state.get("custom_mapping")
    mapping = custom[1] if custom and custom[0] == upload.file_id else saved.get(chosen_name)
    data_bytes = read_limited(upload, limits.max_bytes)
    sheet = None
    if len(names := view.sheets(data_bytes)) > 1:
        sheet = st.selectbox("Sheet", names, key=f"upload_sheet_{upload.file_id}")
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
                st.session_state["upload_message"] = (
                    f"Saved the column mapping “{md_escape(applied.name)}” and selected it: it "
                    "applies to this file, and to later ones while selected (command line: "
                    "`--mapping NAME`)."
                )
            st.rerun()

    st.subheader("Report")
    view.report(file)

    if not file.valid.empty:
        preview = view.classified(store, file)
        near = near_duplicates(preview, data.incidents())
        choice = view.duplicates_choice(near)
        if choice is not None:
            file = replace(file, valid=resolve(file.valid, near, choice))
            preview = resolve(preview, near, choice)
        changes = preview["change"].value_counts()
        st.subheader("Valid rows, as they would be stored")
        st.caption(
            f"{int(changes.get('new', 0)):,} new · {int(changes.get('update', 0)):,} update an "
            f"existing incident · {int(changes.get('unchanged', 0)):,} unchanged"
        )
        preview_map(preview, key="upload_map")
        view.preview_table(preview)

        counts = file.counts
        valid_only = False
        if not file.importable() and file.importable(valid_only=True):
            valid_only = st.checkbox(
                f"Import only the {counts.valid:,} valid rows and leave the "
                f"{counts.invalid:,} rejected ones out",
                key="valid_only",
            )
        can_import = file.importable(valid_only)
        if not near.empty and choice is None:
            st.info("Choose what to do with the possible duplicates to import.")
            can_import = False
        earlier = earlier_imports(batches, file.sha256)
        if not earlier.empty:
            first = int(earlier["id"].iloc[-1])
            undone = reverted_by(batches, int(earlier["id"].iloc[0]))
            st.warning(
                "This file was imported before (same SHA-256): "
                + md_escape(describe(batches, first))
                + (f"; the latest import was reverted by batch {undone}" if undone else "")
                + ". Importing it again stores only what differs from the store now.",
                icon=":material/content_copy:",
            )
            again, cancel = st.columns([3, 1], vertical_alignment="center")
            if not again.checkbox("Import this file again anyway", key="import_again"):
                can_import = False
            if cancel.button("Cancel: choose another file", key="cancel_upload"):
                st.session_state["upload_picker"] = picker + 1
                st.rerun()
        if file.importable(valid_only=True) and not can_import:
            st.warning("The file has errors: fix them and upload again, or import the valid rows.")
        elif not can_import:
            st.warning(f"The file cannot be imported: {file.refusal()}.")
        if st.button("Import", type="primary", disabled=not can_import, key="import"):
            with st.status("Importing…", expanded=True) as status:
                st.write(f"Storing {counts.valid:,} rows in one transaction…")
                summary = commit(store, file, uploaded_by=who, valid_only=valid_only)
                status.update(label=f"Stored as batch {summary.batch_id}", state="complete")
                st.session_state["upload_message"] = (
                    f"Stored as batch {summary.batch_id}: {summary.added:,} added, "
                    f"{summary.updated:,} updated, {summary.unchanged:,} unchanged, "
                    f"{counts.invalid:,} rejected. The monitor shows them now."
                )
                st.rerun()

past_uploads(store, batches, who)
