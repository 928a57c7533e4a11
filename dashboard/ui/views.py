"""Drawing pieces of the monitoring view: filters, figures, incident record, mandate panel."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st
from streamlit.elements.lib.column_types import ColumnConfig

from dashboard.core import i18n, places
from dashboard.core.figures import Headline
from dashboard.core.i18n import N_, _, ngettext
from dashboard.core.links import DATE_MAX, DATE_MIN, MAX_TEXT, format_asof
from dashboard.core.mandate import MandateStatus, event_texts
from dashboard.core.monitor import Empty, Screen
from dashboard.core.records import is_missing
from dashboard.core.schema import STATUSES, Column, shown_in
from dashboard.core.shown import COUNT_COLUMNS, record_fields, record_heading, status_name
from dashboard.core.table import PAGE_ROWS, Order, ordered, page_count, page_of, table_page
from dashboard.core.text import md_escape, safe_url
from dashboard.core.view import (
    clear_all,
    clear_selection,
    freeze,
    select,
    unfreeze,
)
from dashboard.ui.urlstate import ViewSession

#: Columns the incident record shows its own way: in its heading, as coordinates, as the source.
_RECORD_OWN_WAY = frozenset(
    {"date", "location", "latitude", "longitude", "geo_precision", "source_title", "source_url"}
)


def sidebar_filters(session: ViewSession, screen: Screen) -> None:
    """Filter widgets in the sidebar, showing the view's filters; a change sets the view's.

    Each widget's container is keyed by its link parameter. The widgets show the view (set
    before they are drawn, so back/forward and "Clear all" show too: see
    :meth:`ViewSession.widget`); a user's change sets that widget's filter alone, through
    :func:`dashboard.core.view.set_filters`, in the widget's callback.
    """
    chosen = session.view.filters
    start = session.filter_widget("from", "date_from", chosen.date_from)
    end = session.filter_widget("to", "date_to", chosen.date_to)
    statuses = session.filter_widget("status", "statuses", list(chosen.statuses), tuple)
    weapons = session.filter_widget("weapon", "weapons", list(chosen.weapons), tuple)
    districts = session.filter_widget("district", "districts", list(chosen.districts), tuple)
    search = session.filter_widget("q", "q", chosen.q)

    st.sidebar.header(_("Filters"))
    st.sidebar.container(key="from").date_input(
        _("From"),
        value=None,
        min_value=DATE_MIN,
        max_value=DATE_MAX,
        format="YYYY-MM-DD",
        **start,
        help=_("Empty: from the first incident."),
    )
    st.sidebar.container(key="to").date_input(
        _("To"),
        value=None,
        min_value=DATE_MIN,
        max_value=DATE_MAX,
        format="YYYY-MM-DD",
        **end,
        help=_("Empty: up to the latest incident."),
    )
    st.sidebar.container(key="status").multiselect(
        _("Attribution status"),
        list(STATUSES),
        format_func=status_name,
        **statuses,
        help="\n".join(f"- **{status_name(k)}**: {_(v)}" for k, v in STATUSES.items()),
    )
    st.sidebar.container(key="weapon").multiselect(
        _("Weapon"),
        screen.weapon_choices,
        **weapons,
        help=_(
            "Weapon classes: the spellings sources use (KN-23, Hwasong-11A, kn23…) mapped onto "
            "one vocabulary. Each record keeps its source's own words."
        ),
    )
    st.sidebar.container(key="district").multiselect(
        _("District"), screen.district_choices, format_func=places.name, **districts
    )
    st.sidebar.container(key="q").text_input(
        _("Search"),
        max_chars=MAX_TEXT,
        placeholder=_("place, weapon, source, note…"),
        **search,
    )
    st.sidebar.button(
        _("Clear all"),
        key="clear_all",
        help=_("Every filter, the selection, the map view and layer back to their defaults."),
        on_click=lambda: session.apply(clear_all),
    )


def context_toggle(session: ViewSession, screen: Screen) -> None:
    """The sidebar's "Show context incidents" (link parameter ``context=1``)."""
    st.sidebar.container(key="context").checkbox(
        _("Show context incidents ({n})").format(n=i18n.number(screen.context_total)),
        **session.filter_widget("context", "context", session.view.filters.context, bool),
        help=_(
            "Incidents that are not DPRK-origin (an ACLED export's strikes, say): drawn faint "
            "and grey on the map, never in the figures, the chart or the table."
        ),
    )


