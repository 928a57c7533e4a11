"""Drawing pieces of the Upload page: cached preparation, the column-mapping form, the report.

Everything here reads widgets and draws; reading, validating and storing happen in
:mod:`dashboard.imports`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import astuple, dataclass
from datetime import date

import pandas as pd
import streamlit as st

from dashboard.core.csvio import Limits
from dashboard.core.duplicates import CHOICES, NEAR_KM, Choice
from dashboard.core.errors import Code, ReviewRefusedError
from dashboard.core.evidence import Kind
from dashboard.core.export import rejected_csv
from dashboard.core.i18n import N_, _, month, ngettext, number
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
from dashboard.core.review import REASON_LIMIT
from dashboard.core.schema import PREVIEW_FIELDS, REQUIRED, TEMPLATE_COLUMNS
from dashboard.core.sheets import is_workbook, parse_upload, sheet_names
from dashboard.core.shown import EMPTY, shown_cells
from dashboard.core.text import md_escape
from dashboard.imports import (
    classify,
    commit_launches,
    evidence_template,
    prepare,
    prepare_evidence,
    prepare_launches,
    read_limited,
)
from dashboard.review import Outcome, check, evidence_file_change, submit
from dashboard.store import Store
from dashboard.ui.data import store

#: The evidence kinds as the page names them (a template's, a stored row's kind).
KIND_NAMES: dict[Kind, str] = {
    "sources": N_("sources"),
    "examinations": N_("examinations"),
    "component_origins": N_("component origins"),
}
#: Preview table columns, in display order: what storing each row does, then the columns
#: declared for the preview.
PREVIEW_COLUMNS = ("line", "change", *PREVIEW_FIELDS)
#: Hex digits of a SHA-256 shown where the whole would widen the page (the whole on hover).
SHORT_SHA = 12
#: The past uploads' columns and their labels (translated where shown).
BATCH_COLUMNS = {
    "id": N_("Batch"),
    "kind": N_("Kind"),
    "created_at": N_("When (UTC)"),
    "uploaded_by": N_("Who"),
    "filename": N_("File"),
    "sha256": N_("SHA-256"),
    "source_format": N_("Format"),
    "rows_read": N_("Rows read"),
    "added": N_("Added"),
    "updated": N_("Updated"),
    "removed": N_("Removed"),
    "unchanged": N_("Unchanged"),
    "rejected": N_("Rejected"),
    "reverts_batch": N_("Reverts batch"),
}


@st.cache_data(show_spinner=False, max_entries=4)
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
    with st.spinner(_("Reading and checking the file…")):
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


def _labeller() -> Callable[[str], str]:
    """How the mapping form names a template column: "(ignore)" for none, required ones marked
    (the words translated once, when the form is drawn)."""
    ignore, required = _("(ignore)"), _("{column} · required")

    def label(column: str) -> str:
        if not column:
            return ignore
        return required.format(column=column) if column in REQUIRED else column

    return label


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
    label = _labeller()
    with (
        st.expander(_("Map the file's columns"), expanded=missing),
        st.form(key=f"mapping_form_{tag}"),
    ):
        st.caption(
            _(
                "Choose the template column each file column fills (suggested from its name); "
                "leave a column ignored to drop it. Give the mapping a name to save it for later "
                "files and for the command line (`--mapping NAME`)."
            )
        )
        columns = st.columns(3)
        choices = {}
        for i, header in enumerate(file.header):
            box = columns[i % 3]
            # A label renders Markdown: a header like ![x](http://...) would fetch an image.
            choices[header] = box.selectbox(
                md_escape(header) if header else _("(column {n} has no name)").format(n=i + 1),
                options,
                index=options.index(start.get(header, IGNORE)),
                format_func=label,
                key=f"map_{tag}_{i}",
            )
            if i < len(seen) and seen[i].samples:
                box.caption(
                    _("e.g. {values}").format(
                        values=" · ".join(md_escape(_short(v)) for v in seen[i].samples)
                    )
                )
        filled = set(start.values()) | set(file.mapping.constants)
        if absent := [c for c in REQUIRED if c not in filled]:
            st.caption(
                _("Required and not yet filled: {columns}.").format(
                    columns=", ".join(f"`{c}`" for c in absent)
                )
            )
        values = _value_maps(file, seen, start)
        st.markdown(_("**Same value in every row** (for a column the file lacks)"))
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
                    _("Column"), options=list(TEMPLATE_COLUMNS)
                ),
                "value": st.column_config.TextColumn(_("Value")),
            },
        )
        name = st.text_input(_("Save as (optional)"), key="mapping_name", max_chars=100)
        if st.form_submit_button(_("Apply mapping")):
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
    keep = _("(keep as written)")
    for i, header in enumerate(file.header):
        column = start.get(header, IGNORE)
        accepted = vocabulary(column) if column else None
        if accepted is None or i >= len(seen):
            continue
        current = file.mapping.values.get(column, {})
        outside = [v for v in seen[i].distinct if v not in {a.casefold() for a in accepted}]
        if not outside:
            continue
        st.markdown(_("**Values of `{column}` the template does not know**").format(column=column))
        boxes = st.columns(3)
        table: dict[str, str] = {}
        for j, value in enumerate(outside):
            guess = current.get(value) or VALUE_SYNONYMS.get(column, {}).get(value, "")
            options = ["", *accepted]
            table[value] = boxes[j % 3].selectbox(
                md_escape(_short(value)),
                options,
                index=options.index(guess) if guess in options else 0,
                format_func=lambda v: v or keep,
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
    # One wrapping row of compact figures (ui/layout.py): four big numbers stacked one under
    # another would fill a phone's screen.
    with st.container(horizontal=True, wrap=True, gap="medium", key="upload_counts"):
        st.metric(_("Rows read"), number(counts.rows_read), width="content")
        st.metric(_("Valid"), number(counts.valid), width="content")
        st.metric(_("Invalid"), number(counts.invalid), width="content")
        st.metric(_("Warnings"), number(counts.warnings), width="content")
    # The SHA-256 shortened (it would widen a phone's page), whole on hover.
    short = file.sha256[:SHORT_SHA] + "…"
    st.text(
        "\n".join(_one_line(line).replace(file.sha256, short) for line in file.summary()),
        help=_("SHA-256: {sha256}").format(sha256=file.sha256),
    )
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
                "line": st.column_config.NumberColumn(
                    _("Line"), help=_("line in the file; 0: the file")
                ),
                "column": _("Column"),
                "value": st.column_config.TextColumn(_("Value (quoted)")),
                "reason": _("Reason"),
                "code": _("Code"),
                "severity": _("Severity"),
                "meaning": _("What the code means"),
            },
        )
        st.download_button(
            ngettext(
                "Download the {n} issue (CSV)", "Download the {n} issues (CSV)", len(issues)
            ).format(n=number(len(issues))),
            rejected_csv(issues),
            file_name=f"issues-{file.filename}",
            mime="text/csv",
            on_click="ignore",
            key="download_issues",
        )
    if counts.invalid:
        st.download_button(
            ngettext(
                "Download the {n} rejected row (CSV with an error column)",
                "Download the {n} rejected rows (CSV with an error column)",
                counts.invalid,
            ).format(n=number(counts.invalid)),
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
            "date": st.column_config.TextColumn(
                "date", help=_("a month reads '{month}'").format(month=month(date(2024, 9, 1)))
            ),
            "change": st.column_config.TextColumn("change", help=_("new, update or unchanged")),
        },
    )


def duplicates_choice(near: pd.DataFrame) -> Choice | None:
    """The possible duplicates (``near``), if any, beside the stored incidents they look like,
    and the analyst's choice of what to do with them (None: not chosen yet, or none to choose)."""
    if near.empty:
        return None
    st.warning(
        ngettext(
            "{n} new row looks like a stored incident (same date and weapon, within {km} km): "
            "possible duplicates.",
            "{n} new rows look like stored incidents (same date and weapon, within {km} km): "
            "possible duplicates.",
            len(near),
        ).format(n=number(len(near)), km=number(NEAR_KM)),
        icon=":material/content_copy:",
    )
    duplicates_table(near)
    return st.radio(
        _("What to do with them"),
        list(CHOICES),
        format_func={choice: _(text) for choice, text in CHOICES.items()}.__getitem__,
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
            "line": st.column_config.NumberColumn(_("Line")),
            "incident_id": _("Derived id"),
            "location": _("Place in the file"),
            "duplicate_of": _("Stored incident"),
            "stored_location": _("Stored place"),
            "distance_km": st.column_config.NumberColumn(_("Distance (km)"), format="%.2f"),
        },
    )


