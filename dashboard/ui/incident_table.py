"""The incident table: sorted and paged on the server, a row's selection selecting the incident."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit.elements.lib.column_types import ColumnConfig

from dashboard.core import i18n
from dashboard.core.i18n import N_, _, ngettext
from dashboard.core.schema import Column, shown_in
from dashboard.core.shown import COUNT_COLUMNS
from dashboard.core.table import PAGE_ROWS, Order, ordered, page_count, page_of, table_page
from dashboard.core.view import (
    clear_selection,
    select,
)
from dashboard.ui.urlstate import ViewSession

#: The table's sort choices, by their declared (English) labels, translated where shown: its
#: own order first, then its columns.
_SORTS: dict[str, str | None] = {
    N_("Newest first"): None,
    **{c.label: c.name for c in shown_in("table")},
}


def _table_order() -> Order:
    """The order the table's sort widgets ask for (their defaults before they are drawn)."""
    state = st.session_state
    return Order(_SORTS.get(state.get("table_sort", "")), bool(state.get("table_reverse")))


def incident_table(frame: pd.DataFrame, session: ViewSession) -> None:
    """The incident table, one page at a time, sorted on the server: only that page's rows reach
    the browser. Selecting a row selects the incident (and re-aims the map).

    A selection made elsewhere (a link, back/forward, "Clear all") turns the table to
    the page showing that incident; paged away from it, a button turns back to it. Each page,
    order and outside selection is its own table key, drawn with its selection.
    """
    order = _table_order()
    positions = ordered(frame, order)
    pages = page_count(len(frame))
    selected_id = session.view.incident
    state = st.session_state
    if session.table_shows != selected_id:
        session.table_key += 1
        session.table_shows = selected_id
        if selected_id is not None:
            state["table_page"] = page_of(frame, positions, selected_id)
    state["table_page"] = min(max(int(state.get("table_page", 1)), 1), pages)
    page = int(state["table_page"])
    table = table_page(frame, positions, page)
    key = f"incident_table_{session.table_key}_{page}_{order.column}_{order.reverse}"

    def chosen() -> None:
        current = _table_order()
        if key != (
            f"incident_table_{session.table_key}_{state['table_page']}_{current.column}_"
            f"{current.reverse}"
        ):
            return  # a replaced table the browser still reported (right after back/forward)
        rows = state[key].selection.rows
        incident = str(table.iloc[rows[0]]["incident_id"]) if rows else None
        session.table_shows = incident
        session.apply(
            lambda view: clear_selection(view) if incident is None else select(view, incident)
        )

    def first_page() -> None:
        state["table_page"] = 1

    def selected_page() -> None:
        if selected_id is not None:
            state["table_page"] = page_of(frame, positions, selected_id)

    with st.container(key="incident_table"):
        # One wrapping row: each control as wide as it needs (columns cut "Reverse" short).
        controls = st.container(horizontal=True, wrap=True, vertical_alignment="bottom")
        controls.selectbox(
            _("Sort by"),
            list(_SORTS),
            format_func={sort: _(sort) for sort in _SORTS}.__getitem__,
            key="table_sort",
            on_change=first_page,
            help=_(
                "Orders every incident in view (clicking a column header sorts only this page)."
            ),
            width=200,
        )
        controls.toggle(
            _("Reverse"),
            key="table_reverse",
            on_change=first_page,
            help=_("The other way round."),
            width="content",
        )
        controls.number_input(
            _("Page"), min_value=1, max_value=pages, step=1, key="table_page", width=130
        )
        note = controls.container(width="content")
        first = (page - 1) * PAGE_ROWS + 1
        note.caption(
            ngettext(
                "Incidents {first} to {last} of {n}",
                "Incidents {first} to {last} of {n}",
                len(frame),
            ).format(
                first=i18n.number(first),
                last=i18n.number(first + len(table) - 1),
                n=i18n.number(len(frame)),
            )
        )
        if selected_id is not None and selected_id not in set(table["incident_id"]):
            note.button(
                _("Show the selected incident"),
                key="table_to_selected",
                on_click=selected_page,
                help=_("Turn to the page holding the selected incident."),
            )
        st.dataframe(
            table,
            key=key,
            on_select=chosen,
            selection_mode="single-row",
            selection_default={
                "selection": {"rows": table.index[table["incident_id"] == selected_id].tolist()}
            },
            hide_index=True,
            width="stretch",
            column_config={c.name: _table_column(c) for c in shown_in("table")},
            column_order=_table_columns(),
        )


#: The table's first columns, so that the casualties show without scrolling sideways, on a
#: phone too (the date, the place, killed and injured fill its width), then the status; the
#: others follow in their declared order (and all are in the record).
_TABLE_LEAD: tuple[str, ...] = ("date", "location", "killed", "injured", "attribution_status")
#: The lead columns' widths in pixels: narrow enough for four of them on a 390 px phone (a long
#: place is shortened, whole in the record and in the cell's overlay).
_LEAD_WIDTHS: dict[str, int] = {"date": 92, "location": 104, "killed": 58, "injured": 62}


def _table_columns() -> list[str]:
    """The incident table's columns in the order shown: :data:`_TABLE_LEAD`, then the rest."""
    rest = [c.name for c in shown_in("table") if c.name not in _TABLE_LEAD]
    return [*_TABLE_LEAD, *rest]


def _table_column(declared: Column) -> ColumnConfig:
    """The incident table's header for a column: its declared label and help, typed by kind
    (the date and the counts arrive as text: "September 2024", "not reported")."""
    label, words = _(declared.label), _(declared.help) if declared.help else declared.help
    if declared.is_link:
        return st.column_config.LinkColumn(label, help=words)
    if declared.kind == "float" or (
        declared.kind == "integer" and declared.name not in COUNT_COLUMNS
    ):
        return st.column_config.NumberColumn(label, help=words)
    # A place can be a long phrase ("Village of Rozhivka, Brovary district, Kyiv oblast"): it
    # keeps a narrow width (the full text in the cell's overlay), so killed and injured stay in
    # view.
    return st.column_config.TextColumn(label, help=words, width=_LEAD_WIDTHS.get(declared.name))
