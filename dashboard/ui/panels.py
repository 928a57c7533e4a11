"""The monitor's panels around the map: what it counts, the headline figures, an empty view's
notice, where the data comes from (live or frozen) and the panel's mandate."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from dashboard.core import i18n
from dashboard.core.figures import Headline
from dashboard.core.i18n import _, ngettext
from dashboard.core.links import format_asof
from dashboard.core.mandate import MandateStatus, event_texts
from dashboard.core.monitor import Empty, Screen
from dashboard.core.text import md_escape
from dashboard.core.view import (
    freeze,
    unfreeze,
)
from dashboard.ui.urlstate import ViewSession


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
