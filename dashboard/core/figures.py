"""Headline figures, the monthly timeline of the incidents in view, and its time control.

The timeline spans the months of the incidents that pass every filter but the dates, so the
months outside the view's dates stay in reach: brushing the chart, moving the month slider or
playing month by month sets the view's dates (the months here are whole calendar months, UTC).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Final, TypeVar

import altair as alt
import numpy as np
import pandas as pd
from babel.numbers import get_decimal_symbol, get_group_symbol

from dashboard.core import i18n
from dashboard.core.dates import month_end
from dashboard.core.filters import Filters, apply
from dashboard.core.i18n import _
from dashboard.core.mandate import MandateStatus
from dashboard.core.schema import STATUS_COLOURS
from dashboard.core.shown import status_name
from dashboard.core.text import NOT_REPORTED
from dashboard.core.weapons import DPRK

#: The view's date range, "from" and "to", either end open (None).
Dates = tuple[date | None, date | None]
#: Name of the timeline's brush: its Vega-Lite selection parameter.
BRUSH: Final = "months"
#: How the bars of months outside the view's dates are drawn (opacity), beside the 1 of those in.
OUTSIDE_OPACITY: Final = 0.3
#: Dash patterns of the mandate's marks (veto, expiry, any further), told apart in the legend.
_DASHES: Final = ([6, 3], [2, 2], [8, 2, 2, 2])


#: CLDR date-pattern fields and their d3-time-format directives (what Vega formats dates with).
_D3_FIELDS: Final = {
    "yyyy": "%Y", "yy": "%y", "y": "%Y", "MM": "%m", "M": "%-m", "dd": "%d", "d": "%-d",
    "HH": "%H", "H": "%-H", "hh": "%I", "h": "%-I", "mm": "%M", "ss": "%S", "a": "%p",
}  # fmt: skip
_CLDR_FIELD: Final = re.compile("|".join(sorted(_D3_FIELDS, key=len, reverse=True)))


def _d3_pattern(cldr: str) -> str:
    """A CLDR date or time pattern (Babel's) as a d3-time-format specifier."""
    return _CLDR_FIELD.sub(lambda found: _D3_FIELDS[found.group(0)], cldr.replace("'", ""))


def vega_locale() -> dict[str, dict[str, object]]:
    """Vega's number and time locale (``config.locale``) of the language in force, from Babel:
    the axes' months and numbers in the page's language ("січ. 2024", "1 234,5")."""
    where = i18n.locale()
    months, days = where.months["stand-alone"], where.days["format"]
    week = [6, 0, 1, 2, 3, 4, 5]  # d3 weeks start on Sunday; Babel's days count from Monday
    periods = where.day_periods["format"]["abbreviated"]
    date_pattern = _d3_pattern(where.date_formats["short"].pattern)
    time_pattern = _d3_pattern(where.time_formats["medium"].pattern)
    return {
        "number": {
            "decimal": get_decimal_symbol(where),
            "thousands": get_group_symbol(where),
            "grouping": [3],
            "currency": ["", ""],
        },
        "time": {
            "dateTime": str(where.datetime_formats["short"]).format(time_pattern, date_pattern),
            "date": date_pattern,
            "time": time_pattern,
            "periods": [periods["am"], periods["pm"]],
            "days": [days["wide"][day] for day in week],
            "shortDays": [days["abbreviated"][day] for day in week],
            "months": [months["wide"][month] for month in range(1, 13)],
            "shortMonths": [months["abbreviated"][month] for month in range(1, 13)],
        },
    }


_Chart = TypeVar("_Chart", bound=alt.TopLevelMixin)


def localised(chart: _Chart) -> _Chart:
    """``chart`` with its dates and numbers formatted in the language in force."""
    return chart.configure(locale=vega_locale())


#: The page's metric for a figure no incident in view gives (its note says "not reported").
NO_FIGURE: Final = "\u2014"


@dataclass(frozen=True)
class Tally:
    """A casualty count over incidents: the sum of the figures reported, and how many of the
    incidents report none (unknown, never 0)."""

    reported: int
    unreported: int
    incidents: int

    @classmethod
    def of(cls, counts: pd.Series) -> Tally:
        """The tally of a nullable count column (missing: not reported)."""
        missing = int(counts.isna().sum())
        return cls(int(counts.sum(skipna=True)), missing, len(counts))

    @property
    def text(self) -> str:
        """As the headline says it: "12", "at least 12" when some incidents report no figure,
        "not reported" when none does (no incident at all: "0")."""
        if self.unknown:
            return _(NOT_REPORTED)
        if self.unreported:
            return _("at least {n}").format(n=i18n.number(self.reported))
        return i18n.number(self.reported)

    @property
    def unknown(self) -> bool:
        """Whether no incident counted gives a figure (there is none to sum)."""
        return bool(self.incidents) and self.unreported == self.incidents


@dataclass(frozen=True)
class Headline:
    incidents: int
    confirmed: int
    killed: Tally
    injured: Tally
    since_expiry: int

    @property
    def casualties(self) -> str:
        """Killed and injured as the headline shows them: "at least 19 · 157"."""
        return f"{self.killed.text} · {self.injured.text}"

    @property
    def casualty_figure(self) -> tuple[str, str | None]:
        """The same for the page's metric, whose value must stay narrow (a phone's two rows):
        the sums ("21 · 157", a dash for a figure no incident gives), and the note the page puts
        beside them, in what it counts ("at least", "not reported", or per figure; None when
        every incident gives both)."""
        value = " · ".join(
            NO_FIGURE if t.unknown else i18n.number(t.reported) for t in self.tallies
        )
        words = [
            (name, _(NOT_REPORTED) if t.unknown else _("at least"))
            for name, t in zip((_("killed"), _("injured")), self.tallies, strict=True)
            if t.unreported
        ]
        if not words:
            return value, None
        if len(words) == 2 and words[0][1] == words[1][1]:
            return value, words[0][1]
        return value, "; ".join(
            _("{figure} {word}").format(figure=name, word=word) for name, word in words
        )

    @property
    def tallies(self) -> tuple[Tally, Tally]:
        """Killed and injured."""
        return (self.killed, self.injured)


def headline(frame: pd.DataFrame, mandate: MandateStatus) -> Headline:
    """Counts over ``frame``; "since expiry" counts incidents certainly after the panel's mandate
    ended (a month-precision incident only when its month began after the end)."""
    since_expiry = 0
    if not mandate.active:
        end = np.datetime64(mandate.mandate_end, "s")
        since_expiry = int((frame["date"].to_numpy() > end).sum())
    return Headline(
        incidents=len(frame),
        confirmed=int((frame["attribution_status"] == "confirmed").sum()),
        killed=Tally.of(frame["killed"]),
        injured=Tally.of(frame["injured"]),
        since_expiry=since_expiry,
    )


def monthly_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Incidents per calendar month and attribution status: columns month, status, incidents.

    Counted with one ``bincount`` over (month, status code) pairs: a million rows cost
    milliseconds, where a group-by took a large part of a second.
    """
    status = frame["attribution_status"].astype("category").cat
    codes = status.codes.to_numpy().astype("int64")
    months = frame["date"].to_numpy().astype("datetime64[M]").astype("int64")[codes >= 0]
    codes = codes[codes >= 0]
    if codes.size == 0:
        return pd.DataFrame(
            {
                "month": pd.Series(dtype="datetime64[s]"),
                "status": pd.Series(dtype=str),
                "incidents": pd.Series(dtype="int64"),
            }
        )
    first, kinds = int(months.min()), len(status.categories)
    counts = np.bincount((months - first) * kinds + codes)
    cells = np.flatnonzero(counts)
    table = pd.DataFrame(
        {
            "month": (cells // kinds + first).astype("datetime64[M]").astype("datetime64[s]"),
            "status": np.asarray(status.categories.astype(str))[cells % kinds],
            "incidents": counts[cells],
        }
    )
    return table.sort_values(["month", "status"]).reset_index(drop=True)


def timeline_frame(
    everything: pd.DataFrame, chosen: Filters, in_view: pd.DataFrame
) -> pd.DataFrame:
    """The DPRK-origin incidents of ``everything`` that pass every filter of ``chosen`` but the
    dates: the timeline's months. ``in_view`` itself when no date is set (nothing to redo)."""
    if chosen.date_from is None and chosen.date_to is None:
        return in_view
    undated = apply(everything, replace(chosen, date_from=None, date_to=None))
    dprk = undated[DPRK].to_numpy(dtype=bool)
    return undated if dprk.all() else undated[dprk]


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return month_end(month) + timedelta(days=1)


def incident_months(frame: pd.DataFrame) -> list[date]:
    """The calendar months (their first days) holding an incident of ``frame``, ascending."""
    months = monthly_counts(frame)["month"].drop_duplicates()
    return [stamp.date() for stamp in months]


def calendar_months(first: date, last: date) -> list[date]:
    """Every calendar month from ``first``'s to ``last``'s (their first days): the slider's
    steps, empty months included so that its distances are time."""
    months, month = [], _month_start(first)
    while month <= last:
        months.append(month)
        month = _next_month(month)
    return months


def whole_months(first: date, last: date) -> tuple[date, date]:
    """The dates from the first day of ``first``'s month to the last day of ``last``'s."""
    return (_month_start(first), month_end(last))


def month_window(months: Sequence[date], dates: Dates) -> tuple[date, date]:
    """The first and last of ``months`` that the view's ``dates`` reach, for the month slider
    (an open end is the first or last month; a range outside them is clamped to them)."""
    start = _month_start(dates[0]) if dates[0] else months[0]
    end = _month_start(dates[1]) if dates[1] else months[-1]
    start = min(max(start, months[0]), months[-1])
    end = min(max(end, start), months[-1])
    return (start, end)


def window_dates(months: Sequence[date], window: tuple[date, date]) -> Dates:
    """The view's dates for a slider set to ``window`` over ``months``: whole months, an end at
    the first or last month left open (the view's link then carries no date for it)."""
    start, end = whole_months(*window)
    return (None if window[0] == months[0] else start, None if window[1] == months[-1] else end)


def _instant(value: object) -> datetime | None:
    """A brush end as Vega-Lite reports it (milliseconds since the epoch, UTC; or ISO text)."""
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            stamp = pd.Timestamp(value, unit="ms", tz=UTC)
        elif isinstance(value, str):
            stamp = pd.Timestamp(value)
            stamp = stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp.tz_convert(UTC)
        else:
            return None
    except (ValueError, OverflowError):
        return None
    return None if pd.isna(stamp) else stamp.to_pydatetime()


def _middle(month: date) -> datetime:
    start = datetime(month.year, month.month, month.day, tzinfo=UTC)
    return start + (datetime.combine(_next_month(month), start.timetz()) - start) / 2


def brushed(ends: object) -> tuple[date, date] | None:
    """The whole months a brush over the timeline covers: those whose middle lies inside it, or
    the month holding the brush's own middle when it is narrower than that. None for anything
    but two brush ends (a cleared brush reports none)."""
    if not isinstance(ends, list | tuple) or len(ends) != 2:
        return None
    instants = [_instant(end) for end in ends]
    if None in instants:
        return None
    start, end = sorted(i for i in instants if i is not None)
    first = _month_start(start.date())
    if _middle(first) < start:
        first = _next_month(first)
    last = _month_start(end.date())
    if _middle(last) > end:
        last = _month_start(last - timedelta(days=1))
    if first > last:
        first = last = _month_start((start + (end - start) / 2).date())
    return whole_months(first, last)


def play_step(months: Sequence[date], dates: Dates) -> tuple[date, date] | None:
    """The next step of "Play" through ``months`` (every calendar month of the timeline, empty
    ones included: see :func:`calendar_months`): the month after the
    one the view shows, when it shows one calendar month whole, else the first; None after the
    last."""
    if not months:
        return None
    start, end = dates
    if start is not None and start.day == 1 and end == month_end(start):
        later = bisect.bisect_right(months, start)
        if later == len(months):
            return None
        return whole_months(months[later], months[later])
    return whole_months(months[0], months[0])


def drawn_brush(months: Sequence[date], dates: Dates) -> tuple[date, date] | None:
    """The days the timeline's brush is drawn over for the view's ``dates`` (the end exclusive),
    an open end reaching the first or last of ``months``; None when no date is set, or no day
    lies in them."""
    start, end = dates
    if not months or (start is None and end is None):
        return None
    start, end = start or months[0], end or month_end(months[-1])
    return (start, end + timedelta(days=1)) if start <= end else None


def brush_ends(drawn: tuple[date, date]) -> list[int]:
    """A drawn brush's ends as Vega-Lite reports them: milliseconds since the epoch, UTC."""
    return [int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() * 1000) for d in drawn]


