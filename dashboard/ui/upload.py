"""Drawing pieces of the Upload page: cached preparation, the column-mapping form, the report.

Everything here reads widgets and draws; reading, validating and storing happen in
:mod:`dashboard.imports`.
"""

from __future__ import annotations

import json
import math
from dataclasses import astuple, dataclass
from datetime import date

import pandas as pd
import streamlit as st

from dashboard.core.csvio import Limits
from dashboard.core.duplicates import CHOICES, NEAR_KM, Choice
from dashboard.core.errors import Code
from dashboard.core.evidence import Kind
from dashboard.core.export import rejected_csv
from dashboard.core.launches import CAVEAT, DATASET, MODELS
from dashboard.core.mapping import (
    IGNORE,
    VALUE_SYNONYMS,
    ColumnMapping,
    distinct,
    from_choices,
    samples,
    suggest,
    vocabulary,
)
from dashboard.core.report import Report
from dashboard.core.schema import PREVIEW_FIELDS, REQUIRED, TEMPLATE_COLUMNS
from dashboard.core.sheets import is_workbook, parse_upload, sheet_names
from dashboard.core.shown import shown_cells
from dashboard.core.text import md_escape
from dashboard.imports import (
    classify,
    commit_evidence,
    commit_launches,
    evidence_template,
    prepare,
    prepare_evidence,
    prepare_launches,
    read_limited,
)
from dashboard.store import Store
from dashboard.ui.data import store

#: Preview table columns, in display order: what storing each row does, then the columns
#: declared for the preview.
PREVIEW_COLUMNS = ("line", "change", *PREVIEW_FIELDS)
BATCH_COLUMNS = {
    "id": "Batch",
    "kind": "Kind",
    "created_at": "When (UTC)",
    "uploaded_by": "Who",
    "filename": "File",
    "sha256": "SHA-256",
    "source_format": "Format",
    "rows_read": "Rows read",
    "added": "Added",
    "updated": "Updated",
    "removed": "Removed",
    "unchanged": "Unchanged",
    "rejected": "Rejected",
    "reverts_batch": "Reverts batch",
}


@st.cache_data(show_spinner="Reading and checking the file…", max_entries=4)
def _prepare(
    data: bytes,
    filename: str,
    today: date,
    fmt: str,
    mapping: str,
    limits: tuple[int, ...],
    sheet: str | None,
) -> Report:
    chosen = ColumnMapping.from_json(*json.loads(mapping)) if mapping else None
    return prepare(
        data, filename, today, fmt=fmt, mapping=chosen, limits=Limits(*limits), sheet=sheet
    )


def prepared(
    data: bytes,
    filename: str,
    today: date,
    *,
    fmt: str,
    mapping: ColumnMapping | None,
    limits: Limits,
    sheet: str | None = None,
) -> Report:
    """The file read and validated, cached across reruns (the report redraws on every click)."""
    key = json.dumps([mapping.name, mapping.to_json()]) if mapping else ""
    return _prepare(data, filename, today, fmt, key, astuple(limits), sheet)


@st.cache_data(show_spinner=False, max_entries=4)
def sheets(data: bytes) -> list[str]:
    """The sheets of an .xlsx workbook; empty for any other file."""
    return sheet_names(data) if is_workbook(data) else []


@st.cache_data(show_spinner=False, max_entries=4)
def _classified(_report: Report, sha256: str, mapping: str, url: str, version: int) -> pd.DataFrame:
    return classify(store(), _report)


def classified(current: Store, file: Report) -> pd.DataFrame:
    """The valid rows marked new/update/unchanged against the store as it is now."""
    key = json.dumps([file.mapping.name, file.mapping.to_json()])
    return _classified(file, file.sha256, key, current.url, current.data_version())


@dataclass(frozen=True)
class FileColumn:
    """What the mapping form shows of one file column: a few values, and its distinct values
    (the first :data:`DISTINCT`) for the value map."""

    samples: tuple[str, ...]
    distinct: tuple[str, ...]


#: Distinct values of a file column the value map looks at.
DISTINCT = 50


