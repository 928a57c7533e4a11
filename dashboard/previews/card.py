"""What a shared link's preview says about its view, in words, from the figures the page shows
(:class:`dashboard.core.monitor.Screen`): "8 DPRK-origin missile incidents · Kharkiv ·
Jan-Mar 2024", and a line with the headline figures and the UN panel's status. Pure text in
the language in force: the page escapes it for HTML, the image draws it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from babel.dates import format_interval

from dashboard.core import i18n, places
from dashboard.core.i18n import _, ngettext
from dashboard.core.monitor import Screen

#: The headline's parts, joined as the page's metrics are.
SEPARATOR = " · "


@dataclass(frozen=True)
class Card:
    title: str
    description: str
    #: The incidents' count, place and dates, each on its own (the image sets them apart).
    count: str
    place: str
    period: str | None
    #: (label, value) of the headline figures, as the page's metrics show them.
    figures: tuple[tuple[str, str], ...]
    status: str


def period(screen: Screen) -> tuple[date, date] | None:
    """The view's dates: its own, an open end taken from the incidents in view; None when it
    sets none and shows no incident."""
    chosen = screen.view.filters
    dates = screen.in_view["date"]
    first = chosen.date_from or (None if dates.empty else pd.Timestamp(dates.min()).date())
    last = chosen.date_to or (None if dates.empty else pd.Timestamp(dates.max()).date())
    if first is None or last is None:
        return None
    return first, last


def period_text(span: tuple[date, date]) -> str:
    """Months in the locale's words and form (Babel's interval of the ``yMMM`` skeleton):
    "Jan - Mar 2024" in English, with the month's short names in another language."""
    first, last = span
    if last < first:
        first, last = last, first
    return format_interval(first, last, "yMMM", locale=i18n.locale())


def place(screen: Screen) -> str:
    """Where the view's incidents are: its districts, else the one place they share, else
    Ukraine (names from the gazetteer where it knows them)."""
    districts = screen.view.filters.districts
    if districts:
        return ", ".join(places.name(d) for d in districts)
    found = screen.in_view["location"].dropna().astype(str).unique()
    if len(found) == 1:
        return places.name(found[0])
    return _("Ukraine")


def card(screen: Screen) -> Card:
    """The preview of ``screen``'s view."""
    figures = screen.figures
    count = ngettext(
        "{n} DPRK-origin missile incident", "{n} DPRK-origin missile incidents", figures.incidents
    ).format(n=i18n.number(figures.incidents))
    where = place(screen)
    span = period(screen)
    when = None if span is None else period_text(span)
    status = screen.mandate.headline
    shown = (
        (_("Confirmed by an independent monitor"), i18n.number(figures.confirmed)),
        (_("Killed · injured"), figures.casualties),
        (_("Incidents since expiry"), i18n.number(figures.since_expiry)),
    )
    description = SEPARATOR.join(
        [
            *(_("{figure}: {value}").format(figure=label, value=value) for label, value in shown),
            _("UN Panel of Experts: {status}").format(status=status),
        ]
    )
    return Card(
        title=SEPARATOR.join(part for part in (count, where, when) if part),
        description=description,
        count=count,
        place=where,
        period=when,
        figures=shown,
        status=status,
    )