def batches_table(batches: pd.DataFrame) -> None:
    """Past uploads, newest first."""
    labels = {column: _(label) for column, label in BATCH_COLUMNS.items()}
    # A batch that reverts none reads "—", not "None".
    reverts = [EMPTY if pd.isna(b) else str(int(b)) for b in batches["reverts_batch"]]
    st.dataframe(
        batches[list(BATCH_COLUMNS)].assign(reverts_batch=reverts).rename(columns=labels),
        key="batches_table",
        hide_index=True,
        width="stretch",
        column_config={
            labels["created_at"]: st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            # Narrow: the cell's overlay (a double click) holds the whole hash.
            labels["sha256"]: st.column_config.TextColumn(width="small"),
        },
    )


def evidence_upload(
    store: Store, kind: Kind, *, who: str, today: date, limits: Limits, reviewing: bool
) -> None:
    """An evidence file of ``kind``: its template, the same report as an incident file's, the
    valid rows, and an all-or-nothing import as one batch (revertible under Past uploads)."""
    st.download_button(
        _("Download the {kind} template").format(kind=_(KIND_NAMES[kind])),
        evidence_template(kind),
        file_name=f"{kind}-template.csv",
        mime="text/csv",
        on_click="ignore",
        key=f"download_{kind}_template",
        icon=":material/download:",
    )
    st.caption(
        _(
            "The template's columns, in any order (see the README's Evidence section). A row "
            "must name a stored incident (or, for an examination, a place) and, for component "
            "origins, an examination already stored or in an earlier file. All or nothing: a "
            "file with any error stores nothing."
        )
    )
    upload = st.file_uploader(
        _("Evidence CSV or Excel workbook"),
        type=["csv", "tsv", "txt", "xlsx"],
        key=f"upload_{kind}",
        max_upload_size=math.ceil(limits.max_bytes / 2**20),
    )
    if upload is None:
        return
    data = read_limited(upload, limits.max_bytes)
    file = prepare_evidence(store, data, upload.name, kind, today, limits=limits)
    st.subheader(_("Report"))
    report(file)
    if file.valid.empty:
        return
    st.subheader(_("Valid rows, as they would be stored"))
    st.dataframe(file.valid, key=f"{kind}_preview", hide_index=True, width="stretch")
    # The one decision the command line and an approval take too (dashboard/review.py).
    decided = check(store, evidence_file_change(data, upload.name, kind), today, report=file)
    for note in decided.warnings:
        st.warning(md_escape(note), icon=":material/content_copy:")
    if decided.refusal is not None:
        st.warning(
            _("The file cannot be imported: {reason}.").format(reason=md_escape(decided.refusal))
        )
    reason = reason_input(required=reviewing, key="evidence_reason")
    if st.button(
        _("Propose") if reviewing else _("Import"),
        type="primary",
        disabled=decided.refusal is not None,
        key="import_evidence",
    ):
        try:
            outcome = submit(
                store, decided.change, author=who, reason=reason, today=today, checked=decided
            )
        except ReviewRefusedError as exc:
            st.error(md_escape(exc), icon=":material/block:")
            return
        if outcome.batch is None:
            st.session_state["upload_message"] = stored_message(outcome)
        else:
            summary = outcome.batch
            st.session_state["upload_message"] = _(
                "Stored as batch {batch}: {added} {kind} rows added, {updated} updated, "
                "{unchanged} unchanged. The monitor shows them now."
            ).format(
                batch=summary.batch_id,
                added=number(summary.added),
                kind=_(KIND_NAMES[kind]),
                updated=number(summary.updated),
                unchanged=number(summary.unchanged),
            )
        st.rerun()