@st.cache_data(show_spinner=False, max_entries=4)
def _file_columns(data: bytes, limits: tuple[int, ...], sheet: str | None) -> list[FileColumn]:
    parsed = parse_upload(data, Limits(*limits), sheet)
    found = []
    for i in range(len(parsed.header)):
        cells = [row[i] for row in parsed.rows if i < len(row)]
        found.append(FileColumn(tuple(samples(cells)), tuple(distinct(cells, DISTINCT))))
    return found


def file_columns(data: bytes, limits: Limits, sheet: str | None = None) -> list[FileColumn]:
    """Each column of the file as written (before any mapping), cached across reruns."""
    return _file_columns(data, astuple(limits), sheet)


def _short(value: str, width: int = 40) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"


def _label(column: str) -> str:
    if not column:
        return "(ignore)"
    return f"{column} · required" if column in REQUIRED else column


def mapping_form(file: Report, seen: list[FileColumn]) -> ColumnMapping | None:
    """A form mapping each file column to a canonical one; returns the mapping when applied.

    Each column shows its first values; required columns are marked. Columns can be filled with
    one value for every row, and the values of a column with a fixed vocabulary can be mapped
    onto it. Opens by itself when the file lacks a required column. The mapping carries the name
    given to save it under, or "" when none was given (it then applies to this file only).
    """
    missing = any(i.code == Code.MISSING_COLUMN for i in file.issues)
    start = suggest(file.header, file.mapping)
    options = [IGNORE, *TEMPLATE_COLUMNS]
    tag = file.sha256[:12]
    with (
        st.expander("Map the file's columns", expanded=missing),
        st.form(key=f"mapping_form_{tag}"),
    ):
        st.caption(
            "Choose the template column each file column fills (suggested from its name); leave "
            "a column ignored to drop it. Give the mapping a name to save it for later files and "
            "for the command line (`--mapping NAME`)."
        )
        columns = st.columns(3)
        choices = {}
        for i, header in enumerate(file.header):
            box = columns[i % 3]
            # A label renders Markdown: a header like ![x](http://...) would fetch an image.
            choices[header] = box.selectbox(
                md_escape(header) if header else f"(column {i + 1} has no name)",
                options,
                index=options.index(start.get(header, IGNORE)),
                format_func=_label,
                key=f"map_{tag}_{i}",
            )
            if i < len(seen) and seen[i].samples:
                box.caption("e.g. " + " · ".join(md_escape(_short(v)) for v in seen[i].samples))
        filled = set(start.values()) | set(file.mapping.constants)
        if absent := [c for c in REQUIRED if c not in filled]:
            st.caption("Required and not yet filled: " + ", ".join(f"`{c}`" for c in absent) + ".")
        values = _value_maps(file, seen, start)
        st.markdown("**Same value in every row** (for a column the file lacks)")
        fixed = st.data_editor(
            pd.DataFrame(
                {
                    "column": list(file.mapping.constants),
                    "value": list(file.mapping.constants.values()),
                },
                dtype="string",
            ),
            key=f"constants_{tag}",
            num_rows="dynamic",
            hide_index=True,
            column_config={
                "column": st.column_config.SelectboxColumn(
                    "Column", options=list(TEMPLATE_COLUMNS)
                ),
                "value": st.column_config.TextColumn("Value"),
            },
        )
        name = st.text_input("Save as (optional)", key="mapping_name", max_chars=100)
        if st.form_submit_button("Apply mapping"):
            constants = {
                str(c): str(v)
                for c, v in zip(fixed["column"], fixed["value"], strict=True)
                if isinstance(c, str) and isinstance(v, str)
            }
            return from_choices(name.strip(), choices, constants, values)
    return None


def _value_maps(
    file: Report, seen: list[FileColumn], start: dict[str, str]
) -> dict[str, dict[str, str]]:
    """Selectboxes mapping each value a vocabulary column's file column holds outside the
    vocabulary onto an accepted one; the chosen maps by canonical column."""
    chosen: dict[str, dict[str, str]] = {}
    for i, header in enumerate(file.header):
        column = start.get(header, IGNORE)
        accepted = vocabulary(column) if column else None
        if accepted is None or i >= len(seen):
            continue
        current = file.mapping.values.get(column, {})
        outside = [v for v in seen[i].distinct if v not in {a.casefold() for a in accepted}]
        if not outside:
            continue
        st.markdown(f"**Values of `{column}` the template does not know**")
        boxes = st.columns(3)
        table: dict[str, str] = {}
        for j, value in enumerate(outside):
            guess = current.get(value) or VALUE_SYNONYMS.get(column, {}).get(value, "")
            options = ["", *accepted]
            table[value] = boxes[j % 3].selectbox(
                md_escape(_short(value)),
                options,
                index=options.index(guess) if guess in options else 0,
                format_func=lambda v: v or "(keep as written)",
                key=f"value_{file.sha256[:12]}_{i}_{j}",
            )
        chosen[column] = table
    return chosen