def _timeline_counts(frame: pd.DataFrame, in_dates: pd.DataFrame | None) -> pd.DataFrame:
    """Incidents per month and status, split into those in the view's dates (``in_dates``, all
    of ``frame`` when None) and those outside: columns month (ISO date), status, incidents, in."""
    counts = monthly_counts(frame).assign(inside=True)
    if in_dates is not None and in_dates is not frame:
        inside = monthly_counts(in_dates).rename(columns={"incidents": "shown"})
        counts = counts.merge(inside, on=["month", "status"], how="left")
        shown = counts.pop("shown").fillna(0).astype("int64")
        outside = counts.assign(incidents=counts["incidents"] - shown, inside=False)
        counts = pd.concat([counts.assign(incidents=shown), outside], ignore_index=True)
        counts = counts[counts["incidents"] > 0]
    # Dates as text, read by Vega-Lite as UTC days: the months are the same in every time zone.
    return counts.assign(month=counts["month"].dt.strftime("%Y-%m-%d")).reset_index(drop=True)


def _utc(day: date) -> alt.DateTime:
    return alt.DateTime(year=day.year, month=day.month, date=day.day, utc=True)


def timeline_chart(
    frame: pd.DataFrame,
    marks: pd.DataFrame,
    *,
    in_dates: pd.DataFrame | None = None,
    dates: Dates = (None, None),
) -> alt.LayerChart:
    """Stacked monthly bars by status, with the mandate's veto and expiry as dashed rules named
    in a legend (never as text in the plot, where labels of dates weeks apart collide).

    ``frame`` spans the months (see :func:`timeline_frame`); ``in_dates`` are its incidents in
    the view's ``dates`` (None: all): the others' bars are faint. The chart carries an interval
    selection on the months, :data:`BRUSH`, drawn over the view's dates.
    """
    # The statuses by their names in the language in force (the codes in English), named once.
    names = {code: status_name(code) for code in STATUS_COLOURS}
    counts = _timeline_counts(frame, in_dates)
    counts = counts.assign(status=counts["status"].map(names).fillna(counts["status"]))
    # The frame's months, from its counts (each month counts inside the dates or outside them).
    months = sorted({date.fromisoformat(month) for month in counts["month"]})
    drawn = drawn_brush(months, dates)
    brush = alt.selection_interval(
        name=BRUSH,
        encodings=["x"],
        value={"x": [_utc(day) for day in drawn]} if drawn else alt.Undefined,
    )
    bottom = alt.Legend(orient="bottom", direction="horizontal", columns=3, titleOrient="top")
    bars = (
        alt.Chart(counts)
        .mark_bar()
        .encode(
            x=alt.X(
                "utcyearmonth(month):T",
                title=None,
                axis=alt.Axis(format="%b %Y", labelOverlap=True, labelFlush=True),
            ),
            y=alt.Y(
                "incidents:Q",
                title=_("Incidents"),
                stack="zero",
                axis=alt.Axis(tickMinStep=1, format="d"),
            ),
            color=alt.Color(
                "status:N",
                title=_("Attribution"),
                scale=alt.Scale(domain=list(names.values()), range=list(STATUS_COLOURS.values())),
                legend=bottom,
            ),
            opacity=alt.Opacity(
                "inside:N",
                scale=alt.Scale(domain=[True, False], range=[1, OUTSIDE_OPACITY]),
                legend=None,
            ),
            order=alt.Order("inside:N", sort="descending"),
            tooltip=[
                alt.Tooltip("utcyearmonth(month):T", title=_("Month"), format="%B %Y"),
                alt.Tooltip("status:N", title=_("Attribution")),
                alt.Tooltip("incidents:Q", title=_("Incidents")),
            ],
        )
        .add_params(brush)
    )
    days = marks["date"].dt.strftime("%Y-%m-%d")
    named = marks.assign(mark=marks["label"] + " " + days, date=days)
    rules = (
        alt.Chart(named)
        .mark_rule(color="#333", strokeWidth=1.5)
        .encode(
            x="utcyearmonthdate(date):T",
            strokeDash=alt.StrokeDash(
                "mark:N",
                title=_("UN panel"),
                scale=alt.Scale(
                    domain=list(named["mark"]),
                    range=[_DASHES[i % len(_DASHES)] for i in range(len(named))],
                ),
                # Above the plot, one mark a line: never beside the other legend or each other.
                legend=alt.Legend(orient="top", direction="vertical", title=None, labelLimit=0),
            ),
            tooltip=[alt.Tooltip("mark:N", title=_("UN panel"))],
        )
    )
    return alt.LayerChart(layer=[bars, rules]).properties(height=320)


