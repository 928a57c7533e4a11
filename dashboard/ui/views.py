"""Drawing pieces of the monitoring view: filters, figures, incident record, mandate panel."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st
from streamlit.elements.lib.column_types import ColumnConfig

from dashboard.core.figures import Headline
from dashboard.core.filters import Filters, choices
from dashboard.core.links import DATE_MAX, DATE_MIN, MAX_TEXT, format_asof
from dashboard.core.mandate import MandateStatus
from dashboard.core.records import is_missing
from dashboard.core.schema import DECLARATIONS, PRECISIONS, STATUSES, Column, shown_in
from dashboard.core.text import md_escape, safe_url

#: Table columns, in display order (the columns declared with a ``table`` position).
TABLE_COLUMNS = tuple(c.name for c in shown_in("table"))
#: Columns the incident record shows its own way: in its heading, as coordinates, as the source.
_RECORD_OWN_WAY = frozenset(
    {"date", "location", "latitude", "longitude", "geo_precision", "source_title", "source_url"}
)


def sidebar_filters(frame: pd.DataFrame) -> Filters:
    """Filter widgets in the sidebar; their state is the view's filter state.

    Each widget's key is its link parameter (see :mod:`dashboard.ui.urlstate`): the
    multiselects are bound to the URL by Streamlit, the dates and search synced by urlstate.
    """
    st.sidebar.header("Filters")
    date_from = st.sidebar.date_input(
        "From",
        value=None,
        min_value=DATE_MIN,
        max_value=DATE_MAX,
        format="YYYY-MM-DD",
        key="from",
        help="Empty: from the first incident.",
    )
    date_to = st.sidebar.date_input(
        "To",
        value=None,
        min_value=DATE_MIN,
        max_value=DATE_MAX,
        format="YYYY-MM-DD",
        key="to",
        help="Empty: up to the latest incident.",
    )
    statuses = st.sidebar.multiselect(
        "Attribution status",
        list(STATUSES),
        key="status",
        bind="query-params",
        help="\n".join(f"- **{k}**: {v}" for k, v in STATUSES.items()),
    )
    weapons = st.sidebar.multiselect(
        "Weapon", choices(frame, "weapon"), key="weapon", bind="query-params"
    )
    districts = st.sidebar.multiselect(
        "District", choices(frame, "district"), key="district", bind="query-params"
    )
    text = st.sidebar.text_input(
        "Search", key="q", max_chars=MAX_TEXT, placeholder="place, weapon, source, note…"
    )
    return Filters(date_from, date_to, tuple(statuses), tuple(weapons), tuple(districts), text)


def data_source(asof: datetime | None) -> None:
    """Say whether the view shows live data or the store as it was at ``asof``; switch between."""
    if asof is None:
        note, button = st.columns([4, 1], vertical_alignment="center")
        note.caption("Data: **live**, as the store holds it now.")
        if button.button(
            "Freeze at this moment",
            help="Pin this view and its link to the data as it is now (adds asof to the link).",
        ):
            st.session_state["asof"] = datetime.now(UTC).replace(microsecond=0)
            st.rerun()
    else:
        note, button = st.columns([4, 1], vertical_alignment="center")
        note.info(
            f"Data as the store held it at **{format_asof(asof)}** (asof): later uploads and "
            "corrections are not shown.",
            icon=":material/history:",
        )
        if button.button("Show live data"):
            st.session_state["asof"] = None
            st.rerun()


def headline_figures(figures: Headline, mandate: MandateStatus) -> None:
    cols = st.columns(5)
    cols[0].metric("Incidents in view", f"{figures.incidents:,}")
    cols[1].metric(
        "Confirmed by an independent monitor",
        f"{figures.confirmed:,}",
        help="attribution_status = confirmed (e.g. by the UN Panel of Experts)",
    )
    cols[2].metric("Killed · injured", f"{figures.killed:,} · {figures.injured:,}")
    cols[3].metric(
        "UN Panel of Experts", "Active" if mandate.active else "Expired", help=mandate.headline
    )
    cols[4].metric(
        "Incidents since expiry",
        f"{figures.since_expiry:,}",
        help="Incidents in view dated after the mandate ended: no UN panel to examine them.",
    )
    st.caption(mandate.headline)


def mandate_panel(mandate: MandateStatus, events: pd.DataFrame) -> None:
    """Status computed today, what monitors since, and the sourced timeline."""
    st.subheader("UN Panel of Experts (1718 Committee)")
    if mandate.active:
        st.success(mandate.headline)
    else:
        st.error(f"**{mandate.headline}**")
    st.markdown("\n".join(f"- {md_escape(fact)}" for fact in mandate.facts()))
    with st.expander("Mandate timeline, with sources", expanded=False):
        st.dataframe(
            events[["date", "kind", "event", "mandate_until", "source", "grade"]],
            hide_index=True,
            width="stretch",
        )


def _value(value: object) -> str | None:
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def incident_record(row: pd.Series) -> None:
    """The full record of one incident, every data string escaped."""
    with st.container(border=True, key="incident_record"):
        st.markdown(f"#### {md_escape(_value(row['date']))} · {md_escape(row['location'])}")
        fields: list[tuple[str, str | None]] = []
        for declared in DECLARATIONS:
            if declared.name == "latitude":
                fields.append(("Coordinates", None))
            elif declared.name not in _RECORD_OWN_WAY:
                fields.append((declared.label, declared.name))
        lines = []
        for label, column in fields:
            text: str | None
            if column is None:
                precision = PRECISIONS.get(int(row["geo_precision"]), "")
                text = f"{row['latitude']:.4f}, {row['longitude']:.4f} (precision: {precision})"
            else:
                text = _value(row[column])
            if text is not None:
                lines.append(f"- **{label}:** {md_escape(text)}")
        title = _value(row["source_title"])
        url = safe_url(row["source_url"])
        if url:
            lines.append(f"- **Source:** [{md_escape(title or url)}]({url})")
        elif title:
            lines.append(f"- **Source:** {md_escape(title)}")
        st.markdown("\n".join(lines))


def incident_table(frame: pd.DataFrame, selected_id: str | None) -> None:
    """The sortable incident table; selecting a row selects the incident (and re-aims the map)."""
    table = frame[list(TABLE_COLUMNS)].reset_index(drop=True)

    def select() -> None:
        rows = st.session_state["incident_table"].selection.rows
        st.session_state["incident"] = table.iloc[rows[0]]["incident_id"] if rows else None
        st.session_state["map_target"] = st.session_state["map_view"] = None

    st.dataframe(
        table,
        key="incident_table",
        on_select=select,
        selection_mode="single-row",
        selection_default={
            "selection": {"rows": table.index[table["incident_id"] == selected_id].tolist()}
        },
        hide_index=True,
        width="stretch",
        column_config={c.name: _table_column(c) for c in shown_in("table")},
    )


def _table_column(declared: Column) -> ColumnConfig:
    """The incident table's header for a column: its declared label and help, typed by kind."""
    if declared.kind == "date":
        return st.column_config.DateColumn(declared.label, help=declared.help, format="YYYY-MM-DD")
    if declared.is_link:
        return st.column_config.LinkColumn(declared.label, help=declared.help)
    if declared.kind in ("integer", "float"):
        return st.column_config.NumberColumn(declared.label, help=declared.help)
    return st.column_config.TextColumn(declared.label, help=declared.help)


def incident_history(history: pd.DataFrame) -> None:
    """Each batch that added or changed the incident, and what it changed (shown as text)."""
    with st.expander(f"Change history ({len(history)} recorded)", expanded=False):
        st.dataframe(
            history,
            hide_index=True,
            width="stretch",
            column_config={
                "batch": st.column_config.NumberColumn("Batch", format="%d"),
                "recorded_at": st.column_config.DatetimeColumn(
                    "Recorded", format="YYYY-MM-DD HH:mm"
                ),
                "change": st.column_config.TextColumn("Change", width="large"),
            },
        )