def report(file: Report) -> None:
    """Counts, the summary, what stops the file, every fault as a table, and the downloads.

    Data from the file (its name, header names, values quoted in messages) is shown as text:
    the summary through ``st.text``, the prominent messages Markdown-escaped.
    """
    counts = file.counts
    cols = st.columns(4)
    cols[0].metric("Rows read", f"{counts.rows_read:,}")
    cols[1].metric("Valid", f"{counts.valid:,}")
    cols[2].metric("Invalid", f"{counts.invalid:,}")
    cols[3].metric("Warnings", f"{counts.warnings:,}")
    st.text("\n".join(_one_line(line) for line in file.summary()))
    if problems := file.file_problems():
        st.error("  \n".join(md_escape(p) for p in problems), icon=":material/block:")
    if file.issues:
        issues = file.issues_frame()
        st.dataframe(
            issues,
            key="upload_issues",
            hide_index=True,
            width="stretch",
            column_config={
                "line": st.column_config.NumberColumn("Line", help="line in the file; 0: the file"),
                "column": "Column",
                "value": st.column_config.TextColumn("Value (quoted)"),
                "reason": "Reason",
                "code": "Code",
                "severity": "Severity",
                "meaning": "What the code means",
            },
        )
        st.download_button(
            f"Download the {len(issues):,} issues (CSV)",
            rejected_csv(issues),
            file_name=f"issues-{file.filename}",
            mime="text/csv",
            on_click="ignore",
            key="download_issues",
        )
    if counts.invalid:
        st.download_button(
            f"Download the {counts.invalid:,} rejected rows (CSV with an error column)",
            rejected_csv(file.rejected),
            file_name=f"rejected-{file.filename}",
            mime="text/csv",
            on_click="ignore",
            key="download_rejected",
        )


def _one_line(text: str) -> str:
    """``text`` with its line breaks shown as ``\\n``: a file name cannot forge a report line."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


def preview_table(preview: pd.DataFrame) -> None:
    """The valid rows as they would be stored, with what storing each does."""
    st.dataframe(
        shown_cells(preview[[*PREVIEW_COLUMNS, "date_precision"]])[list(PREVIEW_COLUMNS)],
        key="upload_preview",
        hide_index=True,
        width="stretch",
        column_config={
            "date": st.column_config.TextColumn("date", help="a month reads 'September 2024'"),
            "change": st.column_config.TextColumn("change", help="new, update or unchanged"),
        },
    )


def duplicates_choice(near: pd.DataFrame) -> Choice | None:
    """The possible duplicates (``near``), if any, beside the stored incidents they look like,
    and the analyst's choice of what to do with them (None: not chosen yet, or none to choose)."""
    if near.empty:
        return None
    st.warning(
        (
            "1 new row looks like a stored incident"
            if len(near) == 1
            else f"{len(near):,} new rows look like stored incidents"
        )
        + f" (same date and weapon, within {NEAR_KM:g} km): possible duplicates.",
        icon=":material/content_copy:",
    )
    duplicates_table(near)
    return st.radio(
        "What to do with them",
        list(CHOICES),
        format_func=CHOICES.get,
        index=None,
        key="duplicate_choice",
    )


def duplicates_table(near: pd.DataFrame) -> None:
    """The flagged rows beside the stored incidents they look like."""
    st.dataframe(
        near,
        key="upload_duplicates",
        hide_index=True,
        width="stretch",
        column_config={
            "line": st.column_config.NumberColumn("Line"),
            "incident_id": "Derived id",
            "location": "Place in the file",
            "duplicate_of": "Stored incident",
            "stored_location": "Stored place",
            "distance_km": st.column_config.NumberColumn("Distance (km)", format="%.2f"),
        },
    )