def reason_input(*, required: bool, key: str) -> str:
    """The change's reason: one short line, recorded with the batch (required for a proposal)."""
    return st.text_input(
        _("Reason (required)") if required else _("Reason (optional)"),
        max_chars=REASON_LIMIT,
        key=key,
        help=_(
            "Why this change: recorded with it, shown in the record's history and to the reviewer."
        ),
    )


def stored_message(outcome: Outcome, *, rejected: int = 0, context: str | None = None) -> str:
    """What the page says once a file is stored as a batch or kept as a proposal; a file of
    context rows says so (``context``, :meth:`Report.context_note`) instead of "the monitor shows
    them"."""
    if outcome.proposal_id is not None:
        return _(
            "Proposed as proposal {id}: it goes live once another analyst approves it on the "
            "Review page."
        ).format(id=outcome.proposal_id)
    summary = outcome.batch
    assert summary is not None
    stored = _(
        "Stored as batch {batch}: {added} added, {updated} updated, {unchanged} "
        "unchanged, {rejected} rejected."
    ).format(
        batch=summary.batch_id,
        added=number(summary.added),
        updated=number(summary.updated),
        unchanged=number(summary.unchanged),
        rejected=number(rejected),
    )
    shown = context or _("The monitor shows them now.")
    return f"{stored} {shown}"


