"""The evidence in the monitor: an incident's sources and examinations, and where the parts of the
examined missiles in view came from. Every data string is shown as text (escaped Markdown or
table cells); a title is a link only for an http(s) address."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import datetime

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.core import i18n
from dashboard.core.evidence import (
    PROVISIONS,
    SAYS,
    Evidence,
    Figure,
    incident_sources,
    parts_summary,
)
from dashboard.core.figures import localised
from dashboard.core.i18n import _, ngettext
from dashboard.core.records import is_missing
from dashboard.core.text import md_escape, safe_url
from dashboard.ui import data
from dashboard.ui.urlstate import ViewSession


@st.cache_data(show_spinner=False, max_entries=4)
def _evidence(url: str, batch_id: int | None, version: int) -> Evidence:
    return data.store().evidence(batch_id)


def load(asof: datetime | None) -> Evidence:
    """The evidence now, or as the store held it at ``asof`` (cached per batch)."""
    store = data.store()
    if asof is None:
        return _evidence(store.url, None, store.evidence_version())
    batch = store.last_batch_at(asof)
    return _evidence(store.url, batch, batch)


def examined_toggle(session: ViewSession) -> None:
    """The sidebar's "Examined only" filter (link parameter ``examined=1``)."""
    st.sidebar.container(key="examined").checkbox(
        _("Examined only"),
        **session.filter_widget("examined", "examined", session.view.filters.examined, bool),
        help=_("Only incidents whose debris an examiner (CAR, NAKO, the UN Panel…) examined."),
    )


def _text(value: object) -> str | None:
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def source_line(source: Mapping[Hashable, object]) -> str:
    """One source as a Markdown list item: title (a link only for http(s)), publisher, date,
    what it says and grade, every value escaped."""
    title = md_escape(_text(source["title"]) or "")
    url = safe_url(source["url"])
    head = f"[{title}]({url})" if url else title
    parts = [
        md_escape(text)
        for text in (_text(source["publisher"]), _text(source["published"]))
        if text is not None
    ]
    says = _text(source["says"])
    if says is not None:
        meaning = SAYS.get(says)
        parts.append(md_escape(f"{says}: {_(meaning) if meaning else ''}"))
    grade = _text(source["grade"])
    parts.append(
        md_escape(_("grade {grade}").format(grade=grade) if grade else _("grade not given"))
    )
    return f"- {head} · " + " · ".join(parts)


def _share_chart(shares: pd.DataFrame) -> alt.Chart:
    """Bars of component share by country, one colour per examination. It reads at the record's
    width (a phone's too): the legend under the bars, not beside them taking their width, its
    examiners' names whole; a few ticks on the axis, its title whole."""
    return (
        alt.Chart(shares)
        .mark_bar()
        .encode(
            x=alt.X(
                "share:Q",
                title=_("share of the components examined (%)"),
                axis=alt.Axis(tickCount=4, titleLimit=0, labelFlush=True),
            ),
            y=alt.Y("country:N", sort="-x", title=None, axis=alt.Axis(labelLimit=140)),
            color=alt.Color(
                "examiner:N",
                title=_("examined by"),
                legend=alt.Legend(
                    orient="bottom", direction="vertical", labelLimit=0, titleLimit=0
                ),
            ),
            tooltip=[
                alt.Tooltip("country:N", title=_("Country")),
                alt.Tooltip("share:Q", title=_("Share (%)")),
                alt.Tooltip("examiner:N", title=_("Examined by")),
                alt.Tooltip("source:N", title=_("Source")),
                alt.Tooltip("grade:N", title=_("Grade")),
            ],
        )
    )