def batches_table(batches: pd.DataFrame) -> None:
    """Past uploads, newest first."""
    st.dataframe(
        batches[list(BATCH_COLUMNS)].rename(columns=BATCH_COLUMNS),
        key="batches_table",
        hide_index=True,
        width="stretch",
        column_config={"When (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
    )


def evidence_upload(store: Store, kind: Kind, *, who: str, today: date, limits: Limits) -> None:
    """An evidence file of ``kind``: its template, the same report as an incident file's, the
    valid rows, and an all-or-nothing import as one batch (revertible under Past uploads)."""
    st.download_button(
        f"Download the {kind.replace('_', ' ')} template",
        evidence_template(kind),
        file_name=f"{kind}-template.csv",
        mime="text/csv",
        on_click="ignore",
        key=f"download_{kind}_template",
        icon=":material/download:",
    )
    st.caption(
        "The template's columns, in any order (see the README's Evidence section). A row must "
        "name a stored incident (or, for an examination, a place) and, for component origins, an "
        "examination already stored or in an earlier file. All or nothing: a file with any error "
        "stores nothing."
    )
    upload = st.file_uploader(
        "Evidence CSV or Excel workbook",
        type=["csv", "tsv", "txt", "xlsx"],
        key=f"upload_{kind}",
        max_upload_size=math.ceil(limits.max_bytes / 2**20),
    )
    if upload is None:
        return
    data = read_limited(upload, limits.max_bytes)
    file = prepare_evidence(store, data, upload.name, kind, today, limits=limits)
    st.subheader("Report")
    report(file)
    if file.valid.empty:
        return
    st.subheader("Valid rows, as they would be stored")
    st.dataframe(file.valid, key=f"{kind}_preview", hide_index=True, width="stretch")
    if not file.importable():
        st.warning(f"The file cannot be imported: {md_escape(file.refusal() or '')}.")
    if st.button("Import", type="primary", disabled=not file.importable(), key="import_evidence"):
        summary = commit_evidence(store, file, uploaded_by=who)
        st.session_state["upload_message"] = (
            f"Stored as batch {summary.batch_id}: {summary.added:,} {kind.replace('_', ' ')} "
            f"rows added, {summary.updated:,} updated, {summary.unchanged:,} unchanged. The "
            "monitor shows them now."
        )
        st.rerun()


def launches_upload(current: Store, *, who: str, limits: Limits) -> None:
    """The Air Force reports' dataset: its report (what was read, counted, left out, every
    fault), the monthly series it gives, and storing it in place of the stored series (all or
    nothing). Not incidents: the monitor shows it behind its own toggle, with the caveat."""
    st.caption(
        f"{DATASET}: its `missile_attacks_daily.csv`. Rows whose model is "
        f"{' or '.join(f'`{m}`' for m in MODELS)} are summed by month. {CAVEAT}"
    )
    stored = current.launches_import()
    if stored is not None:
        st.caption(
            f"Stored now: {stored.months:,} months from {md_escape(stored.filename)}, imported by "
            f"{md_escape(stored.imported_by)} on {stored.imported_at:%Y-%m-%d %H:%M} UTC."
        )
    upload = st.file_uploader("The dataset's CSV", type=["csv"], key="upload_launches")
    if upload is None:
        return
    data = read_limited(upload, limits.max_bytes)
    launches = prepare_launches(data, upload.name, limits=limits)
    st.subheader("Report")
    st.markdown(md_escape(launches.summary()))
    if launches.issues:
        st.dataframe(
            pd.DataFrame(
                [(i.line, i.column, i.value, i.code.value, i.message) for i in launches.issues],
                columns=["line", "column", "value", "code", "message"],
            ),
            key="launches_issues",
            hide_index=True,
            width="stretch",
        )
    st.dataframe(launches.monthly, key="launches_preview", hide_index=True, width="stretch")
    refusal = launches.refusal()
    if refusal is not None:
        st.warning(f"The file cannot be stored: {md_escape(refusal)}.")
    if st.button(
        "Store the launches", type="primary", disabled=refusal is not None, key="import_launches"
    ):
        done = commit_launches(current, launches, uploaded_by=who)
        st.session_state["upload_message"] = (
            f"Stored {done.months:,} months of launches in place of the stored series."
        )
        st.rerun()
