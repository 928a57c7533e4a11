"""What the monitor shows for a view: the one assembly the page and the briefing command share.

Load the incidents (live or as of ``asof``), compute the panel's status for that day, keep only
the link's values the data has, filter, check the selected incident, count the headline figures
and find where the map looks. Pure: the caller passes how to load incidents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import numpy as np
import pandas as pd

from dashboard.core import filters, links
from dashboard.core.figures import Headline, headline
from dashboard.core.i18n import _
from dashboard.core.mandate import MandateStatus, status
from dashboard.core.schema import DEFAULT_PRECISION, PRECISION_RADIUS_M
from dashboard.core.view import Box, MapView, View, implied_view
from dashboard.core.weapons import DPRK, WEAPON_CLASS, classify

#: Loads the incidents as the store holds them now (``None``) or held them at a moment.
Loader = Callable[[datetime | None], pd.DataFrame]


class Empty(StrEnum):
    """Why a view shows no incident: each is told apart, so the page can say which."""

    #: "From" is after "to": no day is in the range.
    RANGE = "range"
    #: The store holds incidents, none of which passes the filters.
    NO_MATCH = "no-match"
    #: The store holds no incident at all (now, or at the view's moment).
    NO_DATA = "no-data"


@dataclass(frozen=True)
class Screen:
    """A view made concrete: its (checked) state, the incidents and what is drawn from them."""

    view: View
    notes: list[links.Ignored]
    everything: pd.DataFrame
    #: The DPRK-origin incidents that pass the filters: what the figures, chart and table count.
    in_view: pd.DataFrame
    #: The other incidents that pass them, when the view asks for context (else none, or the
    #: selected one when it is context): the map's muted layer, never counted.
    context: pd.DataFrame
    mandate: MandateStatus
    figures: Headline
    selected: pd.Series | None
    #: The weapons the data has, and the districts its counted incidents have: what the filters
    #: may offer.
    weapon_choices: list[str]
    district_choices: list[str]

    @property
    def empty(self) -> Empty | None:
        """Why no incident is in view, or None when some are."""
        if self.view.filters.impossible_range:
            return Empty.RANGE
        if not self.in_view.empty:
            return None
        return Empty.NO_MATCH if self.everything[DPRK].any() else Empty.NO_DATA

    @property
    def empty_message(self) -> str | None:
        """The one sentence the page shows for an empty view (plain text), or None."""
        chosen, reason = self.view.filters, self.empty
        if reason is Empty.RANGE:
            return _(
                "'From' ({start}) is after 'To' ({end}): no day is in this range. Change one "
                "of the dates, or clear one."
            ).format(start=chosen.date_from, end=chosen.date_to)
        if reason is Empty.NO_MATCH:
            return _(
                "No incident matches these filters. Loosen or clear a filter to see incidents."
            )
        if reason is Empty.NO_DATA:
            if self.view.asof is not None:
                return _("The store held no DPRK-origin incident at {moment}.").format(
                    moment=links.format_asof(self.view.asof)
                )
            return _("The store holds no DPRK-origin incident yet.")
        return None

    @property
    def context_total(self) -> int:
        """How many stored incidents (at the view's moment) are not DPRK-origin."""
        return int((~self.everything[DPRK].to_numpy(dtype=bool)).sum())

    @property
    def focus(self) -> tuple[float, float] | None:
        """The selected incident's place, where the map centres without a view of its own."""
        if self.selected is None:
            return None
        return (float(self.selected["latitude"]), float(self.selected["longitude"]))

    @property
    def selected_is_context(self) -> bool:
        """Whether the selected incident is context (not DPRK-origin): opened, never counted."""
        return self.selected is not None and not bool(self.selected[DPRK])

    @property
    def focus_radius(self) -> float:
        """The selected incident's uncertainty radius in metres (0 when nothing is selected):
        the map zooms to show its circle whole."""
        if self.selected is None:
            return 0
        precision = self.selected.get("geo_precision")
        level = DEFAULT_PRECISION if pd.isna(precision) else int(precision)
        return float(PRECISION_RADIUS_M.get(level, 0))

    @property
    def box(self) -> Box | None:
        """South, west, north and east of the incidents in view (None when there are none)."""
        if self.in_view.empty:
            return None
        lat, lon = self.in_view["latitude"], self.in_view["longitude"]
        return (float(lat.min()), float(lon.min()), float(lat.max()), float(lon.max()))

    @property
    def implied(self) -> MapView:
        """The map view this screen takes when the map was not moved: the selected incident's,
        else the one that fits the incidents in view."""
        return implied_view(self.focus, self.box, self.focus_radius)

    @property
    def map_view(self) -> MapView:
        """Where the map looks: the view's own map view, else the implied one."""
        return self.view.map_view or self.implied


def assemble(view: View, *, load: Loader, events: pd.DataFrame, today: date) -> Screen:
    """The screen for ``view``; ``notes`` name what the view asked for that the data lacks.

    Weapons and districts the data lacks are dropped (the widgets offer only the data's), and
    a selected incident not among those in view is deselected.
    """
    everything = classify(load(view.asof))  # a no-op for the page's cached, classified frames
    mandate = status(events, view.asof.date() if view.asof else today)
    weapons = filters.choices(everything, WEAPON_CLASS)
    # Only the districts of counted incidents: one of context alone would filter to nothing.
    counted = everything[DPRK].to_numpy(dtype=bool)
    districts = filters.choices(
        everything if counted.all() else everything.take(np.flatnonzero(counted)), "district"
    )
    view, missing = links.restrict(view, weapons=weapons, districts=districts)
    passing = filters.apply(everything, view.filters)
    dprk = passing[DPRK].to_numpy(dtype=bool)
    every = dprk.all()
    in_view = passing if every else passing.take(np.flatnonzero(dprk))
    # No take when none is context: an empty take still walks each Arrow column (20-30 ms at 1M).
    others = passing.iloc[0:0] if every else passing.take(np.flatnonzero(~dprk))
    rows = in_view.iloc[0:0]
    if view.incident is not None:
        rows = in_view[(in_view["incident_id"] == view.incident).to_numpy(dtype=bool)]
        if rows.empty:  # a context incident opens too (its record, and on the map)
            rows = others[(others["incident_id"] == view.incident).to_numpy(dtype=bool)]
    # The map's muted layer: the context asked for, else a selected context incident alone.
    context = others if view.filters.context else rows[~rows[DPRK].to_numpy(dtype=bool)]
    # The selected incident's row is all the check needs: no set of every id in view.
    view, absent = links.check_incident(view, rows["incident_id"].tolist())
    return Screen(
        view=view,
        notes=[*missing, *absent],
        everything=everything,
        in_view=in_view,
        context=context,
        mandate=mandate,
        figures=headline(in_view, mandate),
        selected=None if rows.empty else rows.iloc[0],
        weapon_choices=weapons,
        district_choices=districts,
    )
