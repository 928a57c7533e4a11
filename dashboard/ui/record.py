"""The selected incident's record and the history of its changes."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from dashboard.core import i18n
from dashboard.core.i18n import _, ngettext
from dashboard.core.records import is_missing
from dashboard.core.schema import DECLARATIONS
from dashboard.core.shown import record_fields, record_heading
from dashboard.core.text import NOT_REPORTED, md_escape, safe_url
from dashboard.review import HistoryEntry


def _value(value: object) -> str | None:
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def incident_record(row: pd.Series) -> None:
    """The full record of one incident, every data string escaped."""
    with st.container(border=True, key="incident_record"):
        values = {str(k): v for k, v in row.items()}
        st.markdown(f"#### {md_escape(record_heading(values))}")
        lines = [
            f"- **{md_escape(label)}:** {md_escape(text)}" for label, text in record_fields(values)
        ]
        title = _value(row["source_title"])
        url = safe_url(row["source_url"])
        source = md_escape(_("Source"))
        if url:
            lines.append(f"- **{source}:** [{md_escape(title or url)}]({url})")
        elif title:
            lines.append(f"- **{source}:** {md_escape(title)}")
        st.markdown("\n".join(lines))


def change_words(entry: HistoryEntry, labels: Mapping[str, str]) -> str:
    """One history step in words: added, retracted, removed, or each changed field, old → new
    (an empty value is "not reported": unknown, never 0)."""
    if entry.before is None:
        return _("added")
    if entry.after is None:
        return _("retracted") if entry.kind == "retract" else _("removed")
    unknown = _(NOT_REPORTED)
    return "; ".join(
        f"{labels.get(c.field, c.field)}: {c.old or unknown} → {c.new or unknown}"
        for c in entry.fields
    )


def history_line(entry: HistoryEntry, labels: Mapping[str, str]) -> str:
    """One change as a Markdown list item, every data string escaped: when, the batch, who made
    it and who approved it, why, and what changed."""
    who = _("by {author}").format(author=entry.by)
    if entry.reviewed_by:
        who = _("by {author}, approved by {reviewer}").format(
            author=entry.by, reviewer=entry.reviewed_by
        )
    head = " · ".join(
        (
            f"{entry.recorded_at:%Y-%m-%d %H:%M} UTC",
            _("batch {batch}").format(batch=entry.batch_id),
            who,
        )
    )
    why = _("why: {reason}").format(reason=entry.reason) if entry.reason else _("no reason given")
    return (
        f"- **{md_escape(head)}** · {md_escape(why)}  \n  {md_escape(change_words(entry, labels))}"
    )


def incident_history(entries: list[HistoryEntry]) -> None:
    """Each change of the incident, oldest first: when, who made it and why, who approved it,
    and what changed."""
    recorded = len(entries)
    title = ngettext(
        "Change history ({n} recorded)", "Change history ({n} recorded)", recorded
    ).format(n=i18n.number(recorded))
    labels = {c.name: _(c.label) for c in DECLARATIONS}
    with st.expander(title, expanded=False), st.container(key="incident_history"):
        st.markdown("\n".join(history_line(e, labels) for e in entries))
