"""The selected incident's record and the history of its changes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core import i18n
from dashboard.core.i18n import _, ngettext
from dashboard.core.records import is_missing
from dashboard.core.shown import record_fields, record_heading
from dashboard.core.text import md_escape, safe_url


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


def incident_history(history: pd.DataFrame) -> None:
    """Each batch that added or changed the incident, and what it changed (shown as text)."""
    recorded = len(history)
    title = ngettext(
        "Change history ({n} recorded)", "Change history ({n} recorded)", recorded
    ).format(n=i18n.number(recorded))
    with st.expander(title, expanded=False):
        st.dataframe(
            history,
            hide_index=True,
            width="stretch",
            column_config={
                "batch": st.column_config.NumberColumn(_("Batch"), format="%d"),
                "recorded_at": st.column_config.DatetimeColumn(
                    _("Recorded"), format="YYYY-MM-DD HH:mm"
                ),
                "change": st.column_config.TextColumn(_("Change"), width="large"),
            },
        )