def incident_evidence(incident: pd.Series, evidence: Evidence) -> None:
    """Every source of the selected incident, and its examinations with their origins chart."""
    record = incident.to_dict()
    sources = incident_sources(record, evidence)
    own = evidence.for_incidents([str(record["incident_id"])])
    with st.container(border=True, key="incident_evidence"):
        # Headings of the catalogue's words and a number: no data string in them.
        st.markdown("##### " + _("Sources ({n})").format(n=i18n.number(len(sources))))
        st.markdown("\n".join(source_line(s) for s in sources.to_dict("records")))
        if own.examinations.empty:
            return
        summary = parts_summary(own)
        examined = i18n.number(len(own.examinations))
        st.markdown("##### " + _("Debris examinations ({n})").format(n=examined))
        source = md_escape(_("Source"))
        for exam in summary.examinations.to_dict("records"):
            published = _text(exam["published"]) or _("date not given")
            said = md_escape(
                _("{published}, grade {grade}").format(published=published, grade=exam["grade"])
            )
            st.markdown(
                f"**{md_escape(exam['examiner'])}** ({said}): {md_escape(exam['findings'])}  \n"
                f"{source}: {_source_link(exam)}"
            )
        _origins(summary.shares, summary.unshared, summary.manufacturers)


def _source_link(exam: Mapping[Hashable, object]) -> str:
    title = md_escape(_text(exam["source_title"]) or "")
    url = safe_url(exam["source_url"])
    return f"[{title}]({url})" if url else title


def _origins(shares: pd.DataFrame, unshared: list[Figure], manufacturers: pd.DataFrame) -> None:
    if not shares.empty:
        st.markdown(md_escape(_("Component origin by country of company headquarters")))
        st.altair_chart(localised(_share_chart(shares)), width="stretch")
        st.dataframe(
            shares[["country", "share", "examiner", "source", "grade"]],
            hide_index=True,
            width="stretch",
            column_config={
                "country": _("Country"),
                "share": _("Share (%)"),
                "examiner": _("Examined by"),
                "source": _("Source"),
                "grade": _("Grade"),
            },
        )
    for figure in unshared:
        st.markdown(f"- {md_escape(figure.value)} ({_cited(figure)})")
    if not manufacturers.empty:
        st.markdown(md_escape(_("Named manufacturers (only where the source names them)")))
        st.dataframe(
            manufacturers,
            hide_index=True,
            width="stretch",
            column_config={
                "manufacturer": _("Manufacturer"),
                "country": _("Country"),
                "examination_id": _("Examination"),
                "source": _("Source"),
                "grade": _("Grade"),
            },
        )


def _cited(figure: Figure) -> str:
    """A figure's source and grade, as Markdown text: "CAR, grade H"."""
    return md_escape(_("{source}, grade {grade}").format(source=figure.source, grade=figure.grade))


def parts_panel(in_view: pd.DataFrame, evidence: Evidence) -> None:
    """ "Where the parts came from" for the incidents in view, each figure with its source."""
    # Only examined incidents have examinations: their ids, not a set of every id in view (a
    # set of 100,000 Arrow strings took 0.5 s; :func:`annotate` marks them ``examined``).
    ids = in_view["incident_id"]
    if "examined" in in_view:
        ids = ids[in_view["examined"].to_numpy(dtype=bool)]
    summary = parts_summary(evidence.for_incidents(ids))
    with st.container(key="parts_panel"):
        st.subheader(_("Where the parts came from"))
        if summary.empty:
            st.info(_("No incident in view has a debris examination."))
            return
        missiles = summary.examinations["incident_id"].nunique()
        examinations = ngettext(
            "{n} examination", "{n} examinations", len(summary.examinations)
        ).format(n=i18n.number(len(summary.examinations)))
        label = md_escape(_("Examined missiles"))
        lines = [f"- **{label}:** {i18n.number(missiles)} ({md_escape(examinations)})"]
        label = md_escape(_("Components"))
        lines += [f"- **{label}:** {md_escape(f.value)} ({_cited(f)})" for f in summary.components]
        label = md_escape(_("Manufactured"))
        lines += [f"- **{label}:** {md_escape(f.value)} ({_cited(f)})" for f in summary.years]
        st.markdown("\n".join(lines))
        _origins(summary.shares, summary.unshared, summary.manufacturers)
        heading = md_escape(_("Provisions that bear on it"))
        st.markdown(
            f"**{heading}**\n"
            + "\n".join(
                f"- **{md_escape(_(name))}:** {md_escape(_(text))}" for name, text in PROVISIONS
            )
        )