def counts_chart(points: pd.DataFrame) -> alt.LayerChart:
    """What officials have counted (:func:`dashboard.core.aggregates.points`): each statement a
    dated point at its figure, labelled with the count and who gave it. Its own chart and axis
    ("missiles launched, by the statement"), never stacked on the incident bars."""
    base = alt.Chart(points).encode(
        x=alt.X("day:T", title=None, axis=alt.Axis(format="%b %Y", labelOverlap=True)),
        y=alt.Y("count:Q", title=_("Launched, as stated"), scale=alt.Scale(zero=True)),
        tooltip=[
            alt.Tooltip("as_of:N", title=_("As of")),
            alt.Tooltip("label:N", title=_("Count")),
            alt.Tooltip("source:N", title=_("Source")),
            alt.Tooltip("grade:N", title=_("Grade")),
        ],
    )
    dots = base.mark_point(filled=True, size=70, color="#333")
    labels = base.mark_text(align="left", dx=7, dy=-7, fontSize=11, limit=320).encode(
        text="label:N"
    )
    return alt.LayerChart(layer=[dots, labels]).properties(height=220)


def launches_chart(monthly: pd.DataFrame) -> alt.Chart:
    """The Air Force's monthly "Iskander-M/KN-23" launches and how many it reported destroyed
    (:func:`dashboard.core.launches.aggregate_monthly`), as grouped bars on their own axis: a
    context series that cannot be told apart by weapon, never incidents."""
    # The two series by their names in the language in force (the legend and tooltips show them).
    names = {"launched": _("launched"), "destroyed": _("destroyed")}
    long = monthly.melt(
        id_vars=["month"], value_vars=list(names), var_name="count", value_name="n"
    ).dropna(subset=["n"])
    long = long.assign(count=long["count"].map(names))
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X(
                "utcyearmonth(month):T",
                title=None,
                axis=alt.Axis(format="%b %Y", labelOverlap=True),
            ),
            xOffset=alt.XOffset("count:N", sort=list(names.values())),
            y=alt.Y("n:Q", title=_("Missiles (Air Force reports)")),
            color=alt.Color(
                "count:N",
                title=None,
                sort=list(names.values()),
                scale=alt.Scale(range=["#555555", "#9ecae1"]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("utcyearmonth(month):T", title=_("Month"), format="%B %Y"),
                alt.Tooltip("count:N", title=_("Count")),
                alt.Tooltip("n:Q", title=_("Missiles")),
            ],
        )
        .properties(height=220)
    )