def launches_upload(current: Store, *, who: str, limits: Limits) -> None:
    """The Air Force reports' dataset: its report (what was read, counted, left out, every
    fault), the monthly series it gives, and storing it in place of the stored series (all or
    nothing). Not incidents: the monitor shows it behind its own toggle, with the caveat."""
    st.caption(
        _(
            "{dataset}: its `missile_attacks_daily.csv`. Rows whose model is {models} are summed "
            "by month. {caveat}"
        ).format(
            dataset=_(DATASET),
            models=_(" or ").join(f"`{m}`" for m in MODELS),
            caveat=_(CAVEAT),
        )
    )
    stored = current.launches_import()
    if stored is not None:
        st.caption(
            ngettext(
                "Stored now: {n} month from {file}, imported by {who} on {when} UTC.",
                "Stored now: {n} months from {file}, imported by {who} on {when} UTC.",
                stored.months,
            ).format(
                n=number(stored.months),
                file=md_escape(stored.filename),
                who=md_escape(stored.imported_by),
                when=f"{stored.imported_at:%Y-%m-%d %H:%M}",
            )
        )
    upload = st.file_uploader(_("The dataset's CSV"), type=["csv"], key="upload_launches")
    if upload is None:
        return
    data = read_limited(upload, limits.max_bytes)
    launches = prepare_launches(data, upload.name, limits=limits)
    st.subheader(_("Report"))
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
        st.warning(_("The file cannot be stored: {reason}.").format(reason=md_escape(refusal)))
    if st.button(
        _("Store the launches"),
        type="primary",
        disabled=refusal is not None,
        key="import_launches",
    ):
        done = commit_launches(current, launches, uploaded_by=who)
        st.session_state["upload_message"] = ngettext(
            "Stored {n} month of launches in place of the stored series.",
            "Stored {n} months of launches in place of the stored series.",
            done.months,
        ).format(n=number(done.months))
        st.rerun()