def counting_note(screen: Screen) -> None:
    """What the page counts: DPRK-origin incidents only, what is left out, and whether the
    casualty sums are floors ("Killed · injured: at least.")."""
    other = screen.context_total
    notes = [
        _(
            "Counts DPRK-origin incidents only: weapon_origin names the DPRK, or the weapon is "
            "of a DPRK class (Hwasong-11A/KN-23, Hwasong-11B/KN-24, …)."
        )
    ]
    if (casualties := screen.figures.casualty_figure[1]) is not None:
        notes.append(_("Killed · injured: {words}.").format(words=casualties))
    if other:
        shown = len(screen.context)
        if shown:
            notes.append(
                ngettext(
                    "{n} other stored incident is context, never counted; {shown} of them "
                    "are on the map, faint and grey.",
                    "{n} other stored incidents are context, never counted; {shown} of them "
                    "are on the map, faint and grey.",
                    other,
                ).format(n=i18n.number(other), shown=i18n.number(shown))
            )
        else:
            notes.append(
                ngettext(
                    "{n} other stored incident is context, never counted.",
                    "{n} other stored incidents are context, never counted.",
                    other,
                ).format(n=i18n.number(other))
            )
    st.caption(" ".join(notes))


def data_source(session: ViewSession) -> None:
    """Say whether the view shows live data or the store as it was at ``asof``; switch between."""
    asof = session.view.asof
    # One row that wraps (columns would stack the note and its button on a phone).
    with st.container(horizontal=True, vertical_alignment="center", key="data_source"):
        if asof is None:
            st.caption(_("Data: **live**, as stored now."), width="content")
            st.button(
                _("Freeze at this moment"),
                help=_(
                    "Pin this view and its link to the data as it is now (adds asof to the link)."
                ),
                on_click=lambda: session.apply(lambda view: freeze(view, datetime.now(UTC))),
            )
        else:
            st.info(
                _(
                    "Data as the store held it at **{moment}** (asof): later uploads and "
                    "corrections are not shown."
                ).format(moment=format_asof(asof)),
                icon=":material/history:",
            )
            st.button(_("Show live data"), on_click=lambda: session.apply(unfreeze))


def headline_figures(figures: Headline, mandate: MandateStatus) -> None:
    """The five headline figures, in a row that wraps: one line on a desktop, two on a phone.

    The labels are short (what they count exactly is in their help), so none is cut off. What
    the casualty sums are ("at least") is said in :func:`counting_note`, where it neither widens
    the figure nor pushes the map down on a phone.
    """
    with st.container(horizontal=True, gap="small", key="headline_figures"):
        st.metric(_("Incidents in view"), i18n.number(figures.incidents), width="content")
        st.metric(
            _("Confirmed"),
            i18n.number(figures.confirmed),
            help=_(
                "Confirmed by an independent monitor (attribution_status = confirmed, e.g. by "
                "the UN Panel of Experts)."
            ),
            width="content",
        )
        st.metric(
            _("Killed · injured"),
            figures.casualty_figure[0],
            help=_(
                'Summed over the incidents in view that give a figure: "at least" when some '
                'give none (an unknown count is never taken as 0), "not reported" when none '
                "does."
            ),
            width="content",
        )
        st.metric(
            _("UN Panel of Experts"),
            _("Active") if mandate.active else _("Expired"),
            help=mandate.headline,
            width="content",
        )
        st.metric(
            _("Since expiry"),
            i18n.number(figures.since_expiry),
            help=_("Incidents in view dated after the mandate ended: no UN panel to examine them."),
            width="content",
        )
    st.caption(mandate.headline)


def empty_notice(screen: Screen) -> None:
    """Say once, plainly, why no incident is in view (an impossible date range is a warning)."""
    message = screen.empty_message
    if message is None:
        return
    with st.container(key="empty_view"):
        if screen.empty is Empty.RANGE:
            st.warning(md_escape(message), icon=":material/date_range:")
        else:
            st.info(md_escape(message), icon=":material/filter_alt_off:")


def mandate_panel(mandate: MandateStatus, events: pd.DataFrame) -> None:
    """Status computed today, what monitors since, and the sourced timeline."""
    st.subheader(_("UN Panel of Experts (1718 Committee)"))
    if mandate.active:
        st.success(mandate.headline)
    else:
        st.error(f"**{mandate.headline}**")
    st.markdown("\n".join(f"- {md_escape(fact)}" for fact in mandate.facts()))
    with st.expander(_("Mandate timeline, with sources"), expanded=False):
        shown = events[
            ["date", "kind", "event", "mandate_until", "source", "corroborated_by", "grade"]
        ].assign(event=event_texts(events))
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            column_config={
                "date": st.column_config.TextColumn(_("Date")),
                "kind": st.column_config.TextColumn(_("Kind")),
                "event": st.column_config.TextColumn(_("Event")),
                "mandate_until": st.column_config.TextColumn(_("Mandate until")),
                "source": st.column_config.LinkColumn(_("Source")),
                "corroborated_by": st.column_config.TextColumn(_("Corroborated by")),
                "grade": st.column_config.TextColumn(_("Grade")),
            },
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
            format_func=_,
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


#: The table's first columns, so that status and casualties show without scrolling sideways
#: beside the map; the others follow in their declared order.
_TABLE_LEAD: tuple[str, ...] = ("date", "location", "attribution_status", "killed", "injured")


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
    return st.column_config.TextColumn(label, help=words)


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
